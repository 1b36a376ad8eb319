"""Every value a device pushes, checked against its column before anything is written.

A device is not trusted: a value of the wrong type, too long, NULL where the column forbids it, a
number that is not finite or does not fit, text that is not valid UTF-8 (a lone surrogate), a NUL
character (PostgreSQL refuses it), JSON nested too deep or too large — each would either give the
township a 500 or be stored and break its pages later. :func:`row` turns a pushed row into database
values or raises :class:`Invalid` naming the column and the reason; the server then holds that row
(``sync_held``) and takes the rest of the batch.

The checks come from the columns themselves (type, length, nullability) and, for JSON columns, from
the model's annotation: ``Mapped[list]`` must be a list, ``Mapped[dict]`` an object.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
from typing import Any, Callable

import sqlalchemy as sa

MAX_TEXT = 100_000  # characters in a column without a declared length
MAX_JSON_BYTES = 256 * 1024  # a held row keeps a whole pushed row (a pledge with its signature)
MAX_JSON_DEPTH = 16
INT_RANGES = {"small": (-2 ** 15, 2 ** 15 - 1), "int": (-2 ** 31, 2 ** 31 - 1), "big": (-2 ** 63, 2 ** 63 - 1)}
ID = re.compile(r"^[0-9A-Za-z._:-]{1,36}$")
HLC = re.compile(r"^[0-9]{1,15}-[0-9]{1,6}-[0-9A-Za-z._:-]{0,40}$")


class Invalid(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column, self.reason = column, reason


def text_problem(value: str, limit: int | None) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if limit is not None and len(value) > limit:
        return f"longer than {limit} characters"
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 (a lone surrogate)"
    return None


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` (parsed JSON) cannot be stored in a JSON column, or None."""
    if depth > MAX_JSON_DEPTH:
        return f"nested deeper than {MAX_JSON_DEPTH}"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        lo, hi = INT_RANGES["big"]
        return None if lo <= value <= hi else "holds a whole number out of range"
    if isinstance(value, float):
        return None if math.isfinite(value) else "holds a number that is not finite"
    if isinstance(value, str):
        return text_problem(value, None)
    if isinstance(value, list):
        for item in value:
            problem = json_problem(item, depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            problem = text_problem(k, 200) if isinstance(k, str) else "has a key that is not text"
            problem = problem or json_problem(v, depth + 1)
            if problem:
                return problem
        return None
    return f"holds a {type(value).__name__}"


_LONG_NUMBER = re.compile(r"[0-9]{19}")
# what would put a NUL or a lone surrogate into a string parsed from a message: the escapes, or a
# surrogate's UTF-8 bytes (json.loads decodes bytes with "surrogatepass"); a raw NUL is no JSON
_SUSPECT = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def plain_message(data: bytes) -> bool:
    """Whether no string parsed from this message (NDJSON bytes) can hold a NUL or a lone surrogate:
    then its rows' text needs only its type and length checked (:func:`row` with ``plain``). One scan
    of the bytes instead of one encoding of every value; a message that merely looks suspect (an
    escaped backslash before "u0000") gets every check, as any other."""
    return _SUSPECT.search(data) is None


def _flat_size(value: Any) -> int | None:
    """For a list or object of plain scalars (in a plain message) in which :func:`json_problem`
    would find nothing, a bound of the length of its JSON text, without writing it; else None."""
    if isinstance(value, dict):
        size = 2
        for k, v in value.items():
            if type(k) is not str or len(k) > 200:
                return None
            size += 6 * len(k) + 8  # each character escaped at worst (\u001f), quotes, ": ", ", "
            kind = type(v)
            if kind is str:
                size += 6 * len(v)
            elif kind is int:
                if not -2 ** 63 <= v < 2 ** 63:
                    return None
                size += 20
            elif kind is float:
                if not math.isfinite(v):
                    return None
                size += 25
            elif not (v is None or kind is bool):
                return None
        return size
    if isinstance(value, list):
        return _flat_size(dict(zip(map(str, range(len(value))), value))) if len(value) <= 1000 else None
    return None


def _plain_json(value: Any) -> str | None:
    """The JSON text of ``value`` when one look at it shows :func:`json_problem` would find nothing
    (the common case, without walking it), else None. Parsed JSON holds only JSON types: what the
    walk looks for shows in the text — a NUL, a lone surrogate, a number too large or not finite,
    nesting (no more brackets than the depth allowed), a long key (no longer text than a key may be)."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return None
    if ("\\u0000" in text or text.count("[") + text.count("{") > MAX_JSON_DEPTH or len(text) > 200
            or _LONG_NUMBER.search(text)):
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return text


def _container(model, column: str):
    """list or dict when the model annotates a JSON column so, else None."""
    for cls in getattr(model, "__mro__", ()):
        note = getattr(cls, "__annotations__", {}).get(column)
        if note is None:
            continue
        text = note if isinstance(note, str) else repr(note)
        if re.search(r"Mapped\[\s*(typing\.)?(list|List)\b", text):
            return list
        if re.search(r"Mapped\[\s*(typing\.)?(dict|Dict)\b", text):
            return dict
        return None
    return None


def _int_range(t) -> tuple[int, int]:
    if isinstance(t, sa.SmallInteger):
        return INT_RANGES["small"]
    if isinstance(t, sa.BigInteger):
        return INT_RANGES["big"]
    return INT_RANGES["int"]


EARLIEST = dt.datetime(1900, 1, 1)


def checker(model, column: sa.Column, plain: bool = False) -> Callable[[Any], Any]:
    """A function from a wire value to the database value of ``column``; raises Invalid. ``plain``: the
    value comes from a :func:`plain_message`, its text holds no NUL and no lone surrogate."""
    t, name, nullable = column.type, column.name, column.nullable

    def need(ok: bool, reason: str):
        if not ok:
            raise Invalid(name, reason)

    def inner(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def check(value):
            if value is None:
                if not nullable:
                    raise Invalid(name, "may not be empty (NULL)")
                return None
            return convert(value)
        return check

    # The checks of the common types test inline rather than through need(): a push of 10,000 rows
    # runs them 170,000 times, and the call was a third of their cost.
    if name == "id":
        def record_id(v):
            if not isinstance(v, str) or not ID.match(v):
                raise Invalid(name, "is not a record id")
            return v
        return inner(record_id)
    if name == "hlc":
        def clock_value(v):
            if not isinstance(v, str) or not (v == "" or HLC.match(v)):
                raise Invalid(name, "is not a clock value")
            return v
        return inner(clock_value)
    if isinstance(t, sa.Boolean):
        def boolean(v):
            if type(v) is not bool:
                raise Invalid(name, "must be true or false")
            return v
        return inner(boolean)
    if isinstance(t, sa.Integer):
        lo, hi = _int_range(t)

        def integer(v):
            if not isinstance(v, int) or isinstance(v, bool):
                raise Invalid(name, "must be a whole number")
            if not lo <= v <= hi:
                raise Invalid(name, f"must lie between {lo} and {hi}")
            return v
        return inner(integer)
    if isinstance(t, sa.Float):
        def number(v):
            need(isinstance(v, (int, float)) and not isinstance(v, bool), "must be a number")
            need(-1e300 < v < 1e300, "must be a finite number")  # a comparison: float(10**400) overflows
            return float(v)
        return inner(number)
    if isinstance(t, sa.Numeric):
        def dec(v):
            need(isinstance(v, str) and len(v) <= 40, "must be a decimal number as text")
            try:
                d = decimal.Decimal(v)
            except decimal.InvalidOperation:
                raise Invalid(name, "must be a decimal number as text")
            need(d.is_finite(), "must be a finite number")
            return d
        return inner(dec)
    if isinstance(t, (sa.DateTime, sa.Date, sa.Time)):
        kind = dt.datetime if isinstance(t, sa.DateTime) else dt.date if isinstance(t, sa.Date) else dt.time

        def when(v):
            if not isinstance(v, str) or len(v) > 40:
                raise Invalid(name, f"must be a {kind.__name__} in ISO form")
            try:
                parsed = kind.fromisoformat(v)
            except ValueError:
                raise Invalid(name, f"must be a {kind.__name__} in ISO form")
            if kind is dt.datetime:
                if parsed.tzinfo is not None:
                    parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
                if parsed < EARLIEST:
                    raise Invalid(name, "lies before 1900")
            return parsed
        return inner(when)
    if isinstance(t, sa.JSON):
        shape = _container(model, name)

        def data(v):
            if plain:
                size = _flat_size(v)
                if size is not None and size <= MAX_JSON_BYTES:
                    need(shape is None or isinstance(v, shape),
                         f"must be a JSON {'list' if shape is list else 'object'}")
                    return v
            text = _plain_json(v)
            if text is None:  # something to say: the walk says exactly what
                problem = json_problem(v)
                need(problem is None, problem or "")
                text = json.dumps(v, ensure_ascii=False)
            if shape is not None:
                need(isinstance(v, shape), f"must be a JSON {'list' if shape is list else 'object'}")
            need(len(text) <= MAX_JSON_BYTES, f"is larger than {MAX_JSON_BYTES} bytes")
            return v
        return inner(data)
    if isinstance(t, sa.LargeBinary):
        def binary(v):
            need(isinstance(v, str) and len(v) <= MAX_TEXT, "must be base64 text")
            try:
                return base64.b64decode(v, validate=True)
            except ValueError:
                raise Invalid(name, "must be base64 text")
        return inner(binary)
    if isinstance(t, sa.String):  # Text is a String without a length
        limit = t.length or MAX_TEXT

        def string(v):
            if not isinstance(v, str):
                raise Invalid(name, "must be text")
            if plain:
                if len(v) > limit:
                    raise Invalid(name, f"longer than {limit} characters")
                return v
            problem = text_problem(v, limit)
            need(problem is None, problem or "")
            return v
        return inner(string)

    def scalar(v):  # a column type this module does not know: plain scalars only
        need(isinstance(v, (str, int, float, bool)), "must be a plain value")
        if isinstance(v, str):
            problem = text_problem(v, MAX_TEXT)
            need(problem is None, problem or "")
        if isinstance(v, float):
            need(math.isfinite(v), "must be a finite number")
        return v
    return inner(scalar)


_checkers: dict[tuple[type, str, bool], Callable] = {}


def column_checker(model, column: sa.Column, plain: bool = False) -> Callable:
    key = (model, column.name, plain)
    if key not in _checkers:
        _checkers[key] = checker(model, column, plain)
    return _checkers[key]


_plans: dict[tuple, tuple[list[tuple[str, Callable]], str | None]] = {}


def _plan(table, columns: list[str], plain: bool) -> tuple[list[tuple[str, Callable]], str | None]:
    """(column, checker) for each column sent, and a required column that is not sent (or None):
    the same for every row of a batch, so found once."""
    key = (table.model, tuple(columns), plain)
    if key not in _plans:
        checks = [(name, column_checker(table.model, table.table.c[name], plain)) for name in columns]
        missing = [c.name for c in table.table.columns if c.name not in columns and not c.nullable
                   and c.default is None and c.server_default is None and not c.primary_key]
        _plans[key] = (checks, missing[0] if missing else None)
    return _plans[key]


def row(table, columns: list[str], values: list, plain: bool = False) -> dict:
    """Database values of a pushed row (``table`` a :class:`sync.tables.Table`); raises Invalid.
    ``plain``: the row comes from a :func:`plain_message`."""
    checks, missing = _plan(table, columns, plain)
    out = {name: check(value) for (name, check), value in zip(checks, values)}
    if missing:
        raise Invalid(missing, "is required and was not sent")
    return out


def storable(value: Any, depth: int = 0) -> Any:
    """``value`` made safe to keep in a JSON column as it was sent: what cannot be stored becomes its
    escaped text, so that a held row keeps everything and breaks nothing."""
    if depth > MAX_JSON_DEPTH:
        return "…"
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2 ** 63 else str(value)[:60]
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        if text_problem(value, MAX_TEXT) is None:
            return value
        return value[:MAX_TEXT].encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value[:1000]]
    if isinstance(value, dict):
        return {str(storable(k, depth + 1))[:200]: storable(v, depth + 1) for k, v in list(value.items())[:1000]}
    return repr(value)[:200]
