"""Pieces the pact screens share: the blueprints, the village in scope and who may pledge."""
from __future__ import annotations

import datetime as dt
import functools

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from werkzeug.exceptions import Forbidden

from ..records import utcnow

from ..auth.security import current_person, current_staff, may
from ..context import village_or_404  # noqa: F401  (the pact modules import it from here)
from ..web import is_township

bp = Blueprint("pacts", __name__, url_prefix="/pact")
# the phone version of the pact, at the short address printed in the poster's QR code
public_bp = Blueprint("pact_public", __name__)




def today() -> dt.date:
    """Today in the kiosk's time zone (Asia/Shanghai), not in UTC."""
    return to_user_timezone(utcnow().replace(tzinfo=dt.timezone.utc)).date()


def at_the_kiosk(view):
    """Residents pledge at the village kiosk without signing in. On the township server, which is
    on the internet, only the organisation and staff may record pledges."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not is_township() or may("record"):
            return view(*args, **kwargs)
        if current_person() is None and current_staff() is None:
            target = url_for("auth.staff_login", next=request.full_path if request.method == "GET" else None)
            return redirect(target)
        raise Forbidden()
    return wrapped


def not_a_draft_error():
    return _("Only a draft can be changed. Make a new version to change a pact that was adopted.")
