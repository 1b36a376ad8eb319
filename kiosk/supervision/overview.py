"""The township's overview: every village of the staff member's township (or county) in one table,
built from the village summaries the features register (``registry.village_summaries``) — no query of
a feature's tables here. A summary registered later (a new feature) shows as columns by itself.

Worst first means, in this order (lexicographic, each larger is worse): hazards under listed
supervision (挂牌督办), hazards past their deadline, checks overdue (hydrants and pools, the
station's routine check), warnings in force not yet acknowledged, the days the oldest open hazard has
waited, then the longest since the kiosk last synced (a village with no kiosk last).

A county account sees its townships first (``townships()``: one row each, the sums of the countable
figures and how many villages each other column marks), then the villages fifty to a page: five
hundred rows of thirty cells are no table a person reads, and writing them was most of the page's
time. The order and the totals are still worked out over every village in scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .. import registry
from ..records import utcnow


@dataclass(frozen=True)
class Column:
    """One figure of one feature's summary, as the overview shows it."""

    summary: str
    figure: str
    label: object
    # where a cell leads: the feature's page for the village (None: no page)
    endpoint: str | None
    # a cell is marked when the figure is worse than ``ok``: "more" (counts of problems), or a
    # predicate over the value
    worse: str = "more"

    @cached_property  # read for every cell of a county's table
    def key(self) -> str:
        return f"{self.summary}.{self.figure}"


# The columns the township looks at first, in this order, when their features are there. Figures of
# any other summary follow (see columns()).
KNOWN = [
    Column("hazards", "listed", _l("Listed for supervision"), "hazards.index"),
    Column("hazards", "overdue", _l("Past their deadline"), "hazards.index"),
    Column("hazards", "open", _l("Not fixed yet"), "hazards.index", worse="info"),
    Column("hazards", "open_over_30_days", _l("Open more than 30 days"), "hazards.index"),
    Column("hazards", "oldest_open_days", _l("Days the oldest open hazard has waited"), "hazards.index",
           worse="age"),
    Column("hydrants", "overdue", _l("Hydrants and pools overdue"), "hydrants.index"),
    Column("hydrants", "defective", _l("Defect"), "hydrants.index"),
    Column("station", "state", _l("Station readiness"), "station.index", worse="state"),
    Column("station", "open_faults", _l("Station faults"), "station.index"),
    Column("pacts", "state", _l("Pact"), "pacts.index", worse="pact"),
    Column("pacts", "pledged_percent", _l("Share of households pledged"), "pacts.index", worse="percent"),
    Column("pacts", "visits_this_month", _l("Door-to-door visits this month"), "pacts.index", worse="info"),
    Column("patrols", "nights_due", _l("Nights due so far"), "patrols.index", worse="info"),
    Column("patrols", "nights_patrolled", _l("Nights patrolled"), "patrols.index", worse="info"),
    Column("warnings", "unacknowledged", _l("Warnings not yet acknowledged"), "warnings.index"),
    Column("organisation", "no_first_responsible", _l("No first responsible person named"),
           "organisation.index", worse="flag"),
    Column("organisation", "no_safety_manager", _l("No fire-safety manager named"), "organisation.index",
           worse="flag"),
    Column("reports", "filing_sheet", _l("Filing sheet"), "supervision.village_reports", worse="report"),
    Column("reports", "last_month", _l("Last month's report"), "supervision.village_reports", worse="report"),
    Column("kiosks", "last_sync", _l("Last sync"), "devices.index", worse="sync"),
]
# figures the table leaves out (shown on the features' own pages)
HIDDEN = {"hazards.opened_this_month", "hazards.fixed_on_time", "hazards.median_days_to_fix", "kiosks.kiosks",
          "hydrants.hydrants", "hydrants.pools", "hydrants.last_checked", "hydrants.out_of_service",
          "hydrants.reported", "station.last_check", "station.trained", "pacts.version", "pacts.households",
          "pacts.pledged", "organisation.members", "organisation.trained"}
# a kiosk not heard from for this long is marked
SYNC_LATE = dt.timedelta(days=2)


def columns() -> list[Column]:
    """The known columns whose summaries are registered, then every figure of the other summaries."""
    summaries = registry.get().summaries
    chosen = [c for c in KNOWN if c.summary in summaries]
    seen = {c.key for c in chosen} | HIDDEN
    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    for summary in sorted(summaries.values(), key=lambda s: s.order):
        index = f"{summary.key}.index"
        for figure, label in summary.figures.items():
            key = f"{summary.key}.{figure}"
            if key not in seen:
                chosen.append(Column(summary.key, figure, label, index if index in endpoints else None,
                                     worse="info"))
    return chosen


