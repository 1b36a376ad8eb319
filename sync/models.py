"""The protocol's own tables. Nothing here is a feature's data.

Device side (village kiosk):
- ``sync_state``: one row, the enrolment and both cursors;
- ``sync_outbox``: the latest local change of each record not yet acknowledged, numbered by a
  device-local monotonic sequence. One row per record however often it changes (compaction), so
  it never grows beyond the number of records;
- ``sync_blob_queue``: files still to send or fetch.

Server side (township):
- ``sync_changelog``: the latest change of each record, numbered by its scope's sequence (a
  village's, or its township's for township-wide rows: :mod:`sync.cursor`); each device's pull
  cursor walks its two scopes;
- ``sync_device`` and ``sync_enrolment_code``: enrolled devices and one-time codes;
- ``sync_blob_wanted``: files the server asked a device for (uploads of anything else are refused).

Both: ``sync_counter`` (the sequences) and ``sync_conflict`` (losers of concurrent edits; a synced
record itself, so both sides see it and whoever settles it, settles it everywhere).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .store import Base, Synced, utcnow


class SyncCounter(Base):
    """Named monotonic counters: ``outbox`` on a kiosk, ``log:<scope>`` on the township (one per
    village and township). Taking the next value locks the row until commit, which is what makes the
    server's change-log cursor safe: a scope's numbers are handed out and committed in order."""

    __tablename__ = "sync_counter"
    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SyncOutbox(Base):
    __tablename__ = "sync_outbox"
    table_name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    village_id: Mapped[str] = mapped_column(sa.String(12))
    # the version this device last had in agreement with the server, before its own edits
    base_version: Mapped[int] = mapped_column(default=0)
    base_hlc: Mapped[str] = mapped_column(sa.String(64), default="")
    # the values, as agreed, of the columns changed here since (wire form): the township merges field
    # by field against them
    base_values: Mapped[dict | None] = mapped_column(sa.JSON)


class SyncChangelog(Base):
    __tablename__ = "sync_changelog"
    # numbered per scope (sync.cursor): a pull walks its scope's numbers along this index
    __table_args__ = (sa.Index("ix_sync_changelog_village_seq", "village_id", "seq", unique=True),)
    table_name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    village_id: Mapped[str] = mapped_column(sa.String(12))
    # the device that pushed this version (it need not pull it back); None when written here
    source_device: Mapped[str | None] = mapped_column(sa.String(36))
    # server time of the change: the trustworthy "when" next to the device's recorded_at label
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the last few version stamps ("version/hlc", space-separated) this record went through here: a
    # version pushed again after others built on it is recognised as old news, never a conflict
    stamps: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


class SyncState(Base):
    """This kiosk's enrolment and cursors (one row, id 1)."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    server_url: Mapped[str | None] = mapped_column(sa.String(300))
    device_id: Mapped[str | None] = mapped_column(sa.String(36))
    token: Mapped[str | None] = mapped_column(sa.String(100))
    village_code: Mapped[str | None] = mapped_column(sa.String(12))
    township_code: Mapped[str | None] = mapped_column(sa.String(9))
    enrolled_at: Mapped[dt.datetime | None] = mapped_column()
    # the highest outbox sequence the server acknowledged, and where this device's pull stands
    push_acked: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    pull_cursor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # device wall-clock times of the last attempt and the last success (labels for the status bar)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    last_success_at: Mapped[dt.datetime | None] = mapped_column()
    # township time at the last success: what "synced N min ago" is measured against when corrected
    last_success_server_at: Mapped[dt.datetime | None] = mapped_column()
    offline_since: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.String(40))
    last_error_detail: Mapped[str | None] = mapped_column(sa.String(500))
    # device clock minus township clock, seconds, measured at the last sync
    clock_offset_s: Mapped[float | None] = mapped_column()
    resyncs: Mapped[int] = mapped_column(default=0)
    # pulling everything again, this kiosk's own records included (after a restored database)
    full_pull: Mapped[bool] = mapped_column(default=False)
    # the hash of the columns this kiosk last declared to the township (declared again when it changes)
    schema_hash: Mapped[str | None] = mapped_column(sa.String(64))


