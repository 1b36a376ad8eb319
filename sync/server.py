"""The township's sync endpoints (``/sync/v1``), mounted by the township role only.

- ``POST /enrol``: a one-time code becomes a device credential (idempotent for the same device secret);
- ``POST /exchange``: one round trip carries a push batch and returns a pull batch;
- ``POST /blobs/<sha>`` and ``GET /blobs/<sha>``: files, resumable in both directions.

Scope comes from the enrolment, never from the request: a device pushes only its village's rows and
pulls its village's rows plus township-wide ones (``village_id`` = the 9-digit township code). A batch
with anything else is refused whole and nothing of it is applied.

Errors are JSON ``{"error": code, "message": text}`` with a 4xx status; codes are stable, the kiosk
translates them for people.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request, send_file

from . import blobs, capture, wire
from .extension import extension
from .ids import uuid7
from .models import (SyncBlobWanted, SyncChangelog, SyncConflict, SyncDevice, SyncEnrolmentCode)
from .store import session, utcnow
from .tables import parents_first, replicated, ride_along, row_blobs
from .wire import WireError

bp = Blueprint("sync_api", __name__, url_prefix="/sync/v1")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a kiosk
CLOCK_TOLERANCE_S = 300
CONFLICT_NS = uuid.UUID("6f1c1f59-8d0e-4f55-9f52-3b4f2d7a1c01")

class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 400, **extra):
        super().__init__(message)
        self.code, self.message, self.status, self.extra = code, message, status, extra


@bp.after_request
def _lean_headers(response):
    """An API reply is no page: a short policy here keeps an idle sync well under a kilobyte."""
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.errorhandler(Refused)
def _refused(e: Refused):
    session().rollback()
    return jsonify(error=e.code, message=e.message, **e.extra), e.status


@bp.errorhandler(WireError)
def _wire_error(e: WireError):
    session().rollback()
    return jsonify(error=e.code, message=e.message), e.status


def scope_of(device: SyncDevice) -> list[str]:
    """What a device may hold: its village's rows and its township's township-wide ones."""
    return [device.village_id, device.village_id[:9]]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else raw


def create_code(village_id: str, created_by: str | None, hours: float = 24, request_key: str | None = None):
    """A one-time enrolment code for a village. The caller commits. Same ``request_key``, same code."""
    if request_key:
        found = session().scalar(sa.select(SyncEnrolmentCode).where(SyncEnrolmentCode.request_key == request_key))
        if found is not None:
            return found
    code = new_code()
    row = SyncEnrolmentCode(id=uuid7(), code_hash=hash_secret(code), code=code, village_id=village_id,
                            created_by=created_by, expires_at=utcnow() + dt.timedelta(hours=hours),
                            request_key=request_key)
    session().add(row)
    return row


def _epoch_ms(value: dt.datetime) -> int:
    return int(value.replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def _authenticate() -> SyncDevice:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        raise Refused("unauthenticated", "this request carries no device credential", 401)
    device_id, _, token = auth[7:].strip().partition(":")
    device = session().get(SyncDevice, device_id) if device_id and len(device_id) <= 36 else None
    if device is None or not hmac.compare_digest(device.token_hash, hash_secret(token)):
        raise Refused("bad_credential", "unknown device or wrong credential", 401)
    if device.revoked_at is not None:
        raise Refused("revoked", "the township has revoked this device; enrol it again with a new code", 403)
    return device


def _read_body() -> bytes:
    length = request.content_length
    if length is not None and length > wire.MAX_BODY_BYTES:
        raise WireError("too_large", f"body of {length} bytes exceeds the limit of {wire.MAX_BODY_BYTES}", 413)
    data = request.stream.read(wire.MAX_BODY_BYTES + 1)
    if length is not None and len(data) < length:
        raise WireError("truncated", "the body was cut short")
    return wire.decompress(data, request.headers.get("Content-Encoding", "identity"))


def _reply_encoding() -> str:
    accepted = request.headers.get("Accept-Encoding", "")
    for enc in wire.encodings():
        if enc in accepted:
            return enc
    return "identity"


def _message(header: dict, writer: wire.Writer | None = None) -> Response:
    writer = writer or wire.Writer(header)
    enc = _reply_encoding()
    body = wire.compress(writer.finish(), enc)
    response = Response(body, status=200, mimetype=wire.CONTENT_TYPE)
    if enc != "identity":
        response.headers["Content-Encoding"] = enc
    return response


# ---- enrolment ----------------------------------------------------------------------------------

@bp.post("/enrol")
def enrol():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("malformed", "send JSON: code, token_sha256, app_version")
    code = normalise_code(str(data.get("code", "")))
    token_hash = str(data.get("token_sha256", ""))
    if len(token_hash) != 64 or any(c not in "0123456789abcdef" for c in token_hash):
        raise Refused("malformed", "token_sha256 must be the SHA-256 (hex) of the device's secret")
    row = session().scalar(sa.select(SyncEnrolmentCode).where(SyncEnrolmentCode.code_hash == hash_secret(code))
                            .with_for_update())
    now = utcnow()
    if row is None:
        raise Refused("code_unknown", "this enrolment code does not exist; check it or ask the township "
                      "for a new one", 404)
    if row.used_at is not None:
        device = session().get(SyncDevice, row.device_id) if row.device_id else None
        if device is None or device.token_hash != token_hash or device.revoked_at is not None:
            raise Refused("code_used", "this enrolment code was already used; ask the township for a new one", 410)
    elif row.expires_at <= now:
        raise Refused("code_expired", "this enrolment code has expired; ask the township for a new one", 410)
    else:
        device = SyncDevice(id=uuid7(), village_id=row.village_id, token_hash=token_hash,
                            label=str(data.get("label", ""))[:80], app_version=str(data.get("app_version", ""))[:20],
                            enrolled_by=row.created_by, enrolled_at=now)
        session().add(device)
        row.used_at, row.device_id, row.code = now, device.id, None
    session().commit()
    reference = {}
    for provider in extension().reference:
        reference.update(provider(device.village_id) or {})
    return jsonify(device_id=device.id, village_id=device.village_id, township_code=device.village_id[:9],
                   reference=reference, server_now=_epoch_ms(now), wire_version=wire.VERSION)


# ---- exchange -----------------------------------------------------------------------------------

def _int(header: dict, key: str, default: int = 0) -> int:
    value = header.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < -1:
        raise WireError("malformed", f"header field {key!r} must be a whole number")
    return value


def _validate_push(device: SyncDevice, header: dict, sections) -> list:
    """Everything is checked before anything is written: one bad row refuses the batch."""
    tables = replicated()
    frm, to = _int(header, "from"), _int(header, "to")
    if to < frm:
        raise WireError("malformed", "push range ends before it starts")
    batch = []
    seen: set[tuple[str, str]] = set()
    for name, cols, rows in sections:
        t = tables.get(name)
        if t is None:
            raise Refused("unknown_table", f"table {name!r} is not replicated by this server "
                          f"(is the township older than the kiosk?)", 422)
        unknown = [c for c in cols if c not in t.columns]
        if unknown:
            raise Refused("unknown_column", f"{name} has no column(s) {', '.join(unknown)} here", 422)
        if not {"id", "village_id", "version", "hlc"} <= set(cols):
            raise WireError("malformed", f"rows of {name} lack id, village_id, version or hlc")
        decoded = []
        for row in rows:
            if len(row) != len(cols) + 3:
                raise WireError("malformed", f"a row of {name} has {len(row)} values, expected {len(cols) + 3}")
            seq, base_v, base_hlc, values = row[0], row[1], row[2], row[3:]
            if not (isinstance(seq, int) and frm < seq and isinstance(base_v, int)
                    and isinstance(base_hlc, str)):
                raise WireError("malformed", f"a row of {name} has a bad sequence number or base")
            raw = dict(zip(cols, values))
            rid, vid = raw.get("id"), raw.get("village_id")
            if not isinstance(rid, str) or not 0 < len(rid) <= 36 or not isinstance(raw.get("version"), int):
                raise WireError("malformed", f"a row of {name} has a bad id or version")
            if vid != device.village_id:
                raise Refused("scope", f"{name} {rid} belongs to {vid!r}, but this device is enrolled for "
                              f"village {device.village_id}; nothing of this batch was applied", 403)
            if (name, rid) in seen:
                raise WireError("malformed", f"{name} {rid} appears twice in one batch")
            seen.add((name, rid))
            try:
                values_db = t.decode(cols, values)
            except (TypeError, ValueError) as e:
                raise WireError("malformed", f"{name} {rid}: {e}")
            decoded.append((base_v, base_hlc, raw, values_db))
        batch.append((t, cols, decoded))
    return batch


def _apply_push(device: SyncDevice, batch: list) -> tuple[list, list[str]]:
    """Apply a validated batch; returns (conflicted (table, id) pairs, blob hashes the server lacks)."""
    conn = session().connection()
    capture.next_values(conn, "changelog", 0)  # take the change-log lock before reading anything
    applied, touched, conflicted = [], [], []
    need: set[str] = set()
    for t, cols, rows in batch:
        ids = [raw["id"] for _bv, _bh, raw, _v in rows]
        existing = {r["id"]: r for r in conn.execute(sa.select(t.table).where(t.table.c.id.in_(ids))).mappings()}
        inserts, updates = [], []
        for base_v, base_hlc, raw, values in rows:
            current = existing.get(raw["id"])
            if current is None:
                inserts.append(values)
            else:
                mine = t.encode_dict(current)
                if all(mine[c] == raw[c] for c in cols):
                    continue  # a replay, or the same version arriving twice
                same_stamp = current["version"] == raw["version"] and current["hlc"] == raw["hlc"]
                if current["origin"] == raw.get("origin") and current["version"] > raw["version"]:
                    continue  # an older version from the same writer (a restored kiosk): history, not news
                follows = current["version"] == base_v and current["hlc"] == base_hlc
                if not same_stamp and (follows or (base_v == -1 and raw["version"] > current["version"])):
                    updates.append(values)
                else:
                    # the server is the arbiter: the version it accepted first stays
                    kind = "same_version" if same_stamp else ("fact" if t.kind == "fact" else "edit")
                    _record_conflict(t, mine, raw, kind, device.id)
                    touched.append((t.name, current["id"], current["village_id"]))
                    conflicted.append([t.name, current["id"]])
                    continue
            applied.append((t.name, raw["id"], raw["village_id"]))
            for sha in row_blobs(t, raw):
                if not blobs.has(sha):
                    need.add(sha)
        if inserts:
            conn.execute(sa.insert(t.table), inserts)
        if updates:
            stmt = sa.update(t.table).where(t.table.c.id == sa.bindparam("_match_id"))
            conn.execute(stmt, [dict({k: v for k, v in u.items() if k != "id"}, _match_id=u["id"]) for u in updates])
    capture.upsert_changelog(conn, applied, device.id)
    capture.upsert_changelog(conn, touched, None)
    written: dict[str, list[str]] = {}
    for name, rid, _village in applied:
        written.setdefault(name, []).append(rid)
    extension().applied(written)  # the winner goes back to the device that lost
    if need:
        have = set(session().scalars(sa.select(SyncBlobWanted.sha256).where(
            SyncBlobWanted.device_id == device.id, SyncBlobWanted.sha256.in_(need))))
        for sha in need - have:
            session().add(SyncBlobWanted(sha256=sha, device_id=device.id))
    return conflicted, sorted(need)


def _record_conflict(t, winner: dict, loser: dict, kind: str, device_id: str) -> None:
    if t.name == SyncConflict.__tablename__:
        return  # two people settled the same conflict: the first settlement stands, quietly
    cid = str(uuid.uuid5(CONFLICT_NS, f"{t.name}/{loser['id']}/{loser['version']}/{loser['hlc']}"))
    if session().get(SyncConflict, cid) is not None:
        return
    session().add(SyncConflict(id=cid, village_id=winner["village_id"], table_name=t.name,
                                record_id=winner["id"], kind=kind, winner=winner, loser=loser,
                                loser_device=device_id, detected_at=utcnow(), status="open"))
    session().flush()


def _not_echo(device: SyncDevice, own: bool = False):
    """What the device pushed itself it need not pull back, unless it lost its database."""
    cl = SyncChangelog.__table__
    return sa.true() if own else sa.or_(cl.c.source_device.is_(None), cl.c.source_device != device.id)


def pending_down(device: SyncDevice) -> int:
    """Changes in the device's scope that it has not pulled yet (the devices screen shows them)."""
    cl = SyncChangelog.__table__
    return session().scalar(sa.select(sa.func.count()).select_from(cl).where(
        cl.c.seq > device.pull_cursor, cl.c.village_id.in_(scope_of(device)), _not_echo(device))) or 0


