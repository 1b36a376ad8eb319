"""Township side of enrolment: one-time codes for new kiosks (text and QR), the device list
(village, last sync, pending, clock offset, app version) and revocation."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Summary, Tile
from .service import SUMMARY_FIGURES, badge, township_status, village_summaries
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config["KIOSK_ROLE"] == "township":
        registry.set_status(app, township_status)
    registry.add_tile(app, Tile("devices", _l("Kiosks"), "devices.index", "qr", 90, badge=badge,
                                roles=("township",)))
    # each kiosk's last sync on the township's overview
    registry.add_summary(app, Summary("kiosks", _l("Kiosks"), village_summaries, SUMMARY_FIGURES, order=90))
