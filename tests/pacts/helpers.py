"""Shared steps of the pact stories: find things in the demo village, make signatures."""
from __future__ import annotations

import json
import re
import uuid

from kiosk.extensions import db
from kiosk.pacts import queries
from kiosk.pacts.models import Pact, Pledge
from kiosk.records import uuid7
from kiosk.village.models import Household, Village

VILLAGE = "330326100201"


def village():
    return db.session.get(Village, VILLAGE)


def current(app) -> Pact:
    with app.app_context():
        pact = queries.current_pact(village())
        db.session.expunge(pact)
        return pact


def household(app, number: str) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Household.id).where(Household.house_number == number))


def unpledged(app) -> list[tuple[str, str]]:
    """(id, house number) of households without a pledge to the current pact."""
    with app.app_context():
        v = village()
        return [(h.id, h.house_number) for h in queries.not_pledged(v, queries.current_pact(v))]


def pledge_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Pledge))


def signature(strokes=None) -> str:
    """What the pad posts for a short scrawl."""
    strokes = strokes or [[50, 120, 80, 90, 110, 140, 140, 80, 170, 150, 200, 100],
                          [260, 60, 262, 180], [300, 120, 340, 110, 380, 130, 420, 100]]
    return json.dumps({"v": 1, "w": 600, "h": 240, "s": strokes})


def pledge_form(client, household_id: str) -> dict:
    """Open the pledge page and read its hidden fields, as the browser would."""
    page = client.get(f"/pact/pledge/{household_id}").get_data(as_text=True)
    fields = dict(re.findall(r'name="(client_id|pact_id)" value="([^"]*)"', page))
    assert uuid.UUID(fields["client_id"])
    return fields


def new_id() -> str:
    return uuid7()


def sent_twice_at_once(send_first, send_second, client_id: str):
    """A double tap: the second copy of a form arrives while the first is being saved.

    The first copy has checked that nothing with ``client_id`` exists; just before it writes (its
    flush), the second copy is sent in full from another thread and commits first. Returns both
    answers: (the first copy's, the second copy's)."""
    import threading

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    answers = {}

    def second_copy_overtakes(session, _context, _instances):
        if answers or not any(getattr(o, "id", None) == client_id for o in session.new):
            return
        answers["second"] = None  # once: the second copy's own flush passes through here too
        thread = threading.Thread(target=lambda: answers.update(second=send_second()))
        thread.start()
        thread.join(30)

    # ahead of change capture, whose own before_flush already writes (the outbox counter)
    event.listen(Session, "before_flush", second_copy_overtakes, insert=True)
    try:
        first = send_first()
    finally:
        event.remove(Session, "before_flush", second_copy_overtakes)
    assert answers.get("second") is not None, "the second copy did not overtake the first"
    return first, answers["second"]