def _pull(device: SyncDevice, cursor: int, limit: int, writer: wire.Writer, own: bool = False) -> tuple[int, bool]:
    """The next page of the change log in the device's scope, after ``cursor``; (new cursor, more)."""
    conn = session().connection()
    horizon = capture.current_value(conn, "changelog")
    cl = SyncChangelog.__table__
    scope = scope_of(device)
    not_echo = _not_echo(device, own)
    entries = conn.execute(
        sa.select(cl.c.seq, cl.c.table_name, cl.c.record_id)
        .where(cl.c.seq > cursor, cl.c.seq <= horizon, cl.c.village_id.in_(scope), not_echo)
        .order_by(cl.c.seq).limit(limit)).all()
    tables = replicated()
    by_table: dict[str, list[str]] = {}
    for e in entries:
        by_table.setdefault(e.table_name, []).append(e.record_id)
    records = {}
    for name, ids in by_table.items():
        t = tables.get(name)
        if t is None:
            continue
        for r in conn.execute(sa.select(t.table).where(t.table.c.id.in_(ids), t.table.c.village_id.in_(scope))).mappings():
            records[(name, r["id"])] = dict(r)
    chosen, size, last, cut = [], 0, cursor, False
    for e in entries:
        row = records.get((e.table_name, e.record_id))
        if row is not None:
            values = tables[e.table_name].encode(row)
            n = writer.row_size(values)
            if chosen and size + n > wire.MAX_BATCH_BYTES:
                cut = True
                break
            chosen.append((e.table_name, row, values))
            size += n
        last = e.seq
    if not cut and len(entries) < limit:
        last = max(horizon, cursor)

    def waiting(parent: str, ids: list[str]) -> list[str]:
        return conn.execute(sa.select(cl.c.record_id).where(
            cl.c.table_name == parent, cl.c.record_id.in_(ids), cl.c.seq > last, cl.c.village_id.in_(scope),
            not_echo)).scalars().all()

    parents = [(name, row, tables[name].encode(row))
               for name, row in ride_along(conn, [(n, r) for n, r, _v in chosen], waiting)
               if row["village_id"] in scope]
    for name, _row, values in parents_first(parents + chosen):
        writer.table(name, tables[name].columns)
        writer.row(values)
    return last, cut or len(entries) == limit


