"""Demo: the 昆阳镇 station's warnings to 城东村 — a monthly one the village has acknowledged and an
immediate one it has not — and, on a township server, a staff account and neighbouring villages."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from ..auth import security
from ..context import local_today
from ..extensions import db
from ..records import utcnow
from ..village.models import Person, Village
from .models import Warning, WarningReceipt, receipt_id

DEMO_STAFF = ("zhou", "周立新", "pingyang-demo-2026")
# invented names in the shape of DOMAIN.md; only the township server holds other villages
NEIGHBOURS = [("202", "西湾村", "village"), ("203", "凤山村", "village"), ("204", "鳌峰社区", "community")]

MONTHLY = (
    "冬季防火月度提示",
    "入冬以来天气干燥，用火用电明显增多。请各村做好以下工作：\n"
    "1. 开展一次敲门入户，重点查看独居老人、出租房和生产经营场所；\n"
    "2. 电动自行车不得进楼入户充电，发现飞线充电当场劝改；\n"
    "3. 检查微型消防站灭火器压力、水带水枪和消防水池水位；\n"
    "4. 每月底前把检查情况报镇消防安全管理工作站。")
IMMEDIATE = (
    "大风橙色预警：严禁野外用火",
    "县气象台发布大风橙色预警，未来48小时阵风可达9级。请各村立即通知村民：严禁野外用火、"
    "焚烧秸秆和上坟烧纸；微型消防站人员在岗待命；今晚起每天22:00至次日06:00开展夜间巡查。"
    "收到后请村委会成员在一体机上确认。")


def load_demo(village: Village) -> None:
    township = village.township_code
    if current_app.config["KIOSK_ROLE"] == "township":
        _township_extras(township)
    if db.session.scalar(db.select(Warning.id).where(Warning.village_id == township).limit(1)):
        return
    now, today = utcnow(), local_today()
    monthly = Warning(village_id=township, kind="monthly", title=MONTHLY[0], body=MONTHLY[1],
                      valid_until=today + dt.timedelta(days=30), to_all=True, targets=[],
                      issued_by_name=DEMO_STAFF[1], issued_at=now - dt.timedelta(days=6, hours=3))
    immediate = Warning(village_id=township, kind="immediate", title=IMMEDIATE[0], body=IMMEDIATE[1],
                        valid_until=today + dt.timedelta(days=2), to_all=True, targets=[],
                        issued_by_name=DEMO_STAFF[1], issued_at=now - dt.timedelta(hours=2))
    db.session.add_all([monthly, immediate])
    db.session.flush()
    reader = db.session.scalar(Person.live().where(Person.village_id == village.code, Person.name == "陈建国"))
    if reader is not None:
        db.session.add(WarningReceipt(id=receipt_id(monthly.id, village.code), village_id=village.code,
                                      warning_id=monthly.id, person_id=reader.id, person_name=reader.name,
                                      acknowledged_at=now - dt.timedelta(days=5, hours=22)))


def _township_extras(township: str) -> None:
    """A staff account and a few more villages, so the station's screens have something to show.

    Only on the township server: a kiosk holds no staff accounts and only its own village.
    """
    for suffix, name, kind in NEIGHBOURS:
        code = township + suffix
        if db.session.get(Village, code) is None:
            db.session.add(Village(code=code, name=name, township_code=township, kind=kind))
    username, name, password = DEMO_STAFF
    if security.staff_by_username(username) is None:
        security.add_staff_user(username, name, township, password)
    db.session.flush()
