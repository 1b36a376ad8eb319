"""The township's compose form. Every validator carries its own translated message."""
from __future__ import annotations

import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .models import KINDS

TARGETS = {"all": _l("Every village of the township"), "some": _l("Only the villages I choose")}


class LocalDateField(DateField):
    """A date field whose parse error speaks the user's language (WTForms' own message does not)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date such as 2026-12-31.")) from None


class WarningForm(FlaskForm):
    # made when the form is first shown: a resubmitted or replayed POST creates nothing new
    client_id = HiddenField()
    kind = RadioField(_l("Kind of warning"), choices=[], validate_choice=False,
                      validators=[InputRequired(message=_l("Choose the kind of warning."))])
    title = StringField(_l("Title"), validators=[
        DataRequired(message=_l("Enter a title.")),
        Length(max=80, message=_l("At most %(max)d characters."))])
    body = TextAreaField(_l("What the villages must know and do"), validators=[
        DataRequired(message=_l("Write what the villages must know and do.")),
        Length(max=4000, message=_l("At most %(max)d characters."))])
    valid_until = LocalDateField(_l("In force until (optional)"), validators=[Optional()])
    target = RadioField(_l("Send to"), choices=[], default="all", validate_choice=False,
                        validators=[InputRequired(message=_l("Choose who receives the warning."))])
    villages = SelectMultipleField(_l("Villages"), choices=[], validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def __init__(self, *args, villages=(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, str(v)) for k, v in KINDS.items()]
        self.target.choices = [(k, str(v)) for k, v in TARGETS.items()]
        self.villages.choices = [(v.code, v.name) for v in villages]
        self._today = today

    def validate_client_id(self, field):
        try:
            field.data = str(uuid.UUID(field.data or ""))
        except ValueError:
            field.data = None  # the view makes one: this submission cannot be deduplicated

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_("Choose the kind of warning."))

    def validate_valid_until(self, field):
        if field.data and self._today and field.data < self._today:
            raise ValidationError(_("This date has already passed."))

    def validate_target(self, field):
        if field.data not in TARGETS:
            raise ValidationError(_("Choose who receives the warning."))

    def validate_villages(self, field):
        if self.target.data != "some":
            field.data = []
            return
        known = {code for code, _name in self.villages.choices}
        if not field.data:
            raise ValidationError(_("Choose at least one village."))
        if any(code not in known for code in field.data):
            raise ValidationError(_("Choose villages of your own township."))
