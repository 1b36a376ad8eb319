"""``flask demo load``: the Pingyang demo village, for `make run` and anyone trying the kiosk."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..organisation.demo import demo_pins
from .service import DEMO_VILLAGE, load_demo


@click.group("demo", cls=AppGroup, help="The Pingyang demo village.")
def demo_cli():
    pass


@demo_cli.command("load")
def demo_load():
    """Load the demo village (does nothing when it is already there) and print the demo PINs."""
    loaded = load_demo()
    click.echo("demo village loaded" if loaded else "demo village already present; nothing changed")
    if current_app.config["VILLAGE_CODE"] != DEMO_VILLAGE[0]:
        click.echo(f"note: this kiosk serves VILLAGE_CODE={current_app.config['VILLAGE_CODE']}, "
                   f"the demo is {DEMO_VILLAGE[0]}")
    click.echo("Demo sign-in PINs (tap your name, then the PIN):")
    for name, duties, pin in demo_pins():
        click.echo(f"  {name:<4}  PIN {pin}   ({duties})")
