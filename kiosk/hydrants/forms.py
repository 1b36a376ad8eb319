"""Forms: registry entries, inspections, pool checks, residents' reports and the township's intervals.

Every form that creates a record carries a client-made id (a UUID made when the form was shown), so
that a resubmitted form finds its record instead of adding a second one.
"""
from __future__ import annotations

import unicodedata
import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..records import uuid7

from ..validators import phone_number
from .models import (HYDRANT_KINDS, ICE_STATES, INSPECTION_ITEMS, ITEM_RESULTS, POOL_CHECK_KINDS, PROBLEMS,
                     STATUSES, WATER_LEVELS, WATER_SOURCES)

MAX_NOTE = _l("At most %(max)d characters.")


def client_id(value: str | None) -> str:
    """The form's client-made id if it is a UUID, else a fresh one."""
    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return uuid7()


def parse_number(text: str | None) -> float | None:
    """A decimal typed on any keyboard: full-width digits and a decimal comma are accepted."""
    value = unicodedata.normalize("NFKC", text or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(value)
    return number


def _choices(mapping) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in mapping.items()]


def _one_of(mapping, message):
    def check(form, field):
        if field.data not in mapping:
            raise ValidationError(message)
    return check


class ClientIdForm(FlaskForm):
    client_id = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client_id.data = client_id(self.client_id.data)


class PlaceMixin:
    def _coordinate(self, field, low, high, message):
        try:
            value = parse_number(field.data)
        except ValueError:
            raise ValidationError(message)
        if value is not None and not low <= value <= high:
            raise ValidationError(message)
        field.number = value

    def validate_latitude(self, field):
        self._coordinate(field, -90, 90, _("Latitude is a number of degrees between -90 and 90, e.g. 27.6612."))

    def validate_longitude(self, field):
        self._coordinate(field, -180, 180,
                         _("Longitude is a number of degrees between -180 and 180, e.g. 120.5634."))
        lat_given = bool((self.latitude.data or "").strip())
        lon_given = bool((field.data or "").strip())
        if lat_given != lon_given:
            raise ValidationError(_("Give both latitude and longitude, or neither."))


_coordinate_help = _l("Optional. Read it from a phone's map app where the hydrant stands.")


