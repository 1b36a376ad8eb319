"""The demo village's station: stocked like a real community station (DOMAIN.md) and last checked
more than a month ago, so the home screen shows a check overdue."""
from __future__ import annotations

import datetime as dt

from ..context import local_today
from ..extensions import db
from ..records import utcnow
from ..village import Person
from .checklist import current_template, seed_township_template, steps_for
from .models import Station, StationCheck, StationItem
from .service import answer_row

# (kind, spec, quantity, label, place, last serviced (days ago), expires in (days), test due in (days), note)
DEMO_INVENTORY = [
    ("motorcycle", "三轮", 1, "浙C·消01", "车库", None, None, None, "配水罐、水带卷盘"),
    ("pump", "JBQ5.5/8.6", 1, "B-2019-031", "车库", 200, None, None, ""),
    ("extinguisher", "MF/ABC2", 20, "MF2-001～020", "A架", 300, 65, None, "其中8具配发各村民小组"),
    ("hose", "13-65-20", 10, "H-01～10", "B架", None, None, None, ""),
    ("nozzle", "QZ3.5/7.5", 2, "", "B架", None, None, None, ""),
    ("breeching", "FJ80/65×3", 1, "", "B架", None, None, None, ""),
    ("hydrant_wrench", "", 1, "", "B架", None, None, None, ""),
    ("searchlight", "", 3, "SL-1～3", "充电柜", None, None, None, ""),
    ("turnout_suit", "含头盔、手套、靴、腰带", 4, "", "C架", None, None, None, ""),
    ("escape_hood", "TZL30", 6, "", "C架", None, 21, None, "有效期将至，已申请更换"),
    ("breathing_apparatus", "RHZKF6.8/30", 1, "BA-2022-07", "C架", 150, None, 400, "气瓶2022年检测"),
    ("rescue_rope", "8 mm × 15 m", 4, "", "C架", None, None, None, ""),
    ("axe", "", 1, "", "D架", None, None, None, ""),
    ("pry_bar", "", 1, "", "D架", None, None, None, ""),
    ("ladder", "6 m 二节", 1, "", "墙挂", None, None, None, ""),
    ("radio", "", 4, "R-1～4", "充电柜", None, None, None, ""),
]


def load_demo(village) -> None:
    if db.session.scalar(db.select(Station.id).where(Station.village_id == village.code).limit(1)):
        return
    seed_township_template(village.township_code)
    now = utcnow()
    today = local_today()
    people = {p.name: p for p in db.session.scalars(Person.live().where(Person.village_id == village.code))}
    chief = people.get("李伟")
    station = Station(village_id=village.code, name=f"{village.name}微型消防站", location="村委会一楼东侧车库",
                      chief_id=chief.id if chief else None, duty_phone="0577-63712119", check_interval_days=30)
    db.session.add(station)
    db.session.flush()

    def day(offset):
        return today + dt.timedelta(days=offset) if offset is not None else None

    for kind, spec, qty, label, place, serviced, expires, test, note in DEMO_INVENTORY:
        db.session.add(StationItem(
            village_id=village.code, station_id=station.id, kind=kind, spec=spec, quantity=qty, label=label,
            place=place, last_serviced_on=day(-serviced) if serviced else None, expires_on=day(expires),
            test_due_on=day(test), note=note))
    db.session.flush()

    # the last two monthly checks: 70 and 40 days ago, everything in order
    township = current_template(village.township_code, "township")
    volunteer = people.get("张磊") or chief
    for days_ago in (70, 40):
        when = now - dt.timedelta(days=days_ago)
        check = StationCheck(village_id=village.code, station_id=station.id, status="complete", reason="monthly",
                             township_template_id=township.id, started_by_id=volunteer.id if volunteer else None,
                             started_by_name=volunteer.name if volunteer else "", recorded_at=when,
                             finished_at=when + dt.timedelta(minutes=3),
                             finished_by_id=volunteer.id if volunteer else None,
                             finished_by_name=volunteer.name if volunteer else "")
        db.session.add(check)
        db.session.flush()
        steps = steps_for(check)
        for step in steps:
            db.session.add(answer_row(
                check, step, ok=True, count=step.expected, zone="green" if step.check_type == "gauge" else None,
                pressure_mpa=28.5 if step.check_type == "pressure" else None,
                answered_by_id=check.started_by_id, answered_at=when, recorded_at=when))
        check.total_steps = len(steps)
