"""Sync, as people see it: the kiosk's status bar and sync screen, conflicts to settle (both roles),
and the glue between ``sync/`` (which knows no feature) and this application: its CLI, the server
endpoints in the township role, reference rows handed over at enrolment."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

import sync

from ..extensions import db

from .. import registry
from ..registry import Tile
from .status import status_text
from .views import bp, conflicts_badge, sync_badge


def _store_reference(reply: dict) -> None:
    """The township hands over its own and the village's reference rows at enrolment."""
    from ..village import Township, Village
    ref = reply.get("reference") or {}
    t, v = ref.get("township"), ref.get("village")
    if t and db.session.get(Township, t["code"]) is None:
        db.session.add(Township(code=t["code"], name=t["name"], county_code=t["county_code"],
                                station_class=t.get("station_class", 3)))
        db.session.flush()
    if v:
        village = db.session.get(Village, v["code"]) or Village(code=v["code"])
        village.name, village.township_code, village.kind = v["name"], v["township_code"], v.get("kind", "village")
        db.session.add(village)


def _reference_for(village_code: str) -> dict:
    from ..village import Township, Village
    village = db.session.get(Village, village_code)
    township = db.session.get(Township, village_code[:9])
    out = {}
    if township is not None:
        out["township"] = {"code": township.code, "name": township.name, "county_code": township.county_code,
                           "station_class": township.station_class}
    if village is not None:
        out["village"] = {"code": village.code, "name": village.name, "township_code": village.township_code,
                          "kind": village.kind}
    return out


def _enrolled_village() -> str | None:
    try:
        return db.session.scalar(db.select(sync.SyncState.village_code).where(sync.SyncState.id == 1))
    except Exception:  # not migrated yet
        db.session.rollback()
        return None


def init_app(app: Flask) -> None:
    township = app.config["KIOSK_ROLE"] == "township"
    app.register_blueprint(bp)
    hooks = app.extensions["sync"]
    if township:
        hooks.reference.append(_reference_for)
        registry.add_tile(app, Tile("conflicts", _l("Sync conflicts"), "syncui.conflicts", "sync", 85,
                                    badge=conflicts_badge, roles=("township",)))
    else:
        hooks.on_enrol.append(_store_reference)
        registry.set_status(app, status_text)
        registry.get(app).enrolled_village = _enrolled_village
        registry.add_tile(app, Tile("sync", _l("Sync"), "syncui.index", "sync", 80, badge=sync_badge,
                                    roles=("village",)))
