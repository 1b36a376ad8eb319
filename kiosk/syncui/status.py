"""The status bar's sync text: synced N min ago / offline since …, N changes waiting / error."""
from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import ngettext

import sync

CLOCK_TOLERANCE_S = 300

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


def status_text() -> tuple[str, str, str]:
    s = sync.summary()
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
