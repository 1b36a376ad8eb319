"""Village fire-safety kiosk and township server: one Flask application, two roles."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

import sync

from . import config as _config
from .extensions import csrf, db, htmx, migrate

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    folder = _config.data_dir()
    if test_config and test_config.get("KIOSK_DATA_DIR"):
        folder = Path(test_config["KIOSK_DATA_DIR"]).resolve()
    app = Flask(__name__, instance_path=str(folder), instance_relative_config=True)
    app.config.from_object(_config.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update({k: v for k, v in _config.from_environment(folder).items()
                       if v is not None or k not in app.config})
    if test_config:
        app.config.update(test_config)
    folder.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _config.load_or_create_secret(folder)
    app.config["APP_VERSION"] = __version__

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    # the township is the sync server; a kiosk is a device (SYNC_MODE may say "off")
    sync.init_app(app, db, mode=app.config.get("SYNC_MODE")
                  or ("server" if app.config["KIOSK_ROLE"] == "township" else "device"))

    from . import context, i18n, web
    i18n.init_app(app)
    web.init_app(app)
    context.init_app(app)
    for module in _features():
        module.init_app(app)
    return app


def _features():
    """Every feature package under kiosk/ that defines ``init_app(app)``, in name order.

    Features register their own blueprints, CLI commands, home tiles and notice-board slides, so
    adding one never touches the factory.
    """
    here = Path(__file__).resolve().parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "init_app"):
            yield module


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Durable, concurrent SQLite on a device that loses power (docs/pitfalls.md)."""
    if type(dbapi_connection).__module__.split(".")[0] not in ("sqlite3", "pysqlite2"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
