"""`flask pact ...`: the township's model pact."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..village.models import Township
from . import service

pact_cli = AppGroup("pact", help="The fire pact: township templates.")


@pact_cli.command("seed-template")
@click.option("--township", "township_code", required=True, help="9-digit township code")
def seed_template_command(township_code):
    """Issue the model pact (示范文本) for a township (safe to run again)."""
    if db.session.get(Township, township_code) is None:
        raise click.ClickException(f"unknown township {township_code}; run `flask village seed` first")
    template = service.seed_template(township_code)
    db.session.commit()
    click.echo(f"template {template.id} for {township_code}: {len(template.clauses)} clauses")
