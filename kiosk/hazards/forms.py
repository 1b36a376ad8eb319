"""The register's forms: record a hazard, and one small form per step of the loop. Every step is
taken by touch: preset phrases are radio chips, the note is optional (with phrase chips), the
photo optional except where it is the point."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import MAX_CHARS, ClientIdForm, choices, one_of, strip
from .models import CATEGORIES, DEPARTMENTS, PHRASES, SEVERITIES


class NewHazardForm(FlaskForm):
    category = SelectField(_l("Category"), validate_choice=False,
                           validators=[one_of(CATEGORIES)])
    location = StringField(_l("Where"), filters=[strip],
                           validators=[DataRequired(message=_l("Say where the hazard is.")),
                                       Length(max=200, message=MAX_CHARS)])
    description = TextAreaField(_l("What is wrong"), filters=[strip],
                                validators=[Optional(), Length(max=2000, message=MAX_CHARS)])
    severity = SelectField(_l("Severity"), default="minor", validate_choice=False,
                           validators=[one_of(SEVERITIES)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # labels in the language of this request, not of the first one
        self.category.choices = choices(CATEGORIES)
        self.severity.choices = choices(SEVERITIES)


def _phrase_field(kind: str, label):
    return RadioField(label, validate_choice=False, validators=[Optional(), one_of(PHRASES[kind])])


class StepForm(ClientIdForm):
    """A step with a preset phrase, an optional note and an optional photo. ``client_id`` is the
    fact's id: the same step sent twice is recorded once."""

    KIND = "progress"
    note = TextAreaField(_l("Note (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=500, message=MAX_CHARS)])
    photo = FileField(_l("Photo (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phrase.choices = choices(PHRASES[self.KIND])


class ProgressForm(StepForm):
    KIND = "progress"
    phrase = _phrase_field("progress", _l("What happened"))


class FixForm(StepForm):
    KIND = "fixed"
    phrase = _phrase_field("fixed", _l("How it was fixed"))
    photo = FileField(_l("After-photo"))


class VerifyForm(StepForm):
    KIND = "verified"
    phrase = _phrase_field("verified", _l("How it was checked"))


class SendBackForm(StepForm):
    KIND = "sent_back"
    phrase = _phrase_field("sent_back", _l("Why it is sent back"))


class EscalateForm(StepForm):
    KIND = "escalated"
    phrase = _phrase_field("escalated", _l("Why"))


DEADLINE_DAYS = {"3": _l("3 days"), "7": _l("7 days"), "15": _l("15 days"), "30": _l("30 days"),
                 "60": _l("60 days")}


class NoticeForm(ClientIdForm):
    days = RadioField(_l("Fix within"), validate_choice=False, default="7",
                      validators=[one_of(DEADLINE_DAYS, _l("Choose a deadline."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days.choices = choices(DEADLINE_DAYS)


class ReferForm(ClientIdForm):
    department = RadioField(_l("Department"), validate_choice=False,
                            validators=[one_of(DEPARTMENTS, _l("Choose a department."))])
    note = TextAreaField(_l("Note (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=500, message=MAX_CHARS)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = choices(DEPARTMENTS)


class ListForm(ClientIdForm):
    responsible = StringField(_l("Who answers for it"), filters=[strip],
                              validators=[DataRequired(message=_l("Say who answers for it.")),
                                          Length(max=40, message=MAX_CHARS)])
    days = RadioField(_l("Fix within"), validate_choice=False, default="30",
                      validators=[one_of(DEADLINE_DAYS, _l("Choose a deadline."))])
    note = TextAreaField(_l("Note (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=500, message=MAX_CHARS)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days.choices = choices(DEADLINE_DAYS)


ACK_MINUTES = {"30": _l("30 minutes"), "60": _l("1 hour"), "120": _l("2 hours"), "240": _l("4 hours"),
               "1440": _l("1 day")}
FIX_DAYS = {"1": _l("1 day"), "2": _l("2 days"), "3": _l("3 days"), "7": _l("7 days"), "15": _l("15 days"),
            "30": _l("30 days"), "60": _l("60 days"), "90": _l("90 days")}
ANY = {"": _l("Any")}


class DeadlineForm(FlaskForm):
    """One line of the township's profile (township staff)."""

    category = SelectField(_l("Category"), validate_choice=False, default="",
                           validators=[one_of(ANY | CATEGORIES)])
    severity = SelectField(_l("Severity"), validate_choice=False, default="",
                           validators=[one_of(ANY | SEVERITIES)])
    ack_minutes = SelectField(_l("Acknowledge within"), validate_choice=False, default="30",
                              validators=[one_of(ACK_MINUTES)])
    fix_days = SelectField(_l("Fix within"), validate_choice=False, default="30", validators=[one_of(FIX_DAYS)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices(ANY | CATEGORIES)
        self.severity.choices = choices(ANY | SEVERITIES)
        self.ack_minutes.choices = choices(ACK_MINUTES)
        self.fix_days.choices = choices(FIX_DAYS)
