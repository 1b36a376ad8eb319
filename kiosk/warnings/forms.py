"""The township's compose, correction and withdrawal forms, and a village's answer. Every validator
carries its own translated message."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..context import local_today
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField

from ..forms import MAX_CHARS, ClientIdForm, LocalDateField, VersionedForm, choices, one_of, strip
from .models import ACTIONS, KINDS

TARGETS = {"all": _l("Every village of the township"), "some": _l("Only the villages I choose")}


class WarningText(FlaskForm):
    """What a warning says: the same fields when it is issued and when it is corrected."""

    kind = RadioField(_l("Kind of warning"), validate_choice=False,
                      validators=[one_of(KINDS, message=_l("Choose the kind of warning."))])
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(message=_l("Enter a title.")), Length(max=80, message=MAX_CHARS)])
    body = TextAreaField(_l("What the villages must know and do"), filters=[strip], validators=[
        DataRequired(message=_l("Write what the villages must know and do.")), Length(max=4000, message=MAX_CHARS)])
    valid_until = LocalDateField(_l("In force until (optional)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(KINDS)

    def validate_valid_until(self, field):
        if field.data and field.data < local_today():
            raise ValidationError(_("This date has already passed."))

    def text_values(self) -> dict:
        return dict(kind=self.kind.data, title=self.title.data, body=self.body.data,
                    valid_until=self.valid_until.data)


class CorrectionForm(VersionedForm, WarningText):
    """The station corrects a warning it issued (who receives it stays as it was)."""


WITHDRAW_REASONS = [_l("Issued by mistake"), _l("The danger has passed"), _l("Replaced by a new warning")]


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Why it is withdrawn"), filters=[strip], validators=[
        DataRequired(message=_l("Say why the warning is withdrawn.")), Length(max=200, message=MAX_CHARS)])


ANSWER_PHRASES = [_l("Broadcast twice a day"), _l("Patrolled every night"), _l("Visited the elderly living alone"),
                  _l("Checked the rented housing"), _l("Cleared the fire lanes")]


class AnswerForm(ClientIdForm):
    """A village's answer: the actions taken, the records that show them, a note and photos."""

    actions = SelectMultipleField(_l("What the village did"), validate_choice=False,
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    links = SelectMultipleField(_l("The records it made"), validate_choice=False,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=500, message=MAX_CHARS)])
    photos = MultipleFileField(_l("Photos (optional)"))

    def __init__(self, *args, evidence=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions.choices = choices(ACTIONS)
        self.evidence = evidence or {}
        self.offered = {e.key: e for found in self.evidence.values() for e in found}
        self.links.choices = choices({key: e.label for key, e in self.offered.items()})

    def validate_actions(self, field):
        if any(a not in ACTIONS for a in field.data or []):
            raise ValidationError(_("Choose one of the options."))
        if not field.data and not (self.note.data or "").strip():
            raise ValidationError(_("Tap what the village did, or write a note."))

    def validate_links(self, field):
        if any(key not in self.offered for key in field.data or []):
            raise ValidationError(_("Choose records of this village made since the warning."))

    def chosen_links(self) -> list[dict]:
        return [self.offered[key].as_link() for key in self.links.data or []]


class WarningForm(ClientIdForm, WarningText):
    """``client_id`` is made when the form is first shown: a resubmitted or replayed POST creates
    nothing new."""

    target = RadioField(_l("Send to"), default="all", validate_choice=False,
                        validators=[one_of(TARGETS, message=_l("Choose who receives the warning."))])
    villages = SelectMultipleField(_l("Villages"), validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = choices(TARGETS)
        self.villages.choices = choices({v.code: v.name for v in villages})

    @property
    def chosen_villages(self) -> list[str] | None:
        """The chosen village codes in the township's order, or None for every village."""
        if self.target.data == "all":
            return None
        return [choice.value for choice in self.villages.choices if choice.value in self.villages.data]

    def validate_villages(self, field):
        if self.target.data != "some":
            field.data = []
            return
        known = {choice.value for choice in self.villages.choices}
        if not field.data:
            raise ValidationError(_("Choose at least one village."))
        if any(code not in known for code in field.data):
            raise ValidationError(_("Choose villages of your own township."))
