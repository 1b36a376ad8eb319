"""Replication between village kiosks and the township server, as a library.

sync/ knows nothing about features and imports nothing from the application. An application:

- binds it once: ``sync.init_app(app, db, mode="device"|"server", reference=..., on_enrol=...)``;
- builds its record base from :class:`Synced` (``class SyncedRecord(Synced, db.Model)``) and lets its
  migrations target :data:`metadata` (the protocol's own tables) beside its own;
- stores uploaded files in the one blob store (:mod:`sync.blobs`);
- runs :func:`sync_once` from a worker process (``flask sync worker``), never in a web worker.

Everything else (change capture, the wire format, the server endpoints, conflicts) follows from
there. The protocol is described in docs/sync.md.
"""
from . import blobs
from .capture import among
from .client import (Result, SyncError, device_now, enroll, pending_count, request_sync_now, summary,
                     sync_once)
from .client import local_schema
from .conflicts import count_open, differences, open_conflicts, settle
from .extension import init_app
from .held import actions_for, count_held, holder_of, open_held, register_new_key, settle_held
from .ids import uuid7
from .models import (SyncChangelog, SyncConflict, SyncDevice, SyncEnrolmentCode, SyncHeld, SyncOutbox,
                     SyncState)
from .server import CLOCK_TOLERANCE_S, create_code, normalise_code, pending_down, scope_of
from .store import NAMING_CONVENTION, Synced, metadata, utcnow

__all__ = [
    "CLOCK_TOLERANCE_S", "NAMING_CONVENTION", "Result", "among", "SyncChangelog", "SyncConflict", "SyncDevice",
    "SyncEnrolmentCode", "SyncError", "SyncHeld", "SyncOutbox", "SyncState", "Synced", "actions_for", "blobs",
    "count_held", "count_open", "device_now", "create_code", "differences", "enroll", "holder_of", "init_app",
    "local_schema", "metadata", "normalise_code", "open_conflicts", "open_held", "pending_count", "pending_down",
    "register_new_key", "request_sync_now", "scope_of", "settle", "settle_held", "summary", "sync_once",
    "utcnow", "uuid7",
]
