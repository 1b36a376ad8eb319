"""Where features plug into the shell without the shell knowing them: home tiles, notice-board
slides, the status bar and the demo village. Kept per app (in ``app.extensions``), not global."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app


@dataclass
class Tile:
    key: str
    label: object  # a lazy string
    endpoint: str | None
    icon: str
    order: int
    # returns (text, tone) for a badge on the tile, tone in ok|warn|bad|info; or None
    badge: Callable[[], tuple[str, str] | None] | None = None
    # which roles show the tile: the kiosk's village role, the township server, or both
    roles: tuple[str, ...] = ("village", "township")


@dataclass
class Registry:
    tiles: dict[str, Tile] = field(default_factory=dict)
    # each returns a list of (template, context) slides for the idle notice board
    slides: list[tuple[int, Callable[[], list[tuple[str, dict]]]]] = field(default_factory=list)
    # returns (text, tone, detail) for the status bar; the sync package registers one
    status: Callable[[], tuple[str, str, str]] | None = None
    # returns the village code this kiosk was enrolled for, or None; the sync package registers it
    enrolled_village: Callable[[], str | None] | None = None
    # demo loaders: called with the demo Village, in order, inside one transaction each
    demo: list[tuple[int, str, Callable]] = field(default_factory=list)


def get(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault("kiosk_registry", Registry())


def add_tile(app: Flask, tile: Tile) -> None:
    get(app).tiles[tile.key] = tile


def add_slides(app: Flask, provider: Callable, order: int = 50) -> None:
    get(app).slides.append((order, provider))


def set_status(app: Flask, provider: Callable) -> None:
    get(app).status = provider


def add_demo(app: Flask, name: str, loader: Callable, order: int = 50) -> None:
    get(app).demo.append((order, name, loader))
