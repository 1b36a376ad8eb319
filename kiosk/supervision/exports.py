"""Exports the county asks for, as XLSX (openpyxl, write-only) and CSV (UTF-8 with a BOM, for Excel):
the overview, the reporting rates, the hazard register, the month's inspections and the evaluation.

Rows are generated one at a time from streaming queries and written as they come: the CSV goes out
line by line; the XLSX is written row by row to a temporary file (openpyxl's write-only mode keeps no
rows in memory), then sent in chunks. Memory stays flat however many rows there are (measured by
bench/county_bench.py). Headers are Chinese (the county's language, whatever the screen's); numbers
are numbers, dates are dates; the header row is frozen.

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with an apostrophe. XLSX cells are typed: text is never a formula there (openpyxl
takes any text starting with = for one unless the cell is marked text)."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass

from flask_babel import force_locale

from .. import registry
from ..context import village_zone
from . import evaluation, overview, rates as rate_rules
from .rates import Rate

def to_local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(village_zone()).replace(tzinfo=None)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Header:
    label: str
    kind: str = "text"  # text | int | float | date | datetime
    width: int = 12


# ---- writers ---------------------------------------------------------------------------------------

def neutralise(value):
    """A CSV cell that cannot run as a formula in a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_lines(headers: list[Header], rows):
    """UTF-8 with a BOM (so that Excel reads the Chinese), one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue().encode("utf-8")

    yield codecs.BOM_UTF8 + line([h.label for h in headers])
    for row in rows:
        yield line([neutralise(v) if isinstance(v, str) else _text(v) for v in row])


def _cell_value(value, kind: str):
    if value is None:
        return None
    if kind == "int" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind in ("date", "datetime") and isinstance(value, (dt.date, dt.datetime)):
        return value
    return _text(value)


def xlsx(headers: list[Header], rows):
    """An XLSX workbook of one sheet, written row by row to a temporary file, sent in chunks."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = header.width
    bold = Font(bold=True)
    top = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header.label)
        cell.font = bold
        top.append(cell)
    sheet.append(top)
    formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
    for row in rows:
        cells = []
        for header, value in zip(headers, row):
            value = _cell_value(value, header.kind)
            if header.kind in formats and value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = formats[header.kind]
                cells.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # openpyxl takes any text starting with = for a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


# ---- the tables ------------------------------------------------------------------------------------

def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment (naive UTC) on the village's wall clock, as the county reads it."""
    return to_local(moment) if moment is not None else None


def _village_headers() -> list[Header]:
    return [Header("乡镇", width=14), Header("村（社区）", width=14), Header("村代码", width=15)]


def _village_cells(village) -> list:
    return [village.township.name, village.name, village.code]


def overview_table(villages, month: str):
    with force_locale("zh_Hans"):
        columns = overview.columns()
        headers = _village_headers() + [Header(str(c.label), _kind_of(c), 12) for c in columns]
    found = overview.ordered(overview.rows(villages), None, True)
    labels = _value_labels()

    def rows():
        for row in found:
            yield _village_cells(row.village) + [_plain(row.value(c), labels) for c in columns]
    return headers, rows()


def _kind_of(column) -> str:
    if column.key == "kiosks.last_sync":
        return "datetime"
    return "text" if column.worse in ("state", "pact", "report") else "int" if column.worse != "percent" else "float"


def _value_labels() -> dict:
    from ..pacts.models import STATUSES as PACT_STATES
    from ..station.service import STATE_LABELS
    from .models import REPORT_STATES
    with force_locale("zh_Hans"):
        return {k: str(v) for mapping in (REPORT_STATES, STATE_LABELS, PACT_STATES) for k, v in mapping.items()}


def _plain(value, labels):
    if isinstance(value, str):
        return labels.get(value, value)
    return value


def rates_table(villages, months):
    """``{village code: {work key: {month: Rate}}}`` for the screens and the export."""
    found = registry.reporting_rates([v.code for v in villages], months)
    return {v.code: {key: per.get(v.code, {}) for key, per in found.items()} for v in villages}


def rates_trend(table, months) -> dict[str, dict[str, Rate]]:
    """The township's rate per kind of work and month: the villages' figures added up."""
    trend: dict[str, dict[str, Rate]] = {}
    for per_work in table.values():
        for key, per_month in per_work.items():
            into = trend.setdefault(key, {m: Rate() for m in months})
            for month in months:
                into[month] = into[month] + per_month.get(month, Rate())
    return trend


