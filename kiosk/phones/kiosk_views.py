"""The kiosk's side of phones: a committee member taps "add a phone" beside a person of the roster and
the kiosk shows the QR; each person's phones are listed (label, enrolled, last seen), each signed out
on its own. The enrolment is made by the township (it is the one that checks phones'
credentials, docs/phones.md), which the kiosk asks over its own sync credential while the link is
up (the list too: the kiosk holds no credentials); with no link the kiosk says so, and the
township's screen can do the same."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _

from ..auth import role_required
from ..confirm import ask_first, confirmed
from ..context import acting_person, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..qr import symbol_svg
from ..syncui.service import township_credential
from ..village.models import Person
from ..web import hx_redirect, render
from . import service

bp = Blueprint("phones_kiosk", __name__)

TIMEOUT_SECONDS = 10


# the list is asked for while the page is drawn: a township that does not answer soon is as good as away
LIST_TIMEOUT_SECONDS = 4


@bp.get("/phones/")
@role_required("manage")
def people():
    village = village_or_404()
    answer, problem = _ask_township("kiosk-phones", method="get", timeout=LIST_TIMEOUT_SECONDS)
    phones: dict[str, list[dict]] = {}
    for phone in (answer or {}).get("phones", []):
        phones.setdefault(phone.get("person_id"), []).append(
            {**phone, **{name: _moment(phone.get(name)) for name in ("enrolled_at", "last_seen_at", "revoked_at")}})
    return render("phones/kiosk_people.html", village=village, people=service.roster(village.code), phones=phones,
                  problem=problem, form=EmptyForm())


def _moment(text: str | None) -> dt.datetime | None:
    """A moment in the township's answer (ISO, UTC), as the kiosk's own are: naive UTC."""
    try:
        return dt.datetime.fromisoformat(text.removesuffix("Z")) if text else None
    except (ValueError, AttributeError):
        return None


def _person_or_404(person_id: str) -> Person:
    village = village_or_404()
    person = db.session.get(Person, person_id) if len(person_id) <= 36 else None
    if person is None or person.deleted or not person.active or person.village_id != village.code:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return person


@bp.post("/phones/<person_id>/add")
@role_required("manage")
def add(person_id: str):
    person = _person_or_404(person_id)
    answer, problem = _ask_township("kiosk-enrolments", {"person_id": person.id})
    if problem is None and answer is None:
        problem = _("The township does not know %(name)s yet. Wait for the next sync, then try again.",
                    name=person.name)
    url = answer.get("url") if answer else None
    return render("phones/kiosk_enrolment.html", person=person, url=url, problem=problem,
                  qr=symbol_svg(url, "qr phone-qr") if url else None)


@bp.post("/phones/<person_id>/phones/<phone_id>/sign-out")
@role_required("manage")
def sign_out(person_id: str, phone_id: str):
    person = _person_or_404(person_id)
    label = (request.form.get("label") or "")[:60]
    if not confirmed():
        return ask_first(_("Sign out %(name)s's phone?", name=person.name) + (f" ({label})" if label else ""),
                         yes=_("Sign the phone out"), back=url_for("phones_kiosk.people"),
                         consequences=[_("The phone can no longer send records or see the village's data."),
                                       _("What it has not sent yet stays on the phone.")])
    answer, problem = _ask_township("kiosk-revocations", {"phone_id": phone_id[:36], "by": acting_person().name or ""})
    if problem is None and answer is None:
        problem = _("The township no longer knows this phone.")
    if answer is None:
        flash(problem, "error")
    else:
        flash(_("The phone is signed out."), "success")
    return hx_redirect(url_for("phones_kiosk.people"))


def _ask_township(action: str, data: dict | None = None, method: str = "post",
                  timeout: float = TIMEOUT_SECONDS) -> tuple[dict | None, str | None]:
    """(the township's answer, None); (None, why there is none) when there is no link; (None, None)
    when the township answers that it does not know what was asked about (a 404)."""
    credential = township_credential()
    if credential is None:
        return None, _("This kiosk is not connected to a township server yet. The township station can do this "
                       "on its screen.")
    server, headers = credential
    import requests  # only when the township is asked (memory on a Raspberry Pi)
    try:
        answer = requests.request(method, f"{server}/phone/api/{action}", headers=headers, timeout=timeout,
                                  data=data)
    except requests.RequestException:
        answer = None
    if answer is not None and answer.status_code in (200, 201):
        return answer.json(), None
    if answer is not None and answer.status_code == 404:
        return None, None
    return None, _("The township cannot be reached now, and this needs the link. Try again when the status "
                   "bar says synced, or ask the township station.")
