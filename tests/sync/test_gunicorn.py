"""The township in production: gunicorn with several workers. Kiosks pushing at once, through different
workers, still get every record exactly once and the same answer to a clash."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from kiosk.extensions import db
from kiosk.hazards.models import Hazard
from sync.models import SyncHeld
from tests.conftest import DEMO_VILLAGE
from tests.pg import free_port

from .test_delivery import assert_same, record_hazards

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def gunicorn_township(township, tmp_path):
    if not GUNICORN.exists():
        pytest.fail("gunicorn is a dependency (pyproject.toml): install the project")
    port = free_port()
    env = dict(os.environ, KIOSK_ROLE="township", DATABASE_URL=township.app.config["SQLALCHEMY_DATABASE_URI"],
               KIOSK_DATA_DIR=str(tmp_path / "township-gunicorn"), SECRET_KEY="t", GUNICORN_WORKERS="3",
               GUNICORN_BIND=f"127.0.0.1:{port}")
    proc = subprocess.Popen([str(GUNICORN), "-c", "deploy/township/gunicorn.conf.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{url}/healthz", timeout=1).close()
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


def test_kiosks_pushing_at_once_through_several_workers_lose_and_duplicate_nothing(gunicorn_township, township,
                                                                                  make_kiosk):
    from kiosk.hydrants.models import Hydrant
    kiosks = [make_kiosk(township, url=gunicorn_township, flavour="demo" if i == 0 else "empty") for i in range(4)]
    assert kiosks[0].sync().ok
    for k in kiosks[1:]:
        assert k.sync().ok
    for i, k in enumerate(kiosks):
        record_hazards(k, 40, prefix=f"工人{i}-")
        with k.ctx():  # every kiosk registers a hydrant with the same code at the same time
            db.session.add(Hydrant(village_id=DEMO_VILLAGE, code="SAME01", location=f"第{i}台"))
            db.session.commit()
    results = [None] * len(kiosks)

    def run(i):
        results[i] = kiosks[i].sync(limit=10)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(kiosks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(r.ok for r in results), [(r.outcome, r.message) for r in results]
    for k in kiosks:
        assert k.sync().ok
    with township.ctx():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hazard).where(
            Hazard.location.like("工人%"))) == 160
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hydrant).where(Hydrant.code == "SAME01")) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncHeld).where(
            SyncHeld.table_name == "hydrant")) == 3
    for k in kiosks:
        assert_same(k, township)
