"""``flask village``: the technician's commands for townships and villages."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .service import VillageError, add_village, seed_townships


@click.group("village", cls=AppGroup, help="Townships and villages.")
def village_cli():
    pass


@village_cli.command("seed")
def village_seed():
    """Add Pingyang County's townships (safe to run again)."""
    added = seed_townships()
    db.session.commit()
    click.echo(f"{added} townships added")


@village_cli.command("add")
@click.option("--code", required=True, help="12-digit statistics code")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["village", "community"]), default="village")
def village_add(code, name, kind):
    """Add a village of a seeded township."""
    try:
        add_village(code, name, kind)
    except VillageError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"added {code} {name}")
