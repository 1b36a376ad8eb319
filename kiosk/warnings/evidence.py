"""What a village can show for its answer to a warning: the records it made since the warning came
(a patrol run, a broadcast, a door-to-door campaign and its visits).

The warnings feature does not know those features; each registers in its own ``init_app``::

    evidence.add_provider(app, "patrol", provider)         # provider(village_code, since) -> [Evidence]
    evidence.add_page(app, "patrol_run", "patrols.run", "run_id")   # where such a record is shown

``since`` is the warning's issue time (naive UTC). An answer keeps the links it chose as plain
values (kind, id, label), so it reads the same wherever it is shown, on the kiosk or the township.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app, url_for


@dataclass(frozen=True)
class Evidence:
    kind: str  # patrol_run | activity | door_visits ...
    id: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def as_link(self) -> dict:
        return {"kind": self.kind, "id": self.id, "label": self.label}


def _store(app: Flask) -> dict:
    return app.extensions.setdefault("warning_evidence", {"providers": {}, "pages": {}})


def add_provider(app: Flask, action: str, provider: Callable[[str, dt.datetime], list[Evidence]]) -> None:
    _store(app)["providers"].setdefault(action, []).append(provider)


def add_page(app: Flask, kind: str, endpoint: str, argument: str) -> None:
    _store(app)["pages"][kind] = (endpoint, argument)


def evidence_for(village_code: str, since: dt.datetime) -> dict[str, list[Evidence]]:
    """``{action: [Evidence]}`` of the records the village made since ``since``."""
    found: dict[str, list[Evidence]] = {}
    for action, providers in _store(current_app)["providers"].items():
        for provider in providers:
            found.setdefault(action, []).extend(provider(village_code, since))
    return found


def link_url(link: dict) -> str | None:
    """The page of a linked record, for those who see the village's records."""
    page = _store(current_app)["pages"].get(link.get("kind"))
    return url_for(page[0], **{page[1]: link["id"]}) if page else None
