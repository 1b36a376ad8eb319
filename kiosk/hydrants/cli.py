"""``flask hydrants ...``: what the township sets from the command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..village import Township
from . import service

hydrants_cli = AppGroup("hydrants", help="Hydrants and fire water pools.")


@hydrants_cli.command("intervals")
@click.option("--township", "township_code", required=True, help="9-digit township code")
@click.option("--hydrant-months", type=click.IntRange(1, 12), required=True)
@click.option("--pool-months", type=click.IntRange(1, 12), required=True)
def intervals_command(township_code, hydrant_months, pool_months):
    """Set how often a township's hydrants and pools are due for inspection."""
    if db.session.get(Township, township_code) is None:
        raise click.ClickException(f"unknown township {township_code}")
    service.set_intervals(township_code, hydrant_months, pool_months)
    db.session.commit()
    click.echo(f"{township_code}: hydrants every {hydrant_months} months, pools every {pool_months}")


@hydrants_cli.command("refresh")
def refresh_command():
    """Derive every hydrant's and pool's checks per month and latest check again from the checks."""
    count = service.refresh_all_checks()
    db.session.commit()
    click.echo(f"refreshed {count} hydrants and pools")
