"""The kiosk's side: enrolment, one sync run (push, pull, files), and what the status bar shows.

A run is a loop of exchanges: each sends the oldest outbox entries (bounded by count and bytes)
and brings back the next page of the township's change log. Every reply is applied in one
transaction — the acknowledgement, the records, the new cursor, the files still to fetch — so a
link that drops or a process killed at any moment leaves either the whole page or none of it, and
the next run resumes exactly there. Files move after the records, one chunk at a time, and resume
from the bytes already on the other side.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from . import blobs, capture, clock, pulled, wire
from .extension import extension
from .models import SyncBlobQueue, SyncConflict, SyncOutbox, SyncState
from .store import session, utcnow
from .tables import parents_first, rank, replicated, ride_along, row_blobs
from .wire import WireError

log = logging.getLogger("sync")
TIMEOUT = (10, 60)  # connect, read (seconds): a 4G link in the hills is slow but not this slow
USER_AGENT = "kiosk-sync/1"

EXIT_CODES = {"ok": 0, "offline": 1, "refused": 2, "not_enrolled": 3, "busy": 4, "error": 5}


class SyncError(Exception):
    def __init__(self, code: str, message: str, kind: str = "refused", status: int | None = None, reply=None,
                 counted: tuple[int, int] | None = None):
        super().__init__(message)
        self.code, self.message, self.kind, self.status, self.reply = code, message, kind, status, reply or {}
        self.counted = counted  # (bytes up, bytes down) of the round trip that answered so


@dataclass
class Result:
    outcome: str = "ok"  # ok | offline | refused | not_enrolled | busy | error
    code: str = ""
    message: str = ""
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    blobs_up: int = 0
    blobs_down: int = 0
    held: int = 0
    resync: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.outcome, 5)


def device_now_ms() -> int:
    """The kiosk's wall clock. Only a label and a measurement: nothing is ordered by it."""
    return clock.wall_ms()


def device_now() -> dt.datetime:
    return dt.datetime.fromtimestamp(device_now_ms() / 1000, dt.timezone.utc).replace(tzinfo=None)


def state() -> SyncState:
    st = session().get(SyncState, 1)
    if st is None:
        st = SyncState(id=1, push_acked=0, pull_cursor=0, resyncs=0)
        session().add(st)
        session().flush()
    return st


def _instance() -> Path:
    return Path(current_app.instance_path)


