"""Demo: 城东村 adopted and published its pact; about two thirds of households have pledged and
the committee has started knocking on the doors of the rest."""
from __future__ import annotations

import datetime as dt
import math
import random

from ..records import uuid7
from ..extensions import db
from ..records import utcnow

from ..hazards.service import open_hazard
from ..village.models import Household, Person, Village
from . import service
from .models import DoorVisit, Pledge
from .signature import HEIGHT, WIDTH, dumps


def demo_signature(rng: random.Random) -> str:
    """A plausible scrawl: two or three looping strokes across the box."""
    strokes = []
    x = rng.randint(40, 90)
    for _ in range(rng.randint(2, 3)):
        points = []
        width = rng.randint(110, 170)
        base = rng.randint(100, 150)
        for i in range(26):
            t = i / 25
            px = x + t * width + 14 * math.sin(t * 9 + rng.random())
            py = base + 38 * math.sin(t * 7.5 + rng.random() * 0.4) * (1 - 0.4 * t)
            points += [max(0, min(WIDTH, round(px))), max(0, min(HEIGHT, round(py)))]
        strokes.append(points)
        x += width + rng.randint(10, 30)
    return dumps(strokes)


def load(village: Village) -> None:
    if service.versions(village):
        return
    rng = random.Random(5)
    template = service.seed_template(village.township_code)
    pact = service.new_draft(village, uuid7(), template=template)
    chair = db.session.scalar(Person.live().where(Person.village_id == village.code, Person.name == "陈建国"))
    now = utcnow()
    pact.meeting_date = (now - dt.timedelta(days=40)).date()
    pact.attendance = 86
    pact.presided_by = chair.name if chair else "陈建国"
    pact.status = "adopted"
    pact.adopted_at = now - dt.timedelta(days=40)
    service.publish(pact)
    pact.published_at = now - dt.timedelta(days=38)
    confirmer = db.session.scalar(Person.live().where(Person.village_id == village.code, Person.name == "王德明"))
    households = service.households(village)
    # groups 1 and 2 have mostly pledged, 3 is halfway, 4 has barely started: a real door-to-door list
    share = {"第1组": 0.9, "第2组": 0.8, "第3组": 0.5, "第4组": 0.2}
    for i, household in enumerate(households):
        if rng.random() >= share.get(household.group_name or "", 0.5):
            continue
        when = now - dt.timedelta(days=37 - (i % 30), hours=rng.randint(0, 8))
        if household.note == "独居老人":
            db.session.add(Pledge(village_id=village.code, pact_id=pact.id, household_id=household.id,
                                  method="confirmed", confirmed_by=f"{confirmer.name if confirmer else '王德明'}（村委委员，入户代为确认）",
                                  recorded_at=when))
        else:
            db.session.add(Pledge(village_id=village.code, pact_id=pact.id, household_id=household.id,
                                  method="signature", signature=demo_signature(rng), recorded_at=when))
    db.session.flush()
    _visits(village, households, pact, rng, now)


def _visits(village: Village, households: list[Household], pact, rng: random.Random, now) -> None:
    pledged = service.pledges_for(pact)
    waiting = [h for h in households if h.id not in pledged]
    findings = [("ebike", "电动自行车在楼道内充电", False), ("gas", "液化气钢瓶放在卧室，已移至厨房", True),
                (None, None, None), ("wiring", "厨房电线私拉乱接，无漏电保护器", False)]
    for n, household in enumerate(waiting[:4]):
        visit = DoorVisit(id=uuid7(), village_id=village.code, household_id=household.id,
                          visited_on=(now - dt.timedelta(days=6 - n)).date(), visitors="林海燕、郑晓丽",
                          topics=["ebike", "wiring", "gas", "escape_items", "pact"][: 3 + n % 3],
                          note="户主外出务工，家中老人在" if n == 2 else None)
        db.session.add(visit)
        category, text, fixed = findings[n]
        if category:
            open_hazard(village_id=village.code, category=category, source="door_visit",
                        location=f"{household.house_number} {household.head_name}", description=text,
                        subject_kind="household", subject_id=household.id, found_by_kind="door_visit",
                        found_by_id=visit.id, fixed_on_spot=fixed)
            visit.hazards_found = 1
