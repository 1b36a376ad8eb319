"""Auth's service: hashing, PINs and passwords, lockout, the signed-in person and who may do what.
Nothing here commits: the caller commits once (a failed attempt counts only when it does)."""
from __future__ import annotations

import datetime as dt
import functools
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from ..extensions import db
from ..records import utcnow

from ..village.models import Person
from ..web import hx_redirect, is_passive
from .models import KioskPin, StaffUser


def hasher() -> PasswordHasher:
    # Tests lower the cost; a Pi 4 takes about 0.3 s per PIN with the defaults.
    memory = current_app.config.get("ARGON2_MEMORY_KIB", 65536)
    return PasswordHasher(time_cost=3 if memory >= 65536 else 1, memory_cost=memory, parallelism=2)


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is not acceptable, or None."""
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        return _("A PIN is 4 to 8 digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return _("This PIN is too easy to guess. Choose another one.")
    return None


def set_pin(person: Person, pin: str) -> None:
    cred = db.session.get(KioskPin, person.id) or KioskPin(person_id=person.id)
    cred.pin_hash = hasher().hash(pin)
    cred.failed_attempts = 0
    cred.locked_until = None
    cred.changed_at = utcnow()
    db.session.add(cred)


def people_with_pin(village) -> list[Person]:
    """Who can sign in at this kiosk: the village's active people with a PIN."""
    if village is None:
        return []
    return db.session.scalars(
        Person.live().join(KioskPin, KioskPin.person_id == Person.id)
        .where(Person.village_id == village.code, Person.active.is_(True)).order_by(Person.name)).all()


def person_ids_with_pin() -> set[str]:
    return set(db.session.scalars(db.select(KioskPin.person_id)))


def remove_pin(person: Person) -> None:
    pin = db.session.get(KioskPin, person.id)
    if pin is not None:
        db.session.delete(pin)


def add_staff_user(username: str, name: str, township_code: str, password: str,
                   scope: str = "township") -> StaffUser:
    user = StaffUser(username=username, name=name, township_code=township_code, scope=scope,
                     password_hash=hasher().hash(password))
    db.session.add(user)
    return user


def staff_by_username(username: str) -> StaffUser | None:
    return db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))


def _check_secret(record, secret: str, max_failures: int, lockout_seconds: int) -> str:
    """'ok', 'wrong' or 'locked'; counts failures and locks after too many. Caller commits."""
    now = utcnow()
    if record.locked_until and record.locked_until > now:
        return "locked"
    try:
        hasher().verify(record.pin_hash if isinstance(record, KioskPin) else record.password_hash, secret)
    except (VerificationError, InvalidHashError):
        record.failed_attempts = (record.failed_attempts or 0) + 1
        if record.failed_attempts % max_failures == 0:
            # each further lockout lasts longer: 5 min, 10, 20 ... capped at a day
            rounds = record.failed_attempts // max_failures
            seconds = min(lockout_seconds * 2 ** (rounds - 1), 86400)
            record.locked_until = now + dt.timedelta(seconds=seconds)
            return "locked"
        return "wrong"
    record.failed_attempts = 0
    record.locked_until = None
    return "ok"


def check_pin(cred: KioskPin, pin: str) -> str:
    cfg = current_app.config
    return _check_secret(cred, pin, cfg["PIN_MAX_FAILURES"], cfg["PIN_LOCKOUT_SECONDS"])


def check_password(user: StaffUser, password: str) -> str:
    cfg = current_app.config
    return _check_secret(user, password, cfg["STAFF_MAX_FAILURES"], cfg["STAFF_LOCKOUT_SECONDS"])


def attempts_left(record, max_failures: int) -> int:
    return max_failures - (record.failed_attempts or 0) % max_failures


def sign_in_person(person: Person) -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["person_id"] = person.id
    session["seen"] = time.time()


def sign_in_staff(user: StaffUser) -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["staff_id"] = user.id
    session["seen"] = time.time()


def sign_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_person() -> Person | None:
    if "person" not in g:
        pid = session.get("person_id")
        person = db.session.get(Person, pid) if pid else None
        g.person = person if person is not None and person.active and not person.deleted else None
    return g.person


def current_staff() -> StaffUser | None:
    if "staff" not in g:
        sid = session.get("staff_id")
        user = db.session.get(StaffUser, sid) if sid else None
        g.staff = user if user is not None and user.active else None
    return g.staff


def enforce_idle_timeout() -> None:
    """Sign out whoever has left the kiosk alone; the browser does the same and shows the board."""
    if not (session.get("person_id") or session.get("staff_id")):
        return
    idle = current_app.config["KIOSK_IDLE_SECONDS"]
    if current_app.config["KIOSK_ROLE"] == "township" and session.get("staff_id"):
        idle = max(idle, 3600)  # staff work at desks, not at a shared screen
    now = time.time()
    if now - session.get("seen", 0) > idle:
        sign_out()
    else:
        if not is_passive():
            session["seen"] = now


def may(level: str) -> bool:
    """``record``: any member of the organisation; ``manage``: committee-level duties; ``staff``:
    township staff. Township staff may do everything a committee may."""
    staff = current_staff()
    if staff is not None:
        return True
    if level == "staff":
        return False
    person = current_person()
    if person is None:
        return False
    return person.can_manage if level == "manage" else bool(person.duties)


def role_required(level: str):
    """Only people at ``level`` (see :func:`may`) reach the view; the anonymous are asked to sign in,
    the rest get 403."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if may(level):
                return view(*args, **kwargs)
            if current_person() is None and current_staff() is None:
                target = url_for("auth.staff_login" if level == "staff" else "auth.signin", next=request.full_path
                                 if request.method == "GET" else None)
                return hx_redirect(target, 302)
            raise Forbidden()
        wrapped.kiosk_access = level
        return wrapped
    return decorator
