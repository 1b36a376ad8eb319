"""The kiosk's side of phones: a committee member taps "add a phone" beside a person of the roster and
the kiosk shows the QR. The enrolment is made by the township (it is the one that checks phones'
credentials, docs/phones.md), which the kiosk asks over its own sync credential while the link is
up; with no link the kiosk says so, and the township's screen can do the same."""
from __future__ import annotations

import requests
from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

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


@bp.get("/phones/")
@role_required("manage")
def people():
    village = village_or_404()
    return render("phones/kiosk_people.html", village=village, people=service.roster(village.code), form=EmptyForm())


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
    answer, problem = _ask_township("kiosk-enrolments", person)
    url = answer.get("url") if answer else None
    return render("phones/kiosk_enrolment.html", person=person, url=url, problem=problem,
                  qr=symbol_svg(url, "qr phone-qr") if url else None)


@bp.post("/phones/<person_id>/sign-out")
@role_required("manage")
def sign_out(person_id: str):
    person = _person_or_404(person_id)
    if not confirmed():
        return ask_first(_("Sign out %(name)s's phones?", name=person.name), yes=_("Sign the phones out"),
                         back=url_for("phones_kiosk.people"),
                         consequences=[_("The phones can no longer send records or see the village's data."),
                                       _("What they have not sent yet stays on them.")])
    answer, problem = _ask_township("kiosk-revocations", person)
    if answer is None:
        flash(problem, "error")
    else:
        flash(ngettext("%(num)d phone of %(name)s is signed out.", "%(num)d phones of %(name)s are signed out.",
                       answer["revoked"], name=person.name), "success")
    return hx_redirect(url_for("phones_kiosk.people"))


def _ask_township(action: str, person: Person) -> tuple[dict | None, str | None]:
    """(the township's answer, None), or (None, why there is none)."""
    credential = township_credential()
    if credential is None:
        return None, _("This kiosk is not connected to a township server yet. The township station can do this "
                       "on its screen.")
    server, headers = credential
    try:
        answer = requests.post(f"{server}/phone/api/{action}", headers=headers, timeout=TIMEOUT_SECONDS,
                               data={"person_id": person.id, "by": acting_person().name or ""})
    except requests.RequestException:
        answer = None
    if answer is not None and answer.status_code in (200, 201):
        return answer.json(), None
    if answer is not None and answer.status_code == 404:
        return None, _("The township does not know %(name)s yet. Wait for the next sync, then try again.",
                       name=person.name)
    return None, _("The township cannot be reached now, and this needs the link. Try again when the status "
                   "bar says synced, or ask the township station.")
