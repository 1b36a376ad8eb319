"""Extensions, created once and bound in the factory."""
from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

from sync.store import db  # noqa: F401  (the one SQLAlchemy object; sync/ owns the record base)

babel = Babel()
csrf = CSRFProtect()
migrate = Migrate(compare_type=True, render_as_batch=True)
htmx = Htmx()
