"""``flask person``: roster members who sign in at the kiosk, added from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..auth import security
from ..extensions import db
from ..village.models import DUTIES, Person, Village
from .service import save_person


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
    code = village_code or current_app.config["VILLAGE_CODE"]
    if db.session.get(Village, code) is None:
        raise click.ClickException(f"no village {code}; load the demo or enrol the kiosk first")
    problem = security.pin_problem(pin)
    if problem:
        raise click.ClickException(problem)
    save_person(Person(village_id=code), name=name, phone=phone, post=None, duties=list(duties),
                trained=False, active=True, new_pin=pin)
    db.session.commit()
    click.echo(f"created {name} ({', '.join(duties)}) in {code}")
