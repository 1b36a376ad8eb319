"""Configuration from environment variables, with defaults that make `make run` work as is.

An instance config file (``<data dir>/config.py``) may set the same keys; the environment wins.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def data_dir() -> Path:
    """The instance folder: the device's database, secret key and photos. Outside the package."""
    default = Path(__file__).resolve().parent.parent / "instance"
    return Path(os.environ.get("KIOSK_DATA_DIR", default)).resolve()


def load_or_create_secret(folder: Path) -> str:
    """A secret key made once per device and kept in the instance folder (mode 600)."""
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def from_environment(folder: Path) -> dict:
    role = os.environ.get("KIOSK_ROLE", "village")
    if role not in ("village", "township"):
        raise RuntimeError(f"KIOSK_ROLE must be 'village' or 'township', not {role!r}")
    return {
        "KIOSK_ROLE": role,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'kiosk.db'}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # the township server this kiosk syncs with (village role)
        "TOWNSHIP_URL": os.environ.get("TOWNSHIP_URL", ""),
        # public host printed on QR labels, e.g. HTTPS://FIRE.PINGYANG.EXAMPLE
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", os.environ.get("TOWNSHIP_URL", "")),
        # the village this kiosk serves until enrolment says otherwise
        "VILLAGE_CODE": os.environ.get("VILLAGE_CODE", "330326100201"),
        "SYNC_INTERVAL": _env_int("SYNC_INTERVAL", 300),
        "KIOSK_IDLE_SECONDS": _env_int("KIOSK_IDLE_SECONDS", 120),
        "PORT": _env_int("PORT", 5000),
        # number of reverse proxies in front of the township server (0 on the kiosk), and the
        # addresses they connect from (X-Forwarded-* from anyone else are dropped)
        "TRUST_PROXY": _env_int("TRUST_PROXY", 0),
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1"),
    }


class Defaults:
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans", "en")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a kiosk form may stay open for hours
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # photos are checked again, per field, by the photo store
    PIN_MAX_FAILURES = 5
    PIN_LOCKOUT_SECONDS = 300
    # staff: per (address, user name); from addresses the user never signed in from, also per
    # address (any user name) and per user name (any address): see auth.security.check_password
    STAFF_MAX_FAILURES = 5
    STAFF_ADDRESS_MAX_FAILURES = 30
    STAFF_ACCOUNT_MAX_FAILURES = 20
    STAFF_LOCKOUT_SECONDS = 900
