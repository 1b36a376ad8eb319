"""``flask patrols ...``: what the township declares from the command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..records import uuid7
from ..village import Township
from . import service

patrols_cli = AppGroup("patrols", help="Night patrols.")


@patrols_cli.command("declare")
@click.option("--township", "township_code", required=True, help="9-digit township code")
@click.option("--name", required=True, help="e.g. 春节")
@click.option("--first", "first", type=click.DateTime(["%Y-%m-%d"]), required=True, help="first night")
@click.option("--last", "last", type=click.DateTime(["%Y-%m-%d"]), required=True, help="last night")
def declare_command(township_code, name, first, last):
    """Declare a key period: every night from FIRST to LAST is due in every village of the township."""
    if db.session.get(Township, township_code) is None:
        raise click.ClickException(f"unknown township {township_code}")
    if last < first:
        raise click.ClickException("the last night comes before the first")
    service.declare_period(township_code, uuid7(), {"name": name[:40], "starts_on": first.date(),
                                                    "ends_on": last.date(), "note": ""}, "command line")
    db.session.commit()
    nights = (last.date() - first.date()).days + 1
    click.echo(f"{township_code}: {name} from {first.date()} to {last.date()} ({nights} nights)")