@contextmanager
def file_lock(name: str):
    """An exclusive, non-blocking lock on ``<instance>/<name>``; yields False when someone holds it."""
    _instance().mkdir(parents=True, exist_ok=True)
    fd = os.open(_instance() / name, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _http():
    import requests
    s = requests.Session()
    # only what the township needs: an idle sync stays well under a kilobyte
    s.headers.clear()
    s.headers["User-Agent"] = USER_AGENT
    return s


def _error_from(response) -> SyncError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("error") or f"http_{response.status_code}"
    message = body.get("message") or (response.text or "")[:200] or response.reason
    return SyncError(code, message, "refused", response.status_code, body)


# ---- enrolment ----------------------------------------------------------------------------------

def enroll(server_url: str, code: str, *, label: str = "", force: bool = False, http=None) -> SyncState:
    """Exchange a one-time code for this device's own credential. Raises SyncError."""
    import requests
    st = state()
    if st.device_id and not force:
        raise SyncError("already_enrolled", f"this kiosk is already enrolled with {st.server_url} for village "
                        f"{st.village_code}; use --force to enrol again")
    url = server_url.rstrip("/")
    token = secrets.token_urlsafe(32)
    payload = {"code": code, "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
               "app_version": current_app.config.get("APP_VERSION", ""), "label": label, "now": device_now_ms()}
    http = http or _http()
    try:
        response = http.post(f"{url}/sync/v1/enrol", json=payload, timeout=TIMEOUT)
    except requests.RequestException as e:
        raise SyncError("offline", f"cannot reach {url}: {e}", "offline")
    if response.status_code != 200:
        raise _error_from(response)
    data = response.json()
    previous = st.device_id
    st.server_url, st.device_id, st.token = url, data["device_id"], token
    st.village_code, st.township_code = data["village_id"], data["township_code"]
    st.enrolled_at = utcnow()
    st.push_acked, st.pull_cursor = 0, 0
    st.last_error = st.last_error_detail = None
    st.offline_since = None
    if previous:
        requeue_all(st.village_code)
    for hook in extension().on_enrol:
        hook(data)
    session().commit()
    return st


def requeue_all(village_code: str) -> int:
    """Put every record of the village in the outbox again, with an unknown base: used when the
    township has lost what this kiosk sent (restored server) or the kiosk enrols anew."""
    conn = session().connection()
    n = 0
    for t in replicated().values():
        try:
            ids = conn.execute(sa.select(t.table.c.id).where(t.table.c.village_id == village_code)).scalars().all()
        except sa.exc.DBAPIError:
            continue
        for i in range(0, len(ids), 500):
            capture.upsert_outbox(conn, [(t.name, rid, village_code, -1, "") for rid in ids[i:i + 500]])
        n += len(ids)
    conn.execute(sa.update(SyncOutbox.__table__).values(base_version=-1, base_hlc="", base_values=None))
    return n


# ---- one exchange ---------------------------------------------------------------------------------

@dataclass
class Batch:
    frm: int
    to: int
    sent: list[tuple[str, str, int]]  # (table, id, seq)


def pending_count(st: SyncState | None = None) -> int:
    """The changes that will be sent: outbox entries beyond the acknowledged sequence, of this device's
    village — the enrolled one, or before enrolment the one the application serves (its ``village``
    hook). Township-wide rows never count: a device may not send them. The one count every screen and
    ``flask sync status`` show."""
    st = st if st is not None else session().get(SyncState, 1)
    return session().scalar(_pending(st)) or 0


def _pending(st: SyncState | None) -> sa.Select:
    village = (st.village_code if st is not None else None) or _home_village()
    q = sa.select(sa.func.count()).select_from(SyncOutbox)
    if st is not None:
        q = q.where(SyncOutbox.seq > st.push_acked)
    if village:
        q = q.where(SyncOutbox.village_id == village)
    return q


def _home_village() -> str | None:
    hook = extension().village
    return hook() if hook is not None else None


def _drop_unsendable(st: SyncState) -> None:
    """Local edits of rows outside this kiosk's village (township-wide rows, a demo of another
    village) can never be sent; keeping them would also hold back the township's own versions."""
    result = session().execute(sa.delete(SyncOutbox).where(SyncOutbox.village_id != st.village_code))
    if result.rowcount:
        log.warning("dropped %d outbox entries outside village %s", result.rowcount, st.village_code)
    session().commit()  # always: a DELETE opens a write transaction even when it deletes nothing


def local_schema() -> dict[str, list[str]]:
    """The tables and columns this kiosk replicates, as it declares them to the township."""
    return {name: list(t.columns) for name, t in replicated().items()}


def _schema_hash(schema: dict) -> str:
    import json
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


def build_push(st: SyncState, limit: int = wire.MAX_RECORDS,
               max_bytes: int = wire.MAX_BATCH_BYTES, pull_only: bool = False,
               after: int | None = None, skip: frozenset = frozenset()) -> tuple[Batch, wire.Writer]:
    """The oldest waiting changes, bounded by count and bytes, with any parents they need: those
    beyond ``push_acked``, or beyond ``after`` for the batch that follows one still in flight, whose
    ``skip`` entries ((table, id, seq): parents that rode along with it) are not sent again."""
    tables = replicated()
    schema = local_schema()
    ob = SyncOutbox.__table__
    frm = st.push_acked if after is None else after
    if pull_only:
        return Batch(frm, frm, []), wire.Writer({})
    entries = [e for e in session().execute(
        sa.select(ob.c.table_name, ob.c.record_id, ob.c.seq, ob.c.base_version, ob.c.base_hlc, ob.c.base_values)
        .where(ob.c.seq > frm).order_by(ob.c.seq).limit(limit)).all()
        if (e.table_name, e.record_id, e.seq) not in skip]
    by_table: dict[str, list[str]] = {}
    for e in entries:
        by_table.setdefault(e.table_name, []).append(e.record_id)
    records = {}
    conn = session().connection()
    for name, ids in by_table.items():
        t = tables.get(name)
        if t is None:
            continue
        for r in conn.execute(sa.select(t.table).where(t.table.c.id.in_(ids))).mappings():
            records[(name, r["id"])] = dict(r)

    known: dict[str, tuple[list[str], list]] = {}

    def columns(name: str) -> list[str]:
        if name not in known:
            cols = [c for c in tables[name].columns if c in schema.get(name, ())]
            known[name] = (cols, [tables[name].encoders[c] for c in cols])
        return known[name][0]

    def encode(name: str, row: dict, seq, base_version, base_hlc, base_values) -> bytes:
        cols = columns(name)
        base = {c: v for c, v in (base_values or {}).items() if c in cols} if base_values is not None else None
        return writer.line([seq, base_version, base_hlc, base,
                            *[encoder(row[c]) for c, encoder in zip(cols, known[name][1])]])

    writer = wire.Writer({})
    chosen, size, to = [], 0, frm
    for e in entries:
        row = records.get((e.table_name, e.record_id))
        if row is not None and e.table_name in schema:
            line = encode(e.table_name, row, e.seq, e.base_version, e.base_hlc, e.base_values)
            if chosen and size + len(line) > max_bytes:
                break
            chosen.append((e.table_name, row, line, e.seq))
            size += len(line)
        to = e.seq

    def waiting(parent: str, ids: list[str]) -> list[str]:
        return conn.execute(sa.select(ob.c.record_id).where(ob.c.table_name == parent, ob.c.record_id.in_(ids),
                                                            ob.c.seq > to)).scalars().all()

    parents = []
    for name, row in ride_along(conn, [(n, r) for n, r, _v, _s in chosen], waiting):
        e = session().execute(sa.select(ob.c.seq, ob.c.base_version, ob.c.base_hlc, ob.c.base_values).where(
            ob.c.table_name == name, ob.c.record_id == row["id"])).one()
        if (name, row["id"], e.seq) in skip:
            continue  # on its way already, with the batch in flight
        parents.append((name, row, encode(name, row, e.seq, e.base_version, e.base_hlc, e.base_values), e.seq))
    sent = []
    for name, row, values, seq in parents_first(parents + chosen):
        writer.table(name, columns(name))
        writer.row(values)
        sent.append((name, row["id"], seq))
    return Batch(frm, to, sent), writer


def _text_of(raw: bytes, limit: int = 300) -> str:
    """What an error reply says, as text: the JSON message, else the page's words without its HTML."""
    import html
    import re
    text = raw[:20_000].decode(errors="replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    body = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", text)
    body = re.sub(r"<[^>]+>", " ", body)
    words = " ".join(html.unescape(body).split())
    if title and html.unescape(title.group(1)).strip() not in words[:200]:
        words = f"{html.unescape(title.group(1)).strip()}: {words}"
    return words[:limit]


def _prepare(st: SyncState, writer: wire.Writer, batch: Batch, limit: int, cursor: int | None = None):
    """(url, body, headers) of the request carrying ``batch``, the pull asked from ``cursor`` (the
    stored one, or the one of a reply received and not applied yet). Commits: no transaction may stay
    open across the round trip, the kiosk's pages write meanwhile."""
    header = {"rid": secrets.token_hex(8), "now": device_now_ms(), "acked": st.push_acked, "from": batch.frm, "to": batch.to,
              "cursor": st.pull_cursor if cursor is None else cursor,
              "pending": max(pending_count(st) - len(batch.sent), 0), "limit": limit,
              "app": current_app.config.get("APP_VERSION", "")}
    schema = local_schema()
    if st.schema_hash != _schema_hash(schema):
        header["schema"] = schema
    if st.full_pull:
        header["echo"] = True
    writer.set_header(header)
    encoding = wire.encodings()[0]
    body = wire.compress(writer.finish(), encoding)
    url = f"{st.server_url}/sync/v1/exchange"
    headers = {"Authorization": f"Bearer {st.device_id}:{st.token}", "Content-Type": wire.CONTENT_TYPE,
               "Content-Encoding": encoding, "Accept-Encoding": ", ".join(wire.encodings())}
    session().commit()
    return url, body, headers


def _transmit(http, url: str, body: bytes, headers: dict) -> tuple:
    """POST and read the reply: no database, no application context, so that it can run on a
    thread while the kiosk applies the previous reply. Returns (reply, sections, bytes up, bytes
    down), or the SyncError, never raises."""
    import json

    import requests
    sent_at = device_now_ms()
    response = None
    try:
        try:
            response = http.post(url, data=body, headers=headers, timeout=TIMEOUT, stream=True)
            raw = response.raw.read(wire.MAX_BODY_BYTES + 1, decode_content=False)
            declared = response.headers.get("Content-Length")
            if declared is not None and (not declared.strip().isdigit() or int(declared) != len(raw)):
                raise SyncError("truncated", "the reply was cut short", "offline")
        except SyncError:
            raise
        except requests.RequestException as e:
            raise SyncError("offline", f"{type(e).__name__}: {e}", "offline")
        except Exception as e:  # urllib3 and http.client errors when the link drops mid-reply
            raise SyncError("offline", f"{type(e).__name__}: {e}", "offline")
        received_at = device_now_ms()
        if response.status_code != 200:
            try:
                reply = json.loads(raw.decode() or "{}")
                reply = reply if isinstance(reply, dict) else {}
            except ValueError:
                reply = {}
            status = response.status_code
            # a gateway that cannot reach the township is the link being down; any other 5xx is the township's fault
            kind = "refused" if 400 <= status < 500 else "offline" if status in (502, 503, 504) else "error"
            raise SyncError(str(reply.get("error") or f"http_{status}")[:40],
                            str(reply.get("message") or _text_of(raw) or response.reason)[:500], kind, status, reply,
                            counted=(len(body), len(raw)))
        try:
            data = wire.decompress(raw, response.headers.get("Content-Encoding", "identity"))
            reply, sections = wire.read(data)
        except WireError as e:
            raise SyncError(e.code, e.message, "offline", counted=(len(body), len(raw)))
        # clock: the township's time at the middle of the round trip, against ours
        if isinstance(reply.get("server_now"), int):
            reply["_offset"] = round(((sent_at + received_at) / 2 - reply["server_now"]) / 1000.0, 3)
        return reply, sections, len(body), len(raw)
    except SyncError as e:
        if response is not None:
            response.close()  # a reply cut short: its connection goes now, not whenever the error is collected
        return e


def _received(outcome, result: Result) -> tuple[dict, list]:
    """What :func:`_transmit` brought back, counted; raises its SyncError."""
    if isinstance(outcome, SyncError):
        if outcome.counted is not None:
            result.requests += 1
            result.bytes_up += outcome.counted[0]
            result.bytes_down += outcome.counted[1]
        raise outcome
    reply, sections, up, down = outcome
    result.requests += 1
    result.bytes_up += up
    result.bytes_down += down
    return reply, sections


def _apply_reply(st: SyncState, batch: Batch, reply: dict, sections: list, result: Result) -> None:
    """Acknowledgement, conflicts, pulled records, cursor and file queue: one transaction."""
    conn = session().connection()
    # take the write lock first, so nothing the kiosk's screens write can slip in between a read here
    # and the write that depends on it (PITFALLS.md: a deferred SQLite transaction may fail to upgrade)
    conn.execute(sa.update(SyncState.__table__).where(SyncState.__table__.c.id == 1)
                 .values(last_attempt_at=device_now()))
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # parents and children of one page, any order
    ob = SyncOutbox.__table__
    if batch.sent:
        conn.execute(sa.delete(ob).where(ob.c.table_name == sa.bindparam("t"), ob.c.record_id == sa.bindparam("i"),
                                         ob.c.seq == sa.bindparam("s")),
                     [{"t": t, "i": i, "s": s} for t, i, s in batch.sent])
        result.pushed += len(batch.sent)
    if batch.to > batch.frm:
        st.push_acked = max(st.push_acked, int(reply.get("acked", batch.to)))
    result.conflicts += len(reply.get("conflicts") or [])
    result.held += len(reply.get("held") or [])
    if reply.get("resync") or reply.get("repull"):
        st.full_pull = True
        if reply.get("resync"):
            st.resyncs = (st.resyncs or 0) + 1
            result.resync = True
            log.warning("the township says this kiosk's database is older than it was: pulling everything again")
    if isinstance(reply.get("schema"), str):
        st.schema_hash = reply["schema"]
    tables = replicated()
    queue = SyncBlobQueue.__table__
    wanted_down: set[str] = set()
    written: dict[str, list[str]] = {}
    page = pulled.Page(conn, st)
    for name, cols, rows in sorted(sections, key=lambda s: rank(s[0])):  # parents before their children
        t = tables.get(name)
        if t is None:
            raise SyncError("schema", f"the township sends {name!r}, which this kiosk does not know: update the "
                            "kiosk's software", "refused")
        unknown = [c for c in cols if c not in t.columns]
        if unknown:
            raise SyncError("schema", f"the township sends columns {unknown} of {name} that this kiosk does not "
                            "know: update the kiosk's software", "refused")
        ids = [r[cols.index("id")] for r in rows]
        pending = set(conn.execute(sa.select(ob.c.record_id).where(ob.c.table_name == name,
                                                                   ob.c.record_id.in_(ids))).scalars())
        incoming = []
        for values in rows:
            if values[cols.index("id")] in pending:
                continue  # edited here meanwhile: the next push meets it at the township, which decides
            row = page.decoded(t, cols, values)
            if row is not None:
                incoming.append(row)
        incoming = page.with_parents(t, incoming)
        _give_way(conn, st, t, incoming)
        stored = page.store(t, incoming)
        for r in stored:
            for sha in row_blobs(t, r):
                if not blobs.has(sha):
                    wanted_down.add(sha)
        page.settle(t, [r["id"] for r in stored])
        result.pulled += len(stored)
        written.setdefault(name, []).extend(r["id"] for r in stored)
    result.held += page.held
    _set_aside_held(conn, st)
    extension().applied(written)
    _queue(conn, queue, wanted_down, "down")
    _queue(conn, queue, set(reply.get("need") or []), "up")
    st.pull_cursor = int(reply.get("cursor", st.pull_cursor))
    if st.full_pull and not reply.get("more"):
        st.full_pull = False
    if reply.get("_offset") is not None:
        st.clock_offset_s = reply["_offset"]
        _follow(st, reply["server_now"])
    session().commit()


def _follow(st: SyncState, server_ms: int) -> None:
    """The township's clock at this exchange: kept for the screens, and merged into the kiosk's logical
    clock, so that what is recorded here next sorts after what the township had recorded by then (a
    hazard's facts are ordered by their clock) even when this kiosk's wall clock is behind."""
    from .store import SyncNode
    if not 0 < server_ms < 2 ** 43:
        return
    st.last_success_server_at = dt.datetime.fromtimestamp(server_ms / 1000, dt.timezone.utc).replace(tzinfo=None)
    node = session().get(SyncNode, 1)
    if node is not None and node.node_id:
        node.last_hlc = clock.receive(node.last_hlc, str(clock.HLC(server_ms, 0, "township")), node.node_id)


def _local_children(conn, t, rid: str) -> list[tuple]:
    """(table, row) of local rows whose foreign key points at ``rid`` of ``t``."""
    from .tables import fk_parents
    found = []
    for child in replicated().values():
        for column, parent in fk_parents(child):
            if parent == t.name and child.name != t.name:
                for r in conn.execute(sa.select(child.table).where(child.table.c[column] == rid)).mappings():
                    found.append((child, dict(r)))
    return found


def _move_aside(conn, st: SyncState, t, row: dict, reason: str, detail: str, clash: str | None = None,
                cols=()) -> None:
    """Take a local row out of its table, keeping it whole: a row the township never accepted becomes a
    held row of this kiosk (it travels up and shows on both conflicts screens); one it did accept and
    then held is already kept there. Its local children go the same way first."""
    from .models import SyncHeld
    from .push import HELD_NS
    import uuid
    for child, crow in _local_children(conn, t, row["id"]):
        _move_aside(conn, st, child, crow, "missing_reference", f"its {t.name} {row['id']} was set aside")
    ob = SyncOutbox.__table__
    waiting = conn.execute(sa.select(ob.c.base_values).where(ob.c.table_name == t.name,
                                                             ob.c.record_id == row["id"])).first()
    if waiting is not None:
        encoded = t.encode_dict(row)
        hid = str(uuid.uuid5(HELD_NS, f"{st.device_id}/{t.name}/{row['id']}/{encoded['version']}/{encoded['hlc']}"))
        if session().get(SyncHeld, hid) is None:
            session().add(SyncHeld(id=hid, village_id=st.village_code, table_name=t.name, record_id=row["id"],
                                   reason=reason, detail=detail[:500], device_id=st.device_id, row=encoded,
                                   base=waiting.base_values, clash_id=clash, clash_columns=list(cols),
                                   stored_version=0, detected_at=utcnow(), status="open"))
            session().flush()
        conn.execute(sa.delete(ob).where(ob.c.table_name == t.name, ob.c.record_id == row["id"]))
    conn.execute(sa.delete(t.table).where(t.table.c.id == row["id"]))
    log.warning("set %s %s aside: %s", t.name, row["id"], detail)


def _give_way(conn, st: SyncState, t, incoming: list[dict]) -> None:
    """The township's rows win their natural keys (it accepted them first): a local row holding the
    same key under another id is set aside before they are written."""
    if not t.unique_keys or not incoming:
        return
    arriving = {r["id"] for r in incoming}
    for cols in t.unique_keys:
        wanted = {}
        for r in incoming:
            values = tuple(r.get(c) for c in cols)
            if all(v is not None for v in values):
                wanted[values] = r["id"]
        if not wanted:
            continue
        firsts = sorted({v[0] for v in wanted}, key=str)
        for i in range(0, len(firsts), 500):
            for local in conn.execute(sa.select(t.table).where(t.table.c[cols[0]].in_(firsts[i:i + 500]))).mappings():
                key = tuple(local[c] for c in cols)
                winner = wanted.get(key)
                if winner is None or winner == local["id"]:
                    continue
                column = t.table.c[cols[-1]]
                if local["id"] in arriving and isinstance(column.type, sa.String):
                    # it moves to another key in this very page: out of the way until its new version lands
                    conn.execute(sa.update(t.table).where(t.table.c.id == local["id"])
                                 .values({column.name: f"~{local['id']}"[:column.type.length or 64]}))
                    continue
                _move_aside(conn, st, t, dict(local), "natural_key",
                            f"{', '.join(cols)} = {', '.join(map(str, key))} is held by {t.name} {winner}",
                            winner, cols)


def _set_aside_held(conn, st: SyncState) -> None:
    """Rows this kiosk sent that the township holds (and does not keep in any version) leave the
    kiosk's tables too, so that both sides hold the same; the held record keeps them whole."""
    from .models import SyncHeld
    tables = replicated()
    ob = SyncOutbox.__table__
    held = conn.execute(sa.select(SyncHeld.table_name, SyncHeld.record_id, SyncHeld.row).where(
        SyncHeld.status == "open", SyncHeld.village_id == st.village_code, SyncHeld.stored_version == 0,
        SyncHeld.deleted.is_(False))).all()
    for name, rid, row in held:
        t = tables.get(name)
        if t is None or not isinstance(row, dict):
            continue
        local = conn.execute(sa.select(t.table).where(t.table.c.id == rid)).mappings().first()
        if local is None:
            continue
        if conn.execute(sa.select(ob.c.seq).where(ob.c.table_name == name, ob.c.record_id == rid)).first():
            continue  # changed again here: the next push meets the township again
        mine = t.encode_dict(local)
        if mine["version"] != row.get("version") or mine["hlc"] != row.get("hlc"):
            continue  # not the version that was held
        if _local_children(conn, t, rid):
            continue  # its children are held next; then it goes
        conn.execute(sa.delete(t.table).where(t.table.c.id == rid))


def _queue(conn, queue, shas: set[str], direction: str) -> None:
    if not shas:
        return
    have = set(conn.execute(sa.select(queue.c.sha256).where(queue.c.direction == direction,
                                                            queue.c.sha256.in_(shas))).scalars())
    rows = [{"sha256": s, "direction": direction, "attempts": 0, "added_at": utcnow()} for s in shas - have
            if blobs.HEX64.match(s)]
    if rows:
        conn.execute(sa.insert(queue), rows)


# ---- files --------------------------------------------------------------------------------------

def _upload(http, st: SyncState, sha: str) -> str:
    """done | dropped | later"""
    import requests
    try:
        path = blobs.path(sha)
    except ValueError:
        return "dropped"
    if not path.exists():
        return "dropped"  # the file is gone here; nothing to send
    total = path.stat().st_size
    offset = 0
    auth = {"Authorization": f"Bearer {st.device_id}:{st.token}"}
    probe = True  # first ask where the township stands (an empty chunk): resume, don't resend
    with open(path, "rb") as f:
        for _ in range(10_000):
            f.seek(offset)
            chunk = b"" if probe else f.read(blobs.CHUNK_BYTES)
            probe = False
            try:
                r = http.post(f"{st.server_url}/sync/v1/blobs/{sha}", data=chunk, timeout=TIMEOUT,
                              headers=dict(auth, **{"X-Offset": str(offset), "X-Total": str(total),
                                                    "Content-Type": "application/octet-stream"}))
            except requests.RequestException as e:
                raise SyncError("offline", f"{type(e).__name__}: {e}", "offline")
            body = r.json() if r.headers.get("Content-Type", "").startswith("application/json") else {}
            if r.status_code == 409 and "offset" in body:
                offset = int(body["offset"])
                continue
            if r.status_code in (200, 201):
                if body.get("complete"):
                    return "done"
                offset = int(body.get("offset", offset + len(chunk)))
                continue
            if r.status_code in (403, 413):
                log.warning("township refused file %s: %s", sha, body.get("message"))
                return "dropped"
            return "later"
    return "later"


def _download(http, st: SyncState, sha: str) -> str:
    import requests
    if blobs.has(sha):
        return "done"
    part = blobs.partial(sha)
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Authorization": f"Bearer {st.device_id}:{st.token}"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        with http.get(f"{st.server_url}/sync/v1/blobs/{sha}", headers=headers, timeout=TIMEOUT, stream=True) as r:
            if r.status_code == 404:
                return "later"
            if r.status_code == 416:
                part.unlink(missing_ok=True)
                return "later"
            if r.status_code not in (200, 206):
                return "later"
            mode = "ab" if r.status_code == 206 else "wb"
            written = offset if mode == "ab" else 0
            with open(part, mode) as f:
                for chunk in r.iter_content(64 * 1024):
                    written += len(chunk)
                    if written > blobs.MAX_BLOB_BYTES:
                        part.unlink(missing_ok=True)
                        return "dropped"
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
    except requests.RequestException as e:
        raise SyncError("offline", f"{type(e).__name__}: {e}", "offline")
    return "done" if blobs.finish(part, sha) else "later"


def transfer_blobs(http, st: SyncState, result: Result) -> None:
    queue = session().scalars(sa.select(SyncBlobQueue).order_by(SyncBlobQueue.direction.desc(),
                                                                 SyncBlobQueue.added_at)).all()
    for item in queue:
        outcome = (_upload if item.direction == "up" else _download)(http, st, item.sha256)
        result.requests += 1
        if outcome in ("done", "dropped"):
            session().delete(item)
            if outcome == "done":
                if item.direction == "up":
                    result.blobs_up += 1
                else:
                    result.blobs_down += 1
        else:
            item.attempts += 1
        session().commit()


# ---- a run ----------------------------------------------------------------------------------------

def sync_once(*, http=None, max_rounds: int = 100_000, limit: int = wire.MAX_RECORDS,
              max_bytes: int = wire.MAX_BATCH_BYTES) -> Result:
    """Push everything waiting, pull everything new, move files. Never raises for network trouble."""
    result = Result()
    with file_lock("sync-run.lock") as locked:
        if not locked:
            return Result("busy", "busy", "another sync is running")
        st = state()
        if not st.device_id:
            session().commit()
            return Result("not_enrolled", "not_enrolled", "this kiosk is not enrolled with a township server")
        http = http or _http()
        st.last_attempt_at = device_now()
        session().commit()
        try:
            _drop_unsendable(st)
            _run(http, st, result, max_rounds, limit, max_bytes)
            _try_held_again(st, result)
            transfer_blobs(http, st, result)
        except SyncError as e:
            session().rollback()
            st = state()
            result.outcome = e.kind if e.kind in ("offline", "error") else "refused"
            result.code, result.message = e.code, e.message
            st.last_error, st.last_error_detail = e.code[:40], e.message[:500]
            if e.kind == "offline" and st.offline_since is None:
                st.offline_since = device_now()
            session().commit()
            return result
        except Exception as e:  # keep the worker alive; the next run retries from the same cursors
            session().rollback()
            log.exception("sync failed")
            st = state()
            result.outcome, result.code, result.message = "error", "error", f"{type(e).__name__}: {e}"
            st.last_error, st.last_error_detail = "error", result.message[:500]
            session().commit()
            return result
        st = state()
        st.last_success_at = device_now()
        st.offline_since = None
        st.last_error = st.last_error_detail = None
        session().commit()
        return result


def _try_held_again(st: SyncState, result: Result) -> None:
    """Township records this kiosk could not store: perhaps it can now (its parent arrived, its
    software was updated)."""
    stored, _problem = pulled.try_again(st)
    if stored:
        result.pulled += stored
        result.notes.append(f"stored {stored} township records held here before")
    session().commit()


def _run(http, st, result: Result, max_rounds: int, limit: int, max_bytes: int) -> None:
    """Exchanges until nothing is left to push or pull, two at a time where they can overlap: while
    the township takes one batch, the kiosk applies the reply before it and reads the batch after it.
    The next request goes out only once the previous reply has arrived (so the township takes one
    request of a kiosk at a time, in order, as ever), carrying that reply's cursor. Replies are
    applied in order, each in its own transaction, so the outbox loses a row only once its batch is
    acknowledged; a reply that cannot be applied ends the run and the next run sends again from
    ``push_acked`` (the township sees old news)."""
    from concurrent.futures import ThreadPoolExecutor
    gap_retried = False
    older: SyncError | None = None  # the township is older than this kiosk: pull only, keep the changes
    unapplied = None  # (batch, reply, sections): received, applied while the next request is out
    batch, writer = build_push(st, limit, max_bytes)
    cursor = None  # the stored pull cursor
    with ThreadPoolExecutor(1, thread_name_prefix="sync-send") as sender:
        for _ in range(max_rounds):
            flight = sender.submit(_transmit, http, *_prepare(st, writer, batch, limit, cursor))
            ahead = None
            try:
                if unapplied is not None:
                    _apply_reply(st, *unapplied, result)
                    unapplied = None
                if older is None and not st.full_pull:
                    ahead = build_push(st, limit, max_bytes, after=batch.to,
                                       skip=frozenset((t, i, s) for t, i, s in batch.sent))
                    session().commit()
            finally:
                outcome = flight.result()  # never left running, whatever happened here
            try:
                reply, sections = _received(outcome, result)
            except SyncError as e:
                if e.code == "gap" and not gap_retried:
                    # the township lost what we sent (restored from a backup): send everything again
                    gap_retried = True
                    session().rollback()
                    st = state()
                    st.push_acked = int(e.reply.get("hw", 0))
                    n = requeue_all(st.village_code)
                    capture.next_values(session().connection(), "outbox", 0)
                    session().commit()
                    result.notes.append(f"township had lost changes; re-sent {n} records")
                    batch, writer, cursor = *build_push(st, limit, max_bytes), None
                    continue
                if e.code == "township_older" and older is None:
                    older = e
                    session().rollback()
                    st = state()
                    batch, writer, cursor = *build_push(st, limit, max_bytes, pull_only=True), None
                    continue
                raise
            if (ahead is not None and not reply.get("resync") and not reply.get("repull")
                    and (ahead[0].sent or reply.get("more"))):
                unapplied = (batch, reply, sections)
                (batch, writer), cursor = ahead, int(reply.get("cursor", st.pull_cursor))
                continue
            _apply_reply(st, batch, reply, sections, result)
            if older is not None and not reply.get("more"):
                raise older
            if older is None and not reply.get("more") and not session().scalar(
                    sa.select(SyncOutbox.seq).where(SyncOutbox.seq > st.push_acked).limit(1)):
                return
            batch, writer, cursor = *build_push(st, limit, max_bytes, pull_only=older is not None), None
    raise SyncError("too_many_rounds", "sync did not finish within its round limit", "offline")


# ---- what the screens show ------------------------------------------------------------------------

def summary() -> dict:
    st = session().get(SyncState, 1)
    from .models import SyncHeld
    # the four counts in one statement: every page's status bar asks
    conflicts, held, files, pending = session().execute(sa.select(
        sa.select(sa.func.count()).select_from(SyncConflict)
        .where(SyncConflict.status == "open", SyncConflict.deleted.is_(False)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(SyncHeld)
        .where(SyncHeld.status == "open", SyncHeld.deleted.is_(False)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(SyncBlobQueue).scalar_subquery(),
        _pending(st).scalar_subquery())).one()
    return {"enrolled": bool(st is not None and st.device_id), "pending": pending or 0,
            "conflicts": conflicts + held, "files": files, "state": st}


def request_sync_now() -> bool:
    """Ask the worker to sync at once (it polls this file). True when a worker is running."""
    trigger = _instance() / "sync-now"
    trigger.touch()
    with file_lock("sync-worker.lock") as free:
        return not free
