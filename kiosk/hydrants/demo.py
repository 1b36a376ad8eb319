"""Demo hydrants and pools of 城东村 around Kunyang (27.66 N, 120.56 E): eight hydrants, two pools,
a year of inspections; one hydrant overdue, one defective, one reported by a resident."""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from ..extensions import db
from ..records import utcnow

from ..hazards.service import open_hazard
from ..village import Person
from .models import INSPECTION_ITEMS, Hydrant, HydrantInspection, PoolCheck, ProblemReport, WaterPool
from .service import new_code, refresh_checks

# (location, kind, outlets, source, lat, lon, days since last inspection, failed item or None)
HYDRANTS = [
    ("村委会大楼门口", "above_ground", "DN100×1, DN65×2", "mains", 27.66120, 120.56210, 20, None),
    ("文化礼堂东侧", "above_ground", "DN100×1, DN65×2", "mains", 27.66265, 120.56390, 34, None),
    ("老街南口", "above_ground", "DN100×1, DN65×2", "mains", 27.65960, 120.55985, 41, None),
    ("城东小学校门西侧", "above_ground", "DN150×1, DN65×2", "mains", 27.66380, 120.56050, 12, None),
    ("农贸市场北门", "underground", "DN65×2", "mains", 27.65845, 120.56330, 127, None),  # overdue
    ("东河桥头", "above_ground", "DN100×1, DN65×2", "pool", 27.66030, 120.56610, 26, "caps"),  # defect
    ("第三组林氏祠堂前", "above_ground", "DN100×1, DN65×2", "mains", 27.66470, 120.56480, 55, None),
    ("村北工业点路口", "above_ground", "DN150×1, DN65×2", "mains", 27.66560, 120.55890, 63, None),
]
POOLS = [
    ("东山消防水池", "东山脚下，东河上游", 200.0, 27.66180, 120.56760, 17),
    ("祠堂后消防水池", "第三组林氏祠堂后", 100.0, 27.66540, 120.56600, 24),
]
REPORTED = "村北工业点路口"  # a resident reported a leak after the last inspection


def load_demo(village) -> None:
    if db.session.scalar(sa.select(Hydrant.id).where(Hydrant.village_id == village.code).limit(1)):
        return
    rng = random.Random(3303261)
    now = utcnow().replace(microsecond=0)
    inspector = db.session.scalar(Person.live().where(Person.village_id == village.code, Person.name == "李伟"))
    inspector_id = inspector.id if inspector else None
    for location, kind, outlets, source, lat, lon, days, failed in HYDRANTS:
        registered = now - dt.timedelta(days=400)
        hydrant = Hydrant(village_id=village.code, code=new_code(rng), kind=kind, outlets=outlets, location=location,
                          latitude=lat, longitude=lon, water_source=source, status="in_service",
                          recorded_at=registered)
        db.session.add(hydrant)
        db.session.flush()
        # quarterly inspections over the past year, the latest `days` ago
        for back in (days + 273, days + 182, days + 91, days):
            at = now - dt.timedelta(days=back, hours=rng.randint(0, 6))
            items = {k: "pass" for k in INSPECTION_ITEMS}
            if kind == "underground":
                items["drain"] = "na"
            note = ""
            if back == days and failed:
                items[failed] = "fail"
                note = "东侧出水口闷盖缺失"
            pressure = round(rng.uniform(0.18, 0.35), 2) if kind == "above_ground" else None
            inspection = HydrantInspection(
                village_id=village.code, hydrant_id=hydrant.id, inspector_id=inspector_id, inspector_name="李伟",
                items=items, item_notes={failed: note} if note else {}, item_photos_sha256={},
                pressure_mpa=pressure, result="defect" if note else "ok", note="", recorded_at=at)
            db.session.add(inspection)
            if note:
                db.session.flush()
                open_hazard(village_id=village.code, category="hydrant", source="hydrant_inspection",
                            location=f"消火栓 {hydrant.code} · {location}",
                            description=f"{INSPECTION_ITEMS[failed]}: {note}", subject_kind="hydrant",
                            subject_id=hydrant.id, found_by_kind="hydrant_inspection", found_by_id=inspection.id)
        if location == REPORTED:
            report = ProblemReport(village_id=village.code, asset_kind="hydrant", asset_id=hydrant.id,
                                   problem="leaking", description="栓体底部一直在渗水", reporter_phone="13957765432",
                                   client_key="demo", recorded_at=now - dt.timedelta(days=2))
            db.session.add(report)
            db.session.flush()
            hazard = open_hazard(village_id=village.code, category="hydrant", source="resident_report",
                                 location=f"消火栓 {hydrant.code} · {location}", description="漏水: 栓体底部一直在渗水",
                                 subject_kind="hydrant", subject_id=hydrant.id,
                                 found_by_kind="water_problem_report", found_by_id=report.id,
                                 reporter_phone="13957765432")
            db.session.flush()
            report.hazard_id = hazard.id
            hydrant.reported_at = report.recorded_at
    for name, location, capacity, lat, lon, days in POOLS:
        pool = WaterPool(village_id=village.code, code=new_code(rng), name=name, location=location,
                         capacity_m3=capacity, latitude=lat, longitude=lon, status="in_service",
                         recorded_at=now - dt.timedelta(days=400))
        db.session.add(pool)
        db.session.flush()
        for month in range(3, -1, -1):
            db.session.add(PoolCheck(village_id=village.code, pool_id=pool.id, inspector_id=inspector_id,
                                     inspector_name="李伟", check_kind="level", water_level="full", result="ok",
                                     note="", recorded_at=now - dt.timedelta(days=days + 30 * month)))
    # the checks' months and latest check, as a form would have kept them
    refresh_checks([*db.session.scalars(sa.select(Hydrant.id).where(Hydrant.village_id == village.code)),
                    *db.session.scalars(sa.select(WaterPool.id).where(WaterPool.village_id == village.code))])
