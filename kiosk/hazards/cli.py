"""``flask hazards …``: rebuild the derived state from the facts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from . import service

hazards_cli = AppGroup("hazards", help="The hazard register and its closed loop.")


@hazards_cli.command("refresh")
def refresh_command():
    """Derive every hazard's state again from its facts (the state is local: safe to rebuild)."""
    count = service.refresh_all()
    db.session.commit()
    click.echo(f"refreshed {count} hazards")