@bp.post("/exchange")
def exchange():
    device = _authenticate()
    now = utcnow()
    header, sections = wire.read(_read_body())
    rid = header.get("rid")
    replay = isinstance(rid, str) and rid in (device.recent_requests or [])
    cursor, acked = _int(header, "cursor"), _int(header, "acked")
    frm, to = _int(header, "from"), _int(header, "to")
    offset = None
    device_ms = header.get("now")
    if isinstance(device_ms, (int, float)) and not isinstance(device_ms, bool):
        offset = round((device_ms - _epoch_ms(now)) / 1000.0, 3)
    if not replay:
        if offset is not None:
            try:
                device.last_device_time = dt.datetime.fromtimestamp(device_ms / 1000, dt.timezone.utc).replace(tzinfo=None)
            except (OverflowError, OSError, ValueError):
                device.last_device_time = None
            device.clock_offset_s = offset
        device.last_seen_at = now
        if isinstance(header.get("app"), str):
            device.app_version = header["app"][:20]
        if isinstance(header.get("pending"), int):
            device.pending_up = header["pending"]
        device.pull_cursor = cursor
        session().commit()  # the clock and last contact are recorded even when the batch is refused

    reply = {"server_now": _epoch_ms(now), "offset": offset, "hw": device.push_hw}
    # a device that reports less than it confirmed before came back with an older database:
    # restored from a backup, or a copy of another kiosk's card. It re-pulls everything.
    resync = not replay and acked < device.push_confirmed
    if acked > device.push_hw:
        raise Refused("gap", f"the server has this device's changes up to {device.push_hw} only, the device "
                      f"believes {acked}: send everything again", 409, hw=device.push_hw)
    rows = sum(len(r) for _n, _c, r in sections)
    if rows and frm > device.push_hw:
        raise Refused("gap", f"changes {device.push_hw + 1}..{frm} never arrived; send from {device.push_hw}",
                      409, hw=device.push_hw)
    batch = _validate_push(device, header, sections) if rows else []
    conflicted, need = _apply_push(device, batch) if batch else ([], [])
    device = session().get(SyncDevice, device.id)
    if not replay:
        if resync:
            device.regressions = (device.regressions or 0) + 1
            device.last_regression_at = now
            current_app.logger.warning("device %s came back with an older database (acked %s < %s): resync",
                                       device.id, acked, device.push_confirmed)
        device.push_confirmed = acked
        if to > frm and frm <= device.push_hw:
            device.push_hw = max(device.push_hw, to)
            if rows:
                device.last_push_at = now
        if isinstance(rid, str):
            device.recent_requests = ((device.recent_requests or []) + [rid[:40]])[-32:]
    session().commit()
    reply.update(acked=to if to > frm else acked, hw=device.push_hw)
    if conflicted:
        reply["conflicts"] = conflicted
    if need:
        reply["need"] = need
    if resync:
        reply["resync"] = True

    limit = header.get("limit", wire.MAX_RECORDS)
    limit = max(1, min(limit if isinstance(limit, int) else wire.MAX_RECORDS, wire.MAX_RECORDS))
    writer = wire.Writer({})
    next_cursor, more = _pull(device, 0 if resync else cursor, limit, writer,
                              own=resync or header.get("echo") is True)
    reply["cursor"] = next_cursor
    if more:
        reply["more"] = True
    writer.set_header(reply)
    session().rollback()
    return _message(reply, writer)


