"""Demo: 城东村's plan from two months ago to the end of the year (two broadcasts a month, door to
door in winter, a drill each quarter) and what it has done lately: broadcasts, a fire-tricycle tour,
a talk and a training of the volunteer team that 周杰 missed (so the station still counts three
trained members)."""
from __future__ import annotations

import datetime as dt

from ..context import Actor, local_today
from ..extensions import db
from ..records import uuid7
from ..village.models import Person, Village
from . import service


def load_demo(village: Village) -> None:
    today = local_today()
    people = {p.name: p for p in db.session.scalars(Person.live().where(Person.village_id == village.code))}
    chen = people.get("陈建国")
    actor = Actor(chen.id if chen else None, chen.name if chen else "", "person")
    start = (today - dt.timedelta(days=60)).month if today.month > 2 else 1
    for year in (today.year,):
        for month in range(start, 13):
            counts = {"broadcast": 2, "door_to_door": 1 if month in (1, 2, 11, 12) else 0,
                      "drill": 1 if month in (3, 6, 9, 12) else 0, "training": 1 if month in (4, 10) else 0,
                      "tricycle": 1 if month in (1, 2, 10, 11, 12) else 0}
            service.set_planned(village.code, year, month, counts)
    db.session.flush()

    def held(days_ago, kind, place, topic, reached, organisers, attendees=()):
        service.record_activity(
            village.code, uuid7(), kind=kind, held_on=today - dt.timedelta(days=days_ago), ends_on=None,
            place=place, topic=topic, organisers=[people[n] for n in organisers if n in people], reached=reached,
            attendees=[people[n] for n in attendees if n in people], note="", photos=[], actor=actor)

    held(3, "broadcast", "村广播", "冬季防火：电动车不进楼入户充电", 600, ["林海燕"])
    held(17, "broadcast", "村广播", "液化气瓶使用安全", 600, ["林海燕"])
    held(9, "tricycle", "各自然村", "冬季防火巡回宣传", 250, ["黄志强"])
    held(24, "talk", "村文化礼堂", "家庭用火用电安全", 45, ["陈建国", "林海燕"])
    held(40, "training", "微型消防站", "灭火器和水带使用", None, ["李伟"], ["黄志强", "张磊", "吴小军"])
