"""The township server's village chooser: staff pick the village whose records they look at."""
from __future__ import annotations

from flask import Blueprint, abort, g, request, session, url_for

from ..auth import current_staff, role_required
from ..extensions import db
from ..web import hx_redirect, render, safe_next
from .models import Township
from .service import villages_of

bp = Blueprint("village", __name__, url_prefix="/villages")


@bp.route("/", methods=["GET", "POST"])
@role_required("staff")
def choose():
    """Choosing leads on to ``?next=`` (the tile that asked for a village), else home."""
    staff = current_staff()
    villages = villages_of(staff.township_code)
    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    if request.method == "POST":
        code = request.form.get("code", "")
        if code not in {v.code for v in villages}:
            abort(404)
        session["village_code"] = code
        g.pop("village", None)
        return hx_redirect(next_url)
    return render("village/choose.html", villages=villages, next=next_url,
                  township=db.session.get(Township, staff.township_code))
