"""Real servers for sync tests: the township on PostgreSQL behind a live HTTP server, kiosks on SQLite
talking to it over loopback, a TCP proxy that counts bytes and cuts connections.

Databases come from tests/conftest.py's templates; the township's is made in the township role (its
demo data and change capture are the server's).
"""
from __future__ import annotations

import socket
import struct
import threading

import pytest
import sqlalchemy as sa

from kiosk.extensions import db
from tests.conftest import DEMO_VILLAGE, LiveServer, make_app

OTHER_VILLAGE = "330326100202"
TOWNSHIP = DEMO_VILLAGE[:9]


@pytest.fixture
def sync_db(database):
    """Kiosks on SQLite in the village role; the township on PostgreSQL in the township role."""
    def make(kind: str = "sqlite", flavour: str = "demo") -> str:
        return database(kind, flavour, role="township" if kind == "postgresql" else "village")
    return make


class Side:
    def __init__(self, app):
        self.app = app

    def ctx(self):
        return self.app.app_context()

    def digests(self, villages=(DEMO_VILLAGE, TOWNSHIP)) -> dict:
        """table -> (rows, hash) of everything in scope, for every replicated table."""
        from sync.tables import replicated, table_digest
        out = {}
        with self.ctx():
            for name in sorted(replicated()):
                try:
                    out[name] = table_digest(db.session, name, villages)
                except sa.exc.DBAPIError:
                    db.session.rollback()
        return out

    def count(self, model, **where) -> int:
        with self.ctx():
            q = sa.select(sa.func.count()).select_from(model)
            for k, v in where.items():
                q = q.where(getattr(model, k) == v)
            return db.session.scalar(q)

    def dispose(self):
        with self.ctx():
            db.session.remove()
            db.engine.dispose()


class Township(Side):
    def __init__(self, app, server):
        super().__init__(app)
        self.server = server
        self.url = server.url

    def code(self, village=DEMO_VILLAGE, hours=24) -> str:
        from sync.server import create_code
        with self.ctx():
            row = create_code(village, "周站长", hours=hours)
            db.session.commit()
            return row.code


class Kiosk(Side):
    def sync(self, **kw):
        from sync.client import sync_once
        with self.ctx():
            return sync_once(**kw)

    def enroll(self, url, code):
        from sync.client import enroll
        with self.ctx():
            return enroll(url, code)

    def state(self):
        from sync.models import SyncState
        with self.ctx():
            st = db.session.get(SyncState, 1)
            if st is not None:
                db.session.expunge(st)
            return st


def _fresh_node(app):
    """Copies of one template share a node id; real devices each make their own."""
    from sync.ids import uuid7
    from sync.store import SyncNode
    with app.app_context():
        node = db.session.get(SyncNode, 1)
        if node is not None:
            node.node_id = uuid7()
            db.session.commit()


@pytest.fixture
def township(sync_db, tmp_path):
    """The township server: PostgreSQL, no village data yet, 昆阳镇 with two villages."""
    app = make_app(sync_db("postgresql", "empty"), tmp_path / "township", KIOSK_ROLE="township")
    with app.app_context():
        from kiosk.village import Village, seed_townships
        seed_townships()
        db.session.add(Village(code=DEMO_VILLAGE, name="城东村", township_code=TOWNSHIP))
        db.session.add(Village(code=OTHER_VILLAGE, name="城西村", township_code=TOWNSHIP))
        db.session.commit()
    _fresh_node(app)
    server = LiveServer(app).start()
    side = Township(app, server)
    yield side
    server.stop()
    side.dispose()


@pytest.fixture
def make_kiosk(sync_db, tmp_path):
    made = []

    def make(township=None, village=DEMO_VILLAGE, flavour="demo", url=None, name=None):
        folder = tmp_path / (name or f"kiosk-{len(made)}")
        app = make_app(sync_db("sqlite", flavour), folder, VILLAGE_CODE=village)
        _fresh_node(app)
        kiosk = Kiosk(app)
        made.append(kiosk)
        if township is not None:
            kiosk.enroll(url or township.url, township.code(village))
        return kiosk

    yield make
    for k in made:
        k.dispose()


@pytest.fixture
def kiosk(make_kiosk, township):
    """The demo village's kiosk (SQLite), enrolled with the township."""
    return make_kiosk(township)


class Proxy:
    """A loopback TCP proxy that counts bytes both ways and can cut the connection after N bytes,
    reset it, or hold a direction back until released (a stalled link)."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.up = self.down = self.connections = 0
        self.cut_up_after: int | None = None  # bytes towards the server, counted from arm()
        self.cut_down_after: int | None = None
        self.reset_cut = False  # cut with a TCP reset rather than a close
        self._armed_up = self._armed_down = 0
        self.cuts = 0
        self.lock = threading.Lock()
        self.flowing = {"up": threading.Event(), "down": threading.Event()}
        for e in self.flowing.values():
            e.set()
        self.closed = False
        self._open: set = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def reset(self):
        with self.lock:
            self.up = self.down = self.connections = 0

    def arm(self, up: int | None = None, down: int | None = None, hard: bool = False):
        with self.lock:
            self.cut_up_after, self.cut_down_after = up, down
            self._armed_up = self._armed_down = 0
            self.reset_cut = hard

    def stall(self, direction: str):
        self.flowing[direction].clear()

    def release(self):
        for e in self.flowing.values():
            e.set()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            pair = [client, upstream, 2]
            with self.lock:
                self.connections += 1
                self._open.add(id(pair))
            for a, b, direction in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(target=self._pump, args=(a, b, direction, pair), daemon=True).start()

    def _close(self, pair, hard=False):
        for s in pair[:2]:
            try:
                if hard:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _pump(self, src, dst, direction, pair):
        cut = False
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while not self.flowing[direction].wait(0.05):
                    if self.closed:
                        return
                with self.lock:
                    limit = self.cut_up_after if direction == "up" else self.cut_down_after
                    done = self._armed_up if direction == "up" else self._armed_down
                    if limit is not None and done + len(data) >= limit:
                        data = data[:max(limit - done, 0)]
                        cut = True
                        if direction == "up":
                            self.cut_up_after = None
                        else:
                            self.cut_down_after = None
                        self.cuts += 1
                    if direction == "up":
                        self._armed_up += len(data)
                        self.up += len(data)
                    else:
                        self._armed_down += len(data)
                        self.down += len(data)
                    hard = self.reset_cut
                if data:
                    dst.sendall(data)
                if cut:
                    self._close(pair, hard)
                    return
        except OSError:
            pass
        finally:
            if not cut:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            with self.lock:
                pair[2] -= 1
                last = pair[2] == 0
            if last and not cut:
                for s in pair[:2]:
                    s.close()

    def close(self):
        self.closed = True
        self.release()
        self.sock.close()
        self._thread.join(2)


@pytest.fixture
def proxy(township):
    p = Proxy(township.server.server.server_port)
    yield p
    p.close()
