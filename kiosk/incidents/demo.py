"""Demo: a kitchen fire in 城东村 some weeks ago, put out by the micro station before the brigade came."""
from __future__ import annotations

import datetime as dt

from ..context import Actor, from_local, local_today
from ..extensions import db
from ..records import uuid7
from ..village.models import Person, Village
from . import service


def load_demo(village: Village) -> None:
    day = local_today() - dt.timedelta(days=38)
    alarm = from_local(dt.datetime.combine(day, dt.time(18, 42)))
    crew = db.session.scalars(Person.live().where(Person.village_id == village.code,
                                                  Person.name.in_(["李伟", "张磊", "吴小军"])).order_by(Person.name)).all()
    service.record_incident(
        village.code, uuid7(), alarm_at=alarm, place="新村路 17 号一楼厨房", burned="kitchen", responders=crew,
        station_arrived_at=alarm + dt.timedelta(minutes=4), brigade_arrived_at=alarm + dt.timedelta(minutes=11),
        equipment_ids=[], handed_to="brigade", handed_to_name="县消防救援大队", casualties="",
        note="液化气软管老化漏气起火，住户用家里的灭火器扑救未果，微型消防站用灭火毯和干粉灭火器扑灭。",
        photos=[], actor=Actor(crew[0].id if crew else None, crew[0].name if crew else "", "person"))
