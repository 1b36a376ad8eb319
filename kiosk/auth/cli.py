"""``flask staff``: township station staff accounts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..village.models import Township
from . import security


@click.group("staff", cls=AppGroup, help="Township station staff accounts.")
def staff_cli():
    pass


@staff_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--township", "township_code", required=True)
@click.option("--county", is_flag=True, help="oversee every township of the township's county")
@click.password_option()
def staff_create(username, name, township_code, county, password):
    """Create a township staff account with a password (--county: a county account)."""
    if db.session.get(Township, township_code) is None:
        raise click.ClickException(f"unknown township {township_code}")
    if len(password) < 10:
        raise click.ClickException("a staff password has at least 10 characters")
    security.add_staff_user(username, name, township_code, password, scope="county" if county else "township")
    db.session.commit()
    click.echo(f"created {'county ' if county else ''}staff {username}")
