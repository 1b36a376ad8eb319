"""Auth's service: hashing, PINs and passwords, lockouts and throttles, sessions, the signed-in person
and who may do what.

Two kinds of write here commit by themselves (:func:`_committed_now`), because they must hold whatever
the request does next: a sign-in attempt is counted before its hash runs (so that concurrent guesses
see each other), and a session starts, is seen or ends at once. Everything else leaves the commit to
the caller.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, has_request_context, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import Forbidden

from ..extensions import db
from ..records import utcnow

from ..village.models import Person
from ..web import hx_redirect, is_passive
from .models import KioskPin, KnownAddress, SignInSession, StaffUser, Throttle


def hasher() -> PasswordHasher:
    # Tests lower the cost; a Pi 4 takes about 0.3 s per PIN with the defaults.
    memory = current_app.config.get("ARGON2_MEMORY_KIB", 65536)
    return PasswordHasher(time_cost=3 if memory >= 65536 else 1, memory_cost=memory, parallelism=2)


@functools.lru_cache(maxsize=4)
def _dummy_hash(memory: int) -> str:
    return hasher().hash(secrets.token_hex(16))


def _verify(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` matches; with no stored hash (no such user) the same work is done against a
    dummy, so that a user name's existence does not show in the time it takes."""
    try:
        hasher().verify(stored_hash or _dummy_hash(current_app.config.get("ARGON2_MEMORY_KIB", 65536)), secret)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def pin_problem(pin: str) -> str | None:
    """Why a new PIN is not acceptable, or None."""
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        return _("A PIN is 4 to 8 digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        return _("This PIN is too easy to guess. Choose another one.")
    return None


def set_pin(person: Person, pin: str) -> None:
    """A new PIN (which ends the person's sessions: see :func:`_stamp`)."""
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


# ---- counting attempts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    """What became of a sign-in attempt: ``outcome`` is 'ok', 'wrong' or 'locked'."""

    outcome: str
    tries_left: int = 0
    locked_until: dt.datetime | None = None


LONGEST_LOCKOUT = 86400


def _lock_ends(failures, max_failures: int, lockout_seconds: int, now: dt.datetime):
    """SQL for when a lockout that starts now ends: each further lockout lasts twice as long (5 min,
    10, 20 ... capped at a day), counted from the failures so far. The lengths are computed here and
    bound as parameters: SQLite and PostgreSQL share no date arithmetic."""
    whens, seconds, rounds = [], lockout_seconds, 1
    while seconds < LONGEST_LOCKOUT:
        whens.append((failures // max_failures == rounds, now + dt.timedelta(seconds=seconds)))
        seconds, rounds = seconds * 2, rounds + 1
    return sa.case(*whens, else_=now + dt.timedelta(seconds=LONGEST_LOCKOUT)) if whens \
        else sa.literal(now + dt.timedelta(seconds=LONGEST_LOCKOUT), sa.DateTime)


@contextlib.contextmanager
def _committed_now():
    """What runs inside is committed at once, in the request's own session: a second connection per
    request would let a burst of requests take every connection of the pool and wait for each other.
    So it runs before the view has changed anything (checked)."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("a sign-in counter or session would commit the view's unfinished changes")
    yield
    db.session.commit()


def _commit_now(*statements) -> None:
    with _committed_now():
        for statement in statements:
            db.session.execute(statement)


def _charge(model, where, max_failures: int, lockout_seconds: int) -> Attempt | None:
    """Count one more attempt *before* it is checked, unless the key is locked out: the attempt that
    reaches ``max_failures`` starts a lockout (a right secret then lifts it again, :func:`_clear`).
    None when locked. One conditional UPDATE … RETURNING, inside :func:`_committed_now`: forty
    concurrent guesses are forty increments, and only those that found the key unlocked get to run
    the hash."""
    now = utcnow()
    failures = model.failed_attempts + 1
    statement = (sa.update(model).where(where, sa.or_(model.locked_until.is_(None), model.locked_until <= now))
                 .values(failed_attempts=failures,
                         locked_until=sa.case((failures % max_failures == 0,
                                               _lock_ends(failures, max_failures, lockout_seconds, now)),
                                              else_=model.locked_until))
                 .returning(model.failed_attempts, model.locked_until))
    row = db.session.execute(statement).first()
    if row is None:
        return None
    count, locked_until = row
    return Attempt("locked" if count % max_failures == 0 else "wrong",
                   tries_left=max_failures - count % max_failures, locked_until=locked_until)


def _clear(model, where) -> None:
    _commit_now(sa.update(model).where(where).values(failed_attempts=0, locked_until=None))


def check_pin(cred: KioskPin, pin: str) -> Attempt:
    """Check a PIN typed on the pad. A locked-out person's PIN is not even hashed."""
    cfg = current_app.config
    where = KioskPin.person_id == cred.person_id
    with _committed_now():
        charged = _charge(KioskPin, where, cfg["PIN_MAX_FAILURES"], cfg["PIN_LOCKOUT_SECONDS"])
    if charged is None:
        return Attempt("locked", locked_until=_locked_until(KioskPin, where))
    if not _verify(cred.pin_hash, pin):
        return charged
    _clear(KioskPin, where)
    return Attempt("ok")


def _locked_until(model, where) -> dt.datetime | None:
    return db.session.scalar(sa.select(model.locked_until).where(where))


def _keyed(*parts: str) -> str:
    """A keyed hash: counters and known addresses name no address and no user name in clear."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _upsert(model, values: dict, update: dict | None = None):
    """INSERT … ON CONFLICT for both databases (DO NOTHING without ``update``)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values)
    keys = [c.name for c in model.__table__.primary_key.columns]
    if update is None:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=update)


def check_password(username: str, password: str, address: str | None) -> tuple[Attempt, StaffUser | None]:
    """Check a staff sign-in from ``address``; returns the attempt and the user when it is right.

    Failures are counted per (address, user name) — five, then 15 minutes, doubling — and, from
    addresses the user has never signed in from, also per user name and per address with higher
    ceilings. So a stranger's guesses lock out only the stranger's address, a crowd of addresses
    guessing together locks the account for new addresses only, and the real user keeps signing in
    from where they always do. Unknown user names are counted and hashed exactly like known ones."""
    cfg = current_app.config
    lockout = cfg["STAFF_LOCKOUT_SECONDS"]
    address = address or "?"
    user = staff_by_username(username)
    if user is not None and not user.active:
        user = None
    known = db.session.scalar(sa.select(sa.func.count()).select_from(KnownAddress).join(StaffUser).where(
        StaffUser.username == username, KnownAddress.address_key == _keyed("address", address))) > 0
    pair = _keyed("staff-pair", username, address)
    counters = [(pair, cfg["STAFF_MAX_FAILURES"])]
    if not known:
        counters += [(_keyed("staff-address", address), cfg["STAFF_ADDRESS_MAX_FAILURES"]),
                     (_keyed("staff-user", username), cfg["STAFF_ACCOUNT_MAX_FAILURES"])]
    now = utcnow()
    # one transaction, the pair first: a refused attempt then counts only against the address that
    # made it; and always in this order (PostgreSQL's row locks), so that no two requests wait for
    # each other in a circle
    with _committed_now():
        for key, _ceiling in counters:
            db.session.execute(_upsert(Throttle, {"key": key, "failed_attempts": 0, "touched_at": now},
                                       {"touched_at": now}))
        charged = None
        for key, ceiling in counters:
            result = _charge(Throttle, Throttle.key == key, ceiling, lockout)
            if result is None:
                break
            charged = charged or result
    if result is None:
        return Attempt("locked"), None
    if not _verify(user.password_hash if user else None, password):
        return charged, None
    user_id = user.id
    _commit_now(
        sa.update(Throttle).where(Throttle.key == pair).values(failed_attempts=0, locked_until=None),
        _upsert(KnownAddress, {"staff_id": user_id, "address_key": _keyed("address", address), "last_ok_at": now},
                {"last_ok_at": now}),
        # counters nobody touched for a day start again from nothing; addresses unused for 90 days are forgotten
        sa.delete(Throttle).where(Throttle.touched_at < now - dt.timedelta(days=1),
                                  sa.or_(Throttle.locked_until.is_(None), Throttle.locked_until < now)),
        sa.delete(KnownAddress).where(KnownAddress.last_ok_at < now - dt.timedelta(days=90)))
    return Attempt("ok"), user


def one_at_a_time(key: str) -> None:
    """Until the caller's transaction ends, every other request that asks for the same ``key`` waits:
    what the caller counts next cannot change under it (a sender's reports, counted before one more is
    saved). In the caller's transaction (db.session), as its first write: SQLite then takes its write
    lock before it reads anything, PostgreSQL locks the key's row."""
    now = utcnow()
    db.session.execute(_upsert(Throttle, {"key": _keyed("serial", key), "failed_attempts": 0, "touched_at": now},
                               {"touched_at": now}))


# ---- sessions ---------------------------------------------------------------------------------------

def _read_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:  # not Linux: sessions last as long as the process
        return str(uuid.uuid4())


_BOOT_ID = _read_boot_id()
_CLOCK = getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC)


