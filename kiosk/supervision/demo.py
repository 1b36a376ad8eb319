"""Demo: on a township server, the demo village's neighbours get a little of everything, so that the
overview has four villages that differ — one with a hazard listed for supervision and one past its
deadline, hydrants never inspected, a village with no station — and the demo village has submitted
last month's report. On a kiosk only the report is added."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from ..context import Actor
from ..extensions import db
from ..records import utcnow
from ..village.models import Household, Village
from . import reports, service


def load_demo(village: Village) -> None:
    period = reports.report_month()
    if not reports.standings([village.code], "monthly", [period]):
        service.submit(village, "monthly", period, reports.compile_figures(village.code, period),
                       Actor(None, "陈建国", "person"), client_id=_demo_id(village.code, period))
    if current_app.config["KIOSK_ROLE"] == "township":
        _neighbours(village.township_code)


def _demo_id(code: str, period: str) -> str:
    import uuid
    return str(uuid.uuid5(uuid.UUID("14141414-0000-4000-8000-000000000014"), f"{code}/{period}"))


def _neighbours(township: str) -> None:
    from ..hazards.service import Who, list_hazard, open_hazard, refresh
    from ..hydrants.models import Hydrant
    now = utcnow()
    neighbours = db.session.scalars(db.select(Village).where(Village.township_code == township,
                                                             Village.code != township + "201")
                                    .order_by(Village.code)).all()
    for n, neighbour in enumerate(neighbours):
        if db.session.scalar(db.select(Hydrant.id).where(Hydrant.village_id == neighbour.code).limit(1)):
            continue
        for k in range(2 + n):
            db.session.add(Hydrant(village_id=neighbour.code, code=f"N{n}{k}{neighbour.code[-2:]}",
                                   location=f"{neighbour.name}{k + 1}组路口",
                                   recorded_at=now - dt.timedelta(days=200)))
        for k in range(12 + 4 * n):
            db.session.add(Household(village_id=neighbour.code, house_number=f"{k + 1}号",
                                     head_name=f"户主{k + 1}", recorded_at=now - dt.timedelta(days=400)))
        late = open_hazard(village_id=neighbour.code, category="ebike", source="door_visit",
                           location=f"{neighbour.name}村口出租房", description="电动车在楼道充电")
        back = dt.timedelta(days=40 + 10 * n)
        late.recorded_at, late.respond_by, late.fix_by = (late.recorded_at - back, late.respond_by - back,
                                                          late.fix_by - back)
        db.session.flush()
        refresh([late.id])
        if n == 0:
            list_hazard(late, Who("staff", None, "周立新"), responsible="村主任", days=7)
    db.session.flush()
