"""The warnings' screens: the kiosk's list, a warning, its acknowledgement and the village's answer,
the banner every page polls; the township station's compose, correct and withdraw screens, and what
each village read and answered."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import Forbidden

from ..auth import current_person, current_staff, role_required
from ..context import current_village, local_today, village_or_404
from ..extensions import db
from ..paging import page_of
from ..photos import store_photos_of
from ..records import commit_once
from ..village.models import Village
from ..village.service import villages_of
from ..web import hx_redirect, is_township, passive, public, render, wants_fragment
from . import evidence, service
from .forms import ANSWER_PHRASES, WITHDRAW_REASONS, AnswerForm, CorrectionForm, WarningForm, WithdrawForm
from .models import ACTIONS, KINDS, Warning, WarningAnswer, WarningReceipt

bp = Blueprint("warnings", __name__, url_prefix="/warnings")


def _warning_for_village(warning_id: str, village: Village) -> Warning:
    warning = db.session.get(Warning, warning_id)
    if warning is None or warning.deleted or not warning.is_for(village.code):
        abort(404)
    return warning


def _township_warning_or_404(warning_id: str, township_code: str) -> Warning:
    warning = db.session.get(Warning, warning_id)
    if warning is None or warning.deleted or warning.village_id != township_code:
        abort(404)
    return warning


def _staff_township() -> str:
    staff = current_staff()
    if staff is None:  # a committee member is not township staff, whatever may() says
        raise Forbidden()
    return staff.township_code


# ---- the kiosk -------------------------------------------------------------------------------

@bp.get("/")
@public
def index():
    """The village's warnings. Public, like the notice board that shows them."""
    if is_township() and current_staff() is not None:
        return redirect(url_for("warnings.township_index"))
    village = village_or_404()
    ids = service.ranked_ids(village)
    page = page_of(len(ids))
    return render("warnings/index.html", "warnings/_list.html", paging=page, today=local_today(),
                  items=service.warnings_for(village, page.size, page.offset, ids),
                  kinds={k: str(label) for k, label in KINDS.items()})


@bp.get("/<warning_id>")
@public
def show(warning_id: str):
    village = village_or_404()
    warning = _warning_for_village(warning_id, village)
    return render("warnings/show.html", "warnings/_ack.html", warning=warning,
                  receipt=service.receipt_of(warning, village), answers=service.answers_of(warning, village.code),
                  today=local_today(), link_url=evidence.link_url)


@bp.route("/<warning_id>/answer", methods=["GET", "POST"])
@role_required("manage")
def answer(warning_id: str):
    """A committee member says what the village did about a warning, with the records it made."""
    person = current_person()
    village = village_or_404()
    if person is None or person.village_id != village.code:
        raise Forbidden()  # an answer speaks for the village: only one of its own committee gives it
    warning = _warning_for_village(warning_id, village)
    if warning.is_withdrawn:
        abort(404)
    form = AnswerForm(evidence=evidence.evidence_for(village.code, warning.issued_at))
    if request.method == "POST" and (sent := db.session.get(WarningAnswer, form.client_id.data)) is not None:
        return hx_redirect(url_for("warnings.show", warning_id=sent.warning_id))
    if form.validate_on_submit():
        photos = store_photos_of(form.photos, form.client_id.data)
        if not form.errors:
            service.answer(warning, village, person, form.client_id.data, actions=form.actions.data,
                           links=form.chosen_links(), note=form.note.data or "", photos=photos)
            commit_once(WarningAnswer, form.client_id.data)
            flash(_("Answer saved. The township will see what the village did at the next sync."), "success")
            return hx_redirect(url_for("warnings.show", warning_id=warning.id))
    return render("warnings/answer.html", form=form, warning=warning, phrases=ANSWER_PHRASES, actions=ACTIONS)


@bp.post("/<warning_id>/ack")
@role_required("manage")
def acknowledge(warning_id: str):
    """A committee member confirms the village has read the warning. Safe to replay."""
    person = current_person()
    village = village_or_404()
    if person is None or person.village_id != village.code:
        raise Forbidden()  # staff, or someone of another village: a receipt speaks for this village
    warning = _warning_for_village(warning_id, village)
    existed = service.receipt_of(warning, village) is not None
    receipt = service.acknowledge(warning, village, person)
    # a double tap that raced this one leaves its receipt, which is all we want
    stored = commit_once(WarningReceipt, receipt.id)
    created = not existed and stored is receipt
    if wants_fragment():
        response = render("warnings/show.html", "warnings/_ack.html", warning=warning, receipt=stored,
                          today=local_today(), just_acknowledged=created)
        response.headers["HX-Trigger"] = "warning-acknowledged"
        return response
    if created:
        flash(_("Acknowledged. The township will see it at the next sync."), "success")
    return hx_redirect(url_for("warnings.show", warning_id=warning.id))


@bp.get("/banner")
@public
@passive
def banner():
    """The banner under the status bar, polled by every open page of the kiosk.

    On the notice board, a change in the pending immediate warnings reloads the board so that the
    new warning becomes its first slide without anyone touching the screen.
    """
    pending = banner_warnings()
    page = urlsplit(request.headers.get("HX-Current-URL", "")).path  # the page whose banner asks
    viewing = page.rsplit("/", 1)[-1] if page.startswith(url_for("warnings.index")) else None
    response = current_app.make_response(render_template("warnings/_banner_box.html", pending=pending,
                                                          viewing=viewing))
    shown = {s for s in request.args.get("shown", "").split(",") if s}
    if page == url_for("home.board") and shown != {w.id for w in pending}:
        response.headers["HX-Refresh"] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


