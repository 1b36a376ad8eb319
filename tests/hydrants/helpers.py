"""Looking things up in the demo village's hydrant registry, for the tests."""
from __future__ import annotations

import io

from PIL import Image

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from kiosk.hydrants.models import Hydrant, HydrantInspection, PoolCheck, ProblemReport, WaterPool

# demo hydrants by where they stand (kiosk/hydrants/demo.py)
FINE = "村委会大楼门口"
OVERDUE = "农贸市场北门"
DEFECT = "东河桥头"
REPORTED = "村北工业点路口"
POOL = "东山消防水池"


def hydrant(app, location: str = FINE) -> Hydrant:
    with app.app_context():
        found = db.session.scalar(db.select(Hydrant).where(Hydrant.location == location))
        db.session.expunge(found)
        return found


def pool(app, name: str = POOL) -> WaterPool:
    with app.app_context():
        found = db.session.scalar(db.select(WaterPool).where(WaterPool.name == name))
        db.session.expunge(found)
        return found


def fresh(app, model, record_id):
    with app.app_context():
        found = db.session.get(model, record_id)
        if found is not None:
            db.session.expunge(found)
        return found


def state(app, asset) -> str:
    """What the register, the plot and the resident's page show: fine, defect, reported..."""
    from kiosk.hydrants.service import state_of
    with app.test_request_context():
        return state_of(db.session.get(type(asset), asset.id)).state


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def reports(app, asset_id: str) -> int:
    return count(app, ProblemReport, ProblemReport.asset_id == asset_id)


def inspections(app, hydrant_id: str) -> int:
    return count(app, HydrantInspection, HydrantInspection.hydrant_id == hydrant_id)


def pool_checks(app, pool_id: str) -> int:
    return count(app, PoolCheck, PoolCheck.pool_id == pool_id)


def hazards_about(app, subject_id: str, source: str | None = None) -> list[Hazard]:
    with app.app_context():
        query = db.select(Hazard).where(Hazard.subject_id == subject_id)
        if source:
            query = query.where(Hazard.source == source)
        found = db.session.scalars(query.order_by(Hazard.recorded_at)).all()
        for h in found:
            db.session.expunge(h)
        return found


def jpeg(size=(640, 480), colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=85)
    return out.getvalue()


def all_pass(**overrides) -> dict:
    from kiosk.hydrants.models import INSPECTION_ITEMS
    data = {f"item_{k}": "pass" for k in INSPECTION_ITEMS}
    data.update(overrides)
    return data
