"""Forms of the station: starting a check, and the committee's screens. The check's steps post plain
buttons (see ``service.parse_answer``): one tap is one answer."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..context import local_today
from ..forms import MAX_CHARS, ClientIdForm, NumberField, VersionedForm, WholeNumberField, choices, one_of, strip
from ..validators import phone_number
from .models import CATALOGUE, CHECK_TYPES, DATE_FIELDS, GROUPS, REASONS


class _OwnComplaint:
    """A field whose complaint about a value it cannot read is ours (translated), not WTForms' own."""

    complaint = None

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(self.complaint))


class DayField(_OwnComplaint, DateField):
    complaint = _l("Enter a date as year-month-day.")


def _known_reason(value):
    # an occasion nobody offered is a routine check, as the screen preselects
    return value if value in REASONS else "monthly"


class StartCheckForm(ClientIdForm):
    reason = RadioField(_l("Occasion"), default="monthly", validate_choice=False, filters=[_known_reason])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = choices(REASONS)


class StationForm(VersionedForm):
    """The station's details: set up (no record yet) or changed (``record=station``)."""

    name = StringField(_l("Station name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the station's name.")), Length(max=60, message=MAX_CHARS)])
    location = StringField(_l("Where it is"), default="", filters=[strip],
                           validators=[Optional(), Length(max=120, message=MAX_CHARS)])
    chief_id = SelectField(_l("Station chief"), validate_choice=False)
    duty_phone = StringField(_l("Duty phone"), filters=[strip], validators=[
        Optional(), Length(max=20, message=MAX_CHARS), phone_number])
    check_interval_days = WholeNumberField(_l("Days between routine checks"), default=30, validators=[
        InputRequired(message=_l("Enter a number of days.")),
        NumberRange(min=1, max=92, message=_l("Between %(min)d and %(max)d days."))])

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._people = {p.id: p.name for p in people}
        self.chief_id.choices = choices(self._people, blank=_("(nobody yet)"))

    def validate_chief_id(self, field):
        if field.data and field.data not in self._people:
            raise ValidationError(_("Choose the chief from the roster."))

    def details(self) -> dict:
        return dict(name=self.name.data, location=self.location.data, chief_id=self.chief_id.data or None,
                    duty_phone=self.duty_phone.data or None, check_interval_days=self.check_interval_days.data)


def kind_choices():
    """The catalogue by equipment group (one <optgroup> each), in the standard's order."""
    grouped = []
    for group, group_label in GROUPS.items():
        for choice in choices({k: label for k, (g, label) in CATALOGUE.items() if g == group}):
            choice.optgroup = str(group_label)
            grouped.append(choice)
    return grouped


class ItemForm(VersionedForm):
    """A line of the inventory, new or changed (``record=line``)."""

    kind = SelectField(_l("Equipment"), validate_choice=False,
                       validators=[DataRequired(message=_l("Choose the equipment.")),
                                   one_of(CATALOGUE, _l("Choose the equipment from the list."))])
    spec = StringField(_l("Model or specification"), default="", filters=[strip],
                       validators=[Optional(), Length(max=60, message=MAX_CHARS)])
    quantity = WholeNumberField(_l("Quantity"), default=1, validators=[
        InputRequired(message=_l("Enter the quantity.")),
        NumberRange(min=0, max=9999, message=_l("The quantity is a whole number from %(min)d to %(max)d."))])
    label = StringField(_l("Label or serial number"), default="", filters=[strip],
                        validators=[Optional(), Length(max=60, message=MAX_CHARS)])
    place = StringField(_l("Kept where"), default="", filters=[strip],
                        validators=[Optional(), Length(max=40, message=MAX_CHARS)])
    last_serviced_on = DayField(_l("Last serviced"), validators=[Optional()])
    expires_on = DayField(_l("Service / expiry date"), validators=[Optional()])
    test_due_on = DayField(_l("Next cylinder test"), validators=[Optional()])
    note = StringField(_l("Note"), default="", filters=[strip],
                       validators=[Optional(), Length(max=200, message=MAX_CHARS)])

    FIELDS = ("kind", "spec", "quantity", "label", "place", "last_serviced_on", "expires_on", "test_due_on", "note")

    def __init__(self, *args, is_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self._is_new = is_new
        self._today = local_today()

    def validate_kind(self, field):
        if field.data == "other" and not self.spec.data:
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

    def details(self) -> dict:
        return {name: self[name].data for name in self.FIELDS}


class ChecklistItemForm(FlaskForm):
    prompt = StringField(_l("What to check"), filters=[strip], validators=[
        DataRequired(message=_l("Say what to check.")), Length(max=200, message=MAX_CHARS)])
    check_type = SelectField(_l("How it is checked"), validate_choice=False,
                             validators=[one_of(CHECK_TYPES, _l("Choose how it is checked."))])
    kind = SelectField(_l("For which equipment"), validate_choice=False)
    threshold = NumberField(_l("Least pressure (MPa)"), places=1, validators=[
        Optional(), NumberRange(min=0, max=40, message=_l("Between %(min)d and %(max)d MPa."))])
    date_field = SelectField(_l("Which date"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_type.choices = choices(CHECK_TYPES)
        self.kind.choices = choices({k: label for k, (_g, label) in CATALOGUE.items()},
                                    blank=_("The station as a whole"))
        self.date_field.choices = choices(DATE_FIELDS)

    def validate_kind(self, field):
        if field.data and field.data not in CATALOGUE:
            raise ValidationError(_("Choose the equipment from the list."))

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

    def details(self) -> dict:
        """The new item's fields; the service keeps only what its check type uses."""
        return dict(prompt=self.prompt.data, check_type=self.check_type.data, kind=self.kind.data or None,
                    threshold=float(self.threshold.data) if self.threshold.data is not None else None,
                    date_field=self.date_field.data)