def banner_warnings() -> list[Warning]:
    """What the banner under the status bar shows: only on the kiosk, never breaking a page."""
    if current_app.config["KIOSK_ROLE"] != "village":
        return []
    try:
        village = current_village()
        return service.pending_immediate(village) if village is not None else []
    except SQLAlchemyError:  # an error page is being drawn after a database failure
        db.session.rollback()
        return []


# ---- the township station --------------------------------------------------------------------

@bp.get("/township/")
@role_required("staff")
def township_index():
    township = _staff_township()
    warnings = service.township_warnings(township)
    return render("warnings/township/index.html", warnings=warnings,
                  table=service.receipt_table(warnings, villages_of(township)),
                  answers=service.answer_table(warnings), today=local_today())


@bp.route("/township/new", methods=["GET", "POST"])
@role_required("staff")
def township_new():
    township = _staff_township()
    villages = villages_of(township)
    form = WarningForm(villages=villages)
    if form.validate_on_submit():
        existing = db.session.get(Warning, form.client_id.data)
        if existing is not None:
            return _already_sent(existing, township)
        warning = service.issue_warning(
            warning_id=form.client_id.data, township_code=township, kind=form.kind.data, title=form.title.data,
            body=form.body.data, valid_until=form.valid_until.data, villages=form.chosen_villages,
            issued_by=current_staff().name)
        stored = commit_once(Warning, warning.id)
        if stored is not warning:  # the same form submitted twice at once
            return _already_sent(stored, township)
        count = len(villages) if warning.to_all else len(warning.targets)
        flash(_("Warning issued to %(n)d villages. Their kiosks receive it at their next sync.", n=count),
              "success")
        return hx_redirect(url_for("warnings.township_show", warning_id=warning.id))
    return render("warnings/township/new.html", form=form, villages=villages)


def _already_sent(existing: Warning, township: str):
    if existing.village_id != township:
        abort(400)
    return hx_redirect(url_for("warnings.township_show", warning_id=existing.id))


@bp.get("/township/<warning_id>")
@role_required("staff")
def township_show(warning_id: str):
    township = _staff_township()
    warning = _township_warning_or_404(warning_id, township)
    rows = service.receipt_table([warning], villages_of(township))[warning.id]
    return render("warnings/township/show.html", warning=warning, rows=rows, today=local_today(),
                  answers=service.answer_table([warning]).get(warning.id, {}), withdraw=WithdrawForm(formdata=None),
                  reasons=WITHDRAW_REASONS)


@bp.route("/township/<warning_id>/edit", methods=["GET", "POST"])
@role_required("staff")
def township_edit(warning_id: str):
    """Correct a warning: the villages' kiosks show the corrected text at their next sync."""
    township = _staff_township()
    warning = _township_warning_or_404(warning_id, township)
    form = CorrectionForm(record=warning, obj=warning)
    if form.validate_on_submit():
        service.correct_warning(warning, **form.text_values())
        db.session.commit()
        flash(_("Warning corrected. The villages' kiosks show the correction at their next sync."), "success")
        return hx_redirect(url_for("warnings.township_show", warning_id=warning.id))
    return render("warnings/township/edit.html", form=form, warning=warning)


@bp.post("/township/<warning_id>/withdraw")
@role_required("staff")
def township_withdraw(warning_id: str):
    township = _staff_township()
    warning = _township_warning_or_404(warning_id, township)
    form = WithdrawForm()
    if form.validate_on_submit():
        service.withdraw_warning(warning, form.reason.data)
        db.session.commit()
        flash(_("Warning withdrawn. It leaves the villages' boards at their next sync."), "success")
        return hx_redirect(url_for("warnings.township_show", warning_id=warning.id))
    rows = service.receipt_table([warning], villages_of(township))[warning.id]
    return render("warnings/township/show.html", warning=warning, rows=rows, today=local_today(),
                  answers=service.answer_table([warning]).get(warning.id, {}), withdraw=form,
                  reasons=WITHDRAW_REASONS)


@bp.get("/township/village/<code>")
@role_required("staff")
def township_village(code: str):
    """What one village read and answered of the township's warnings."""
    township = _staff_township()
    village = db.session.get(Village, code)
    if village is None or village.township_code != township:
        abort(404)
    return render("warnings/township/village.html", village=village,
                  record=service.village_record(township, village.code), today=local_today())


# ---- tiles and slides ------------------------------------------------------------------------

def village_badge():
    village = current_village()
    if village is None:
        return None
    waiting = service.waiting(village)
    if not waiting:
        return (_("All acknowledged"), "ok")
    tone = "bad" if any(w.is_immediate for w in waiting) else "warn"
    return (_("%(n)d to acknowledge", n=len(waiting)), tone)


def township_badge():
    staff = current_staff()
    if staff is None:
        return None
    missing = service.unread_count(staff.township_code, villages_of(staff.township_code))
    return (_("%(n)d not read", n=missing), "warn") if missing else None


def slides(urgent: bool) -> list[tuple[str, dict]]:
    if current_app.config["KIOSK_ROLE"] != "village":
        return []
    village = current_village()
    if village is None:
        return []
    return [("warnings/_slide.html", {"urgent": urgent, "warning": w, "receipt": r})
            for w, r in service.in_force_for(village) if w.is_immediate == urgent]
