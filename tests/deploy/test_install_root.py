"""install.sh --root <tmp>: the real file-writing steps, owners, modes, and idempotency.

Debian packages and the Python environment are skipped (--skip-apt --skip-venv); the slow
chroot test (test_slow_chroot.py) covers those on an arm64 Debian root.
"""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess

import pytest

from .conftest import INSTALL, need_root, need_tool


def run_install(root, *args, check=True):
    r = subprocess.run([str(INSTALL), "--root", str(root), "--skip-apt", "--skip-venv", *args],
                       capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def tree_hash(root) -> str:
    """Hash of every path's name, type, mode, owner, content or link target (not times)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            h.update(f"{os.path.relpath(p, root)} {st.st_mode:o} {st.st_uid}:{st.st_gid}\n".encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode())
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def ids(root, user):
    for line in (root / "etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == user:
            return int(f[2]), int(f[3])
    raise AssertionError(f"user {user} not in {root}/etc/passwd")


def meta(path):
    st = os.lstat(path)
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


@pytest.fixture
def installed(fake_root):
    need_root()
    need_tool("useradd")
    need_tool("systemctl")
    r = run_install(fake_root)
    return fake_root, r


def test_writes_expected_files_with_owners_and_modes(installed):
    root, _ = installed
    uid, gid = ids(root, "kiosk")
    assert uid != 0 and uid < 1000, "kiosk must be a system user"
    passwd = [line for line in (root / "etc/passwd").read_text().splitlines() if line.startswith("kiosk:")][0]
    assert passwd.endswith(":/var/lib/village-kiosk:/usr/sbin/nologin")
    groups = (root / "etc/group").read_text()
    for g in ("video", "input", "render"):
        assert any(line.startswith(f"{g}:") and "kiosk" in line.split(":")[3].split(",")
                   for line in groups.splitlines()), g

    expect = {
        "opt/village-kiosk": (0o755, 0, 0),
        "opt/village-kiosk/bin": (0o755, 0, 0),
        "opt/village-kiosk/bin/village-kiosk": (0o755, 0, 0),
        "opt/village-kiosk/bin/kiosk-browser": (0o755, 0, 0),
        "opt/village-kiosk/bin/kiosk-wait-healthy": (0o755, 0, 0),
        "opt/village-kiosk/bin/kiosk-watchdog": (0o755, 0, 0),
        "opt/village-kiosk/bin/kiosk-usb-backup": (0o755, 0, 0),
        "opt/village-kiosk/chromium-kiosk.flags": (0o644, 0, 0),
        "opt/village-kiosk/README.md": (0o644, 0, 0),
        "etc/village-kiosk": (0o750, 0, gid),
        "etc/village-kiosk/kiosk.env": (0o640, 0, gid),
        "var/lib/village-kiosk": (0o750, uid, gid),
        "etc/NetworkManager/dispatcher.d/90-village-kiosk-sync": (0o755, 0, 0),
        "etc/udev/rules.d/90-village-kiosk-usb-backup.rules": (0o644, 0, 0),
        "etc/default/locale": (0o644, 0, 0),
        "etc/timezone": (0o644, 0, 0),
    }
    for unit in ("web.service", "sync.service", "browser.service", "watchdog.service",
                 "watchdog.timer", "usb-backup.service", "usb-backup.timer",
                 "clock-save.service", "clock-save.timer"):
        expect[f"etc/systemd/system/village-kiosk-{unit}"] = (0o644, 0, 0)
    for rel, want in expect.items():
        assert (root / rel).exists(), rel
        assert meta(root / rel) == want, f"{rel}: {oct(meta(root / rel)[0])} {meta(root / rel)[1:]} != {oct(want[0])} {want[1:]}"

    env = (root / "etc/village-kiosk/kiosk.env").read_text()
    assert "KIOSK_ROLE=village\n" in env
    assert "KIOSK_DATA_DIR=/var/lib/village-kiosk\n" in env
    assert "PORT=5000\n" in env
    assert "SECRET_KEY" not in env  # the app keeps its own key file in the data folder

    assert os.readlink(root / "etc/localtime") == "/usr/share/zoneinfo/Asia/Shanghai"
    assert (root / "etc/timezone").read_text() == "Asia/Shanghai\n"
    assert (root / "etc/default/locale").read_text() == "LANG=zh_CN.UTF-8\n"
    assert "zh_CN.UTF-8 UTF-8" in (root / "etc/locale.gen").read_text().splitlines()
    assert os.readlink(root / "usr/local/bin/village-kiosk") == "/opt/village-kiosk/bin/village-kiosk"

    wants = {
        "multi-user.target.wants": ["village-kiosk-web.service", "village-kiosk-sync.service"],
        "graphical.target.wants": ["village-kiosk-browser.service"],
        "timers.target.wants": ["village-kiosk-watchdog.timer", "village-kiosk-usb-backup.timer",
                                "village-kiosk-clock-save.timer"],
    }
    for target, units in wants.items():
        for u in units:
            link = root / "etc/systemd/system" / target / u
            assert os.readlink(link) == f"/etc/systemd/system/{u}", link
    assert os.readlink(root / "etc/systemd/system/default.target").endswith("/graphical.target")


def test_second_run_changes_nothing(installed):
    root, first = installed
    before = tree_hash(root)
    second = run_install(root)
    assert tree_hash(root) == before
    assert "nothing to change" in second.stdout
    assert "Done:" in first.stdout and "change(s)" in first.stdout


def test_edited_config_is_kept_and_server_is_written(installed):
    root, _ = installed
    env = root / "etc/village-kiosk/kiosk.env"
    env.write_text(env.read_text().replace("SYNC_INTERVAL=300", "SYNC_INTERVAL=900"))
    run_install(root, "--server", "https://township.example")
    text = env.read_text()
    assert "SYNC_INTERVAL=900\n" in text
    assert "TOWNSHIP_URL=https://township.example\n" in text
    # ...and the server stays when the script runs again without --server
    run_install(root)
    assert "TOWNSHIP_URL=https://township.example\n" in env.read_text()
    assert meta(env)[0] == 0o640


def test_repairs_a_wrong_mode(installed):
    root, _ = installed
    before = tree_hash(root)
    os.chmod(root / "opt/village-kiosk/bin/kiosk-watchdog", 0o700)
    (root / "etc/systemd/system/village-kiosk-web.service").write_text("broken\n")
    r = run_install(root)
    assert "change(s)" in r.stdout
    assert tree_hash(root) == before


def test_bad_arguments_fail_clearly(fake_root):
    need_root()
    r = run_install(fake_root, "--bogus", check=False)
    assert r.returncode != 0 and "unknown option: --bogus" in r.stderr
    r = run_install(fake_root, "--server", "township.example", check=False)
    assert r.returncode != 0 and "--server must start with https://" in r.stderr
    r = subprocess.run([str(INSTALL), "--root", str(fake_root / "missing")], capture_output=True, text=True)
    assert r.returncode != 0 and "is not a folder" in r.stderr
    r = run_install(fake_root, "--wheels", str(fake_root / "nowheels"), check=False)
    assert r.returncode != 0 and "is not a folder" in r.stderr


def test_failure_names_the_step(tmp_path):
    need_root()
    (tmp_path / "etc").mkdir()  # no /etc/passwd: not a Debian root
    r = run_install(tmp_path, check=False)
    assert r.returncode != 0
    assert "passwd" in r.stderr and "is missing" in r.stderr
