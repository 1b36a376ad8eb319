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
  save over a newer version (sync brought the township's change meanwhile) is refused and shown field
  by field, and saving again stores what the person then sees.
- :class:`WholeNumberField` / :class:`NumberField` — the fields that read numbers that way (WTForms'
  IntegerField reads Arabic-Indic ``٣`` as 3, its DecimalField takes ``sNaN``).
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, HiddenField, IntegerField, RadioField, SelectField
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


@dataclass
class Change:
    """A field the other side changed while the form was open: what is stored now, and what the form
    holds — ``taken``: the person had left it alone, so the stored value is now in the form; otherwise
    both changed it, and the form keeps what the person typed (saving again overwrites)."""

    name: str
    label: str
    stored: str
    typed: str
    taken: bool


class VersionedForm(FlaskForm):
    """An edit form of a synced record: ``VersionedForm(record=record)`` (loaded from the record). It
    carries the version the record had when the form was opened (hidden ``version``) and the values it
    showed then (hidden ``opened``). A save over a newer version — sync brought the township's change,
    or someone saved on another screen — is refused when the other side changed something the form
    shows: :attr:`changed_meanwhile` lists it field by field (:class:`Change`), the fields the person
    had left alone take the stored value, and the form now carries the new version, so that saving again
    deliberately stores what it holds. Nothing is overwritten unseen, and nobody is stuck. A newer
    version that changed nothing the form shows is no conflict: the save writes only the form's fields.
    A form that mirrors none of the record's columns (settling a sync conflict) is refused on any newer
    version. Templates show ``edited_meanwhile(form)`` (macros.html)."""

    version = HiddenField()
    opened = HiddenField()

    def __init__(self, *args, record=None, **kwargs):
        if record is not None:
            kwargs.setdefault("obj", record)
        super().__init__(*args, **kwargs)
        self._record = record
        self.changed_meanwhile: list[Change] = []
        if record is not None and self.version.raw_data is None:  # opened now, not sent back
            self._open_at(record)

    def _compared(self) -> list:
        """The fields that mirror a column of the record."""
        skip = {"version", "opened", "csrf_token", "client_id"}
        return [f for f in self if f.name not in skip and hasattr(self._record, f.name)]

    def _stored(self, field):
        # a twin of the field loaded with the stored value (copy.copy would make an UnboundField: WTForms'
        # Field.__new__ answers one for a field made outside a form)
        twin = object.__new__(type(field))
        twin.__dict__.update(field.__dict__, raw_data=None)
        twin.process(None, data=getattr(self._record, field.name))
        return _comparable(twin)

    def _open_at(self, record) -> None:
        self.version.data = str(record.version)
        self.opened.data = json.dumps({f.name: self._stored(f) for f in self._compared()}, ensure_ascii=False)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        record = self._record
        if record is None or (self.version.raw_data or [""])[0] == str(record.version):
            return valid
        try:
            opened = json.loads(self.opened.data or "")
        except ValueError:
            opened = None
        if not isinstance(opened, dict):
            opened = None  # not known: anything that differs from what is stored counts as changed
        compared = self._compared()
        for field in compared:
            stored, typed = self._stored(field), _comparable(field)
            before = opened.get(field.name) if opened is not None else typed
            if stored == before or stored == typed:
                continue  # the other side did not change it, or made the same change
            taken = opened is not None and typed == before
            self.changed_meanwhile.append(Change(field.name, field.label.text, _display(field, stored),
                                                 _display(field, typed), taken))
            if taken:
                field.process(None, data=getattr(record, field.name))
                field.raw_data = None
        if compared and not self.changed_meanwhile:
            return valid
        self._open_at(record)
        self.version.errors = [*self.version.errors, EDITED_MEANWHILE]
        return False


def _comparable(field):
    """What a field holds, in a form that compares equal whether it was typed or loaded from a record."""
    if isinstance(field, BooleanField):
        return bool(field.data)
    if isinstance(field.data, (list, tuple)):
        return sorted(str(v) for v in field.data)
    if isinstance(field, (SelectField, RadioField)) or not hasattr(field, "_value"):
        return "" if field.data is None else str(field.data)
    return field._value().strip()


def _display(field, value) -> str:
    """A compared value as the person reads it: choices by their labels, yes or no, "(empty)"."""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    labels = {}
    if getattr(field, "choices", None) is not None:
        found = field.choices() if callable(field.choices) else field.choices
        labels = {str(value): str(label) for value, label, *_rest in found}
    if isinstance(value, list):
        order = list(labels)
        ranked = sorted(value, key=lambda v: order.index(v) if v in order else len(order))
        return "、".join(labels.get(v, v) for v in ranked) or str(_l("(empty)"))
    return labels.get(value, value) or str(_l("(empty)"))


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



class WholeNumberField(IntegerField):
    """A whole number typed in digits 0-9 (full-width accepted, :func:`parse_int`); anything else is
    refused with ``complaint``."""

    complaint = _l("Enter a whole number.")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_int(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.complaint))


class NumberField(DecimalField):
    """A finite decimal typed in digits 0-9 (:func:`parse_number`); anything else — ``sNaN``,
    ``Infinity``, ``1e999``, ``²`` — is refused with ``complaint``."""

    complaint = _l("Enter a number, for example 20 or 20.5.")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            number = parse_number(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.complaint))
        self.data = None if number is None else decimal.Decimal(repr(number))


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
