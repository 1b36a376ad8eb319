"""Static checks: shellcheck on every script, systemd-analyze on every unit."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from .conftest import DEPLOY, INSTALL, need_root, need_tool

SYSTEMD_DIR = DEPLOY / "systemd"
UNITS = sorted(p.name for p in SYSTEMD_DIR.iterdir() if p.suffix in (".service", ".timer"))
# Exposure score of `systemd-analyze security --offline=true` (0 = locked down, 10 = exposed).
SECURITY_THRESHOLDS = {"village-kiosk-web.service": 1.5, "village-kiosk-sync.service": 2.0}


def shell_scripts() -> list[pathlib.Path]:
    found = []
    for p in sorted(DEPLOY.rglob("*")):
        if p.is_file() and p.read_bytes()[:64].startswith((b"#!/bin/bash", b"#!/bin/sh", b"#!/usr/bin/env bash")):
            found.append(p)
    return found


def test_every_script_is_found_and_executable():
    names = {p.name for p in shell_scripts()}
    assert {"install.sh", "village-kiosk", "kiosk-browser", "kiosk-wait-healthy",
            "kiosk-watchdog", "kiosk-usb-backup", "90-village-kiosk-sync",
            "make-wheelhouse.sh"} <= names
    for p in shell_scripts():
        assert os.access(p, os.X_OK), f"{p} is not executable"


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_shellcheck(script):
    shellcheck = need_tool("shellcheck")
    r = subprocess.run([shellcheck, "--severity=style", "--external-sources", str(script)],
                       capture_output=True, text=True, cwd=script.parent)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module")
def verify_root(tmp_path_factory):
    """A root holding the units as install.sh lays them out, the system's own units and
    stand-ins for the programs a Pi has (cage, fake-hwclock, the venv's flask), so that
    `systemd-analyze verify --root` checks our units and nothing of this machine."""
    need_root()
    need_tool("systemd-analyze")
    root = tmp_path_factory.mktemp("verify-root")
    etc = root / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\n")
    r = subprocess.run([str(INSTALL), "--root", str(root), "--skip-apt", "--skip-venv"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    sysunits = pathlib.Path("/usr/lib/systemd/system")
    if not sysunits.is_dir():
        sysunits = pathlib.Path("/lib/systemd/system")
    shutil.copytree(sysunits, root / "usr/lib/systemd/system", symlinks=True)
    for stub in ("usr/bin/cage", "sbin/fake-hwclock", "opt/village-kiosk/venv/bin/flask"):
        p = root / stub
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("#!/bin/sh\nexit 0\n")
        p.chmod(0o755)
    return root


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_analyze_verify_is_silent(verify_root, unit):
    # systemd-analyze verify exits 0 on parse warnings: any output on stderr is a failure.
    r = subprocess.run(["systemd-analyze", "verify", f"--root={verify_root}", unit],
                       capture_output=True, text=True,
                       cwd=verify_root / "etc/systemd/system")
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def test_units_never_wait_for_time_sync_or_network_online():
    for unit in UNITS:
        text = (SYSTEMD_DIR / unit).read_text()
        body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert "time-sync" not in body and "time-wait-sync" not in body, unit
        assert "network-online" not in body, unit


def test_timers_use_monotonic_intervals_only():
    for unit in UNITS:
        if unit.endswith(".timer"):
            text = (SYSTEMD_DIR / unit).read_text()
            assert "OnCalendar" not in text, unit
            assert "OnBootSec=" in text and "OnUnitActiveSec=" in text, unit


def test_web_app_is_bound_to_loopback():
    text = (SYSTEMD_DIR / "village-kiosk-web.service").read_text()
    assert "--host 127.0.0.1" in text
    assert "IPAddressDeny=any" in text and "IPAddressAllow=localhost" in text
    for key in ("ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
                "MemoryMax=", "Restart=always"):
        assert key in text, key


@pytest.mark.parametrize("unit", sorted(SECURITY_THRESHOLDS))
def test_systemd_analyze_security(unit):
    need_tool("systemd-analyze")
    threshold = SECURITY_THRESHOLDS[unit]
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                        f"--threshold={round(threshold * 10)}", str(SYSTEMD_DIR / unit)],
                       capture_output=True, text=True)
    last = [line for line in r.stdout.splitlines() if "Overall exposure level" in line]
    assert last, r.stdout + r.stderr
    score = float(last[-1].split(":")[1].split()[0])
    assert score <= threshold, last[-1]
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr


def test_browser_flags_match_pitfalls():
    flags = {line.strip() for line in (DEPLOY / "chromium-kiosk.flags").read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    for f in ("--kiosk", "--noerrdialogs", "--disable-infobars", "--no-first-run",
              "--password-store=basic", "--disable-pinch", "--overscroll-history-navigation=0"):
        assert f in flags
    unit = (SYSTEMD_DIR / "village-kiosk-browser.service").read_text()
    assert "ExecStartPre=/opt/village-kiosk/bin/kiosk-wait-healthy" in unit
    assert "RuntimeDirectory=" in unit  # profile in RAM
