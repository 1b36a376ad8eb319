"""The pact's screens: its versions (draft, clauses, adoption, publication, what changed, the
poster), pledges at the kiosk, progress and the door-to-door list, the visits, and the phone version
at the address the poster's QR code holds. Also what the shell shows of the pact: the home tile's
badge and the notice board's slides."""
from __future__ import annotations

import functools
import re

from flask import Blueprint, abort, flash, request, session, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.exceptions import Forbidden

from ..auth import role_required
from ..auth.security import current_person, current_staff, may
from ..confirm import ask_first, confirmed
from ..context import acting_person, current_village, local_today, record_or_404, village_or_404
from ..extensions import db
from ..forms import EmptyForm
from ..households import service as households_service
from ..households.service import natural_key, register
from ..paging import page_of
from ..qr import public_url, symbol_svg
from ..records import commit_once
from ..village.models import Household, Village
from ..web import hx_redirect, is_township, public, render, wants_fragment
from . import queries, service
from .forms import AdoptForm, ClauseForm, DraftForm, MoveForm, NewClauseForm, PledgeForm, TitleForm, VisitForm
from .models import MAX_CLAUSES, VISIT_TOPICS, DoorVisit, Pact, PactClause, Pledge
from .signature import svg_paths

bp = Blueprint("pacts", __name__, url_prefix="/pact")
# the phone version of the pact, at the short address printed in the poster's QR code
public_bp = Blueprint("pact_public", __name__)

# clauses per notice-board slide: as many as fit at 800x480 in slide type
SLIDE_CHARS = 150
SLIDE_CLAUSES = 3
# households the picker lists at once
MAX_RESULTS = 60


