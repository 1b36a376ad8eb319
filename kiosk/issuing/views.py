"""The township's template screens (``/township/templates/<kind>``, staff): the edition in force, the
draft of the next one — its items added, edited, moved and dropped — and the issue. A county account
chooses the township (``?township=``, supervision.scope); on a kiosk these screens do not exist."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..auth import current_staff, role_required
from ..confirm import ask_first, confirmed
from ..extensions import db
from ..forms import EmptyForm
from ..pacts.models import TOPICS
from ..station.checklist import prompt_text
from ..station.models import CATALOGUE, CHECK_TYPES, DATE_FIELDS
from ..supervision.scope import settings_scope
from ..web import hx_redirect, is_township, render
from . import service
from .forms import FORMS, MoveForm

bp = Blueprint("issuing", __name__, url_prefix="/township/templates")


def _scope(kind_key: str):
    """(kind, the settings scope: whose templates they are) or a 404."""
    staff = current_staff()
    kind = service.KINDS.get(kind_key)
    if not is_township() or staff is None or kind is None:
        abort(404)
    return staff, kind, settings_scope(staff, request.args.get("township"))


def _here(kind, where, anchor: str = "draft") -> str:
    return url_for("issuing.page", kind=kind.key, township=where["chosen"]) + f"#{anchor}"


def _page(kind, where, form=None, editing=None, edit_form=None):
    township = where["settings_township"]
    draft = service.draft_of(township.code, kind)
    return render("issuing/page.html", kind=kind, current=kind.current(township.code), draft=draft,
                  form=form or FORMS[kind.key](formdata=None), editing=editing, edit_form=edit_form,
                  action=EmptyForm(), topics=TOPICS, catalogue=CATALOGUE, check_types=CHECK_TYPES,
                  date_fields=DATE_FIELDS, prompt_text=prompt_text, **where)


def _draft_or_404(kind, where):
    draft = service.draft_of(where["settings_township"].code, kind)
    if draft is None:
        abort(404)
    return draft


def _item_or_404(draft, key: str) -> dict:
    found = service.item(draft, key) if len(key) <= 40 else None
    if found is None:
        abort(404)
    return found


@bp.get("/<kind>")
@role_required("staff")
def page(kind: str):
    _staff, kind, where = _scope(kind)
    editing = request.args.get("edit")
    draft = service.draft_of(where["settings_township"].code, kind)
    if not editing or draft is None:
        return _page(kind, where)
    found = _item_or_404(draft, editing)
    data = dict(found, kind=found.get("kind") or "", date_field=found.get("date_field") or "")
    return _page(kind, where, editing=editing, edit_form=FORMS[kind.key](formdata=None, data=data))


@bp.post("/<kind>/draft")
@role_required("staff")
def start(kind: str):
    staff, kind, where = _scope(kind)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.start_draft(where["settings_township"].code, kind, staff)
    db.session.commit()
    return hx_redirect(_here(kind, where))


@bp.post("/<kind>/items")
@role_required("staff")
def add(kind: str):
    staff, kind, where = _scope(kind)
    draft = _draft_or_404(kind, where)
    form = FORMS[kind.key]()
    if not form.validate_on_submit():
        return _page(kind, where, form=form)
    try:
        service.add_item(draft, kind, form.values(), staff)
    except service.DraftRefused as refusal:
        form.form_errors.append(str(refusal))
        return _page(kind, where, form=form)
    db.session.commit()
    return hx_redirect(_here(kind, where, "add"))


@bp.post("/<kind>/items/<key>")
@role_required("staff")
def edit(kind: str, key: str):
    staff, kind, where = _scope(kind)
    draft = _draft_or_404(kind, where)
    _item_or_404(draft, key)
    form = FORMS[kind.key]()
    if not form.validate_on_submit():
        return _page(kind, where, editing=key, edit_form=form)
    service.edit_item(draft, kind, key, form.values(), staff)
    db.session.commit()
    return hx_redirect(_here(kind, where, f"item-{key}"))


@bp.post("/<kind>/items/<key>/move")
@role_required("staff")
def move(kind: str, key: str):
    staff, kind, where = _scope(kind)
    draft = _draft_or_404(kind, where)
    _item_or_404(draft, key)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    service.move_item(draft, key, form.to.data, staff)
    db.session.commit()
    return hx_redirect(_here(kind, where, f"item-{key}"))


@bp.post("/<kind>/items/<key>/drop")
@role_required("staff")
def drop(kind: str, key: str):
    staff, kind, where = _scope(kind)
    draft = _draft_or_404(kind, where)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if service.item(draft, key) is not None:  # dropped already: a replay, answered the same
        service.drop_item(draft, key, staff)
        db.session.commit()
    return hx_redirect(_here(kind, where))


@bp.post("/<kind>/issue")
@role_required("staff")
def issue(kind: str):
    _staff, kind, where = _scope(kind)
    township = where["settings_township"]
    draft = service.draft_of(township.code, kind)
    if draft is None:  # issued already: pressed twice
        return hx_redirect(_here(kind, where, "current"))
    if not EmptyForm().validate_on_submit():
        abort(400)
    current = kind.current(township.code)
    number = (current.edition + 1) if current else 1
    if draft.items and not confirmed():
        return ask_first(
            _("Issue edition %(n)d of the %(what)s to every village of %(township)s?", n=number,
              what=kind.label, township=township.name),
            consequences=[ngettext("It holds %(num)d item.", "It holds %(num)d items.", len(draft.items)),
                          _("The kiosks receive it with their next sync."),
                          _("Nothing the villages have changes underneath them: an adopted pact stays theirs "
                            "(the new edition is offered for their next version) and a check under way keeps "
                            "its edition; the next check asks the new one.")],
            yes=_("Issue the edition"), back=_here(kind, where), tone="primary")
    try:
        service.issue(draft, kind)
    except service.DraftRefused as refusal:
        flash(str(refusal), "error")
        return hx_redirect(_here(kind, where))
    db.session.commit()
    flash(_("Edition %(n)d issued. The kiosks receive it with their next sync.", n=number), "success")
    return hx_redirect(_here(kind, where, "current"))


@bp.post("/<kind>/discard")
@role_required("staff")
def discard(kind: str):
    _staff, kind, where = _scope(kind)
    draft = service.draft_of(where["settings_township"].code, kind)
    if draft is None:
        return hx_redirect(_here(kind, where, "current"))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not confirmed():
        return ask_first(_("Discard the draft of the next edition?"),
                         consequences=[_("Its changes are lost; the edition in force stays as it is.")],
                         yes=_("Discard the draft"), back=_here(kind, where))
    service.discard(draft)
    db.session.commit()
    flash(_("Draft discarded."), "success")
    return hx_redirect(_here(kind, where, "current"))