def rates_export(villages, month: str):
    months = rate_rules.months_back(month, 12)
    table = rates_table(villages, months)
    works = sorted(registry.get().reporting.values(), key=lambda r: r.order)
    with force_locale("zh_Hans"):
        headers = _village_headers() + [Header("月份", width=9), Header("工作", width=16), Header("应做", "int"),
                                        Header("已做", "int"), Header("按时", "int"), Header("完成率%", "float"),
                                        Header("按时率%", "float")]
        names = {w.key: str(w.label) for w in works}

    def rows():
        for village in villages:
            for m in months:
                for work in works:
                    rate = table[village.code].get(work.key, {}).get(m, Rate())
                    yield _village_cells(village) + [m, names[work.key], rate.expected, rate.done, rate.on_time,
                                                     rate.percent, rate.on_time_percent]
    return headers, rows()


def hazards_export(villages, month: str):
    """The whole hazard register of the villages, every hazard (streamed)."""
    from ..hazards import queries as hazard_queries
    with force_locale("zh_Hans"):
        headers = _village_headers() + [
            Header("回执码", width=10), Header("发现时间", "datetime", 17), Header("类别", width=14),
            Header("严重程度", width=8), Header("来源", width=12), Header("地点", width=24), Header("描述", width=30),
            Header("状态", width=10), Header("整改期限", "datetime", 17), Header("整改完成", "datetime", 17),
            Header("按时整改", width=8), Header("整改天数", "float"), Header("挂牌督办", width=8),
            Header("责任人", width=10), Header("抄告部门", width=14)]
    names = {v.code: v for v in villages}

    from ..hazards.models import CATEGORIES, DEPARTMENTS, SEVERITIES, SOURCES, STATUSES
    with force_locale("zh_Hans"):
        labels = {name: {k: str(v) for k, v in mapping.items()} for name, mapping in (
            ("category", CATEGORIES), ("severity", SEVERITIES), ("source", SOURCES), ("status", STATUSES),
            ("department", DEPARTMENTS))}

    def rows():
        for h in hazard_queries.register_rows(list(names)):
            yield _village_cells(names[h.village_id]) + [
                h.code, _local(h.reported_at), labels["category"].get(h.category, h.category),
                labels["severity"].get(h.severity, h.severity), labels["source"].get(h.source, h.source),
                h.location, h.description, labels["status"].get(h.status, h.status), _local(h.fix_due),
                _local(h.fixed_at), h.fixed_on_time, h.days_to_fix, h.listed, h.listed_responsible,
                labels["department"].get(h.referred_to, h.referred_to)]
    return headers, rows()


def inspections_export(villages, month: str):
    """The month's hydrant inspections and pool checks of the villages (streamed)."""
    from ..hydrants import service as hydrants
    with force_locale("zh_Hans"):
        headers = _village_headers() + [
            Header("编号", width=10), Header("设施", width=10), Header("位置", width=24),
            Header("检查时间", "datetime", 17), Header("检查人", width=10), Header("结果", width=10),
            Header("不合格项", width=30), Header("压力MPa", "float")]
    names = {v.code: v for v in villages}

    def rows():
        with force_locale("zh_Hans"):  # the rows' labels too, whatever the screen's language
            for r in hydrants.inspection_rows(list(names), month):
                yield _village_cells(names[r.village_id]) + [r.code, r.asset, r.location, r.at, r.inspector,
                                                             r.result, r.failed, r.pressure]
    return headers, rows()


def evaluation_export(villages, month: str):
    indicators = evaluation.indicators()
    found = evaluation.scores(villages, [month])
    with force_locale("zh_Hans"):
        headers = [Header("名次", "int", 6)] + _village_headers() + [Header("月份", width=9),
                                                                       Header("得分", "float", 8)] + [
            Header(str(label), "float") for label in indicators.values()] + [
            Header("调整分", "float", 8), Header("调整理由", width=30)]

    def rows():
        for rank, village, score in evaluation.ranking(villages, month, found):
            yield [rank or None] + _village_cells(village) + [month, score.score] + [
                score.parts.get(k) for k in indicators] + [
                score.adjusted_by or None, "；".join(a.reason for a in score.adjustments)]
    return headers, rows()


TABLES = {
    "overview": overview_table,
    "rates": rates_export,
    "hazards": hazards_export,
    "inspections": inspections_export,
    "evaluation": evaluation_export,
}
