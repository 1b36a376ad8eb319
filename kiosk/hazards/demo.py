"""The demo village's register: a hazard at each step of the loop, one of them past its deadline.
(Hydrants, the station and the pact's door visits open their own hazards in their demos.)"""
from __future__ import annotations

import datetime as dt

from ..extensions import db
from ..records import utcnow
from ..village.models import Person, Village
from . import service
from .models import HazardAction
from .service import Who


class _Story:
    """One hazard with a history: reported ``days`` ago, then facts on the days given. The facts are
    written as they would have been (in order, each flushed so that its clock value follows the one
    before), never edited afterwards."""

    def __init__(self, village: Village, days: float, **values):
        self.now = utcnow()
        self.hazard = service.open_hazard(village_id=village.code, **values)
        back = dt.timedelta(days=days)
        h = self.hazard
        h.recorded_at, h.respond_by, h.fix_by = h.recorded_at - back, h.respond_by - back, h.fix_by - back
        db.session.flush()

    def then(self, days_ago: float, kind: str, who: Who, **values) -> "_Story":
        at = self.now - dt.timedelta(days=days_ago)
        db.session.add(HazardAction(village_id=self.hazard.village_id, hazard_id=self.hazard.id, kind=kind,
                                    actor_kind=who.kind, actor_id=who.id, actor_name=who.name, recorded_at=at,
                                    **values))
        db.session.flush()
        return self

    def done(self) -> None:
        service.refresh([self.hazard.id])


def load_demo(village: Village) -> None:
    people = {p.name: p for p in db.session.scalars(Person.live().where(Person.village_id == village.code))}

    def who(name):
        return Who("person", people[name].id, name)

    def to(name):
        p = people[name]
        return dict(assignee_kind="person", assignee_id=p.id, assignee_name=p.name, assignee_role=service.role_of(p))

    manager = who("林海燕")
    # a serious one with a notice whose deadline has passed: escalated on the register and the board
    ebike = _Story(village, 12, category="ebike", source="door_visit", location="3组12号 楼道", severity="serious",
                   description="楼道里停放三辆电动车，其中一辆接插线板充电")
    ebike.then(12, "assigned", manager, **to("郑晓丽"))
    ebike.then(11, "notice_issued", manager, notice_no=service.notice_number(ebike.hazard, utcnow().date()),
               deadline=ebike.now - dt.timedelta(days=4))
    ebike.then(6, "progress", who("郑晓丽"), phrase="owner_will_fix", note="房东说等租户回来").done()

    # fixed by the patrol, waiting for someone else to check it
    _Story(village, 5, category="combustibles", source="patrol", location="老街菜场后巷",
           description="纸箱和泡沫箱堆到屋檐下") \
        .then(5, "assigned", manager, **to("黄志强")) \
        .then(1, "fixed", who("黄志强"), phrase="cleared", note="店主已搬走").done()

    # new this morning
    _Story(village, 0.1, category="wiring", source="committee", location="村文化礼堂配电箱",
           description="配电箱门关不上，有临时拉线").done()

    # fixed on the spot on a door visit
    _Story(village, 20, category="gas", source="door_visit", location="2组05号 厨房",
           description="液化气瓶软管老化").then(20, "closed_on_spot", who("郑晓丽"), phrase="cylinder_removed").done()

    # the whole loop, closed last month
    _Story(village, 35, category="blocked_passage", source="committee", location="村委会东侧消防通道",
           severity="serious", description="消防通道被建材堵住") \
        .then(35, "assigned", manager, **to("陈建国")) \
        .then(31, "fixed", who("陈建国"), phrase="cleared") \
        .then(30, "verified", manager, phrase="rechecked_on_site").done()
