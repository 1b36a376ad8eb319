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

from . import blobs, capture, clock, wire
from .extension import extension
from .models import SyncBlobQueue, SyncConflict, SyncOutbox, SyncState
from .store import session, utcnow
from .tables import parents_first, replicated, ride_along, row_blobs
from .wire import WireError

log = logging.getLogger("sync")
TIMEOUT = (10, 60)  # connect, read (seconds): a 4G link in the hills is slow but not this slow
USER_AGENT = "kiosk-sync/1"

EXIT_CODES = {"ok": 0, "offline": 1, "refused": 2, "not_enrolled": 3, "busy": 4, "error": 5}


class SyncError(Exception):
    def __init__(self, code: str, message: str, kind: str = "refused", status: int | None = None, reply=None):
        super().__init__(message)
        self.code, self.message, self.kind, self.status, self.reply = code, message, kind, status, reply or {}


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
    conn.execute(sa.update(SyncOutbox.__table__).values(base_version=-1, base_hlc=""))
    return n


# ---- one exchange ---------------------------------------------------------------------------------

@dataclass
class Batch:
    frm: int
    to: int
    sent: list[tuple[str, str, int]]  # (table, id, seq)


def pending_count(st: SyncState | None = None) -> int:
    st = st or state()
    q = sa.select(sa.func.count()).select_from(SyncOutbox).where(SyncOutbox.seq > st.push_acked)
    if st.village_code:
        q = q.where(SyncOutbox.village_id == st.village_code)
    return session().scalar(q) or 0


def _drop_unsendable(st: SyncState) -> None:
    """Local edits of rows outside this kiosk's village (township-wide rows, a demo of another
    village) can never be sent; keeping them would also hold back the township's own versions."""
    result = session().execute(sa.delete(SyncOutbox).where(SyncOutbox.village_id != st.village_code))
    if result.rowcount:
        log.warning("dropped %d outbox entries outside village %s", result.rowcount, st.village_code)
        session().commit()


def build_push(st: SyncState, limit: int = wire.MAX_RECORDS,
               max_bytes: int = wire.MAX_BATCH_BYTES) -> tuple[Batch, wire.Writer]:
    """The oldest waiting changes, bounded by count and bytes, with any parents they need."""
    tables = replicated()
    ob = SyncOutbox.__table__
    entries = session().execute(
        sa.select(ob.c.table_name, ob.c.record_id, ob.c.seq, ob.c.base_version, ob.c.base_hlc)
        .where(ob.c.seq > st.push_acked).order_by(ob.c.seq).limit(limit)).all()
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
    probe = wire.Writer({})
    chosen, size, to = [], 0, st.push_acked
    for e in entries:
        row = records.get((e.table_name, e.record_id))
        if row is not None:
            values = [e.seq, e.base_version, e.base_hlc, *tables[e.table_name].encode(row)]
            n = probe.row_size(values)
            if chosen and size + n > max_bytes:
                break
            chosen.append((e.table_name, row, values, e.seq))
            size += n
        to = e.seq

    def waiting(parent: str, ids: list[str]) -> list[str]:
        return conn.execute(sa.select(ob.c.record_id).where(ob.c.table_name == parent, ob.c.record_id.in_(ids),
                                                            ob.c.seq > to)).scalars().all()

    parents = []
    for name, row in ride_along(conn, [(n, r) for n, r, _v, _s in chosen], waiting):
        e = session().execute(sa.select(ob.c.seq, ob.c.base_version, ob.c.base_hlc).where(
            ob.c.table_name == name, ob.c.record_id == row["id"])).one()
        parents.append((name, row, [e.seq, e.base_version, e.base_hlc, *tables[name].encode(row)], e.seq))
    writer = wire.Writer({})
    sent = []
    for name, row, values, seq in parents_first(parents + chosen):
        writer.table(name, tables[name].columns)
        writer.row(values)
        sent.append((name, row["id"], seq))
    return Batch(st.push_acked, to, sent), writer


