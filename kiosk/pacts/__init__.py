"""The fire pact (防火公约) and the household pledges and door-to-door visits it drives.

The committee drafts the pact from the township's template, records its adoption at a villagers'
meeting and publishes it: the notice board rotates it and a poster prints with a QR code to the
phone version. Households pledge at the kiosk; those who have not are the door-to-door list.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db

from .. import registry
from ..registry import Tile
from ..context import current_village
from ..village import Township
from . import pledges, service, views, visits  # noqa: F401  (routes)
from .common import bp, public_bp
from .demo import load as load_demo

# clauses per notice-board slide: as many as fit at 800x480 in slide type
SLIDE_CHARS = 150
SLIDE_CLAUSES = 3


def _slides():
    village = current_village()
    pact = service.current_pact(village)
    if pact is None:
        return []
    clauses = service.clauses_of(pact)
    pages, page, size = [], [], 0
    for number, clause in enumerate(clauses, start=1):
        if page and (size + len(clause.text) > SLIDE_CHARS or len(page) >= SLIDE_CLAUSES):
            pages.append(page)
            page, size = [], 0
        page.append((number, clause.text))
        size += len(clause.text)
    if page:
        pages.append(page)
    total, _groups = service.progress(village, pact)
    return [("pacts/_slide.html", {"pact": pact, "clauses": items, "page": i + 1, "pages": len(pages),
                                   "total": total, "first": i == 0})
            for i, items in enumerate(pages)]


def _badge():
    village = current_village()
    if village is None:
        return None
    pact = service.current_pact(village)
    if pact is None:
        return (_("Not yet published"), "warn")
    total, _groups = service.progress(village, pact)
    return (_("%(done)d of %(total)d households pledged", done=total.pledged, total=total.total),
            "ok" if total.total and total.pledged == total.total else "warn")


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


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    app.cli.add_command(pact_cli)
    registry.add_tile(app, Tile("pact", _l("Fire pact"), "pacts.index", "scroll", 10, badge=_badge))
    registry.add_slides(app, _slides, order=10)
    registry.add_demo(app, "pacts", load_demo, order=40)
