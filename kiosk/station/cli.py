"""`flask station ...`: the township's side of the station."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..village import Township
from .checklist import seed_township_template

station_cli = AppGroup("station", help="The micro fire station.")


@station_cli.command("seed-checklist")
@click.option("--township", "township_code", default=None, help="9-digit code; default: every township")
def seed_checklist(township_code):
    """Issue the township default checklist (a new edition only when the defaults changed)."""
    codes = [township_code] if township_code else db.session.scalars(db.select(Township.code)).all()
    issued = sum(1 for code in codes if seed_township_template(code) is not None)
    db.session.commit()
    click.echo(f"{issued} checklist editions issued")
