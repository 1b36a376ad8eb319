"""Signing in: PIN pad on the kiosk for the village organisation, passwords for township staff."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db

from ..village import Person, Township, current_village
from ..village.models import DUTIES
from ..web import hx_redirect, is_township, render, safe_next
from . import security
from .models import KioskPin, StaffUser
from .security import current_person, current_staff, may, role_required  # noqa: F401

bp = Blueprint("auth", __name__)


class PinForm(FlaskForm):
    pin = PasswordField(_l("PIN"), validators=[DataRequired(message=_l("Enter your PIN."))])


class StaffLoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=_l("Enter your user name.")),
                                                         Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                          Length(max=200)])


def _people_with_pin():
    village = current_village()
    if village is None:
        return []
    return db.session.scalars(
        Person.live().join(KioskPin, KioskPin.person_id == Person.id)
        .where(Person.village_id == village.code, Person.active.is_(True)).order_by(Person.name)).all()


@bp.get("/signin")
def signin():
    return render("auth/signin.html", people=_people_with_pin(), next=safe_next(request.args.get("next"), ""))


@bp.route("/signin/<person_id>", methods=["GET", "POST"])
def pin_pad(person_id: str):
    person = db.session.get(Person, person_id)
    village = current_village()
    cred = db.session.get(KioskPin, person_id)
    if person is None or cred is None or person.deleted or not person.active or village is None \
            or person.village_id != village.code:
        abort(404)
    form = PinForm()
    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    error, status = None, 200
    if form.validate_on_submit():
        outcome = security.check_pin(cred, form.pin.data)
        db.session.commit()
        if outcome == "ok":
            security.sign_in_person(person)
            return hx_redirect(next_url)
        status = 422
        if outcome == "locked":
            error = _("Too many wrong PINs. This person is locked out until %(time)s.",
                      time=_format_time(cred.locked_until))
        else:
            error = _("Wrong PIN. %(n)d tries left before lock-out.",
                      n=security.attempts_left(cred, current_app.config["PIN_MAX_FAILURES"]))
    elif request.method == "POST":
        status = 422
        error = form.pin.errors[0] if form.pin.errors else None
    return render("auth/pin.html", "auth/_pinpad.html", status=status, person=person, form=form,
                  error=error, next=next_url)


def _format_time(value):
    from flask_babel import format_time
    return format_time(value, "short")


@bp.post("/signout")
def signout():
    security.sign_out()
    return redirect(url_for("home.board"), 303)


@bp.route("/staff/login", methods=["GET", "POST"])
def staff_login():
    if not is_township():
        abort(404)
    form = StaffLoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == form.username.data.strip()))
        outcome = security.check_password(user, form.password.data) if user and user.active else "wrong"
        db.session.commit()
        if outcome == "ok":
            security.sign_in_staff(user)
            return redirect(safe_next(request.args.get("next"), url_for("home.index")), 303)
        status = 422
        error = (_("Too many failed sign-ins. Try again later.") if outcome == "locked"
                 else _("User name or password is wrong."))
    elif request.method == "POST":
        status = 422
    return render("auth/staff_login.html", status=status, form=form, error=error)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(security.enforce_idle_timeout)
    app.jinja_env.globals.update(current_person=current_person, current_staff=current_staff, may=may)
    app.cli.add_command(person_cli)
    app.cli.add_command(staff_cli)


@click.group("person", cls=AppGroup, help="People of the village organisation.")
def person_cli():
    pass


@person_cli.command("create")
@click.option("--name", required=True)
@click.option("--pin", required=True, help="4 to 8 digits")
@click.option("--duty", "duties", multiple=True, type=click.Choice(sorted(DUTIES)), default=["volunteer"])
@click.option("--phone", default=None)
@click.option("--village", "village_code", default=None, help="12-digit code; default: this kiosk's village")
def person_create(name, pin, duties, phone, village_code):
    """Create a person who can sign in at the kiosk with a PIN."""
    from ..village import Village
    code = village_code or current_app.config["VILLAGE_CODE"]
    if db.session.get(Village, code) is None:
        raise click.ClickException(f"no village {code}; load the demo or enrol the kiosk first")
    problem = security.pin_problem(pin)
    if problem:
        raise click.ClickException(problem)
    person = Person(village_id=code, name=name, phone=phone, duties=list(duties), active=True)
    db.session.add(person)
    db.session.flush()
    security.set_pin(person, pin)
    db.session.commit()
    click.echo(f"created {name} ({', '.join(duties)}) in {code}")


@click.group("staff", cls=AppGroup, help="Township station staff accounts.")
def staff_cli():
    pass


@staff_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--township", "township_code", required=True)
@click.password_option()
def staff_create(username, name, township_code, password):
    """Create a township staff account with a password."""
    if db.session.get(Township, township_code) is None:
        raise click.ClickException(f"unknown township {township_code}")
    if len(password) < 10:
        raise click.ClickException("a staff password has at least 10 characters")
    user = StaffUser(username=username, name=name, township_code=township_code,
                     password_hash=security.hasher().hash(password))
    db.session.add(user)
    db.session.commit()
    click.echo(f"created staff {username}")
