"""Sync as this application sees it: the status bar's text (synced N min ago / offline since …, N
changes waiting / error), reference rows at enrolment, what the conflicts screens list and how they
settle, the status of the kiosk's link. Never commits."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

import sync
from sync import CLOCK_TOLERANCE_S, SyncConflict, SyncHeld

from ..extensions import db

# what a replicated table holds, in people's words (unknown tables show their name)
TABLE_LABELS = {
    "person": _l("Person"),
    "household": _l("Household"),
    "hazard": _l("Hazard"),
    "hydrant": _l("Hydrant"),
    "water_pool": _l("Water pool"),
    "hydrant_inspection": _l("Hydrant inspection"),
    "station_item": _l("Station equipment"),
    "station_check_answer": _l("Answer in a station check"),
    "pact": _l("Fire pact"),
    "warning": _l("Township warning"),
    "warning_receipt": _l("Warning receipt"),
}
# column names people see in the conflict screen (unknown columns show their name)
FIELD_LABELS = {
    "name": _l("Name"), "phone": _l("Phone"), "note": _l("Note"), "members": _l("Members"),
    "house_number": _l("House number"), "head_name": _l("Head of household"), "group_name": _l("Villagers' group"),
    "post": _l("Post"), "duties": _l("Duties"), "trained": _l("Trained"), "active": _l("Active member"),
    "location": _l("Location"), "description": _l("Description"), "status": _l("Status"),
    "category": _l("Category"), "severity": _l("Severity"), "deleted": _l("Deleted"), "title": _l("Title"),
    "body": _l("Text"), "result": _l("Result"), "code": _l("Code"), "kind": _l("Kind"),
    "due_at": _l("Deadline"), "closed_at": _l("Closed"), "closed_note": _l("How it was fixed"),
    "quantity": _l("Quantity"), "items": _l("Check items"), "pressure_mpa": _l("Pressure (MPa)"),
}
KIND_LABELS = {
    "edit": _l("Changed on both sides"),
    "fact": _l("A record that may not change arrived with other content"),
    "same_version": _l("Two devices wrote the same version (a copied database?)"),
}
REASON_LABELS = {
    "invalid": _l("A value does not fit what the township can store"),
    "natural_key": _l("Its code is already used by another record"),
    "missing_reference": _l("It belongs to a record the township does not have"),
    "scope": _l("It belongs to, or points at, another village"),
    "refused": _l("The township's database refused it"),
    "kiosk_refused": _l("The village kiosk could not store this township record"),
    "kiosk_missing_parent": _l("It belongs to a record the village kiosk could not store"),
}
ACTION_LABELS = {
    "apply": _l("Try again as it is"),
    "merge": _l("Merge into the other record"),
    "replace": _l("Use these values on the other record"),
    "rename": _l("Give this record a new code"),
    "discard": _l("Set it aside for good"),
}
SETTLED_LABELS = {
    "applied": _l("Taken as it was"), "merged": _l("Merged into the other record"),
    "replaced": _l("Its values were used on the other record"), "renamed": _l("Taken with a new code"),
    "discarded": _l("Set aside for good"),
}
TITLE_FIELDS = ("name", "title", "head_name", "house_number", "location", "code", "prompt")


# ---- the status bar and what went wrong --------------------------------------------------------

ERRORS = {
    "revoked": lambda: _("The township has revoked this kiosk. Ask the township for a new enrolment code."),
    "bad_credential": lambda: _("The township does not recognise this kiosk. Enrol it again."),
    "scope": lambda: _("The township refused records of another village. Ask the township for help."),
    "schema": lambda: _("The township sends data this kiosk cannot store yet. Update the kiosk's software."),
    "unknown_table": lambda: _("The township's software is older than this kiosk's. Ask the township to update."),
    "unknown_column": lambda: _("The township's software is older than this kiosk's. Ask the township to update."),
    "township_older": lambda: _("The township's software is older than this kiosk's: changes wait here until "
                                "the township is updated. Township warnings still arrive."),
    "server_error": lambda: _("The township server failed. Ask the township for help."),
}

ENROL_ERRORS = {
    "code_unknown": lambda: _("This code does not exist. Check it, or ask the township for a new one."),
    "code_used": lambda: _("This code was already used. Ask the township for a new one."),
    "code_expired": lambda: _("This code has expired. Ask the township for a new one."),
    "already_enrolled": lambda: _("This kiosk is already enrolled."),
    "offline": lambda: _("The township server cannot be reached."),
}


def error_text(code: str | None) -> str:
    if not code:
        return ""
    if code in ERRORS:
        return ERRORS[code]()
    if code == "offline":
        return _("The township server cannot be reached.")
    return _("The township refused the last sync (%(code)s).", code=code)


def enrol_error_text(e) -> str:
    """Why enrolling with a code failed, in the person's language."""
    if e.code == "rate_limited":
        minutes = max(1, round(int((e.reply or {}).get("retry_after") or 60) / 60))
        return ngettext("Too many attempts from this kiosk. Wait %(num)d minute and try again.",
                        "Too many attempts from this kiosk. Wait %(num)d minutes and try again.", minutes)
    if e.code in ENROL_ERRORS:
        return ENROL_ERRORS[e.code]()
    return _("The township refused the code (%(code)s).", code=e.code)


