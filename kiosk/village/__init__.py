"""The village this device serves, its organisation and households (models only; screens live in
``organisation``)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for

from ..extensions import db

from .models import DUTIES, Household, Person, Township, Village  # noqa: F401
from .reference import COUNTY_CODE, PINGYANG_TOWNSHIPS


def current_village() -> Village | None:
    """The kiosk's own village; on the township server, the village a staff member chose to look at
    (only one of their own township)."""
    if "village" in g:
        return g.village
    code = current_app.config.get("VILLAGE_CODE")
    if current_app.config["KIOSK_ROLE"] == "township":
        code = session.get("village_code")
    else:
        from .. import registry
        enrolled = registry.get().enrolled_village
        # after enrolment the kiosk serves the village it was enrolled for, whatever VILLAGE_CODE says
        code = (enrolled() if enrolled else None) or code
    village = db.session.get(Village, code) if code else None
    if village is not None and current_app.config["KIOSK_ROLE"] == "township":
        from ..auth.security import current_staff
        staff = current_staff()
        if staff is None or staff.township_code != village.township_code:
            village = None
    g.village = village
    return village


def village_or_404() -> Village:
    """The current village, or 404 (a township server where staff have not chosen one)."""
    village = current_village()
    if village is None:
        abort(404)
    return village


def record_or_404(model, record_id: str):
    """A live synced record of the current village, or 404: ids of other villages never resolve."""
    village = village_or_404()
    record = db.session.get(model, record_id)
    if record is None or record.deleted or record.village_id != village.code:
        abort(404)
    return record


def seed_townships() -> int:
    """Insert any Pingyang township that is missing. Safe to run again."""
    added = 0
    for code, name, klass in PINGYANG_TOWNSHIPS:
        if db.session.get(Township, code) is None:
            db.session.add(Township(code=code, name=name, county_code=COUNTY_CODE, station_class=klass))
            added += 1
    db.session.commit()
    return added


@click.group("village", cls=AppGroup, help="Townships and villages.")
def village_cli():
    pass


@village_cli.command("seed")
def village_seed():
    """Add Pingyang County's townships (safe to run again)."""
    click.echo(f"{seed_townships()} townships added")


@village_cli.command("add")
@click.option("--code", required=True, help="12-digit statistics code")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["village", "community"]), default="village")
def village_add(code, name, kind):
    """Add a village of a seeded township."""
    if len(code) != 12 or not code.isdigit():
        raise click.ClickException("a village code has 12 digits")
    if db.session.get(Township, code[:9]) is None:
        raise click.ClickException(f"unknown township {code[:9]}; run `flask village seed` first")
    if db.session.get(Village, code) is not None:
        raise click.ClickException(f"village {code} exists")
    db.session.add(Village(code=code, name=name, township_code=code[:9], kind=kind))
    db.session.commit()
    click.echo(f"added {code} {name}")


bp = Blueprint("village", __name__, url_prefix="/villages")


@bp.route("/", methods=["GET", "POST"])
def choose():
    """Township staff pick the village whose records they look at."""
    from ..auth.security import current_staff, role_required
    from ..web import render

    @role_required("staff")
    def view():
        staff = current_staff()
        villages = db.session.scalars(db.select(Village).where(Village.township_code == staff.township_code)
                                      .order_by(Village.code)).all()
        if request.method == "POST":
            code = request.form.get("code", "")
            if code not in {v.code for v in villages}:
                abort(404)
            session["village_code"] = code
            g.pop("village", None)
            return redirect(url_for("home.index"), 303)
        return render("village/choose.html", villages=villages, township=db.session.get(Township, staff.township_code))
    return view()


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_village"] = current_village
    app.cli.add_command(village_cli)
    app.register_blueprint(bp)
    from .. import registry
    from ..registry import Tile
    from flask_babel import lazy_gettext as _l
    registry.add_tile(app, Tile("villages", _l("Choose a village"), "village.choose", "home", 5,
                                roles=("township",)))
