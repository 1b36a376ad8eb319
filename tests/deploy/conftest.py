"""Fixtures for the Raspberry Pi deployment tests (tests/deploy/).

Slow, opt-in tests are marked ``@pytest.mark.slow`` and run only with ``RUN_SLOW=1``.
Debian packages these tests use: shellcheck, systemd (systemd-analyze, systemctl),
passwd (useradd/usermod); the slow chroot test also needs debootstrap, qemu-user-static
and binfmt-support.
"""
from __future__ import annotations

import os
import pathlib
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "raspberrypi"
INSTALL = DEPLOY / "install.sh"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long opt-in test; run with RUN_SLOW=1")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow test: set RUN_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords and str(item.fspath).startswith(str(pathlib.Path(__file__).parent)):
            item.add_marker(skip)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (Debian package needed by tests/deploy, see conftest.py)")
    return path


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (useradd --root, chown)")


@pytest.fixture
def fake_root(tmp_path):
    """A nearly empty target root with just the user database of a fresh Debian."""
    root = tmp_path / "root"
    etc = root / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\nvideo:x:44:\ninput:x:101:\nrender:x:102:\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\nvideo:*::\ninput:*::\nrender:*::\n")
    for f in ("shadow", "gshadow"):
        os.chmod(etc / f, 0o640)
    return root
