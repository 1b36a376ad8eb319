"""flask backup / flask restore against a real SQLite database (WAL mode, live writer)."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask

from kiosk import maintenance
from kiosk.maintenance import backup as bk


def make_app(data_dir):
    app = Flask("kiosk_test", instance_path=str(data_dir))
    app.config.update(TESTING=True,
                      SQLALCHEMY_DATABASE_URI=f"sqlite:///{data_dir / 'kiosk.db'}")
    maintenance.init_app(app)
    return app


def make_db(path, rows=100):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE hydrant (id TEXT PRIMARY KEY, name TEXT NOT NULL)")
    con.executemany("INSERT INTO hydrant VALUES (?, ?)",
                    [(f"h{i:04d}", f"消火栓 {i}") for i in range(rows)])
    con.commit()
    return con  # kept open: the WAL stays, like the running app


def add_blob(data_dir, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    p = data_dir / "blobs" / digest[:2] / digest
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(content)
    return digest


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


def count(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM hydrant").fetchone()[0]
    finally:
        con.close()


def test_uri_to_path():
    assert bk.sqlite_path_from_uri("sqlite:////var/lib/village-kiosk/kiosk.db") == "/var/lib/village-kiosk/kiosk.db"
    assert bk.sqlite_path_from_uri("sqlite:///rel/kiosk.db") == os.path.abspath("rel/kiosk.db")
    with pytest.raises(ValueError):
        bk.sqlite_path_from_uri("postgresql://x/y")
    with pytest.raises(ValueError):
        bk.sqlite_path_from_uri("sqlite://")


def test_backup_command_writes_checked_copy_and_blobs(data_dir, tmp_path):
    live = make_db(data_dir / "kiosk.db")
    # Uncheckpointed rows in the WAL must be in the backup (a file copy of kiosk.db would miss them).
    live.execute("INSERT INTO hydrant VALUES ('wal-only', 'x')")
    live.commit()
    digest = add_blob(data_dir, b"photo-bytes")
    dest = tmp_path / "stick"
    r = make_app(data_dir).test_cli_runner().invoke(args=["backup", "--to", str(dest)])
    assert r.exit_code == 0, r.output
    files = bk.list_backups(str(dest))
    assert len(files) == 1
    db = dest / files[0][1]
    assert bk.integrity_check(str(db)) == "ok"
    assert count(db) == 101
    assert not (dest / (files[0][1] + "-wal")).exists()
    assert (dest / "blobs" / digest[:2] / digest).read_bytes() == b"photo-bytes"
    assert "integrity ok" in r.output and "1 copied" in r.output
    live.close()


def test_backup_rotates_by_sequence_not_clock(data_dir, tmp_path):
    make_db(data_dir / "kiosk.db").close()
    dest = tmp_path / "stick"
    # The clock goes backwards between backups (Pi without RTC after a power cut).
    for now in (2_000_000_000, 1_900_000_000, 1_000_000_000, 1_950_000_000):
        bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(dest), keep=2, now=now)
    names = [n for _s, n in bk.list_backups(str(dest))]
    assert [n.split("-")[1] for n in names] == ["000003", "000004"]
    assert sorted(os.listdir(dest)) == sorted(names)


def test_blobs_copy_only_missing_and_refuse_corrupt(data_dir, tmp_path):
    make_db(data_dir / "kiosk.db").close()
    good = add_blob(data_dir, b"a")
    dest = tmp_path / "stick"
    r1 = bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(dest))
    assert (r1.blobs_copied, r1.blobs_present) == (1, 0)
    add_blob(data_dir, b"b")
    bad = hashlib.sha256(b"expected").hexdigest()
    (data_dir / "blobs" / bad[:2]).mkdir(exist_ok=True)
    (data_dir / "blobs" / bad[:2] / bad).write_bytes(b"bit rot")
    r2 = bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(dest))
    assert (r2.blobs_copied, r2.blobs_present) == (1, 1)
    assert r2.blobs_skipped == [f"{bad[:2]}/{bad}"]
    assert (dest / "blobs" / good[:2] / good).exists()
    assert not list(dest.rglob("*.part"))


def test_backup_during_concurrent_writes(data_dir, tmp_path):
    make_db(data_dir / "kiosk.db").close()
    stop = threading.Event()

    def writer():
        con = sqlite3.connect(data_dir / "kiosk.db", timeout=30)
        i = 0
        while not stop.is_set():
            con.execute("INSERT INTO hydrant VALUES (?, 'w')", (f"w{i}",))
            con.commit()
            i += 1
        con.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        results = [bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(tmp_path / "b"))
                   for _ in range(3)]
    finally:
        stop.set()
        t.join()
    for res in results:
        assert bk.integrity_check(res.db_file) == "ok"
        assert count(res.db_file) >= 100


def test_backup_fails_clearly_without_db(data_dir, tmp_path):
    r = make_app(data_dir).test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "x")])
    assert r.exit_code != 0 and "database not found" in r.output


def test_restore_replaces_db_keeps_old_aside(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PORT", "1")  # nothing listens there
    make_db(data_dir / "kiosk.db", rows=10).close()
    digest = add_blob(data_dir, b"photo")
    dest = tmp_path / "stick"
    res = bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(dest))
    # After the backup: more rows, and a lost photo.
    con = sqlite3.connect(data_dir / "kiosk.db")
    con.execute("DELETE FROM hydrant")
    con.commit()
    con.close()
    os.unlink(data_dir / "blobs" / digest[:2] / digest)
    os.chmod(data_dir / "kiosk.db", 0o640)

    r = make_app(data_dir).test_cli_runner().invoke(args=["restore", "--from", res.db_file])
    assert r.exit_code == 0, r.output
    assert count(data_dir / "kiosk.db") == 10
    assert oct(os.stat(data_dir / "kiosk.db").st_mode & 0o777) == oct(0o640)
    aside = [p for p in os.listdir(data_dir) if ".before-restore-" in p]
    assert any(not p.endswith(("-wal", "-shm")) for p in aside)
    old = data_dir / [p for p in aside if not p.endswith(("-wal", "-shm"))][0]
    assert count(old) == 0
    assert (data_dir / "blobs" / digest[:2] / digest).read_bytes() == b"photo"


def test_restore_refuses_a_corrupt_file(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PORT", "1")
    make_db(data_dir / "kiosk.db", rows=5).close()
    res = bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(tmp_path / "b"))
    broken = tmp_path / "broken.db"
    data = bytearray(Path(res.db_file).read_bytes())
    data[4096:8192] = b"\xff" * 4096  # trash the table's page
    broken.write_bytes(bytes(data))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    before = (data_dir / "kiosk.db").read_bytes()
    for f in (broken, junk):
        r = make_app(data_dir).test_cli_runner().invoke(args=["restore", "--from", str(f)])
        assert r.exit_code != 0 and "refusing to restore" in r.output, r.output
    assert (data_dir / "kiosk.db").read_bytes() == before
    assert not [p for p in os.listdir(data_dir) if "before-restore" in p or "restore-part" in p]


def test_restore_refuses_while_app_listens(data_dir, tmp_path, monkeypatch):
    import socket
    make_db(data_dir / "kiosk.db", rows=5).close()
    res = bk.backup(str(data_dir / "kiosk.db"), str(data_dir / "blobs"), str(tmp_path / "b"))
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    monkeypatch.setenv("PORT", str(srv.getsockname()[1]))
    try:
        r = make_app(data_dir).test_cli_runner().invoke(args=["restore", "--from", res.db_file])
    finally:
        srv.close()
    assert r.exit_code != 0 and "stop the app first" in r.output


def test_real_app_factory_registers_backup(tmp_path):
    try:
        from kiosk import create_app
    except Exception as exc:  # the app is being written by others; report, don't hide
        pytest.skip(f"kiosk.create_app not importable yet: {exc}")
    db = tmp_path / "kiosk.db"
    make_db(db, rows=3).close()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "TESTING": True})
    r = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "out"), "--keep", "1"])
    assert r.exit_code == 0, r.output
    assert len(bk.list_backups(str(tmp_path / "out"))) == 1
