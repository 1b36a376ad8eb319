"""What the county asks for, as the county opens it: XLSX read back with openpyxl (Chinese headers,
the header row frozen, numbers as numbers and dates as dates, one row per record) and CSV (UTF-8
with a BOM, Chinese intact, nothing a spreadsheet would run as a formula)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from kiosk.extensions import db

from ..conftest import DEMO_VILLAGE

CJK = re.compile(r"[\u4e00-\u9fff]")
TOWNSHIP = DEMO_VILLAGE[:9]
PLANTED = "=cmd|' /C calc'!A0"


def workbook(client, url):
    from openpyxl import load_workbook
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.get_data())).active


def header_and_rows(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def column(sheet, label):
    headers, rows = header_and_rows(sheet)
    index = headers.index(label)
    return [sheet.cell(row=n + 2, column=index + 1) for n in range(len(rows))]


def count(app, sql, **params) -> int:
    with app.app_context():
        return db.session.scalar(sa.text(sql), params)


def busiest_month(app) -> str:
    """The month with the most hydrant inspections of the township's villages (on the village clock)."""
    with app.app_context():
        moments = db.session.scalars(sa.text(
            "SELECT recorded_at FROM hydrant_inspection WHERE village_id LIKE :t AND NOT deleted"),
            {"t": TOWNSHIP + "%"}).all()
    months = {}
    for moment in moments:
        moment = moment if isinstance(moment, dt.datetime) else dt.datetime.fromisoformat(moment)
        key = (moment + dt.timedelta(hours=8)).strftime("%Y-%m")
        months[key] = months.get(key, 0) + 1
    return max(months, key=months.get)


def plant_a_formula(app) -> None:
    from kiosk.hazards.service import open_hazard, refresh
    with app.app_context():
        hazard = open_hazard(village_id=DEMO_VILLAGE, category="ebike", source="township", location="村口",
                             description=PLANTED)
        db.session.flush()
        refresh([hazard.id])
        db.session.commit()


def test_the_overview_as_xlsx(demo_township, desk):
    sheet = workbook(desk, "/supervision/export/overview.xlsx")
    headers, rows = header_and_rows(sheet)
    assert sheet.freeze_panes == "A2"
    assert headers[:3] == ["乡镇", "村（社区）", "村代码"] and all(CJK.search(h) for h in headers)
    assert len(rows) == 4 and {r[2] for r in rows} == {f"{TOWNSHIP}20{n}" for n in range(1, 5)}
    overdue = column(sheet, "已超过整改期限")
    assert all(c.data_type == "n" and isinstance(c.value, int) for c in overdue)


def test_the_reporting_rates_as_xlsx(demo_township, desk):
    sheet = workbook(desk, "/supervision/export/rates.xlsx")
    headers, rows = header_and_rows(sheet)
    assert sheet.freeze_panes == "A2" and "应做" in headers and "按时率%" in headers
    works = len({r[headers.index("工作")] for r in rows})
    assert works >= 4 and len(rows) == 4 * 12 * works  # villages × 12 months × kinds of work
    assert all(isinstance(c.value, int) for c in column(sheet, "应做"))
    percents = [c for c in column(sheet, "完成率%") if c.value is not None]  # nothing expected: empty
    assert percents and all(c.data_type == "n" for c in percents)


def test_the_hazard_register_as_xlsx_and_csv(demo_township, desk):
    plant_a_formula(demo_township)
    hazards = count(demo_township, "SELECT count(*) FROM hazard WHERE village_id LIKE :t AND NOT deleted",
                    t=TOWNSHIP + "%")
    sheet = workbook(desk, "/supervision/export/hazards.xlsx")
    headers, rows = header_and_rows(sheet)
    assert sheet.freeze_panes == "A2" and headers[3:5] == ["回执码", "发现时间"]
    assert len(rows) == hazards > 1
    found = column(sheet, "发现时间")
    assert all(c.is_date and isinstance(c.value, dt.datetime) for c in found)
    described = [c for c in column(sheet, "描述") if c.value and "cmd" in c.value]
    assert [(c.value, c.data_type) for c in described] == [(PLANTED, "s")]  # text, never a formula

    response = desk.get("/supervision/export/hazards.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    assert lines[0][:3] == ["乡镇", "村（社区）", "村代码"] and len(lines) == hazards + 1
    assert any("城东村" in line for line in lines[1:])
    descriptions = [line[lines[0].index("描述")] for line in lines[1:]]
    assert "'" + PLANTED in descriptions and PLANTED not in descriptions
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


def test_the_months_inspections_as_xlsx(demo_township, desk):
    month = busiest_month(demo_township)
    sheet = workbook(desk, f"/supervision/export/inspections.xlsx?month={month}")
    headers, rows = header_and_rows(sheet)
    assert sheet.freeze_panes == "A2" and "检查时间" in headers
    start = dt.datetime.fromisoformat(month + "-01") - dt.timedelta(hours=8)
    end = dt.datetime.fromisoformat(f"{int(month[:4]) + int(month[5:]) // 12}-{int(month[5:]) % 12 + 1:02d}-01") \
        - dt.timedelta(hours=8)
    expected = sum(count(demo_township, f"SELECT count(*) FROM {table} WHERE village_id LIKE :t AND NOT deleted "
                                        "AND recorded_at >= :a AND recorded_at < :b", t=TOWNSHIP + "%", a=start, b=end)
                   for table in ("hydrant_inspection", "water_pool_check"))
    assert len(rows) == expected > 0
    assert all(c.is_date and c.value.strftime("%Y-%m") == month for c in column(sheet, "检查时间"))
    pressures = [c for c in column(sheet, "压力MPa") if c.value is not None]
    assert pressures and all(c.data_type == "n" for c in pressures)


def test_the_evaluation_as_xlsx_and_csv(demo_township, desk):
    from kiosk.supervision.reports import report_month
    with demo_township.test_request_context():
        month = report_month()
    sheet = workbook(desk, f"/supervision/export/evaluation.xlsx?month={month}")
    headers, rows = header_and_rows(sheet)
    assert sheet.freeze_panes == "A2" and headers[0] == "名次" and "得分" in headers
    assert len(rows) == 4 and [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert all(c.data_type == "n" and 0 <= c.value <= 100 for c in column(sheet, "得分"))
    body = desk.get(f"/supervision/export/evaluation.csv?month={month}").get_data()
    assert body.startswith(b"\xef\xbb\xbf") and "城东村".encode() in body


@pytest.mark.parametrize("what", ["overview", "rates", "hazards", "inspections", "evaluation"])
def test_every_export_comes_in_both_formats(demo_township, desk, what):
    for fmt in ("xlsx", "csv"):
        assert desk.get(f"/supervision/export/{what}.{fmt}").status_code == 200
    assert desk.get(f"/supervision/export/{what}.xls").status_code == 404


def test_an_english_screen_still_gets_the_export_in_chinese(demo_township, desk):
    month = busiest_month(demo_township)
    desk.get("/lang/en")  # the staff member reads the screens in English
    sheet = workbook(desk, f"/supervision/export/inspections.xlsx?month={month}")
    results = {c.value for c in column(sheet, "结果")}
    assets = {c.value for c in column(sheet, "设施")}
    assert results and all(CJK.search(v) for v in results | assets), results | assets
