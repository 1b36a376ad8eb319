"""The kiosk's side of phones: a committee member taps "add a phone" beside a person of the roster and
the kiosk shows the QR. The enrolment is made by the township (it is the one that checks phones'
credentials, docs/phones.md), which the kiosk asks over its own sync credential while the link is
up; with no link the kiosk says so, and the township's screen can do the same."""
from __future__ import annotations

import requests
from flask import Blueprint, abort
from flask_babel import gettext as _

from ..auth import role_required
from ..context import acting_person, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..qr import symbol_svg
from ..syncui.service import township_credential
from ..village.models import Person
from ..web import render
from . import service

bp = Blueprint("phones_kiosk", __name__)

TIMEOUT_SECONDS = 10


@bp.get("/phones/")
@role_required("manage")
def people():
    village = village_or_404()
    return render("phones/kiosk_people.html", village=village, people=service.roster(village.code), form=EmptyForm())


@bp.post("/phones/<person_id>/add")
@role_required("manage")
def add(person_id: str):
    village = village_or_404()
    person = db.session.get(Person, person_id) if len(person_id) <= 36 else None
    if person is None or person.deleted or not person.active or person.village_id != village.code:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    url, problem = _ask_township(person)
    return render("phones/kiosk_enrolment.html", person=person, url=url, problem=problem,
                  qr=symbol_svg(url, "qr phone-qr") if url else None)


def _ask_township(person: Person) -> tuple[str | None, str | None]:
    """(the enrolment's address, None), or (None, why there is none)."""
    credential = township_credential()
    if credential is None:
        return None, _("This kiosk is not connected to a township server yet, so it cannot add phones. "
                       "The township station can add one on its screen.")
    server, headers = credential
    try:
        answer = requests.post(f"{server}/phone/api/kiosk-enrolments", headers=headers, timeout=TIMEOUT_SECONDS,
                               data={"person_id": person.id, "by": acting_person().name or ""})
    except requests.RequestException:
        answer = None
    if answer is not None and answer.status_code == 201:
        return answer.json().get("url"), None
    if answer is not None and answer.status_code == 404:
        return None, _("The township does not know %(name)s yet. Wait for the next sync, then try again.",
                       name=person.name)
    return None, _("The township cannot be reached now: adding a phone needs the link. Try again when the "
                   "status bar says synced, or ask the township station.")
