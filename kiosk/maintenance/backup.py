"""Backup and restore of the kiosk's SQLite database and blob folder.

Rules (see docs/pitfalls.md):
- a live SQLite database is copied with the sqlite3 backup API, never as a file;
- every written copy is checked with ``PRAGMA integrity_check`` before it counts;
- backup files are named ``kiosk-<seq>-<UTC timestamp>.db``.  Rotation sorts on the
  sequence number, not on the clock: a Raspberry Pi without a real-time clock can
  come back from a power cut with its clock behind, and rotation by time would then
  delete the newest backups;
- blobs are content-addressed, so only missing files are copied (write to a temp name,
  then rename, so a pulled stick never leaves a half file under a real name).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import sqlite3
import time
from urllib.parse import quote, unquote, urlsplit

BACKUP_RE = re.compile(r"^kiosk-(\d{6,})-(\d{8}T\d{6}Z)\.db$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(Exception):
    """A failure the technician must see; nothing was half-done."""


@dataclasses.dataclass
class BackupResult:
    db_file: str
    db_bytes: int
    blobs_copied: int
    blobs_present: int
    blobs_skipped: list[str]
    removed: list[str]


@dataclasses.dataclass
class RestoreResult:
    db_file: str
    moved_aside: list[str]
    blobs_copied: int


def sqlite_path_from_uri(uri: str) -> str:
    """``sqlite:////abs/path/kiosk.db`` -> ``/abs/path/kiosk.db``."""
    if not uri.startswith("sqlite:"):
        raise ValueError(f"backup only handles SQLite databases, not {uri.split(':', 1)[0]!r}")
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if uri.startswith("sqlite:////"):
        path = "/" + path.lstrip("/")
    elif uri.startswith("sqlite:///"):
        path = path[1:] if path.startswith("/") else path
    if not path or path == ":memory:":
        raise ValueError("the database is in memory: nothing to back up")
    return os.path.abspath(path)


def _file_uri(path: str, mode: str | None = None) -> str:
    uri = "file:" + quote(os.path.abspath(path))
    return uri + (f"?mode={mode}" if mode else "")


def integrity_check(path: str) -> str:
    """Return 'ok' or the first problems SQLite reports for the file at ``path``."""
    if not os.path.isfile(path):
        return "file missing"
    try:
        con = sqlite3.connect(_file_uri(path, "ro"), uri=True)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite database ({exc})"
    result = "; ".join(str(r[0]) for r in rows[:5])
    return result


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems (vfat via FUSE, etc.) refuse; best effort
        pass
    finally:
        os.close(fd)


def _sqlite_copy(src_path: str, dst_path: str, *, src_readonly: bool) -> None:
    """Copy a database with the online backup API (safe while others write to src)."""
    src_uri = _file_uri(src_path, "ro" if src_readonly else None)
    src = sqlite3.connect(src_uri, uri=True, timeout=30)
    try:
        dst = sqlite3.connect(dst_path)
        try:
            src.backup(dst, pages=1024, sleep=0.05)
            # A backup is a single self-contained file: no WAL next to it.
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()


def list_backups(dest: str) -> list[tuple[int, str]]:
    """(sequence, filename) of the backups in ``dest``, oldest first."""
    try:
        names = os.listdir(dest)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        m = BACKUP_RE.match(name)
        if m:
            found.append((int(m.group(1)), name))
    return sorted(found)


def _copy_missing_blobs(src_dir: str, dst_dir: str) -> tuple[int, int, list[str]]:
    copied = present = 0
    skipped: list[str] = []
    if not os.path.isdir(src_dir):
        return copied, present, skipped
    for root, dirs, files in os.walk(src_dir):
        dirs.sort()
        rel_root = os.path.relpath(root, src_dir)
        target_root = dst_dir if rel_root == "." else os.path.join(dst_dir, rel_root)
        for name in sorted(files):
            if name.startswith(".") or name.endswith(".part"):
                continue  # temp files of an interrupted writer
            src = os.path.join(root, name)
            dst = os.path.join(target_root, name)
            if os.path.exists(dst):
                present += 1
                continue
            os.makedirs(target_root, exist_ok=True)
            tmp = dst + ".part"
            h = hashlib.sha256()
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                for chunk in iter(lambda: fin.read(1 << 20), b""):
                    h.update(chunk)
                    fout.write(chunk)
                fout.flush()
                os.fsync(fout.fileno())
            stem = name.split(".", 1)[0].lower()
            if _HEX64.match(stem) and h.hexdigest() != stem:
                os.unlink(tmp)
                skipped.append(os.path.normpath(os.path.join(rel_root, name)))
                continue
            os.replace(tmp, dst)
            copied += 1
    return copied, present, skipped


