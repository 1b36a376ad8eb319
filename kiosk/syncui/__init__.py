"""Sync, as people see it: the kiosk's status bar and sync screen, conflicts and held rows to settle
(both roles), and the glue between ``sync/`` (which knows no feature) and this application: reference
rows handed over at enrolment, the enrolled village, a new code for a held hydrant or pool."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

import sync

from .. import registry
from ..registry import Tile
from . import service
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    registry.add_script(app, "js/syncui.js")
    hooks = app.extensions["sync"]
    for table in ("hydrant", "water_pool"):
        sync.register_new_key(app, table, service.new_hydrant_code)
    if app.config["KIOSK_ROLE"] == "township":
        hooks.reference.append(service.reference_for)
        registry.add_tile(app, Tile("conflicts", _l("Sync conflicts"), "syncui.conflicts", "sync", 85,
                                    badge=service.conflicts_badge, roles=("township",)))
    else:
        hooks.on_enrol.append(service.store_reference)
        hooks.village = service.home_village
        registry.set_status(app, service.status_text)
        registry.get(app).enrolled_village = service.enrolled_village
        registry.get(app).enrolled_server = service.enrolled_server
        registry.add_tile(app, Tile("sync", _l("Sync"), "syncui.index", "sync", 80, badge=service.sync_badge,
                                    roles=("village",)))
