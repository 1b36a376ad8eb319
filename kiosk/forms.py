"""The base every feature's forms stand on: CSRF, client-made ids, trimmed text, preset choices and
numbers as people type them, with the messages every form shares.

- :class:`EmptyForm` — a button that only needs CSRF (remove, acknowledge, mark as seen);
- :class:`ClientIdForm` — a form that creates a record carries ``client_id``, a UUID made when the
  form was shown, so that a form sent twice finds its record instead of adding another
  (:func:`kiosk.records.commit_once`);
- :func:`strip` — the filter for every text field: ``(x.data or "").strip()`` written once;
- :func:`choices` — preset choices from a ``{key: lazy label}`` mapping, the way WTForms supports;
- :func:`one_of` — a validator for choices checked against the mapping rather than the rendered list;
- :func:`parse_number` / :func:`parse_int` — digits as typed on any keyboard (full-width accepted), and
  nothing that only looks like a digit (``²``, ``①``: ``str.isdigit()`` is true for them, docs/pitfalls.md);
  :func:`parse_clock` — a time of day (``22:05``);
- :class:`LocalDateField` — a date field whose parse error speaks the user's language;
- :class:`VersionedForm` — an edit form carries the version of the record it was opened on, so that a
  save over a newer version (sync brought the township's change meanwhile) is refused and shown.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from .records import uuid7

# shared messages (one msgid each, translated once)
MAX_CHARS = _l("At most %(max)d characters.")
REQUIRED_CHOICE = _l("Choose one of the options.")
EDITED_MEANWHILE = _l("This record was changed meanwhile (by sync or on another screen). Look at it again, "
                      "then save your change once more.")

_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3])[:：]([0-5][0-9])$")
# full-width digits only: NFKC would also turn "²" into "2" (docs/pitfalls.md)
_FULL_WIDTH = {0xFF10 + n: str(n) for n in range(10)}
_DECIMAL = re.compile(r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that change something without asking anything."""


def valid_client_id(value: str | None) -> str:
    """The form's client-made id if it is a UUID, else a fresh one."""
    try:
        return str(uuid.UUID(value or ""))
    except (ValueError, AttributeError, TypeError):
        return uuid7()


class ClientIdForm(FlaskForm):
    """A form that creates a record: its id is made when the form is shown (``client_id``)."""

    client_id = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_id.data = valid_client_id(self.client_id.data)


class VersionedForm(FlaskForm):
    """An edit form of a synced record: ``VersionedForm(record=record)``. It carries the version the
    record had when the form was opened (hidden ``version``); saving over a newer version fails
    validation with :data:`EDITED_MEANWHILE` on the ``version`` field, instead of overwriting silently.
    Templates show ``field_errors(form.version)``."""

    version = HiddenField()

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._record = record
        if record is not None and not self.is_submitted():
            self.version.data = str(record.version)

    def validate_version(self, field):
        if self._record is not None and (field.data or "") != str(self._record.version):
            raise ValidationError(EDITED_MEANWHILE)


def strip(value):
    """Field filter: text without surrounding blanks; None stays None, other values untouched."""
    return value.strip() if isinstance(value, str) else value


def choices(mapping, blank: str | None = None) -> list[SelectChoice]:
    """Preset choices from ``{key: label}`` (labels may be lazy strings), in the mapping's order."""
    found = [SelectChoice(str(k), str(v)) for k, v in mapping.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + found


def one_of(mapping, message=REQUIRED_CHOICE):
    """Validator: the value is a key of ``mapping`` (the authoritative list, not the rendered one)."""
    def check(form, field):
        if field.data not in mapping:
            raise ValidationError(message)
    return check


# what a person may type in a number: ASCII or full-width digits, signs, decimal point or comma and
# blanks. Anything else — superscripts, circled digits, other scripts' digits — is refused before
# NFKC could turn it into a digit ("²" would become "2", "12²" 122).
_NUMBER_CHARS = set("0123456789+-.,\u00a0 \u3000") | {chr(c) for c in range(0xFF10, 0xFF1A)} | set("＋－．，")


def _normalise(text) -> str:
    value = "" if text is None else str(text)
    if any(ch not in _NUMBER_CHARS for ch in value.strip()):
        raise ValueError(value)
    return unicodedata.normalize("NFKC", value).strip()


def parse_number(text) -> float | None:
    """A decimal typed on any keyboard: full-width digits and a decimal comma accepted. None when
    empty; ValueError when it is not a finite number written in digits 0-9."""
    value = _normalise(text).replace(",", ".").replace(" ", "")
    if not value:
        return None
    if not _DECIMAL.match(value):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def parse_int(text) -> int | None:
    """A whole number in digits 0-9 (full-width accepted). None when empty; ValueError otherwise."""
    value = _normalise(text).replace(" ", "")
    if not value:
        return None
    if not _INTEGER.match(value) or len(value) > 18:
        raise ValueError(value)
    return int(value)


def parse_clock(text) -> dt.time | None:
    """A time of day as typed or picked (``22:05``, ``7:30``, a full-width colon); None when it is
    not one."""
    match = _CLOCK.match(str(text or "").translate(_FULL_WIDTH).strip())
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None


class LocalDateField(DateField):
    """A date field whose parse error speaks the user's language (WTForms' own message does not)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date such as 2026-12-31.")) from None
