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
import json
import secrets

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from . import blobs, capture, cursor, push, validate, wire
from .extension import extension
from .ids import uuid7
from .models import SyncBlobWanted, SyncChangelog, SyncDevice, SyncEnrolAttempt, SyncEnrolmentCode
from .store import session, utcnow
from .tables import parents_first, replicated, ride_along
from .wire import WireError

bp = Blueprint("sync_api", __name__, url_prefix="/sync/v1")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a kiosk
CLOCK_TOLERANCE_S = 300

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


@bp.errorhandler(Exception)
def _unexpected(e: Exception):
    """Whatever went wrong, a device gets JSON it can report (never a page of HTML)."""
    session().rollback()
    if isinstance(e, HTTPException):
        return jsonify(error=f"http_{e.code}", message=e.description or e.name), e.code
    current_app.logger.exception("sync request failed")
    return jsonify(error="server_error", message=f"the township failed: {type(e).__name__}"), 500


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
    # a code's text is kept only while it can still be used, for the staff to read it out again
    session().execute(sa.update(SyncEnrolmentCode).where(SyncEnrolmentCode.expires_at <= utcnow(),
                                                         SyncEnrolmentCode.code.is_not(None)).values(code=None))
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
    device = session().get(SyncDevice, device_id) if validate.ID.match(device_id) else None
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

ENROL_WINDOW = dt.timedelta(minutes=10)
ENROL_ATTEMPTS = 10  # per address and window: a person mistyping a code a few times is not stopped


def _count_failure(address: str) -> None:
    """One more failed attempt from this address: a single conditional upsert, so that concurrent
    requests on several workers count right (PITFALLS.md: read-then-write counters race)."""
    t = SyncEnrolAttempt.__table__
    now = utcnow()
    fresh = t.c.window_start < now - ENROL_WINDOW
    stmt = capture._insert(session().connection(), t).values(address=address, window_start=now, count=1)
    session().execute(stmt.on_conflict_do_update(index_elements=["address"], set_={
        "count": sa.case((fresh, 1), else_=t.c.count + 1),
        "window_start": sa.case((fresh, now), else_=t.c.window_start)}))
    session().execute(sa.delete(t).where(t.c.window_start < now - 6 * ENROL_WINDOW))  # old addresses
    session().commit()


def _wait_before_enrolling(address: str) -> int:
    """Seconds this address must wait (0: it may try)."""
    row = session().get(SyncEnrolAttempt, address)
    now = utcnow()
    if row is None or row.window_start < now - ENROL_WINDOW or row.count < ENROL_ATTEMPTS:
        return 0
    return int((row.window_start + ENROL_WINDOW - now).total_seconds()) + 1


@bp.post("/enrol")
def enrol():
    address = (request.remote_addr or "?")[:64]
    wait = _wait_before_enrolling(address)
    if wait:
        response = jsonify(error="rate_limited", retry_after=wait,
                           message=f"too many failed enrolment attempts from this address; try again in {wait} s")
        response.headers["Retry-After"] = str(wait)
        return response, 429
    try:
        return _enrol()
    except (Refused, WireError):
        session().rollback()
        _count_failure(address)
        raise


