"""Extensions, created once and bound in the factory (kiosk/__init__.py)."""
import functools

import click
import sqlalchemy as sa
from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

import sync

# every constraint named: Alembic's batch mode on SQLite rebuilds tables and drops them by name
db = SQLAlchemy(metadata=sa.MetaData(naming_convention=sync.NAMING_CONVENTION))
babel = Babel()
csrf = CSRFProtect()
htmx = Htmx()


class LazyMigrate:
    """Flask-Migrate bound as ``Migrate.init_app`` binds it, with Alembic (and Mako and Pygments,
    10 MB resident) imported only when a migration or a ``flask db`` command runs, not in every kiosk
    process that serves pages. ``app.extensions["migrate"]`` is what Flask-Migrate's functions read."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def init_app(self, app, db, directory: str) -> None:
        app.extensions["migrate"] = _LazyConfig(db, directory, self.kwargs)
        app.cli.add_command(_LazyDbGroup("db", help="Perform database migrations."))


class _LazyConfig:
    def __init__(self, db, directory: str, kwargs: dict):
        self.db, self.directory, self.kwargs = db, directory, kwargs

    @functools.cached_property
    def _config(self):
        from flask_migrate import Migrate, _MigrateConfig
        migrate = Migrate(db=self.db, directory=self.directory, **self.kwargs)
        return _MigrateConfig(migrate, self.db, **migrate.alembic_ctx_kwargs)

    def __getattr__(self, name):  # migrate, configure_args, metadata: Flask-Migrate's own config
        return getattr(self._config, name)


class _LazyDbGroup(click.Group):
    """Flask-Migrate's ``db`` command group, imported when a ``db`` command is asked for."""

    @staticmethod
    def _group() -> click.Group:
        from flask_migrate.cli import db as group
        return group

    def get_params(self, ctx):  # its -d and -x
        return self._group().get_params(ctx)

    def invoke(self, ctx):
        return self._group().invoke(ctx)

    def list_commands(self, ctx):
        return self._group().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._group().get_command(ctx, name)


migrate = LazyMigrate(compare_type=True, render_as_batch=True)