def at_the_kiosk(view):
    """Residents pledge at the village kiosk without signing in. On the township server, which is
    on the internet, only the organisation and staff may record pledges."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not is_township() or may("record"):
            return view(*args, **kwargs)
        if current_person() is None and current_staff() is None:
            target = url_for("auth.staff_login", next=request.full_path if request.method == "GET" else None)
            return hx_redirect(target, 302)
        raise Forbidden()
    wrapped.kiosk_access = "kiosk"
    return wrapped


# ---- what the shell shows -----------------------------------------------------------------------

def board_slides():
    """The current pact on the idle notice board, a few clauses a slide."""
    village = current_village()
    pact = queries.current_pact(village)
    if pact is None:
        return []
    pages, page, size = [], [], 0
    for number, clause in enumerate(queries.clauses_of(pact), start=1):
        if page and (size + len(clause.text) > SLIDE_CHARS or len(page) >= SLIDE_CLAUSES):
            pages.append(page)
            page, size = [], 0
        page.append((number, clause.text))
        size += len(clause.text)
    if page:
        pages.append(page)
    pledged, households = queries.pledged_of_households(village) or (0, 0)  # the two totals, not each group's
    total = queries.GroupProgress("", households, pledged)
    return [("pacts/_slide.html", {"pact": pact, "clauses": items, "page": i + 1, "pages": len(pages),
                                   "total": total, "first": i == 0})
            for i, items in enumerate(pages)]


def tile_badge():
    village = current_village()
    if village is None:
        return None
    counts = queries.pledged_of_households(village)
    if counts is None:
        return (_("Not yet published"), "warn")
    pledged, total = counts
    return (_("%(done)d of %(total)d households pledged", done=pledged, total=total),
            "ok" if total and pledged == total else "warn")


# ---- overview -----------------------------------------------------------------------------------

@bp.get("/")
@public
def index():
    village = village_or_404()
    current = queries.current_pact(village)
    versions = queries.versions(village) if may("record") else []
    total, _groups = queries.progress(village, current)
    return render("pacts/index.html", village=village, current=current,
                  clauses=queries.clauses_of(current) if current else [], versions=versions,
                  drafts=[p for p in versions if p.is_draft],
                  templates=queries.templates_for(village) if may("manage") else [], total=total, form=DraftForm())


@bp.post("/drafts")
@role_required("manage")
def new_draft():
    village = village_or_404()
    form = DraftForm()
    if not form.validate_on_submit():
        abort(400)
    existing = db.session.get(Pact, form.client_id.data)
    if existing is not None:  # the same button pressed twice, or a replayed request
        if existing.village_id != village.code:
            abort(400)
        return hx_redirect(url_for("pacts.show", pact_id=existing.id))
    draft = queries.draft_of(village)
    if draft is not None:
        flash(_("A draft is already being prepared. Continue it or discard it first."), "message")
        return hx_redirect(url_for("pacts.show", pact_id=draft.id))
    template, source = None, None
    if form.source_id.data:
        source = record_or_404(Pact, form.source_id.data)
        if source.is_draft:
            abort(404)
    else:
        template = queries.template_for(village, form.template_id.data)
        if template is None:
            abort(404)
    service.new_draft(village, form.client_id.data, template=template, source=source)
    pact = commit_once(Pact, form.client_id.data)
    flash(_("Draft %(n)d made. Edit the clauses, then record the villagers' meeting that adopts it.",
            n=pact.number), "success")
    return hx_redirect(url_for("pacts.show", pact_id=pact.id))


# ---- one version --------------------------------------------------------------------------------

def _pact_or_404(pact_id: str) -> Pact:
    pact = record_or_404(Pact, pact_id)
    if pact.is_draft and not may("record"):
        abort(404)  # drafts are the committee's working papers
    return pact


def _draft_or_refuse(pact: Pact):
    """None for a draft; for any other version, the answer that says it can no longer change."""
    if pact.is_draft:
        return None
    flash(_("Only a draft can be changed. Make a new version to change a pact that was adopted."), "error")
    return hx_redirect(url_for("pacts.show", pact_id=pact.id))


def _clause_or_404(pact: Pact, clause_id: str, dropped: bool = False) -> PactClause:
    clause = queries.clause_of(pact, clause_id, dropped=dropped)
    if clause is None:
        abort(404)
    return clause


def _show(pact: Pact, adopt_form=None, title_form=None, add_form=None, edit_form=None, editing=None):
    return render("pacts/show.html", "pacts/_clauses.html", pact=pact, clauses=queries.clauses_of(pact),
                  editing=editing, edit_form=edit_form, add_form=add_form or NewClauseForm(formdata=None),
                  adopt_form=adopt_form or AdoptForm(formdata=None, meeting_date=local_today()),
                  title_form=title_form or TitleForm(formdata=None, record=pact), action=EmptyForm(),
                  draft_form=DraftForm(formdata=None, source_id=pact.id), previous=queries.previous_version(pact),
                  max_clauses=MAX_CLAUSES)


def _after_clause_change(pact: Pact):
    """The clause editor swaps itself; without htmx the page opens again at the clauses."""
    if wants_fragment():
        return _show(pact)
    return hx_redirect(url_for("pacts.show", pact_id=pact.id) + "#clauses")


@bp.get("/v/<pact_id>")
@public
def show(pact_id: str):
    pact = _pact_or_404(pact_id)
    editing = request.args.get("edit") if pact.is_draft and may("manage") else None
    if not editing:
        return _show(pact)
    clause = _clause_or_404(pact, editing)
    return _show(pact, editing=clause.id, edit_form=ClauseForm(formdata=None, record=clause))


@bp.post("/v/<pact_id>/title")
@role_required("manage")
def retitle(pact_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    form = TitleForm(record=pact)
    if not form.validate_on_submit():
        return _show(pact, title_form=form)
    service.retitle(pact, form.title.data)
    db.session.commit()
    flash(_("Title saved."), "success")
    return hx_redirect(url_for("pacts.show", pact_id=pact.id))


@bp.post("/v/<pact_id>/clauses")
@role_required("manage")
def add_clause(pact_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    form = NewClauseForm()
    if not form.validate_on_submit():
        return _show(pact, add_form=form)
    if db.session.get(PactClause, form.client_id.data) is None:  # a replay adds nothing
        try:
            service.add_clause(pact, form.client_id.data, form.text.data)
        except service.PactRefused as refusal:
            form.form_errors.append(str(refusal))
            return _show(pact, add_form=form)
        commit_once(PactClause, form.client_id.data)
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/clauses/<clause_id>")
@role_required("manage")
def edit_clause(pact_id: str, clause_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    clause = _clause_or_404(pact, clause_id)
    form = ClauseForm(record=clause)
    if not form.validate_on_submit():
        return _show(pact, edit_form=form, editing=clause.id)
    service.edit_clause(clause, form.text.data)
    db.session.commit()
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/clauses/<clause_id>/move")
@role_required("manage")
def move_clause(pact_id: str, clause_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    clause = _clause_or_404(pact, clause_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    service.move_clause(pact, clause, form.to.data)
    db.session.commit()
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/clauses/<clause_id>/drop")
@role_required("manage")
def drop_clause(pact_id: str, clause_id: str):
    pact = _pact_or_404(pact_id)
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    clause = _clause_or_404(pact, clause_id, dropped=True)  # dropped already: a replay, answered the same
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not clause.deleted and not confirmed():
        left = len(queries.clauses_of(pact)) - 1
        return ask_first(_("Drop clause %(n)d?", n=clause.position + 1),
                         consequences=[_("“%(text)s”", text=clause.text),
                                       ngettext("The draft keeps %(num)d clause.", "The draft keeps %(num)d clauses.",
                                                left)],
                         yes=_("Drop the clause"), back=url_for("pacts.show", pact_id=pact.id) + "#clauses")
    service.drop_clause(pact, clause)
    db.session.commit()
    return _after_clause_change(pact)


@bp.post("/v/<pact_id>/adopt")
@role_required("manage")
def adopt(pact_id: str):
    pact = _pact_or_404(pact_id)
    if pact.status in ("adopted", "published"):
        return hx_redirect(url_for("pacts.show", pact_id=pact.id))  # pressed twice
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    form = AdoptForm()
    if form.validate_on_submit():
        clauses = queries.clauses_of(pact)
        if clauses and not confirmed():  # with no clause the service refuses, below
            return ask_first(
                _("Record that the villagers' meeting adopted version %(n)d?", n=pact.number),
                consequences=[_("Meeting of %(date)s, %(people)d present, chaired by %(name)s.",
                                date=format_date(form.meeting_date.data, "long"), people=form.attendance.data,
                                name=form.presided_by.data),
                              ngettext("Its %(num)d clause can then no longer be changed: a change needs a new "
                                       "version, to which households pledge again.",
                                       "Its %(num)d clauses can then no longer be changed: a change needs a new "
                                       "version, to which households pledge again.", len(clauses))],
                yes=_("Record the adoption"), back=url_for("pacts.show", pact_id=pact.id) + "#adopt", tone="primary")
        try:
            service.adopt(pact, form.meeting_date.data, form.attendance.data, form.presided_by.data)
        except service.PactRefused as refusal:
            form.form_errors.append(str(refusal))
        else:
            db.session.commit()
            flash(_("Adoption recorded. Publish the pact to post it on the notice board and open the pledges."),
                  "success")
            return hx_redirect(url_for("pacts.show", pact_id=pact.id))
    return _show(pact, adopt_form=form)


@bp.post("/v/<pact_id>/publish")
@role_required("manage")
def publish(pact_id: str):
    pact = _pact_or_404(pact_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if pact.status == "adopted" and not confirmed():
        return ask_first(_("Publish version %(n)d of the pact?", n=pact.number),
                         consequences=_publishing_consequences(pact), yes=_("Publish"),
                         back=url_for("pacts.show", pact_id=pact.id), tone="primary")
    if pact.status == "adopted":
        service.publish(pact)
        db.session.commit()
        flash(_("Published. The notice board shows it, and households can pledge."), "success")
    elif pact.status != "published":  # published already: pressed twice
        flash(_("Only an adopted pact can be published. Record the villagers' meeting first."), "error")
    return hx_redirect(url_for("pacts.show", pact_id=pact.id))


def _publishing_consequences(pact: Pact) -> list[str]:
    """What publishing changes for the village: the board, and every pledge to the version it replaces."""
    village = village_or_404()
    current = queries.current_pact(village)
    if current is None:
        return [_("The notice board shows it, and households can pledge to it.")]
    total, _groups = queries.progress(village, current)
    said = [_("The notice board and residents' phones show it instead of version %(n)d.", n=current.number)]
    if total.pledged:
        said.append(ngettext("%(num)d pledge to version %(old)d will be asked again: that household goes back on "
                             "the door-to-door list.",
                             "%(num)d pledges to version %(old)d will be asked again: those households go back on "
                             "the door-to-door list.", total.pledged, old=current.number))
    return said


@bp.post("/v/<pact_id>/discard")
@role_required("manage")
def discard(pact_id: str):
    pact = _pact_or_404(pact_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    refused = _draft_or_refuse(pact)
    if refused:
        return refused
    if not confirmed():
        clauses = len(queries.clauses_of(pact))
        return ask_first(_("Discard draft %(n)d?", n=pact.number),
                         consequences=[ngettext("Its %(num)d clause and every change made to it are lost.",
                                                "Its %(num)d clauses and every change made to them are lost.",
                                                clauses)],
                         yes=_("Discard the draft"), back=url_for("pacts.show", pact_id=pact.id))
    service.discard(pact)
    db.session.commit()
    flash(_("Draft discarded."), "success")
    return hx_redirect(url_for("pacts.index"))


@bp.get("/v/<pact_id>/changes")
@public
def changes(pact_id: str):
    pact = _pact_or_404(pact_id)
    village = village_or_404()
    others = [p for p in queries.versions(village) if p.id != pact.id and (may("record") or not p.is_draft)]
    wanted = request.args.get("against")
    against = queries.pact_of(village, wanted) if wanted else queries.previous_version(pact)
    if against is not None and against.id == pact.id:
        against = None
    if against is not None and against.is_draft and not may("record"):
        abort(404)
    rows = queries.diff(against, pact) if against else []
    counts = {kind: sum(1 for r in rows if r.kind == kind) for kind in ("added", "removed", "changed", "moved")}
    return render("pacts/changes.html", pact=pact, against=against, others=others, rows=rows, counts=counts)


# ---- printing and the phone version -------------------------------------------------------------

def qr_svg(data: str) -> Markup:
    return symbol_svg(data, "qr")


@bp.get("/v/<pact_id>/poster")
@public
def poster(pact_id: str):
    pact = _pact_or_404(pact_id)
    if pact.status not in ("adopted", "published"):
        abort(404)
    size = request.args.get("size", "A4").upper()
    if size not in ("A4", "A3"):
        size = "A4"
    village = village_or_404()
    # upper case, so that the QR symbol stays in alphanumeric mode; the route answers both cases
    url = public_url(f"P/{village.code}")
    # not "village": base.html sets that name to the kiosk's own village
    return render("pacts/poster.html", pact=pact, clauses=queries.clauses_of(pact), pact_village=village,
                  size=size, url=url, qr=qr_svg(url))


@public_bp.get("/p/<code>")
@public_bp.get("/P/<code>")
@public
def public_pact(code: str):
    """The pact on a resident's phone, from the poster's QR code. No sign-in; both roles."""
    village = db.session.get(Village, code) if re.fullmatch(r"[0-9]{12}", code) else None
    if village is None:
        abort(404)
    pact = queries.current_pact(village)
    total, _groups = queries.progress(village, pact)
    return render("pacts/public.html", pact_village=village, pact=pact,
                  clauses=queries.clauses_of(pact) if pact else [], total=total)


# ---- pledges ------------------------------------------------------------------------------------

def _matches(household: Household, q: str, surname: str, group: str) -> bool:
    if group and (household.group_name or "") != group:
        return False
    if surname and not household.head_name.startswith(surname):
        return False
    if not q:
        return True
    if re.fullmatch(r"[0-9]+", q):
        # the number pad types digits only: '101' finds '1组01号'
        return q in re.sub(r"[^0-9]", "", household.house_number)
    return q in household.head_name or q in household.house_number


def _picker(village: Village, pact: Pact | None, endpoint: str) -> dict:
    """What the household picker shows — the pledge screen's and the visit's, one component
    (pacts/_picker.html): the households the number pad's digits, a surname or a group find, and the
    buttons that narrow them. ``endpoint`` is the page the picker searches on."""
    everyone = register(village)
    q = (request.args.get("q") or "").strip()[:20]
    surname = (request.args.get("surname") or "").strip()[:2]
    group = (request.args.get("group") or "").strip()[:20]
    found = [h for h in everyone if _matches(h, q, surname, group)]
    surnames = sorted({h.head_name[0] for h in everyone if h.head_name}, key=lambda s: s.encode("gb18030"))
    groups = sorted({h.group_name for h in everyone if h.group_name}, key=natural_key)
    return dict(households=found[:MAX_RESULTS], more=max(0, len(found) - MAX_RESULTS), search_endpoint=endpoint,
                pledged=queries.pledges_for(pact) if pact else {}, q=q, surname=surname, group=group,
                surnames=surnames, groups=groups)


@bp.get("/pledge")
@at_the_kiosk
def pick_household():
    """Who is pledging? Search by house number on the number pad, by surname, or by name."""
    village = village_or_404()
    pact = queries.current_pact(village)
    return render("pacts/pick.html", "pacts/_pick_results.html", pact=pact,
                  pick_url=lambda h: url_for("pacts.pledge", household_id=h.id),
                  **_picker(village, pact, "pacts.pick_household"))


def _pledge_page(household: Household, pact: Pact, form: PledgeForm):
    earlier = [(p, v) for p, v in queries.last_pledges(household) if v.id != pact.id and p.method != "withdrawn"]
    return render("pacts/pledge.html", household=household, pact=pact, clauses=queries.clauses_of(pact),
                  form=form, earlier=earlier[:1])


@bp.route("/pledge/<household_id>", methods=["GET", "POST"])
@at_the_kiosk
def pledge(household_id: str):
    village = village_or_404()
    household = record_or_404(Household, household_id)
    pact = queries.current_pact(village)
    if pact is None:
        flash(_("There is no published pact to pledge to yet."), "error")
        return hx_redirect(url_for("pacts.index"))
    if request.method == "GET":
        standing = queries.standing_pledge(pact, household)
        if standing is not None:
            return hx_redirect(url_for("pacts.pledged", pledge_id=standing.id))
        return _pledge_page(household, pact, PledgeForm(formdata=None, pact_id=pact.id))

    form = PledgeForm()
    if not form.validate_on_submit():
        return _pledge_page(household, pact, form)
    existing = db.session.get(Pledge, form.client_id.data)
    if existing is not None:  # a replayed submission: the pledge is already there, once
        return _remember_and_show(existing, household)
    if form.pact_id.data != pact.id:
        form.pact_id.data = pact.id
        form.signature.data = ""
        form.form_errors.append(_("The pact was changed while this page was open. Please read the new version "
                                  "and sign again."))
        return _pledge_page(household, pact, form)
    standing = queries.standing_pledge(pact, household)
    if standing is not None:
        flash(_("This household has already pledged to this version of the pact."), "message")
        return _remember_and_show(standing, household)
    signed = form.method.data == "signature"
    service.record_pledge(pact, household, form.client_id.data, recorded_by_id=acting_person().person_id,
                          signature=form.signature.data if signed else None,
                          signer_name=form.signer_name.data if signed else None,
                          confirmed_by=None if signed else form.confirmed_by.data)
    return _remember_and_show(commit_once(Pledge, form.client_id.data), household)


def _remember_and_show(record: Pledge, household: Household):
    if record.household_id != household.id:  # the same form id sent for another household
        abort(409)
    # whoever just pledged may see their signature once more; the rest needs the organisation
    mine = [p for p in session.get("my_pledges", []) if p != record.id][-4:] + [record.id]
    session["my_pledges"] = mine
    return hx_redirect(url_for("pacts.pledged", pledge_id=record.id))


@bp.get("/pledges/<pledge_id>")
@at_the_kiosk
def pledged(pledge_id: str):
    record = record_or_404(Pledge, pledge_id)
    if record.id not in session.get("my_pledges", []) and not may("record"):
        abort(404)
    village = village_or_404()
    return render("pacts/pledged.html", pledge=record, household=db.session.get(Household, record.household_id),
                  pact=queries.pact_of(village, record.pact_id), paths=svg_paths(record.signature),
                  withdrawn=queries.withdrawal_of(record), form=EmptyForm())


@bp.post("/pledges/<pledge_id>/withdraw")
@role_required("manage")
def withdraw(pledge_id: str):
    record = record_or_404(Pledge, pledge_id)
    if not EmptyForm().validate_on_submit() or record.method == "withdrawn":
        abort(400)
    if queries.withdrawal_of(record) is None and not confirmed():
        household = db.session.get(Household, record.household_id)
        return ask_first(_("Withdraw the pledge of %(house)s?", house=household.house_number if household else ""),
                         consequences=[_("The household goes back on the door-to-door list and is asked to "
                                         "pledge again."),
                                       _("The pledge stays in the records, marked as withdrawn.")],
                         yes=_("Withdraw the pledge"), back=url_for("pacts.pledged", pledge_id=record.id))
    if service.withdraw_pledge(record, acting_person().person_id) is not None:
        db.session.commit()
        flash(_("The pledge is withdrawn. The household is back on the door-to-door list."), "success")
    return hx_redirect(url_for("pacts.pledged", pledge_id=record.id))


@bp.get("/progress")
@role_required("record")
def progress():
    village = village_or_404()
    pact = queries.current_pact(village)
    total, groups = queries.progress(village, pact)
    return render("pacts/progress.html", pact=pact, total=total, groups=groups)


@bp.get("/door-list")
@role_required("record")
def door_list():
    """Households that have not pledged to the current version: the route of the next visits."""
    village = village_or_404()
    pact = queries.current_pact(village)
    group = (request.args.get("group") or "").strip()
    groups: dict[str, list[Household]] = {}
    route = queries.not_pledged(village, pact, group)
    for household in route:
        groups.setdefault(household.group_name or "", []).append(household)
    return render("pacts/door_list.html", pact=pact, pact_village=village, groups=groups, count=len(route),
                  last_visited=queries.last_visited(route), group=group,
                  group_names=households_service.group_names(village), today=local_today())


# ---- door-to-door visits ------------------------------------------------------------------------

@bp.get("/visits")
@role_required("record")
def visits():
    village = village_or_404()
    page = page_of(queries.visit_count(village))
    shown = queries.recent_visits(village, limit=page.size, offset=page.offset)
    return render("pacts/visits.html", visits=shown, paging=page, topics={k: str(v) for k, v in VISIT_TOPICS.items()},
                  households={h.id: h for h in households_service.households(list({v.household_id for v in shown}))})


@bp.route("/visits/new", methods=["GET", "POST"])
@role_required("record")
def new_visit():
    """Which household was visited (the pledge screen's picker), then what the visit covered."""
    village = village_or_404()
    everyone = register(village)
    if request.method == "GET":
        household_id = request.args.get("household", "")
        if not household_id:
            picker = _picker(village, queries.current_pact(village), "pacts.new_visit")
            return render("pacts/visit_pick.html", "pacts/_pick_results.html",
                          last_visited=queries.last_visited(picker["households"]),
                          pick_url=lambda h: url_for("pacts.new_visit", household=h.id), **picker)
        household = record_or_404(Household, household_id)
        form = VisitForm(everyone, formdata=None, visited_on=local_today(), visitors=acting_person().name or "",
                         household_id=household.id)
        return render("pacts/visit_new.html", form=form, household=household)
    form = VisitForm(everyone)
    if not form.validate_on_submit():
        household = next((h for h in everyone if h.id == form.household_id.data), None)
        return render("pacts/visit_new.html", form=form, household=household)
    if db.session.get(DoorVisit, form.client_id.data) is None:  # a replay: it is saved already
        household = record_or_404(Household, form.household_id.data)
        service.record_visit(household, form.client_id.data, visited_on=form.visited_on.data,
                             visitors=form.visitors.data, topics=form.topics.data, note=form.note.data,
                             hazards=form.hazards_found, recorded_by_id=acting_person().person_id)
        commit_once(DoorVisit, form.client_id.data)
        flash(_("Visit to %(house)s recorded.", house=household.house_number), "success")
    return hx_redirect(url_for("pacts.visit", visit_id=form.client_id.data))


@bp.get("/visits/<visit_id>")
@role_required("record")
def visit(visit_id: str):
    record = record_or_404(DoorVisit, visit_id)
    return render("pacts/visit.html", visit=record, household=db.session.get(Household, record.household_id),
                  hazards=queries.hazards_found_on(record))


@bp.get("/household/<household_id>")
@role_required("record")
def household_file(household_id: str):
    """One household's pledges and visits: what to know before knocking on the door."""
    village = village_or_404()
    household = record_or_404(Household, household_id)
    pact = queries.current_pact(village)
    return render("pacts/household.html", household=household, pact=pact,
                  standing=queries.standing_pledge(pact, household) if pact else None,
                  pledges=queries.last_pledges(household), visits=queries.visits_to(household),
                  hazards=queries.hazards_of(household))
