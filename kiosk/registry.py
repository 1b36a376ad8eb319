"""Where features plug into the shell without the shell knowing them: home tiles, notice-board
slides, scripts, village summaries and reporting rates for the township, the status bar and the demo
village. Kept per app (in ``app.extensions``), not in module globals.

A feature's ``init_app`` is wiring only; it registers here, e.g.::

    registry.add_tile(app, Tile("hydrants", _l("Hydrants & water pools"), "hydrants.index", "hydrant", 30,
                                badge=badge))
    registry.add_slides(app, slides, order=60)
    registry.add_script(app, "js/hydrants.js")
    registry.add_banner(app, "warnings/_banner.html")
    registry.add_scan(app, open_scanned_label)
    registry.add_summary(app, Summary("hydrants", _l("Hydrants & pools"), village_summaries))
    registry.add_reporting(app, Reporting("hydrant_inspections", _l("Hydrant inspections"), rates))
    registry.add_demo(app, "hydrants", load_demo, order=30)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app


@dataclass
class Tile:
    key: str
    label: object  # a lazy string
    endpoint: str
    icon: str
    order: int
    # returns (text, tone) for a badge on the tile, tone in ok|warn|bad|info; or None
    badge: Callable[[], tuple[str, str] | None] | None = None
    # which roles show the tile: the kiosk's village role, the township server, or both
    roles: tuple[str, ...] = ("village", "township")
    # the tile needs a chosen village (on the township server, staff choose one first)
    needs_village: bool = True


@dataclass
class Summary:
    """How a village is doing in one feature, for the township's overview.

    ``compute(village_codes)`` answers for many villages at once — one query per feature, not one
    per village — as ``{village code: {figure: value}}``; villages with nothing to report may be left
    out. ``figures`` names the figures in display order, with their labels."""

    key: str
    label: object
    compute: Callable[[list[str]], dict[str, dict]]
    figures: dict[str, object] = field(default_factory=dict)
    order: int = 50


@dataclass
class Reporting:
    """Expected vs done for one kind of routine work, per village and month, for the township's
    reporting rates (DOMAIN.md, "Supervision figures"): what was due, what was done, what was done on
    time. ``compute(village_codes, months)`` answers for many villages and months at once, in a
    constant number of queries, as ``{village code: {"2026-11": Rate}}`` (a Rate has ``expected``,
    ``done``, ``on_time``; see kiosk.supervision.rates); ``rule`` says in a sentence what is expected."""

    key: str
    label: object
    compute: Callable[[list[str], list[str]], dict[str, dict]]
    rule: object = ""
    order: int = 50


@dataclass
class Registry:
    tiles: dict[str, Tile] = field(default_factory=dict)
    # each returns a list of (template, context) slides for the idle notice board
    slides: list[tuple[int, Callable[[], list[tuple[str, dict]]]]] = field(default_factory=list)
    # static paths of feature scripts, emitted once by the layout
    scripts: list[str] = field(default_factory=list)
    summaries: dict[str, Summary] = field(default_factory=dict)
    reporting: dict[str, Reporting] = field(default_factory=dict)
    # templates included under the status bar of every page (e.g. an immediate township warning)
    banners: list[str] = field(default_factory=list)
    # each takes what a USB scanner typed (a label's URL) and returns where to go, or None
    scan_handlers: list[Callable[[str], str | None]] = field(default_factory=list)
    # returns (text, tone, detail) for the status bar; the sync screens register one
    status: Callable[[], tuple[str, str, str]] | None = None
    # returns the village code this kiosk was enrolled for, or None; the sync screens register it
    enrolled_village: Callable[[], str | None] | None = None
    # returns the address of the township server this kiosk was enrolled with, or None; the sync
    # screens register it (QR labels and posters point there)
    enrolled_server: Callable[[], str | None] | None = None
    # demo loaders: called with the demo Village, in order, inside one transaction each
    demo: list[tuple[int, str, Callable]] = field(default_factory=list)


def get(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault("kiosk_registry", Registry())


def add_tile(app: Flask, tile: Tile) -> None:
    get(app).tiles[tile.key] = tile


def add_slides(app: Flask, provider: Callable, order: int = 50) -> None:
    get(app).slides.append((order, provider))


def add_script(app: Flask, path: str) -> None:
    """A feature's script (a path under static/), loaded once by the layout on every page: boosted
    navigation swaps only the body, so a script in a page of its own would never run. Scripts set
    themselves up with ``htmx.onLoad(root => ...)`` for whatever content is swapped in."""
    scripts = get(app).scripts
    if path not in scripts:
        scripts.append(path)


def add_banner(app: Flask, template: str) -> None:
    get(app).banners.append(template)


def add_scan(app: Flask, handler: Callable[[str], str | None]) -> None:
    """A USB QR scanner types a label's URL and Enter from any screen; ``handler(text)`` says where
    that label leads (a URL), or None when it is not one of this feature's labels."""
    get(app).scan_handlers.append(handler)


def add_summary(app: Flask, summary: Summary) -> None:
    get(app).summaries[summary.key] = summary


def add_reporting(app: Flask, reporting: Reporting) -> None:
    get(app).reporting[reporting.key] = reporting


def set_status(app: Flask, provider: Callable) -> None:
    get(app).status = provider


def add_demo(app: Flask, name: str, loader: Callable, order: int = 50) -> None:
    get(app).demo.append((order, name, loader))


def village_summary(key: str, village_codes: list[str]) -> dict[str, dict]:
    """One feature's summary for these villages: ``{village code: {figure: value}}``."""
    return get().summaries[key].compute(list(village_codes))


def village_summaries(village_codes: list[str]) -> dict[str, dict[str, dict]]:
    """Every feature's summary for these villages: ``{feature: {village code: {figure: value}}}``."""
    found = sorted(get().summaries.values(), key=lambda s: s.order)
    return {s.key: s.compute(list(village_codes)) for s in found}


def reporting_rates(village_codes: list[str], months: list[str]) -> dict[str, dict[str, dict]]:
    """Every kind of routine work's expected vs done: ``{key: {village code: {month: Rate}}}``."""
    found = sorted(get().reporting.values(), key=lambda r: r.order)
    return {r.key: r.compute(list(village_codes), list(months)) for r in found}
