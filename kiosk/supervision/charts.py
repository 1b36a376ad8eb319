"""Charts people look at rather than read, drawn on the server as SVG (no script, no CDN): the
geometry is computed here, the templates (supervision/_chart_*.html) draw it.

- the reporting rates' trend: one line per kind of routine work, 12 months;
- hazards found vs fixed per month (bars side by side);
- coverage per village: done of expected last month, one bar per village;
- the township map of every hydrant and pool by status, with the hydrant plot's own projection
  (kiosk.hydrants.plot.layout) over all the villages' assets."""
from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40
# one colour per series, readable on white and told apart without colour by the legend's order
PALETTE = ["#1d4ed8", "#b91c1c", "#15803d", "#b45309", "#7c3aed", "#0e7490", "#4b5563"]


@dataclass
class Series:
    label: object
    colour: str
    points: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, the value shown

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in self.points)


@dataclass
class Chart:
    width: int
    height: int
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    series: list[Series] = field(default_factory=list)
    bars: list[dict] = field(default_factory=list)
    empty: bool = False


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * (index + 0.5) / count)


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value / top if top else 0))


def _month_label(month: str) -> str:
    return month[5:].lstrip("0") + ("\u2009/" + month[2:4] if month.endswith("-01") else "")


def trend_chart(trend: dict, months: list[str], works) -> Chart:
    """The rate (done of expected, %) of each kind of work per month; a month with nothing expected
    has no point."""
    chart = Chart(WIDTH, HEIGHT, [(_x(i, len(months)), _month_label(m)) for i, m in enumerate(months)],
                  [(_y(v, 100), f"{v}%") for v in (0, 50, 100)])
    for n, work in enumerate(works):
        per_month = trend.get(work.key, {})
        series = Series(work.label, PALETTE[n % len(PALETTE)])
        for i, month in enumerate(months):
            rate = per_month.get(month)
            if rate is not None and rate.expected:
                series.points.append((_x(i, len(months)), _y(rate.percent, 100), f"{rate.percent}%"))
        if series.points:
            chart.series.append(series)
    chart.empty = not chart.series
    return chart


def found_fixed_chart(per_month: dict[str, dict], months: list[str], labels: tuple) -> Chart:
    """Hazards found and fixed (and checked) per month, the township's sums: two bars a month."""
    top = max([1] + [max(f["found"], f["fixed"]) for f in per_month.values()])
    top = _nice(top)
    chart = Chart(WIDTH, HEIGHT, [(_x(i, len(months)), _month_label(m)) for i, m in enumerate(months)],
                  [(_y(v, top), str(v)) for v in (0, top // 2, top)])
    slot = (WIDTH - LEFT - RIGHT) / len(months)
    width = max(slot * 0.36, 2)
    for i, month in enumerate(months):
        figures = per_month.get(month, {"found": 0, "fixed": 0})
        for k, (key, colour) in enumerate((("found", PALETTE[1]), ("fixed", PALETTE[2]))):
            value = figures[key]
            y = _y(value, top)
            chart.bars.append({"x": round(_x(i, len(months)) - width + k * width, 1), "y": round(y, 1),
                               "w": round(width - 1, 1), "h": round(HEIGHT - BOTTOM - y, 1), "colour": colour,
                               "title": f"{month} {labels[k]} {value}"})
    chart.series = [Series(labels[0], PALETTE[1]), Series(labels[1], PALETTE[2])]
    chart.empty = all(f["found"] == 0 and f["fixed"] == 0 for f in per_month.values())
    return chart


def _nice(value: int) -> int:
    for step in (2, 4, 6, 10, 20, 40, 60, 100, 200, 400, 600, 1000, 2000, 5000, 10000):
        if step >= value:
            return step
    return value


@dataclass
class Coverage:
    village: object
    percent: int | None
    expected: int
    done: int

    @property
    def tone(self) -> str:
        if self.percent is None:
            return "none"
        return "ok" if self.percent >= 80 else "warn" if self.percent >= 50 else "bad"


def coverage(villages, totals: dict[str, object]) -> list[Coverage]:
    """Each village's routine work last month, all kinds added up (``totals``: {code: Rate}),
    lowest first."""
    found = [Coverage(v, totals[v.code].percent, totals[v.code].expected, totals[v.code].done) for v in villages]
    return sorted(found, key=lambda c: (c.percent is None, c.percent if c.percent is not None else 0, c.village.code))


def township_map(villages):
    """Every hydrant and pool of the villages on one plot, coloured by its state."""
    from ..hydrants import plot
    from ..hydrants import service as hydrants
    return plot.layout(hydrants.states_of(villages))
