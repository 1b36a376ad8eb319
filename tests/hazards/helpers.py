"""Arranging the register for the stories: hazards, people, where a hazard stands."""
from __future__ import annotations

import io

from kiosk.extensions import db
from kiosk.hazards import service
from kiosk.hazards.models import Hazard, HazardState
from kiosk.village import Person
from tests.conftest import DEMO_VILLAGE
from tests.hydrants.helpers import jpeg  # noqa: F401  (a real JPEG for after-photos)


def new_hazard(app, village=DEMO_VILLAGE, **values) -> str:
    values = {"category": "blocked_passage", "source": "committee", "location": "老街12号后门", **values}
    with app.test_request_context():
        hazard = service.open_hazard(village_id=village, **values)
        db.session.commit()
        return hazard.id


def standing(app, hazard_id: str):
    with app.app_context():
        return service.standing(db.session.get(Hazard, hazard_id))


def cached(app, hazard_id: str) -> HazardState:
    """The local derived row the lists read."""
    with app.app_context():
        row = db.session.get(HazardState, hazard_id)
        db.session.expunge(row)
        return row


def facts(app, hazard_id: str) -> list[str]:
    with app.app_context():
        return [a.kind for a in service.facts_of(db.session.get(Hazard, hazard_id))]


def person_id(app, name: str) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Person.id).where(Person.name == name))


def code_of(app, hazard_id: str) -> str:
    with app.app_context():
        return db.session.get(Hazard, hazard_id).code


def photo(data: bytes | None = None, name="after.jpg"):
    return (io.BytesIO(data if data is not None else jpeg()), name)


def act(app, hazard_id: str, step: str, who: service.Who, **values):
    """A step taken directly through the service (for arranging, not for the story under test)."""
    with app.test_request_context():
        hazard = db.session.get(Hazard, hazard_id)
        getattr(service, step)(hazard, who, **values)
        db.session.commit()
