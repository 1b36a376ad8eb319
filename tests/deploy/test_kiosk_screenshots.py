"""Screenshots of the kiosk page in headless Chromium with the kiosk's own flags.

Saved to $KIOSK_SCREENSHOT_DIR (default: the test's tmp folder) as kiosk-800x480.png and
kiosk-1280x720.png, so a person can look at them. Needs Debian's chromium and fonts-noto-cjk;
skipped when chromium is missing or the app cannot be built yet.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import struct
import subprocess
import threading
import urllib.request

import pytest

from .conftest import DEPLOY

SIZES = [(800, 480), (1280, 720)]


def kiosk_flags() -> list[str]:
    return [line.strip() for line in (DEPLOY / "chromium-kiosk.flags").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    try:
        from flask_migrate import upgrade
        from werkzeug.serving import make_server

        from kiosk import create_app
    except Exception as exc:
        pytest.skip(f"the app is not importable yet: {exc}")
    data = tmp_path_factory.mktemp("kiosk-data")
    os.environ.setdefault("KIOSK_DATA_DIR", str(data))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'kiosk.db'}", "TESTING": False})
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def png_size(path: pathlib.Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_kiosk_screenshot(live_app, size, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian package chromium is not installed")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no Chinese font (Debian package fonts-noto-cjk): screenshots would show boxes"
    accept = [f.split("=", 1)[1] for f in kiosk_flags() if f.startswith("--accept-lang=")]
    assert accept, "the kiosk flags must set --accept-lang (Chromium on Linux ignores --lang)"
    req = urllib.request.Request(live_app + "/", headers={"Accept-Language": accept[0]})
    html = urllib.request.urlopen(req, timeout=10).read().decode()
    assert 'lang="zh-Hans"' in html, "the kiosk's Accept-Language does not give the Chinese page"
    assert len(re.findall(r"[\u4e00-\u9fff]", html)) > 20, "the kiosk page has little Chinese text"

    out_dir = pathlib.Path(os.environ.get("KIOSK_SCREENSHOT_DIR", tmp_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    shot = out_dir / f"kiosk-{size[0]}x{size[1]}.png"
    profile = tmp_path / "profile"
    # --kiosk is left out here: headless Chromium then sizes the page to its default 800x600
    # "screen" whatever --window-size says. Every other kiosk flag is used as on the Pi.
    flags = [f for f in kiosk_flags() if f != "--kiosk"]
    cmd = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", *flags,
           f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
           "--hide-scrollbars", f"--screenshot={shot}", "--virtual-time-budget=3000", live_app + "/"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert shot.exists(), r.stderr[-2000:]
    assert png_size(shot) == size
    assert shot.stat().st_size > 5000, "screenshot looks blank"