def _exchange(http, st: SyncState, writer: wire.Writer, batch: Batch, result: Result, limit: int) -> tuple[dict, list]:
    import requests
    header = {"rid": secrets.token_hex(8), "now": device_now_ms(), "acked": st.push_acked, "from": batch.frm, "to": batch.to,
              "cursor": st.pull_cursor, "pending": max(pending_count(st) - len(batch.sent), 0), "limit": limit,
              "app": current_app.config.get("APP_VERSION", "")}
    if st.full_pull:
        header["echo"] = True
    writer.set_header(header)
    encoding = wire.encodings()[0]
    body = wire.compress(writer.finish(), encoding)
    headers = {"Authorization": f"Bearer {st.device_id}:{st.token}", "Content-Type": wire.CONTENT_TYPE,
               "Content-Encoding": encoding, "Accept-Encoding": ", ".join(wire.encodings())}
    sent_at = device_now_ms()
    try:
        response = http.post(f"{st.server_url}/sync/v1/exchange", data=body, headers=headers, timeout=TIMEOUT,
                             stream=True)
        raw = response.raw.read(wire.MAX_BODY_BYTES + 1, decode_content=False)
    except requests.RequestException as e:
        raise SyncError("offline", f"{type(e).__name__}: {e}", "offline")
    except Exception as e:  # urllib3 protocol errors when the link drops mid-reply
        raise SyncError("offline", f"{type(e).__name__}: {e}", "offline")
    received_at = device_now_ms()
    result.requests += 1
    result.bytes_up += len(body)
    result.bytes_down += len(raw)
    if response.status_code != 200:
        try:
            import json
            reply = json.loads(raw.decode() or "{}")
        except ValueError:
            reply = {}
        raise SyncError(reply.get("error") or f"http_{response.status_code}",
                        reply.get("message") or raw[:200].decode(errors="replace"),
                        "refused" if 400 <= response.status_code < 500 else "offline", response.status_code, reply)
    declared = response.headers.get("Content-Length")
    if declared is not None and int(declared) != len(raw):
        raise SyncError("truncated", "the reply was cut short", "offline")
    try:
        data = wire.decompress(raw, response.headers.get("Content-Encoding", "identity"))
        reply, sections = wire.read(data)
    except WireError as e:
        raise SyncError(e.code, e.message, "offline")
    # clock: the township's time at the middle of the round trip, against ours
    if isinstance(reply.get("server_now"), int):
        reply["_offset"] = round(((sent_at + received_at) / 2 - reply["server_now"]) / 1000.0, 3)
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
    if reply.get("resync"):
        st.full_pull = True
        st.resyncs = (st.resyncs or 0) + 1
        result.resync = True
        log.warning("the township says this kiosk's database is older than it was: pulling everything again")
    tables = replicated()
    queue = SyncBlobQueue.__table__
    wanted_down: set[str] = set()
    written: dict[str, list[str]] = {}
    for name, cols, rows in sections:
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
        existing = set(conn.execute(sa.select(t.table.c.id).where(t.table.c.id.in_(ids))).scalars())
        inserts, updates = [], []
        for values in rows:
            raw = dict(zip(cols, values))
            if raw["id"] in pending:
                continue  # edited here meanwhile: the next push meets it at the township, which decides
            decoded = t.decode(cols, values)
            (updates if raw["id"] in existing else inserts).append(decoded)
            for sha in row_blobs(t, raw):
                if not blobs.has(sha):
                    wanted_down.add(sha)
        if inserts:
            conn.execute(sa.insert(t.table), inserts)
        if updates:
            stmt = sa.update(t.table).where(t.table.c.id == sa.bindparam("_match_id"))
            conn.execute(stmt, [dict({k: v for k, v in u.items() if k != "id"}, _match_id=u["id"]) for u in updates])
        result.pulled += len(inserts) + len(updates)
        written.setdefault(name, []).extend(r["id"] for r in inserts + updates)
    extension().applied(written)
    _queue(conn, queue, wanted_down, "down")
    _queue(conn, queue, set(reply.get("need") or []), "up")
    st.pull_cursor = int(reply.get("cursor", st.pull_cursor))
    if st.full_pull and not reply.get("more"):
        st.full_pull = False
    if reply.get("_offset") is not None:
        st.clock_offset_s = reply["_offset"]
    session().commit()


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
            transfer_blobs(http, st, result)
        except SyncError as e:
            session().rollback()
            st = state()
            result.outcome = "offline" if e.kind == "offline" else "refused"
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


def _run(http, st, result: Result, max_rounds: int, limit: int, max_bytes: int) -> None:
    gap_retried = False
    for _ in range(max_rounds):
        batch, writer = build_push(st, limit, max_bytes)
        try:
            reply, sections = _exchange(http, st, writer, batch, result, limit)
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
                continue
            raise
        _apply_reply(st, batch, reply, sections, result)
        if not reply.get("more") and not session().scalar(
                sa.select(SyncOutbox.seq).where(SyncOutbox.seq > st.push_acked).limit(1)):
            return
    raise SyncError("too_many_rounds", "sync did not finish within its round limit", "offline")


# ---- what the screens show ------------------------------------------------------------------------

def summary() -> dict:
    st = session().get(SyncState, 1)
    open_conflicts = session().scalar(sa.select(sa.func.count()).select_from(SyncConflict).where(
        SyncConflict.status == "open", SyncConflict.deleted.is_(False)))
    files = session().scalar(sa.select(sa.func.count()).select_from(SyncBlobQueue))
    if st is None:
        return {"enrolled": False, "pending": session().scalar(sa.select(sa.func.count()).select_from(SyncOutbox)),
                "conflicts": open_conflicts, "files": files, "state": None}
    return {"enrolled": bool(st.device_id), "pending": pending_count(st) if st.device_id else
            session().scalar(sa.select(sa.func.count()).select_from(SyncOutbox)),
            "conflicts": open_conflicts, "files": files, "state": st}


def request_sync_now() -> bool:
    """Ask the worker to sync at once (it polls this file). True when a worker is running."""
    trigger = _instance() / "sync-now"
    trigger.touch()
    with file_lock("sync-worker.lock") as free:
        return not free
