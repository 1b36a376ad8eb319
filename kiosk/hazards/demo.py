"""The demo village's register: a hazard at each step of the loop, one of them past its deadline.
(Hydrants, the station and the pact's door visits open their own hazards in their demos.)"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..extensions import db
from ..records import utcnow
from ..village.models import Person, Village
from . import service
from .service import Who


def _who(village: Village, name: str) -> Who:
    person = db.session.scalar(Person.live().where(Person.village_id == village.code, Person.name == name))
    return Who("person", person.id, person.name)


def _backdate(hazard, days_ago: list[float]) -> None:
    """Move the hazard ``days_ago[0]`` days into the past and its facts ``days_ago[1:]`` days, with the
    deadlines they carry: a demo register has history."""
    now = utcnow()
    back = hazard.recorded_at - (now - dt.timedelta(days=days_ago[0]))
    hazard.recorded_at, hazard.respond_by, hazard.fix_by = (hazard.recorded_at - back, hazard.respond_by - back,
                                                            hazard.fix_by - back)
    for fact, days in zip(service.facts_of(hazard), days_ago[1:]):
        moved = now - dt.timedelta(days=days)
        if fact.deadline is not None:
            fact.deadline -= fact.recorded_at - moved
        fact.recorded_at = moved
    db.session.flush()
    service.refresh([hazard.id])


def load_demo(village: Village) -> None:
    manager, grid = _who(village, "林海燕"), _who(village, "郑晓丽")
    patrol, head = _who(village, "黄志强"), _who(village, "陈建国")
    people = {p.name: p for p in db.session.scalars(sa.select(Person).where(Person.village_id == village.code))}

    # a serious one with a notice whose deadline has passed: escalated on the register and the board
    ebike = service.open_hazard(village_id=village.code, category="ebike", source="door_visit",
                                location="3组12号 楼道", severity="serious",
                                description="楼道里停放三辆电动车，其中一辆接插线板充电")
    service.assign(ebike, manager, person=people["郑晓丽"])
    service.issue_notice(ebike, manager, days=7, today=utcnow().date())
    service.progress(ebike, grid, phrase="owner_will_fix", note="房东说等租户回来")
    _backdate(ebike, [12, 12, 11, 6])

    # fixed by the patrol, waiting for someone else to check it
    stack = service.open_hazard(village_id=village.code, category="combustibles", source="patrol",
                                location="老街菜场后巷", description="纸箱和泡沫箱堆到屋檐下")
    service.assign(stack, manager, person=people["黄志强"])
    service.fix(stack, patrol, phrase="cleared", note="店主已搬走")
    _backdate(stack, [5, 5, 1])

    # new this morning
    wiring = service.open_hazard(village_id=village.code, category="wiring", source="committee",
                                 location="村文化礼堂配电箱", description="配电箱门关不上，有临时拉线")
    _backdate(wiring, [0.1])

    # fixed on the spot on a door visit
    gas = service.open_hazard(village_id=village.code, category="gas", source="door_visit",
                              location="2组05号 厨房", description="液化气瓶软管老化", fixed_on_spot=True)
    _backdate(gas, [20, 20])

    # the whole loop, closed last month
    lane = service.open_hazard(village_id=village.code, category="blocked_passage", source="committee",
                               location="村委会东侧消防通道", severity="serious",
                               description="消防通道被建材堵住")
    service.assign(lane, manager, person=people["陈建国"])
    service.fix(lane, head, phrase="cleared")
    service.verify(lane, manager, phrase="rechecked_on_site")
    _backdate(lane, [35, 35, 31, 30])