class HydrantForm(PlaceMixin, ClientIdForm):
    location = StringField(_l("Where it stands"), validators=[
        DataRequired(message=_l("Say where the hydrant stands.")), Length(max=200, message=MAX_NOTE)])
    kind = RadioField(_l("Type"), choices=[], default="above_ground", validate_choice=False,
                      validators=[_one_of(HYDRANT_KINDS, _l("Choose the type of hydrant."))])
    outlets = StringField(_l("Outlets"), default="DN100×1, DN65×2",
                          validators=[Optional(), Length(max=40, message=MAX_NOTE)])
    water_source = SelectField(_l("Water source"), choices=[], default="mains", validate_choice=False,
                               validators=[_one_of(WATER_SOURCES, _l("Choose the water source."))])
    latitude = StringField(_l("Latitude (°N)"), description=_coordinate_help)
    longitude = StringField(_l("Longitude (°E)"))
    status = SelectField(_l("Status"), choices=[], default="in_service", validate_choice=False,
                         validators=[_one_of(STATUSES, _l("Choose a status."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200, message=MAX_NOTE)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(HYDRANT_KINDS)
        self.water_source.choices = _choices(WATER_SOURCES)
        self.status.choices = _choices(STATUSES)


class PoolForm(PlaceMixin, ClientIdForm):
    name = StringField(_l("Pool name"), validators=[DataRequired(message=_l("Give the pool a name.")),
                                               Length(max=40, message=MAX_NOTE)])
    location = StringField(_l("Where it is"), validators=[
        DataRequired(message=_l("Say where the pool is.")), Length(max=200, message=MAX_NOTE)])
    capacity_m3 = StringField(_l("Capacity (m³)"))
    latitude = StringField(_l("Latitude (°N)"), description=_coordinate_help)
    longitude = StringField(_l("Longitude (°E)"))
    status = SelectField(_l("Status"), choices=[], default="in_service", validate_choice=False,
                         validators=[_one_of(STATUSES, _l("Choose a status."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200, message=MAX_NOTE)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _choices(STATUSES)

    def validate_capacity_m3(self, field):
        message = _("Capacity is a number of cubic metres, e.g. 200.")
        try:
            value = parse_number(field.data)
        except ValueError:
            raise ValidationError(message)
        if value is not None and not 0 < value <= 1_000_000:
            raise ValidationError(message)
        field.number = value


class InspectionForm(ClientIdForm):
    """Item fields are added below: item_<key> (pass|fail|na), note_<key>, photo_<key>."""

    pressure = StringField(_l("Pressure (MPa)"),
                           description=_l("Only where a gauge is fitted. Leave empty otherwise."))
    note = TextAreaField(_l("Note on the whole inspection"),
                         validators=[Optional(), Length(max=500, message=MAX_NOTE)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in INSPECTION_ITEMS:
            self[f"item_{key}"].choices = _choices(ITEM_RESULTS)

    def items(self):
        """(key, label, result field, note field, photo field) per inspection item."""
        return [(k, label, self[f"item_{k}"], self[f"note_{k}"], self[f"photo_{k}"])
                for k, label in INSPECTION_ITEMS.items()]

    def validate_pressure(self, field):
        try:
            value = parse_number(field.data)
        except ValueError:
            raise ValidationError(_("Enter the pressure as a number in MPa, e.g. 0.25."))
        if value is not None and not 0 <= value <= 2:
            raise ValidationError(_("The pressure must be between 0 and 2 MPa."))
        field.number = value


for _key in INSPECTION_ITEMS:
    setattr(InspectionForm, f"item_{_key}", RadioField(
        INSPECTION_ITEMS[_key], choices=[], validate_choice=False,
        validators=[_one_of(ITEM_RESULTS, _l("Choose pass, fail or not applicable."))]))
    setattr(InspectionForm, f"note_{_key}", StringField(
        _l("Note"), validators=[Optional(), Length(max=200, message=MAX_NOTE)]))
    setattr(InspectionForm, f"photo_{_key}", FileField(_l("Photo")))


class PoolCheckForm(ClientIdForm):
    check_kind = HiddenField(validators=[_one_of(POOL_CHECK_KINDS, _l("Choose the kind of check."))])
    water_level = RadioField(_l("Water level"), choices=[], validate_choice=False)
    ice = RadioField(_l("Ice"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500, message=MAX_NOTE)])
    photo = FileField(_l("Photo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.water_level.choices = _choices(WATER_LEVELS)
        self.ice.choices = _choices(ICE_STATES)

    def validate_water_level(self, field):
        if self.check_kind.data == "level" and field.data not in WATER_LEVELS:
            raise ValidationError(_("Choose the water level."))

    def validate_ice(self, field):
        if self.check_kind.data == "ice" and field.data not in ICE_STATES:
            raise ValidationError(_("Choose what you found."))


class ReportForm(ClientIdForm):
    problem = RadioField(_l("What is wrong?"), choices=[], validate_choice=False,
                         validators=[_one_of(PROBLEMS, _l("Choose what is wrong."))])
    description = TextAreaField(_l("More details (optional)"),
                                validators=[Optional(), Length(max=500, message=MAX_NOTE)])
    photo = FileField(_l("Photo (optional)"))
    phone = StringField(_l("Your phone number (optional)"),
                        description=_l("Only the village committee sees it, to call you back."),
                        validators=[Optional(), Length(max=20, message=MAX_NOTE), phone_number])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problem.choices = _choices(PROBLEMS)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # "other" needs words; checked here because Optional() ends the field's own chain
        if self.problem.data == "other" and not (self.description.data or "").strip():
            self.description.errors = list(self.description.errors) + [_("Say in a few words what is wrong.")]
            valid = False
        return valid


class IntervalsForm(FlaskForm):
    hydrant_months = SelectField(_l("Hydrant inspections"), choices=[], validate_choice=False)
    pool_months = SelectField(_l("Water-level checks of fire water pools"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = [(str(n), _("Every %(n)d months", n=n) if n > 1 else _("Every month")) for n in (1, 2, 3, 4, 6, 12)]
        self.hydrant_months.choices = months
        self.pool_months.choices = months

    def _months(self, field):
        if field.data not in {"1", "2", "3", "4", "6", "12"}:
            raise ValidationError(_("Choose how many months."))

    validate_hydrant_months = _months
    validate_pool_months = _months