def ago(seconds: float) -> str:
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return _("Synced just now")
    if minutes < 60:
        return ngettext("Synced %(num)d min ago", "Synced %(num)d min ago", minutes)
    hours = minutes // 60
    if hours < 48:
        return ngettext("Synced %(num)d hour ago", "Synced %(num)d hours ago", hours)
    return ngettext("Synced %(num)d day ago", "Synced %(num)d days ago", hours // 24)


def waiting(n: int) -> str:
    return ngettext("%(num)d change waiting", "%(num)d changes waiting", n)


def summary() -> dict:
    """sync.summary(), once a request: the status bar and the home tile's badge both show it."""
    if not has_request_context():
        return sync.summary()
    if "sync_summary" not in g:
        g.sync_summary = sync.summary()
    return g.sync_summary


def status_text() -> tuple[str, str, str]:
    s = summary()
    st = s["state"]
    if not s["enrolled"]:
        text = _("Not connected to a township server")
        if s["pending"]:
            text = f"{text} · {waiting(s['pending'])}"
        return text, "info", ""
    detail = st.server_url or ""
    if st.last_error and st.last_error != "offline":
        text = error_text(st.last_error)
        return (f"{text} · {waiting(s['pending'])}" if s["pending"] else text), "bad", st.last_error_detail or ""
    parts, tone = [], "ok"
    if st.offline_since is not None:
        parts.append(_("Offline since %(time)s", time=format_datetime(st.offline_since, "short")))
        tone = "warn"
    elif st.last_success_at is not None:
        seconds = (sync.device_now() - st.last_success_at).total_seconds()
        parts.append(ago(seconds))
        if seconds > 24 * 3600:
            tone = "warn"
    else:
        parts.append(_("Not synced yet"))
        tone = "info"
    if s["pending"]:
        parts.append(waiting(s["pending"]))
    if s["conflicts"]:
        parts.append(ngettext("%(num)d conflict to settle", "%(num)d conflicts to settle", s["conflicts"]))
        tone = "warn" if tone == "ok" else tone
    if st.clock_offset_s is not None and abs(st.clock_offset_s) > CLOCK_TOLERANCE_S:
        parts.append(_("Clock is wrong"))
        tone = "warn" if tone == "ok" else tone
    return " · ".join(parts), tone, detail


# ---- enrolment glue -------------------------------------------------------------------------------

def store_reference(reply: dict) -> None:
    """The township hands over its own and the village's reference rows at enrolment."""
    from ..village import Township, Village
    ref = reply.get("reference") or {}
    t, v = ref.get("township"), ref.get("village")
    if t and db.session.get(Township, t["code"]) is None:
        db.session.add(Township(code=t["code"], name=t["name"], county_code=t["county_code"],
                                station_class=t.get("station_class", 3)))
        db.session.flush()
    if v:
        village = db.session.get(Village, v["code"]) or Village(code=v["code"])
        village.name, village.township_code, village.kind = v["name"], v["township_code"], v.get("kind", "village")
        db.session.add(village)


def reference_for(village_code: str) -> dict:
    from ..village import Township, Village
    village = db.session.get(Village, village_code)
    township = db.session.get(Township, village_code[:9])
    out = {}
    if township is not None:
        out["township"] = {"code": township.code, "name": township.name, "county_code": township.county_code,
                           "station_class": township.station_class}
    if village is not None:
        out["village"] = {"code": village.code, "name": village.name, "township_code": village.township_code,
                          "kind": village.kind}
    return out


def enrolled_village() -> str | None:
    try:
        return db.session.scalar(db.select(sync.SyncState.village_code).where(sync.SyncState.id == 1))
    except sa.exc.DBAPIError:  # not migrated yet
        db.session.rollback()
        return None


def home_village() -> str | None:
    """The village this kiosk serves before it is enrolled: the changes of that village are the ones
    that will be sent (sync's pending count)."""
    return current_app.config.get("VILLAGE_CODE")


def enrolled_server() -> str | None:
    """The township server this kiosk was enrolled with (its labels and posters point there)."""
    try:
        return db.session.scalar(db.select(sync.SyncState.server_url).where(sync.SyncState.id == 1))
    except sa.exc.DBAPIError:  # not migrated yet
        db.session.rollback()
        return None


def new_hydrant_code(row: dict) -> dict:
    """A held hydrant or pool whose code another one took gets a free code (registered per table)."""
    from ..hydrants.service import new_code
    return {"code": new_code()}


def enrol(server_url: str, code: str):
    """Enrol this kiosk from its screen; raises sync.SyncError."""
    return sync.enroll(server_url, code)


# ---- what the conflicts screens list ----------------------------------------------------------------

def record_title(item) -> str:
    sources = (item.winner or {}, item.loser or {}) if isinstance(item, SyncConflict) else (item.row or {},)
    for source in sources:
        for key in TITLE_FIELDS:
            if source.get(key):
                return str(source[key])
    return item.record_id[:8]


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def table_label(name: str) -> str:
    return str(TABLE_LABELS.get(name, name))


def open_items(prefix: str) -> tuple[list, list]:
    """(open conflicts, open held rows) in scope."""
    return (db.session.scalars(sync.open_conflicts(prefix).limit(200)).all(),
            db.session.scalars(sync.open_held(prefix).limit(200)).all())


def recently_settled(prefix: str) -> list:
    conflicts = db.session.scalars(SyncConflict.live().where(
        SyncConflict.status != "open", SyncConflict.village_id.startswith(prefix))
        .order_by(SyncConflict.settled_at.desc()).limit(20)).all()
    held = db.session.scalars(SyncHeld.live().where(
        SyncHeld.status != "open", SyncHeld.village_id.startswith(prefix))
        .order_by(SyncHeld.settled_at.desc()).limit(20)).all()
    return sorted(conflicts + held, key=lambda x: x.settled_at or dt.datetime.min, reverse=True)[:20]


def in_scope(model, item_id: str, prefix: str):
    item = db.session.get(model, item_id)
    if item is None or item.deleted or not item.village_id.startswith(prefix):
        return None
    return item


def held_fields(held: SyncHeld) -> list[tuple[str, object, object]]:
    """(column, held value, the other record's value) of the columns people care about."""
    from sync.tables import replicated
    holder = sync.holder_of(held)
    other = {}
    if holder is not None:
        t = replicated()[held.table_name]
        other = t.encode_dict(db.session.execute(sa.select(t.table).where(t.table.c.id == holder.id)).mappings().one())
    hidden = ("id", "village_id", "version", "hlc", "origin", "recorded_at", "modified_at")
    return [(c, shown(v), shown(other.get(c))) for c, v in (held.row or {}).items() if c not in hidden]


def shown(value):
    """A stored value as a person reads it: yes/no, a list as a list, not Python's notation."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(str(shown(v)) for v in value) if value else None
    if isinstance(value, dict):
        return "；".join(f"{k}: {shown(v)}" for k, v in value.items()) if value else None
    return value


def scope_prefix() -> str:
    """Kiosk: its village. Township: the staff member's township ("-" matches nothing)."""
    from ..auth.security import current_staff
    from ..context import current_village
    from ..web import is_township
    if is_township():
        staff = current_staff()
        return staff.township_code if staff else "-"
    village = current_village()
    return village.code if village else "-"


def conflicts_badge():
    n = open_count(scope_prefix())
    return (ngettext("%(num)d to settle", "%(num)d to settle", n), "warn") if n else (_("None"), "ok")


def settle_conflict(conflict: SyncConflict, action: str, who: str) -> None:
    sync.settle(conflict, action, who)


def settle_held(held: SyncHeld, action: str, who: str) -> str | None:
    return sync.settle_held(held, action, who)


def open_count(prefix: str) -> int:
    return sync.count_open(prefix) + sync.count_held(prefix)


# ---- the kiosk's link ------------------------------------------------------------------------------

def offset_times(st):
    """The kiosk's clock now and the township's, as measured at the last sync."""
    now = sync.device_now()
    if st is None or st.clock_offset_s is None:
        return now, None, False
    township = now - dt.timedelta(seconds=st.clock_offset_s)
    return now, township, abs(st.clock_offset_s) > CLOCK_TOLERANCE_S


def sync_badge():
    s = summary()
    if s["conflicts"]:
        return (ngettext("%(num)d conflict", "%(num)d conflicts", s["conflicts"]), "warn")
    _text, tone, _detail = status_text()
    if s["pending"]:
        return (ngettext("%(num)d waiting", "%(num)d waiting", s["pending"]), "warn" if tone != "ok" else "info")
    return ({"ok": _("In step"), "warn": _("Offline"), "bad": _("Error")}.get(tone, _("Not enrolled")), tone)


def township_credential() -> tuple[str, dict] | None:
    """(the township's URL, the headers that carry this kiosk's own sync credential), or None before
    enrolment: what a feature uses to ask the township for something only it can make while the link
    is up (a volunteer's phone enrolment, kiosk/phones)."""
    state = db.session.get(sync.SyncState, 1)
    if state is None or not (state.server_url and state.device_id and state.token):
        return None
    return state.server_url.rstrip("/"), {"Authorization": f"Bearer {state.device_id}:{state.token}"}