class SyncBlobQueue(Base):
    __tablename__ = "sync_blob_queue"
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # "up" (send to the township) or "down" (fetch from it)
    direction: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SyncDevice(Base):
    """An enrolled kiosk, as the township knows it. Its credential is stored hashed."""

    __tablename__ = "sync_device"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    village_id: Mapped[str] = mapped_column(sa.String(12), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    enrolled_by: Mapped[str | None] = mapped_column(sa.String(40))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(sa.String(40))
    app_version: Mapped[str | None] = mapped_column(sa.String(20))
    # server times
    last_seen_at: Mapped[dt.datetime | None] = mapped_column()
    last_push_at: Mapped[dt.datetime | None] = mapped_column()
    # the device's clock at its last request, and its offset (device minus server), seconds
    last_device_time: Mapped[dt.datetime | None] = mapped_column()
    clock_offset_s: Mapped[float | None] = mapped_column()
    # gap-free acknowledged push range: everything up to push_hw arrived
    push_hw: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # the acknowledgement the device last said it holds; a device that later reports less came
    # back with an older database (restored from a backup, or a copy of another kiosk's card)
    push_confirmed: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # as the device reports them
    pending_up: Mapped[int] = mapped_column(default=0)
    pull_cursor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # times the device came back with an older database than the server knows (restore or copy)
    regressions: Mapped[int] = mapped_column(default=0)
    # ids of the last requests applied: a request replayed verbatim is answered but changes nothing
    recent_requests: Mapped[list | None] = mapped_column(sa.JSON)
    last_regression_at: Mapped[dt.datetime | None] = mapped_column()
    # the tables and columns the device declared it knows ({table: [column, ...]}); None: it never
    # declared (an older kiosk), and is sent every column
    schema: Mapped[dict | None] = mapped_column(sa.JSON)
    schema_hash: Mapped[str | None] = mapped_column(sa.String(64))


class SyncEnrolmentCode(Base):
    """A one-time, expiring code township staff give the person installing a kiosk."""

    __tablename__ = "sync_enrolment_code"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # shown to staff until used or expired, then erased
    code: Mapped[str | None] = mapped_column(sa.String(16))
    village_id: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(40))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    device_id: Mapped[str | None] = mapped_column(sa.String(36))
    # the form's one-time key, so that a resubmitted form does not make a second code
    request_key: Mapped[str | None] = mapped_column(sa.String(36), unique=True)


class SyncEnrolAttempt(Base):
    """Enrolment attempts per address in the current window (a rate limit the township keeps)."""

    __tablename__ = "sync_enrol_attempt"
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column()
    count: Mapped[int] = mapped_column(default=0)


class SyncBlobWanted(Base):
    __tablename__ = "sync_blob_wanted"
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SyncConflict(Synced, Base):
    """Two versions of one record made apart: the server kept the first it accepted (``winner``);
    the other (``loser``) is kept here until a person settles it. Replicated, so the kiosk and the
    township show the same list."""

    __tablename__ = "sync_conflict"
    table_name: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    # edit (both sides changed it), fact (an append-only record arrived with other content),
    # same_version (same version stamp, different content: a copied database)
    kind: Mapped[str] = mapped_column(sa.String(16), default="edit")
    winner: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    loser: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    loser_device: Mapped[str | None] = mapped_column(sa.String(36))
    # server time it was found
    detected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    # kept (the winner stays) or applied (the loser's values were copied onto the record)
    resolution: Mapped[str | None] = mapped_column(sa.String(12))
    settled_by: Mapped[str | None] = mapped_column(sa.String(40))
    settled_at: Mapped[dt.datetime | None] = mapped_column()


class SyncHeld(Synced, Base):
    """A pushed row the township could not take as it was (invalid values, a natural key such as a
    hydrant's code held by another record, a missing reference, a record outside the device's scope):
    kept here whole, with the reason, until a person settles it. Nothing a device sends is dropped,
    and no such row stops the rest of a batch. Replicated in the pushing device's village, so the kiosk
    and the township show the same list; the kiosk moves its own copy of the row aside meanwhile."""

    __tablename__ = "sync_held"
    table_name: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    # invalid | natural_key | missing_reference | scope | refused (by the database)
    reason: Mapped[str] = mapped_column(sa.String(24))
    # what exactly (a column, a constraint), in English for logs; screens translate ``reason``
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
    device_id: Mapped[str | None] = mapped_column(sa.String(36))
    # the row as it was sent (wire form; values that cannot be stored are kept as their text)
    row: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    base: Mapped[dict | None] = mapped_column(sa.JSON)
    # natural_key: the record holding the key, and the key's columns
    clash_id: Mapped[str | None] = mapped_column(sa.String(36))
    clash_columns: Mapped[list] = mapped_column(sa.JSON, default=list)
    # the version of this record the township keeps in the device's scope (0: none)
    stored_version: Mapped[int] = mapped_column(default=0)
    detected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    # applied | merged | renamed | replaced | discarded
    resolution: Mapped[str | None] = mapped_column(sa.String(12))
    settled_by: Mapped[str | None] = mapped_column(sa.String(40))
    settled_at: Mapped[dt.datetime | None] = mapped_column()
