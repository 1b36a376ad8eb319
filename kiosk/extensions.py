"""Extensions, created once and bound in the factory (kiosk/__init__.py)."""
import sqlalchemy as sa
from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

import sync

# every constraint named: Alembic's batch mode on SQLite rebuilds tables and drops them by name
db = SQLAlchemy(metadata=sa.MetaData(naming_convention=sync.NAMING_CONVENTION))
babel = Babel()
csrf = CSRFProtect()
migrate = Migrate(compare_type=True, render_as_batch=True)
htmx = Htmx()
