"""Forms of the station's committee screens (the check itself posts plain buttons: see service)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..context import local_today
from ..validators import phone_number
from .models import CATALOGUE, CHECK_TYPES, DATE_FIELDS, GROUPS

MAX_LEN = _l("At most %(max)d characters.")


class DayField(DateField):
    """A date field whose complaint about a bad value is ours (translated), not WTForms' own."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a date as year-month-day."))


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a whole number."))


class NumberField(DecimalField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_("Enter a number, for example 20 or 20.5."))


class StationForm(FlaskForm):
    name = StringField(_l("Station name"), validators=[
        DataRequired(message=_l("Enter the station's name.")), Length(max=60, message=MAX_LEN)])
    location = StringField(_l("Where it is"), validators=[Optional(), Length(max=120, message=MAX_LEN)])
    chief_id = SelectField(_l("Station chief"), choices=[], validate_choice=False)
    duty_phone = StringField(_l("Duty phone"), validators=[Optional(), Length(max=20, message=MAX_LEN),
                                                          phone_number])
    check_interval_days = WholeNumberField(_l("Days between routine checks"), default=30, validators=[
        InputRequired(message=_l("Enter a number of days.")),
        NumberRange(min=1, max=92, message=_l("Between %(min)d and %(max)d days."))])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.chief_id.choices = [("", _("(nobody yet)"))] + [(p.id, p.name) for p in people]
        self._people = {p.id for p in people}

    def validate_chief_id(self, field):
        if field.data and field.data not in self._people:
            raise ValidationError(_("Choose the chief from the roster."))


def kind_choices():
    return {str(GROUPS[group]): [(k, str(label)) for k, (g, label) in CATALOGUE.items() if g == group]
            for group in GROUPS}


class ItemForm(FlaskForm):
    kind = SelectField(_l("Equipment"), choices=[], validate_choice=False,
                       validators=[DataRequired(message=_l("Choose the equipment."))])
    spec = StringField(_l("Model or specification"), validators=[Optional(), Length(max=60, message=MAX_LEN)])
    quantity = WholeNumberField(_l("Quantity"), default=1, validators=[
        InputRequired(message=_l("Enter the quantity.")),
        NumberRange(min=0, max=9999, message=_l("The quantity is a whole number from %(min)d to %(max)d."))])
    label = StringField(_l("Label or serial number"), validators=[Optional(), Length(max=60, message=MAX_LEN)])
    place = StringField(_l("Kept where"), validators=[Optional(), Length(max=40, message=MAX_LEN)])
    last_serviced_on = DayField(_l("Last serviced"), validators=[Optional()])
    expires_on = DayField(_l("Service / expiry date"), validators=[Optional()])
    test_due_on = DayField(_l("Next cylinder test"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200, message=MAX_LEN)])

    def __init__(self, *args, is_new: bool = True, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self._is_new = is_new
        self._today = today or local_today()

    def validate_kind(self, field):
        if field.data not in CATALOGUE:
            raise ValidationError(_("Choose the equipment from the list."))
        if field.data == "other" and not (self.spec.data or "").strip():
            raise ValidationError(_("Name the equipment in Model or specification."))

    def _future(self, field):
        # a new item is put into service: it may not arrive already expired
        if self._is_new and field.data is not None and field.data < self._today:
            raise ValidationError(_("This date has already passed. An expired item cannot be put into "
                                    "service: have it serviced or replaced first."))

    def validate_expires_on(self, field):
        self._future(field)

    def validate_test_due_on(self, field):
        self._future(field)

    def validate_last_serviced_on(self, field):
        if field.data is not None and field.data > self._today:
            raise ValidationError(_("The last service cannot be in the future."))


class ChecklistItemForm(FlaskForm):
    prompt = StringField(_l("What to check"), validators=[
        DataRequired(message=_l("Say what to check.")), Length(max=200, message=MAX_LEN)])
    check_type = SelectField(_l("How it is checked"), choices=[], validate_choice=False,
                             validators=[DataRequired(message=_l("Choose how it is checked."))])
    kind = SelectField(_l("For which equipment"), choices=[], validate_choice=False)
    threshold = NumberField(_l("Least pressure (MPa)"), places=1, validators=[
        Optional(), NumberRange(min=0, max=40, message=_l("Between %(min)d and %(max)d MPa."))])
    date_field = SelectField(_l("Which date"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_type.choices = [(k, str(v)) for k, v in CHECK_TYPES.items()]
        self.kind.choices = [("", _("The station as a whole"))] + [
            (k, str(label)) for k, (g, label) in CATALOGUE.items()]
        self.date_field.choices = [(k, str(v)) for k, v in DATE_FIELDS.items()]

    def validate_kind(self, field):
        if field.data and field.data not in CATALOGUE:
            raise ValidationError(_("Choose the equipment from the list."))

    def validate_check_type(self, field):
        if field.data not in CHECK_TYPES:
            raise ValidationError(_("Choose how it is checked."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # rules across fields: an optional field's own validators stop when it is empty
        ctype = self.check_type.data
        if ctype in ("count", "date") and not self.kind.data and not self.kind.errors:
            self.kind.errors = list(self.kind.errors) + [_("A count or a date needs the equipment it is about.")]
            ok = False
        if ctype == "pressure" and self.threshold.data is None and not self.threshold.errors:
            self.threshold.errors = list(self.threshold.errors) + [_("Enter the least acceptable pressure.")]
            ok = False
        if ctype == "date" and self.date_field.data not in DATE_FIELDS:
            self.date_field.errors = list(self.date_field.errors) + [_("Choose which date must still be valid.")]
            ok = False
        return ok
