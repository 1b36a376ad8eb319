"""Demo: the township's winter key period (in force, twelve nights old) and 城东村's rented-housing
route with four checkpoints, patrolled on nine of the last twelve nights."""
from __future__ import annotations

import datetime as dt

from ..context import Actor, from_local, local_today
from ..extensions import db
from ..records import uuid7
from ..village.models import Person, Village
from . import service
from .models import KeyPeriod

CHECKPOINTS = [("新村路出租房", "rented_housing"), ("菜场电动车充电棚", "ebike"), ("城东农贸市场", "market"),
               ("村口消火栓", "hydrant")]
MISSED = (4, 7, 10)  # nights ago without a patrol


def load_demo(village: Village) -> None:
    today = local_today()
    township = village.township_code
    if db.session.scalar(db.select(KeyPeriod.id).where(KeyPeriod.village_id == township).limit(1)) is None:
        service.declare_period(township, uuid7(), {
            "name": "冬季防火重点时段", "starts_on": today - dt.timedelta(days=12),
            "ends_on": today + dt.timedelta(days=78), "note": "每晚22:00至次日06:00开展夜间巡查"}, "周立新")
    route = service.add_route(village.code, uuid7(), "城东出租房片区", "沿新村路、菜场、农贸市场到村口")
    points = [service.add_checkpoint(route, uuid7(), name, kind) for name, kind in CHECKPOINTS]
    db.session.flush()
    walkers = db.session.scalars(Person.live().where(Person.village_id == village.code,
                                                     Person.name.in_(["黄志强", "周杰"])).order_by(Person.name)).all()
    leader = Actor(walkers[0].id, walkers[0].name, "person") if walkers else Actor(None, None, "anonymous")
    for ago in range(12, 0, -1):
        if ago in MISSED:
            continue
        night = today - dt.timedelta(days=ago)
        start = service.on_the_night(night, dt.time(22, 5))
        reached = {p.id: from_local(start + dt.timedelta(minutes=12 * (n + 1)))
                   for n, p in enumerate(points if ago % 3 else points[:3])}
        service.record_run(village.code, uuid7(), route=route, started_at=from_local(start),
                           ended_at=from_local(start + dt.timedelta(minutes=70)), patrollers=walkers,
                           reached=reached, note="", actor=leader)