# ---- blobs --------------------------------------------------------------------------------------

@bp.post("/blobs/<sha>")
def upload_blob(sha: str):
    device = _authenticate()
    if not blobs.HEX64.match(sha):
        raise Refused("malformed", "not a SHA-256")
    if blobs.has(sha):
        session().execute(sa.delete(SyncBlobWanted).where(SyncBlobWanted.sha256 == sha))
        session().commit()
        return jsonify(complete=True)
    wanted = session().get(SyncBlobWanted, (sha, device.id))
    if wanted is None:
        raise Refused("not_wanted", "no record of this device names this file", 403)
    try:
        total, offset = int(request.headers["X-Total"]), int(request.headers["X-Offset"])
    except (KeyError, ValueError):
        raise Refused("malformed", "X-Total and X-Offset headers are required")
    if total > blobs.MAX_BLOB_BYTES or total <= 0:
        raise Refused("too_large", f"files are limited to {blobs.MAX_BLOB_BYTES} bytes", 413)
    part = blobs.partial(sha, device.id)
    size = part.stat().st_size if part.exists() else 0
    if offset != size:
        return jsonify(error="offset", message=f"resume from {size}", offset=size), 409
    data = request.stream.read(blobs.CHUNK_BYTES * 4 + 1)
    if len(data) > blobs.CHUNK_BYTES * 4 or size + len(data) > total:
        raise Refused("too_large", "chunk too large", 413)
    if request.content_length is not None and len(data) < request.content_length:
        raise Refused("truncated", "the chunk was cut short")
    size = blobs.append(part, data)
    if size < total:
        return jsonify(complete=False, offset=size)
    if not blobs.finish(part, sha):
        raise Refused("hash_mismatch", "the file does not match its hash; send it again", 422)
    session().execute(sa.delete(SyncBlobWanted).where(SyncBlobWanted.sha256 == sha))
    session().commit()
    return jsonify(complete=True), 201


@bp.get("/blobs/<sha>")
def download_blob(sha: str):
    _authenticate()
    if not blobs.has(sha):
        raise Refused("no_blob", "the township does not have this file (yet)", 404)
    return send_file(blobs.path(sha), mimetype="application/octet-stream", conditional=True, etag=sha)