@dataclass
class Row:
    village: object
    figures: dict  # {"summary.figure": value}

    def value(self, column: Column):
        return self.figures.get(column.key)


def rows(villages: list) -> list[Row]:
    """One row per village, every registered summary computed once for all of them."""
    codes = [v.code for v in villages]
    found = registry.village_summaries(codes)
    names: dict[tuple, str] = {}  # (summary, figure): "summary.figure", made once, not once a village
    out = []
    for village in villages:
        figures = {}
        for key, per_village in found.items():
            for figure, value in (per_village.get(village.code) or {}).items():
                name = names.get((key, figure))
                if name is None:
                    name = names[(key, figure)] = f"{key}.{figure}"
                figures[name] = value
        out.append(Row(village, figures))
    return out


def _n(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def concern(row: Row, now: dt.datetime | None = None) -> tuple:
    """The worst-first key (larger is worse); see the module's docstring."""
    f = row.figures
    station_overdue = 1 if f.get("station.state") == "overdue" else 0
    last = f.get("kiosks.last_sync")
    now = now or utcnow()
    # no kiosk at all sorts after a silent one: there is nothing to chase
    silent = (now - last).total_seconds() if isinstance(last, dt.datetime) else -1.0
    return (_n(f.get("hazards.listed")), _n(f.get("hazards.overdue")),
            _n(f.get("hydrants.overdue")) + station_overdue, _n(f.get("warnings.unacknowledged")),
            _n(f.get("hazards.oldest_open_days")), silent)


def _sortable(value):
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, (dt.date, dt.datetime)):
        return (1, value.toordinal() if type(value) is dt.date else value.timestamp() / 86400)
    return (1, str(value))


def ordered(found: list[Row], sort: str | None, descending: bool) -> list[Row]:
    """Worst first (``sort`` None), else by one column; ties keep the worst-first order."""
    now = utcnow()
    worst = sorted(found, key=lambda r: (tuple(-x for x in concern(r, now)), r.village.code))
    if not sort:
        return worst
    if sort == "village":
        return sorted(worst, key=lambda r: r.village.code, reverse=descending)
    return sorted(worst, key=lambda r: _sortable(r.figures.get(sort)), reverse=descending)


STATION_TONES = {"ready": "ok", "expiring": "warn", "team_short": "warn", "expired": "bad", "faults": "bad",
                 "overdue": "bad", "not_set_up": "bad"}
REPORT_CELL_TONES = {"received": "ok", "submitted": "info", "returned": "bad", "not_submitted": "warn"}


def tone(column: Column, value, now: dt.datetime | None = None) -> str | None:
    """ok | warn | bad | None: how a cell is marked."""
    if column.worse == "more":
        return "bad" if _n(value) > 0 else None
    if column.worse == "age":
        return "bad" if _n(value) > 30 else "warn" if _n(value) > 7 else None
    if column.worse == "state":
        return STATION_TONES.get(value)
    if column.worse == "pact":
        return "ok" if value == "published" else "warn"
    if column.worse == "percent":
        return None if value is None else ("ok" if value >= 80 else "warn" if value >= 50 else "bad")
    if column.worse == "flag":
        return "bad" if value else None
    if column.worse == "report":
        return REPORT_CELL_TONES.get(value)
    if column.worse == "sync":
        if not isinstance(value, dt.datetime):
            return "warn"
        return "bad" if (now or utcnow()) - value > SYNC_LATE else None
    return None


def totals(found: list[Row], cols: list[Column]) -> dict[str, float]:
    """The township's sums of the countable columns (the oldest open hazard: the largest): those of
    numbers, yes/no or nothing in every row."""
    out, countable = {}, {}
    for c in cols:
        if c.worse in ("age", "more", "info", "flag"):
            out[c.key], countable[c.key] = 0, c.worse == "age"
    for row in found:
        figures = row.figures
        for key, largest in list(countable.items()):
            value = figures.get(key)
            if value is None:
                continue
            if not isinstance(value, (bool, int, float)):
                del countable[key], out[key]  # not a number: no sum
            elif largest:
                out[key] = max(out[key], value)
            else:
                out[key] += int(value) if isinstance(value, bool) else value
    return out


@dataclass
class Line:
    """One village's row of the table as the template writes it. Its cells are written here, once:
    at county scale the table has 500 × 30 cells, and a template's per-cell work (an include, a lazy
    label, a url_for, a dozen escapes) was most of the overview's time."""

    code: str
    name: str
    township: str
    href: str
    cells: Markup  # the row's <td>s