def boot_clock() -> tuple[str, float]:
    """(this boot, seconds since it): the idle clock. Shared by every process on the machine (gunicorn
    workers too), unmoved when the wall clock jumps, and counting a suspended machine's sleep."""
    return _BOOT_ID, time.clock_gettime(_CLOCK)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie without its timestamp. Flask refuses a cookie stamped "in the future"
    (after the clock was set back) or more than 31 days ago (after NTP sets it forward): on a kiosk
    that signed the person out and expired every open form. How long someone stays signed in is the
    session row's business (the boot clock), not the cookie's. Also ``Secure`` whenever the request
    came over HTTPS (the township behind its proxy); the kiosk on loopback HTTP keeps a plain one."""

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or []), app.secret_key]
        return URLSafeSerializer(keys, salt=self.salt, serializer=self.serializer,
                                 signer_kwargs={"key_derivation": self.key_derivation,
                                                "digest_method": self.digest_method})

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            return self.session_class(serializer.loads(value))
        except BadSignature:
            return self.session_class()

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stamp(person: Person | None = None, staff: StaffUser | None = None) -> str:
    """What a session depends on: the PIN or password (its hash changes with every new one) and the
    duties. A session whose stamp no longer matches has ended, however the change arrived (the
    committee's screen, the CLI, or sync)."""
    if person is not None:
        cred = db.session.get(KioskPin, person.id)
        material = [cred.pin_hash if cred else "", *sorted(person.duties or [])]
    else:
        material = [staff.password_hash, staff.township_code]
    return hashlib.sha256("\x1f".join(material).encode()).hexdigest()


def _idle_limit(staff: bool) -> float:
    idle = current_app.config["KIOSK_IDLE_SECONDS"]
    if staff and current_app.config["KIOSK_ROLE"] == "township":
        idle = max(idle, 3600)  # staff work at desks, not at a shared screen
    return idle


def start_session(person: Person | None = None, staff: StaffUser | None = None) -> str:
    """A new session for ``person`` or ``staff``; returns the token the cookie will carry. Commits by
    itself, and forgets sessions of earlier boots and long idle ones on the way."""
    token = secrets.token_urlsafe(32)
    boot, seconds = boot_clock()
    row = dict(id=_token_key(token), person_id=person.id if person else None, staff_id=staff.id if staff else None,
               boot_id=boot, seen=seconds, stamp=_stamp(person, staff), started_at=utcnow())
    _commit_now(
        sa.delete(SignInSession).where(sa.or_(
            SignInSession.boot_id != boot, SignInSession.seen < seconds - max(_idle_limit(True), _idle_limit(False)))),
        sa.insert(SignInSession).values(**row))
    return token


def _end(token: str | None) -> None:
    if token:
        _commit_now(sa.delete(SignInSession).where(SignInSession.id == _token_key(str(token))))


def _forget(keep: tuple[str, ...] = ("lang",)) -> None:
    kept = {k: session[k] for k in keep if k in session}
    session.clear()
    session.update(kept)
    g.person = g.staff = None


def _sign_in(token: str) -> None:
    _end(session.get("sid"))
    _forget()
    session["sid"] = token


def sign_in_person(person: Person) -> None:
    _sign_in(start_session(person=person))


def sign_in_staff(user: StaffUser) -> None:
    _sign_in(start_session(staff=user))


def sign_out() -> None:
    _end(session.get("sid"))
    _forget()


def load_session() -> None:
    """Who is signed in, from the session's row (every request, before the view). The session ends
    when it was idle too long on the boot clock, the device rebooted, or the credential or the duties
    changed since sign-in. A person's request restarts the idle time; what pages ask for by
    themselves (``web.is_passive``) never does."""
    g.person = g.staff = None
    token = session.get("sid")
    if not token:
        return
    # the session's row, its person and the person's PIN in one statement: the gets below then find
    # them in the session (every request asks)
    found = db.session.execute(_SIGNED_IN, {"key": _token_key(str(token))}).first()
    row = found[0] if found is not None else None
    boot, seconds = boot_clock()
    who = None
    if row is not None and row.boot_id == boot and seconds - row.seen <= _idle_limit(row.staff_id is not None):
        if row.person_id:
            who = db.session.get(Person, row.person_id)
            who = who if who is not None and who.active and not who.deleted and row.stamp == _stamp(who) else None
        else:
            who = db.session.get(StaffUser, row.staff_id)
            who = who if who is not None and who.active and row.stamp == _stamp(staff=who) else None
    if who is None:
        _end(token)
        _forget(keep=("lang", "csrf_token"))  # a form that was open still submits, anonymously
        return
    if row.person_id:
        g.person = who
    else:
        g.staff = who
    if not is_passive() and seconds - row.seen >= min(5.0, _idle_limit(False) / 10):
        _commit_now(sa.update(SignInSession).where(SignInSession.id == row.id, SignInSession.seen < seconds)
                    .values(seen=seconds))


_SIGNED_IN = sa.select(SignInSession, Person, KioskPin) \
    .outerjoin(Person, Person.id == SignInSession.person_id) \
    .outerjoin(KioskPin, KioskPin.person_id == SignInSession.person_id) \
    .where(SignInSession.id == sa.bindparam("key"))


def before_request() -> None:
    """Who is signed in, for every request but a static file's (a page loads a dozen of them)."""
    if request.endpoint != "static":
        load_session()


def current_person() -> Person | None:
    if not has_request_context():
        return None
    if "person" not in g:
        load_session()
    return g.person


def current_staff() -> StaffUser | None:
    if not has_request_context():
        return None
    if "staff" not in g:
        load_session()
    return g.staff


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
