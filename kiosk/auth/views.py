"""The sign-in screens: names and the PIN pad at the kiosk, the password form of township staff."""
from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _

from ..context import current_village
from ..extensions import db
from ..village.models import Person
from ..web import hx_redirect, is_township, public, render, safe_next
from . import security
from .forms import PinForm, StaffLoginForm
from .models import KioskPin

bp = Blueprint("auth", __name__)


@bp.get("/signin")
@public
def signin():
    return render("auth/signin.html", people=security.people_with_pin(current_village()),
                  next=safe_next(request.args.get("next"), ""))


@bp.route("/signin/<person_id>", methods=["GET", "POST"])
@public
def pin_pad(person_id: str):
    person = db.session.get(Person, person_id)
    village = current_village()
    cred = db.session.get(KioskPin, person_id)
    if person is None or cred is None or person.deleted or not person.active or village is None \
            or person.village_id != village.code:
        abort(404)
    form = PinForm()
    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    if form.validate_on_submit():
        attempt = security.check_pin(cred, form.pin.data)
        if attempt.outcome == "ok":
            security.sign_in_person(person)
            return hx_redirect(next_url)
        if attempt.outcome == "locked":
            form.form_errors.append(_("Too many wrong PINs. This person is locked out until %(time)s.",
                                      time=format_time(attempt.locked_until, "short")))
        else:
            form.form_errors.append(_("Wrong PIN. %(n)d tries left before lock-out.", n=attempt.tries_left))
    return render("auth/pin.html", "auth/_pinpad.html", person=person, form=form, next=next_url)


@bp.post("/signout")
@public
def signout():
    """Anyone may sign out; the idle kiosk does it by itself."""
    security.sign_out()
    return hx_redirect(url_for("home.board"))


@bp.route("/staff/login", methods=["GET", "POST"])
@public
def staff_login():
    if not is_township():
        abort(404)
    form = StaffLoginForm()
    if form.validate_on_submit():
        attempt, user = security.check_password(form.username.data, form.password.data, request.remote_addr)
        if attempt.outcome == "ok":
            security.sign_in_staff(user)
            # staff come for the overview of their villages; the tile grid is one tap away
            return hx_redirect(safe_next(request.args.get("next"), url_for("supervision.index")))
        form.form_errors.append(_("Too many failed sign-ins. Try again later.") if attempt.outcome == "locked"
                                else _("User name or password is wrong."))
    return render("auth/staff_login.html", form=form)
