"""Opt-in (RUN_SLOW=1): a real install into an arm64 Debian Bookworm root under qemu-user-static.

    RUN_SLOW=1 pytest tests/deploy/test_slow_chroot.py

Needs root, network access to the Debian mirror and PyPI (or a cache), and the Debian
packages debootstrap, qemu-user-static and binfmt-support (binfmt_misc is mounted if
missing). The debootstrapped root is cached in $KIOSK_ARM64_ROOT_CACHE (default
/var/tmp/village-kiosk-arm64-bookworm, ~400 MB, ~3 min to build) and copied for each run.

Steps: debootstrap (cached) -> wheel folder for linux/aarch64 + CPython 3.11
(make-wheelhouse.sh) -> install.sh --root --skip-apt --wheels (venv, pip offline,
translations, migration, locale-gen, units) -> start the app with the web unit's own
ExecStart line as the kiosk user inside the root -> GET /healthz == 200 -> a second
install.sh run reports nothing to change.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from .conftest import DEPLOY, INSTALL, REPO, need_root, need_tool

pytestmark = pytest.mark.slow

CACHE = os.environ.get("KIOSK_ARM64_ROOT_CACHE", "/var/tmp/village-kiosk-arm64-bookworm")
MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
INCLUDE = "python3,python3-venv,curl,sqlite3,ca-certificates,locales,tzdata,passwd,util-linux"


def sh(*cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(list(cmd), text=True, capture_output=True, **kw)


def ensure_binfmt():
    if not os.path.exists("/proc/sys/fs/binfmt_misc/register"):
        sh("mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc")
    if not os.path.exists("/proc/sys/fs/binfmt_misc/qemu-aarch64"):
        sh("update-binfmts", "--enable", "qemu-aarch64")
    assert os.path.exists("/proc/sys/fs/binfmt_misc/qemu-aarch64"), "qemu-aarch64 binfmt not registered"


def ensure_cache():
    if os.path.exists(os.path.join(CACHE, ".complete")):
        return
    shutil.rmtree(CACHE, ignore_errors=True)
    r = subprocess.run(["debootstrap", "--arch=arm64", "--variant=minbase", f"--include={INCLUDE}",
                        "bookworm", CACHE, MIRROR], text=True, capture_output=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    open(os.path.join(CACHE, ".complete"), "w").close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def arm64_root(tmp_path_factory):
    need_root()
    for tool in ("debootstrap", "update-binfmts", "systemctl", "useradd"):
        need_tool(tool)
    ensure_binfmt()
    ensure_cache()
    cache = os.path.realpath(CACHE)
    for sub in ("proc", "dev", "sys"):
        # A mount left inside the cache (an interrupted run) would make cp copy the host's
        # /proc and /dev: refuse instead.
        assert not os.path.ismount(os.path.join(cache, sub)), f"unmount {cache}/{sub} first"
    root = tmp_path_factory.mktemp("arm64") / "root"
    root.mkdir()
    sh("cp", "-a", cache + "/.", str(root))
    assert sh("chroot", str(root), "uname", "-m").stdout.strip() == "aarch64"
    mounts = [(["mount", "--bind", "/dev", str(root / "dev")], root / "dev"),
              (["mount", "-t", "proc", "proc", str(root / "proc")], root / "proc")]
    done = []
    try:
        for cmd, target in mounts:
            sh(*cmd)
            done.append(target)
        yield root
    finally:
        for target in reversed(done):
            subprocess.run(["umount", "-l", str(target)])
        # Never delete through a bind mount of the host's /dev.
        if not any(os.path.ismount(root / sub) for sub in ("dev", "proc")):
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheels")
    r = subprocess.run([str(DEPLOY / "make-wheelhouse.sh"), str(out), "3.11"], text=True,
                       capture_output=True, cwd=REPO, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out


def test_install_in_arm64_bookworm_root_and_healthz(arm64_root, wheelhouse):
    root = arm64_root
    t0 = time.monotonic()
    r = subprocess.run([str(INSTALL), "--root", str(root), "--skip-apt", "--wheels", str(wheelhouse)],
                       text=True, capture_output=True, timeout=1800)
    print(r.stdout[-4000:], r.stderr[-4000:])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    print(f"install under qemu: {time.monotonic() - t0:.0f} s")
    venv_py = sh("chroot", str(root), "/opt/village-kiosk/venv/bin/python", "-c",
                 "import platform, sys; print(platform.machine(), sys.version_info[:2])").stdout
    assert venv_py.startswith("aarch64")
    assert "zh_CN.utf8" in sh("chroot", str(root), "locale", "-a").stdout
    assert (root / "var/lib/village-kiosk/kiosk.db").exists()

    # Start the app exactly as the web unit does (ExecStart, User=, EnvironmentFile=,
    # WorkingDirectory=), on a free port instead of 5000.
    unit = (root / "etc/systemd/system/village-kiosk-web.service").read_text()
    exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
    port = free_port()
    env = [line for line in (root / "etc/village-kiosk/kiosk.env").read_text().splitlines()
           if line and not line.startswith("#") and not line.startswith("PORT=")] + [f"PORT={port}"]
    cmd = exec_start.replace("${PORT}", str(port))
    proc = subprocess.Popen(
        ["chroot", str(root), "/usr/bin/env", "-i", "PATH=/usr/bin:/bin:/usr/sbin:/sbin", "LANG=C.UTF-8",
         *env, "runuser", "-u", "kiosk", "--", "sh", "-c", f"cd /var/lib/village-kiosk && exec {cmd}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        t0 = time.monotonic()
        while time.monotonic() - t0 < 180 and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                    assert resp.status == 200
                    body = json.loads(resp.read())
                    break
            except OSError:
                time.sleep(2)
        if body is None:
            proc.terminate()
            out = proc.communicate(timeout=30)[0]
            pytest.fail(f"/healthz never answered; the unit's command printed:\n{out[-3000:]}")
        print(f"/healthz after {time.monotonic() - t0:.0f} s: {body}")
        assert body["status"] == "ok"
    finally:
        if proc.poll() is None:
            # The app runs as a child of runuser under qemu: stop the whole chroot'd tree.
            for line in sh("ps", "-eo", "pid=,ppid=").stdout.splitlines():
                pid, ppid = map(int, line.split())
                if ppid == proc.pid:
                    os.kill(pid, 15)
            proc.terminate()
            proc.wait(timeout=30)

    again = subprocess.run([str(INSTALL), "--root", str(root), "--skip-apt", "--wheels", str(wheelhouse)],
                           text=True, capture_output=True, timeout=1800)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert "nothing to change" in again.stdout, again.stdout