def _enrol():
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
        label, app_version = data.get("label", ""), data.get("app_version", "")
        if not (isinstance(label, str) and isinstance(app_version, str) and not validate.text_problem(label, 80)
                and not validate.text_problem(app_version, 20)):
            raise Refused("malformed", "label and app_version must be short text")
        device = SyncDevice(id=uuid7(), village_id=row.village_id, token_hash=token_hash,
                            label=label, app_version=app_version,
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

MAX_INT = 2 ** 63 - 1
# a device clock in ms since 1970 that a Raspberry Pi can have: years 1970 to 9999
MAX_CLOCK_MS = 253_402_300_799_999


def _int(header: dict, key: str, default: int = 0, low: int = -1, high: int = MAX_INT) -> int:
    value = header.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise WireError("malformed", f"header field {key!r} must be a whole number from {low} to {high}")
    return value


def _text(header: dict, key: str, limit: int) -> str | None:
    value = header.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or validate.text_problem(value, limit):
        raise WireError("malformed", f"header field {key!r} must be text of at most {limit} characters")
    return value


def _declared(header: dict) -> dict | None:
    """The tables and columns the device knows, as it declares them ({table: [column, ...]})."""
    schema = header.get("schema")
    if schema is None:
        return None
    if not (isinstance(schema, dict) and len(schema) <= 500 and all(
            isinstance(k, str) and len(k) <= 64 and isinstance(v, list) and len(v) <= 500
            and all(isinstance(c, str) and len(c) <= 64 for c in v) for k, v in schema.items())):
        raise WireError("malformed", "header field 'schema' must map table names to lists of column names")
    return {k: list(v) for k, v in schema.items()}


def schema_hash(schema: dict) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


def _read_push(device: SyncDevice, header: dict, sections, wire_version: int, plain: bool = False) -> list[push.Pushed]:
    """Rows as sent, each checked against its columns. The batch is refused whole only when it is
    not a well-formed push of this device's village, or names what this township does not know."""
    tables = replicated()
    frm, to = _int(header, "from"), _int(header, "to")
    if to < frm:
        raise WireError("malformed", "push range ends before it starts")
    prefix = 4 if wire_version >= 2 else 3  # seq, base version, base hlc[, base values]
    batch: list[push.Pushed] = []
    seen: set[tuple[str, str]] = set()
    for name, cols, rows in sections:
        t = tables.get(name)
        if t is None:
            raise Refused("township_older", f"this township does not know table {name!r}: the kiosk's software "
                          "is newer; it keeps its changes until the township is upgraded", 409)
        unknown = [c for c in cols if c not in t.columns]
        if unknown:
            raise Refused("township_older", f"this township does not know column(s) {', '.join(unknown)} of "
                          f"{name}: the kiosk's software is newer; it keeps its changes until the township is "
                          "upgraded", 409)
        if len(set(cols)) != len(cols) or not {"id", "village_id", "version", "hlc"} <= set(cols):
            raise WireError("malformed", f"rows of {name} lack id, village_id, version or hlc, or repeat a column")
        for row in rows:
            if len(row) != len(cols) + prefix:
                raise WireError("malformed", f"a row of {name} has {len(row)} values, expected {len(cols) + prefix}")
            seq, base_v, base_hlc = row[0], row[1], row[2]
            base = row[3] if prefix == 4 else None
            values = row[prefix:]
            if not (isinstance(seq, int) and not isinstance(seq, bool) and frm < seq <= MAX_INT
                    and isinstance(base_v, int) and not isinstance(base_v, bool) and -1 <= base_v < 2 ** 31
                    and isinstance(base_hlc, str) and len(base_hlc) <= 64
                    and (base is None or (isinstance(base, dict) and all(k in cols for k in base)))):
                raise WireError("malformed", f"a row of {name} has a bad sequence number or base")
            raw = dict(zip(cols, values))
            rid, vid = raw["id"], raw["village_id"]
            if not isinstance(rid, str) or not validate.ID.match(rid):
                raise WireError("malformed", f"a row of {name} has a bad id")
            version = raw["version"]
            if not (isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 2 ** 31
                    and isinstance(raw["hlc"], str) and len(raw["hlc"]) <= 64):
                raise WireError("malformed", f"{name} {rid} has a bad version or clock value")
            if vid != device.village_id:
                raise Refused("scope", f"{name} {rid} belongs to {str(vid)[:20]!r}, but this device is enrolled "
                              f"for village {device.village_id}; nothing of this batch was applied", 403)
            if (name, rid) in seen:
                raise WireError("malformed", f"{name} {rid} appears twice in one batch")
            seen.add((name, rid))
            p = push.Pushed(t=t, seq=seq, base_version=base_v, base_hlc=base_hlc, base=base, cols=list(cols), raw=raw)
            try:
                p.values = validate.row(t, cols, values, plain)
            except validate.Invalid as e:
                p.problem = ("invalid", f"{name}.{e.column} {e.reason}")
            batch.append(p)
    return batch


def _not_echo(device: SyncDevice, own: bool = False):
    """What the device pushed itself it need not pull back, unless it lost its database."""
    cl = SyncChangelog.__table__
    return sa.true() if own else sa.or_(cl.c.source_device.is_(None), cl.c.source_device != device.id)


def pending_down(devices: list[SyncDevice]) -> dict[str, int]:
    """device id -> changes in its scope it has not pulled yet, at most (the devices screen shows it):
    read from the scopes' counters, one query for any number of devices, never a count of the log.
    Numbers a record left when it changed again are counted too, so this is an upper bound."""
    scopes = {s for d in devices for s in scope_of(d)}
    counters = {}
    if scopes:
        from .models import SyncCounter
        counters = dict(session().execute(sa.select(SyncCounter.name, SyncCounter.value).where(
            SyncCounter.name.in_([cursor.counter(s) for s in scopes]))).all())
    out = {}
    for d in devices:
        positions = cursor.unpack(d.pull_cursor or 0)
        out[d.id] = sum(max(int(counters.get(cursor.counter(s), 0)) - p, 0) for s, p in zip(scope_of(d), positions))
    return out


def _sendable(device: SyncDevice, name: str, row: dict) -> bool:
    """A row in scope may still be meant for some villages only (a targeted warning)."""
    t = replicated().get(name)
    if t is None or row["village_id"] not in scope_of(device):
        return False
    if t.audience is not None:
        audience = t.audience(row)
        if audience is not None and device.village_id not in audience:
            return False
    return device.schema is None or name in device.schema


def _columns_for(device: SyncDevice, t) -> list[str]:
    """The columns of ``t`` the device knows (all of them when it never declared)."""
    if device.schema is None:
        return t.columns
    known = set(device.schema.get(t.name, ()))
    return [c for c in t.columns if c in known]


def scope_changes(scope: str, after: int, horizon: int, not_echo, limit: int) -> sa.Select:
    """The next changes of one scope after position ``after``, up to ``horizon``: a range of the
    ``(village_id, seq)`` index, in its order, which no other village's rows are in."""
    cl = SyncChangelog.__table__
    return (sa.select(cl.c.seq, cl.c.table_name, cl.c.record_id, cl.c.village_id)
            .where(cl.c.village_id == scope, cl.c.seq > after, cl.c.seq <= horizon, not_echo)
            .order_by(cl.c.seq).limit(limit))


def _pull(device: SyncDevice, position: int, limit: int, writer: wire.Writer, own: bool = False) -> tuple[int, bool]:
    """The next page of the change log in the device's scopes, after its positions; (new cursor, more).

    Each scope is read along its own numbering (the ``(village_id, seq)`` index), township-wide rows
    first, and only below the number its counter has committed: every number under it is committed
    too (the counter is locked from the first number a transaction takes until it commits), so a
    change committed late, under a number a reader already passed, cannot be missed."""
    conn = session().connection()
    cl = SyncChangelog.__table__
    not_echo = _not_echo(device, own)
    village, township = scope_of(device)
    at = dict(zip((village, township), cursor.unpack(position)))
    entries: list = []
    read_to = {}  # scope -> its horizon, when every row of it below the horizon is in ``entries``
    for scope in (township, village):
        horizon = capture.current_value(conn, cursor.counter(scope))
        room = limit - len(entries)
        found = conn.execute(scope_changes(scope, at[scope], horizon, not_echo, room)).all() if room > 0 else []
        entries.extend(found)
        if len(found) < room:
            read_to[scope] = max(horizon, at[scope])
    tables = replicated()
    by_table: dict[str, list[str]] = {}
    for e in entries:
        by_table.setdefault(e.table_name, []).append(e.record_id)
    records = {}
    for name, ids in by_table.items():
        t = tables.get(name)
        if t is None:
            continue
        for r in conn.execute(sa.select(t.table).where(capture.among(conn, t.table.c.id, ids),
                                                       t.table.c.village_id.in_(list(at)))):
            records[(name, r.id)] = r._mapping

    known: dict[str, tuple[list[str], list]] = {}  # table -> (the columns the device knows, their encoders)

    def columns(name: str) -> list[str]:
        if name not in known:
            cols = _columns_for(device, tables[name])
            known[name] = (cols, [tables[name].encoders[c] for c in cols])
        return known[name][0]

    def encode(name: str, row) -> bytes:
        return writer.line([encoder(row[c]) for c, encoder in zip(columns(name), known[name][1])])

    chosen, size, cut = [], 0, False
    last = dict(at)  # the last row taken of each scope
    for e in entries:
        row = records.get((e.table_name, e.record_id))
        if row is not None and _sendable(device, e.table_name, row):
            line = encode(e.table_name, row)
            if chosen and size + len(line) > wire.MAX_BATCH_BYTES:
                cut = True
                break
            chosen.append((e.table_name, row, line))
            size += len(line)
        last[e.village_id] = e.seq
    more = cut or len(read_to) < len(at)
    # a scope read to its end stands at its horizon; one cut short, at the last row taken
    reached = dict(last) if cut else {s: read_to.get(s, last[s]) for s in at}

    def waiting(parent: str, ids: list[str]) -> list[str]:
        beyond = sa.or_(*[sa.and_(cl.c.village_id == s, cl.c.seq > p) for s, p in reached.items()])
        return conn.execute(sa.select(cl.c.record_id).where(
            cl.c.table_name == parent, capture.among(conn, cl.c.record_id, ids), beyond, not_echo)).scalars().all()

    parents = [(name, row, encode(name, row))
               for name, row in ride_along(conn, [(n, r) for n, r, _v in chosen], waiting)
               if _sendable(device, name, row)]
    for name, _row, line in parents_first(parents + chosen):
        writer.table(name, columns(name))
        writer.row(line)
    return cursor.pack(reached[village], reached[township]), more


@bp.post("/exchange")
def exchange():
    device = _authenticate()
    now = utcnow()
    body = _read_body()
    header, sections = wire.read(body)
    plain = validate.plain_message(body)
    rid = _text(header, "rid", 40)
    replay = rid is not None and rid in (device.recent_requests or [])
    position, acked = _int(header, "cursor", low=0), _int(header, "acked", low=0)
    frm, to = _int(header, "from", low=0), _int(header, "to", low=0)
    pending = _int(header, "pending", low=0, high=2 ** 31 - 1)
    app_version = _text(header, "app", 20)
    declared = _declared(header)
    offset = None
    device_ms = header.get("now")
    if device_ms is not None:
        if (not isinstance(device_ms, (int, float)) or isinstance(device_ms, bool)
                or not 0 <= device_ms <= MAX_CLOCK_MS):  # comparisons first: math of 10**400 overflows
            raise WireError("malformed", "header field 'now' must be the device's clock in ms since 1970")
        offset = round((device_ms - _epoch_ms(now)) / 1000.0, 3)
    repull = False
    if not replay:
        if offset is not None:
            device.last_device_time = dt.datetime.fromtimestamp(device_ms / 1000, dt.timezone.utc).replace(tzinfo=None)
            device.clock_offset_s = offset
        device.last_seen_at = now
        if app_version is not None:
            device.app_version = app_version
        device.pending_up = pending
        device.pull_cursor = position
        if declared is not None and schema_hash(declared) != device.schema_hash:
            # a kiosk upgraded (or declaring for the first time) pulls everything again with its columns
            repull = device.schema is not None or position > 0
            device.schema, device.schema_hash = declared, schema_hash(declared)
        session().commit()  # the clock and last contact are recorded even when the batch is refused

    reply = {"server_now": _epoch_ms(now), "offset": offset, "hw": device.push_hw}
    if declared is not None:
        reply["schema"] = device.schema_hash
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
    batch = _read_push(device, header, sections, header.get("v", 1), plain) if rows else []
    outcome = push.Admission(device.village_id, device.id, device.id).take(batch) if batch else push.Outcome()
    if outcome.applied:
        push.retry_missing_references(device.village_id)
    if outcome.need:
        have = set(session().scalars(sa.select(SyncBlobWanted.sha256).where(
            SyncBlobWanted.device_id == device.id, SyncBlobWanted.sha256.in_(outcome.need))))
        for sha in outcome.need - have:
            session().add(SyncBlobWanted(sha256=sha, device_id=device.id))
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
        if rid is not None:
            device.recent_requests = ((device.recent_requests or []) + [rid])[-32:]
    session().commit()
    reply.update(acked=to if to > frm else acked, hw=device.push_hw)
    if outcome.conflicted:
        reply["conflicts"] = outcome.conflicted
    if outcome.held:
        reply["held"] = outcome.held
    if outcome.need:
        reply["need"] = sorted(outcome.need)
    if resync:
        reply["resync"] = True
    elif repull:
        reply["repull"] = True

    limit = header.get("limit", wire.MAX_RECORDS)
    limit = max(1, min(limit if isinstance(limit, int) else wire.MAX_RECORDS, wire.MAX_RECORDS))
    writer = wire.Writer({}, version=header["v"])
    again = resync or repull
    next_cursor, more = _pull(device, 0 if again or cursor.is_legacy(position) else position, limit, writer,
                              own=again or header.get("echo") is True)
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


def _referenced_in_scope(sha: str, device: SyncDevice) -> bool:
    """Whether a row the device may hold names this file (or one it sent and the township keeps)."""
    scope = scope_of(device)
    for t in replicated().values():
        for c in t.blob_columns:
            column = t.table.c[c]
            named = column == sha if isinstance(column.type, sa.String) else \
                sa.cast(column, sa.Text).contains(sha, autoescape=True)
            if session().execute(sa.select(t.table.c.id).where(t.table.c.village_id.in_(scope), named)
                                 .limit(1)).first() is not None:
                return True
    return False


@bp.get("/blobs/<sha>")
def download_blob(sha: str):
    device = _authenticate()
    if not blobs.HEX64.match(sha) or not _referenced_in_scope(sha, device):
        raise Refused("no_blob", "no record this device may hold names this file", 404)
    if not blobs.has(sha):
        raise Refused("no_blob", "the township does not have this file (yet)", 404)
    return send_file(blobs.path(sha), mimetype="application/octet-stream", conditional=True, etag=sha)