NONE = Markup('<span class="muted">—</span>')


def lines(found: list[Row], cols: list[Column], labels: dict, ago, township_param, now: dt.datetime) -> list[Line]:
    """The table's rows, each cell marked (tone()), linked and formatted as the overview shows it.
    ``labels``: the station, pact and report state labels; ``ago``: how a last sync reads. A label is
    translated once per request, a link built once per village, and a cell's opening tag once per
    column and tone."""
    texts = {worse: {key: str(label) for key, label in labels[name].items()}
             for worse, name in (("state", "station_state_labels"), ("pact", "pact_state_labels"),
                                 ("report", "report_state_labels"))}
    missing, yes, no = _("Missing"), _("Yes"), _("No")
    # "?to=hazards.index" as url_for encodes it, once per column
    queries = {c.endpoint: url_for("supervision.go", code="x", to=c.endpoint).partition("?")[2]
               for c in cols if c.endpoint}
    home = url_for("supervision.go", code="x", to="home.index").partition("?")[2]
    opening = {}  # (column key, tone): '<td data-column="..." class="sv-...">'
    out = []
    for row in found:
        code = row.village.code
        go = url_for("supervision.go", code=code)
        reports = url_for("supervision.village_reports", village=code, township=township_param)
        figures = row.figures
        cells = []
        for c in cols:
            value = figures.get(c.key)
            worse = c.worse
            if value is None:
                text = NONE
            elif worse == "sync":
                text = ago(value)
            elif worse in texts:
                text = texts[worse].get(value, value)
            elif worse == "percent":
                text = f"{value}%"
            elif worse == "flag":
                text = missing if value else "✓"
            elif value is True or value is False:
                text = yes if value else no
            else:
                text = value
            text = escape(text)
            href = reports if c.summary == "reports" else f"{go}?{queries[c.endpoint]}" if c.endpoint else None
            t = tone(c, value, now)
            td = opening.get((c.key, t))
            if td is None:
                td = opening[(c.key, t)] = Markup('<td data-column="{}"{}>').format(
                    c.key, Markup(' class="sv-{}"').format(t) if t else "")
            cells.append(f'{td}<a href="{escape(href)}">{text}</a></td>' if href else f"{td}{text}</td>")
        out.append(Line(code, row.village.name, row.village.township.name, f"{go}?{home}",
                        Markup("\n    ".join(cells))))
    return out


@dataclass
class TownshipLine:
    """One township's row of a county account's overview (see ``townships()``)."""

    code: str
    name: str
    villages: int
    href: str
    cells: Markup


def townships(found: list[Row], cols: list[Column], counted: dict, href, now: dt.datetime) -> list[TownshipLine]:
    """The county's townships, worst first by the sums of their villages' figures. A countable column
    (one of ``counted``, what ``totals()`` gave for every village) shows the township's sum (the oldest open hazard: its largest), marked as a
    village's would be; any other column how many of its villages that column marks ("3": three
    villages' pacts are not published). ``href(code)`` is where a township's row leads (its own
    overview). One pass over the villages, however many townships."""
    groups: dict[str, tuple] = {}  # township code: (township, villages, {column key: figure})
    for row in found:
        township = row.village.township
        entry = groups.get(township.code)
        if entry is None:
            entry = groups[township.code] = [township, 0, dict.fromkeys((c.key for c in cols), 0)]
        entry[1] += 1
        sums, figures = entry[2], row.figures
        for c in cols:
            value = figures.get(c.key)
            if c.key not in counted:
                sums[c.key] += tone(c, value, now) in ("bad", "warn")
            elif c.worse == "age":
                sums[c.key] = max(sums[c.key], _n(value))
            elif value:
                sums[c.key] += int(value) if isinstance(value, bool) else value
    out = []
    for code, (township, villages, sums) in groups.items():
        cells = []
        for c in cols:
            value = sums[c.key]
            t = tone(c, value, now) if c.key in counted else ("warn" if value else None)
            cells.append(Markup('<td data-column="{}"{}>{}</td>').format(
                c.key, Markup(' class="sv-{}"').format(t) if t else "", int(value)))
        out.append((concern(Row(township, sums), now), TownshipLine(
            code, township.name, villages, href(code), Markup("\n    ".join(cells)))))
    out.sort(key=lambda pair: (tuple(-x for x in pair[0]), pair[1].code))
    return [line for _, line in out]
