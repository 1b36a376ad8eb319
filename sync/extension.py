"""Binding sync/ to an application: its database, its role and its hooks, kept per app."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

MODES = ("device", "server", "off")


@dataclass
class SyncExtension:
    db: object  # the application's Flask-SQLAlchemy object
    mode: str  # device (a kiosk), server (the township) or off
    # server: village code -> reference rows handed to a kiosk at enrolment ({"village": ..., ...})
    reference: list[Callable[[str], dict]] = field(default_factory=list)
    # device: called with the enrolment reply inside the enrolment transaction
    on_enrol: list[Callable[[dict], None]] = field(default_factory=list)
    # device: the village this device serves before it is enrolled (what its pending count counts)
    village: Callable[[], str | None] | None = None
    # table -> new natural-key values for a held row of it (sync.register_new_key)
    new_key: dict[str, Callable[[dict], dict]] = field(default_factory=dict)
    # both: called with (table name, ids) for the rows replication has just written, in the same
    # transaction (a kiosk after applying a pulled page, the server after applying a push), so that
    # an application can refresh what it derives locally from those rows
    on_applied: list[Callable[[str, list[str]], None]] = field(default_factory=list)

    def applied(self, written: dict[str, list[str]]) -> None:
        for name, ids in written.items():
            if ids:
                for hook in self.on_applied:
                    hook(name, ids)


def init_app(app: Flask, db, *, mode: str, reference: Callable[[str], dict] | None = None,
             on_enrol: Callable[[dict], None] | None = None) -> SyncExtension:
    """Bind sync/ to ``app``: its ``db``, its role (``mode``), and the application's hooks.

    In the server mode the endpoints (``/sync/v1``) are mounted; devices authenticate with their own
    credential, so the blueprint is exempt from the app's CSRF protection.
    """
    if mode not in MODES:
        raise ValueError(f"sync mode must be one of {MODES}, not {mode!r}")
    ext = SyncExtension(db=db, mode=mode)
    if reference is not None:
        ext.reference.append(reference)
    if on_enrol is not None:
        ext.on_enrol.append(on_enrol)
    app.extensions["sync"] = ext
    app.config.setdefault("SYNC_MODE", mode)
    from .cli import sync_cli
    app.cli.add_command(sync_cli)
    if mode == "server":
        from .server import bp
        app.register_blueprint(bp)
        csrf = app.extensions.get("csrf")
        if csrf is not None:
            csrf.exempt(bp)
    return ext


def extension() -> SyncExtension:
    return current_app.extensions["sync"]