def backup(db_path: str, blobs_dir: str, dest: str, *, keep: int = 14,
           now: float | None = None) -> BackupResult:
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    if not os.path.isfile(db_path):
        raise BackupError(f"database not found: {db_path}")
    try:
        os.makedirs(dest, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create backup folder {dest}: {exc}") from exc

    existing = list_backups(dest)
    seq = (existing[-1][0] + 1) if existing else 1
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    name = f"kiosk-{seq:06d}-{stamp}.db"
    final = os.path.join(dest, name)
    tmp = os.path.join(dest, f".{name}.part")
    for leftover in (tmp, tmp + "-journal"):
        if os.path.exists(leftover):
            os.unlink(leftover)

    try:
        _sqlite_copy(db_path, tmp, src_readonly=False)
    except sqlite3.Error as exc:
        _unlink_quiet(tmp)
        raise BackupError(f"sqlite backup of {db_path} failed: {exc}") from exc
    except OSError as exc:
        _unlink_quiet(tmp)
        raise BackupError(f"cannot write {tmp}: {exc}") from exc

    check = integrity_check(tmp)
    if check != "ok":
        _unlink_quiet(tmp)
        raise BackupError(f"integrity check of the written copy failed: {check}")
    _fsync_file(tmp)
    os.replace(tmp, final)
    _fsync_dir(dest)

    copied, present, skipped = _copy_missing_blobs(blobs_dir, os.path.join(dest, "blobs"))

    removed = []
    backups = list_backups(dest)
    for _seq, old in backups[:-keep] if len(backups) > keep else []:
        os.unlink(os.path.join(dest, old))
        removed.append(old)
    if removed:
        _fsync_dir(dest)

    return BackupResult(final, os.path.getsize(final), copied, present, skipped, removed)


def _unlink_quiet(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def restore(source: str, db_path: str, blobs_dir: str, *, now: float | None = None) -> RestoreResult:
    """Put ``source`` in place of ``db_path``; the app must not be running."""
    check = integrity_check(source)
    if check != "ok":
        raise BackupError(f"refusing to restore {source}: integrity check says: {check}")
    con = sqlite3.connect(_file_uri(source, "ro"), uri=True)
    try:
        n_tables = con.execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    finally:
        con.close()
    if n_tables == 0:
        raise BackupError(f"refusing to restore {source}: it holds no tables")

    db_dir = os.path.dirname(db_path)
    os.makedirs(db_dir, exist_ok=True)
    tmp = db_path + ".restore-part"
    _unlink_quiet(tmp)
    try:
        _sqlite_copy(source, tmp, src_readonly=True)
    except sqlite3.Error as exc:
        _unlink_quiet(tmp)
        raise BackupError(f"copying {source} failed: {exc}") from exc
    check = integrity_check(tmp)
    if check != "ok":
        _unlink_quiet(tmp)
        raise BackupError(f"integrity check of the restored copy failed: {check}")

    owner = None
    if os.path.exists(db_path):
        st = os.stat(db_path)
        owner = (st.st_uid, st.st_gid, st.st_mode & 0o7777)
    # Keep the old database aside, together with its WAL and shared-memory files:
    # moving only kiosk.db would lose what is still in the WAL.
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    moved = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        old = db_path + suffix
        if os.path.exists(old):
            aside = f"{db_path}.before-restore-{stamp}{suffix}"
            n = 1
            while os.path.exists(aside):
                aside = f"{db_path}.before-restore-{stamp}.{n}{suffix}"
                n += 1
            os.replace(old, aside)
            moved.append(aside)
    _fsync_file(tmp)
    if owner is not None:
        uid, gid, mode = owner
        if os.geteuid() == 0:
            os.chown(tmp, uid, gid)
        os.chmod(tmp, mode)
    os.replace(tmp, db_path)
    _fsync_dir(db_dir)

    blobs_src = os.path.join(os.path.dirname(os.path.abspath(source)), "blobs")
    copied, _present, _skipped = _copy_missing_blobs(blobs_src, blobs_dir)
    if owner is not None and os.geteuid() == 0 and copied:
        uid, gid, _mode = owner
        for root, dirs, files in os.walk(blobs_dir):
            for name in dirs + files:
                p = os.path.join(root, name)
                if os.stat(p).st_uid != uid:
                    os.chown(p, uid, gid)
    return RestoreResult(db_path, moved, copied)
