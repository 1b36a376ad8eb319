"""Forms: registry entries, inspections, pool checks, residents' reports and the township's intervals.

Each form turns what was typed into the values the service writes (``values()``, ``answers()``):
the service never sees a form field.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import MAX_CHARS, ClientIdForm, VersionedForm, choices, one_of, parse_number, strip
from ..validators import phone_number
from .models import (HYDRANT_KINDS, ICE_STATES, INSPECTION_ITEMS, ITEM_RESULTS, POOL_CHECK_KINDS, PROBLEMS,
                     STATUSES, WATER_LEVELS, WATER_SOURCES)

INTERVAL_MONTHS = (1, 2, 3, 4, 6, 12)

_coordinate_help = _l("Optional. Read it from a phone's map app where the hydrant stands.")


def _in_range(field, low, high, message) -> None:
    try:
        value = parse_number(field.data)
    except ValueError:
        raise ValidationError(message)
    if value is not None and not low <= value <= high:
        raise ValidationError(message)


def _given(field) -> bool:
    return field.data not in (None, "")


class PlaceForm(ClientIdForm, VersionedForm):
    """What a hydrant and a pool share: where it is on the plot, its status and a note. The subclass
    names the place itself (``location``), each in its own words. A new one has a ``client_id``; an
    edited one is loaded from its record (``record=asset``), whose version the form carries."""

    latitude = StringField(_l("Latitude (°N)"), filters=[strip], description=_coordinate_help)
    longitude = StringField(_l("Longitude (°E)"), filters=[strip])
    status = SelectField(_l("Status"), choices=lambda: choices(STATUSES), default="in_service",
                         validate_choice=False, validators=[one_of(STATUSES, _l("Choose a status."))])
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=200, message=MAX_CHARS)])

    def validate_latitude(self, field):
        _in_range(field, -90, 90, _("Latitude is a number of degrees between -90 and 90, e.g. 27.6612."))

    def validate_longitude(self, field):
        _in_range(field, -180, 180, _("Longitude is a number of degrees between -180 and 180, e.g. 120.5634."))
        if _given(self.latitude) != _given(field):
            raise ValidationError(_("Give both latitude and longitude, or neither."))

    def place_values(self) -> dict:
        return dict(location=self.location.data, latitude=parse_number(self.latitude.data),
                    longitude=parse_number(self.longitude.data), status=self.status.data,
                    note=self.note.data or None)


class HydrantForm(PlaceForm):
    location = StringField(_l("Where it stands"), filters=[strip], validators=[
        DataRequired(message=_l("Say where the hydrant stands.")), Length(max=200, message=MAX_CHARS)])
    kind = RadioField(_l("Type"), choices=lambda: choices(HYDRANT_KINDS), default="above_ground",
                      validate_choice=False, validators=[one_of(HYDRANT_KINDS, _l("Choose the type of hydrant."))])
    outlets = StringField(_l("Outlets"), default="DN100×1, DN65×2", filters=[strip],
                          validators=[Optional(), Length(max=40, message=MAX_CHARS)])
    water_source = SelectField(_l("Water source"), choices=lambda: choices(WATER_SOURCES), default="mains",
                               validate_choice=False,
                               validators=[one_of(WATER_SOURCES, _l("Choose the water source."))])

    def values(self) -> dict:
        return dict(self.place_values(), kind=self.kind.data, outlets=self.outlets.data or "",
                    water_source=self.water_source.data)


class PoolForm(PlaceForm):
    name = StringField(_l("Pool name"), filters=[strip], validators=[
        DataRequired(message=_l("Give the pool a name.")), Length(max=40, message=MAX_CHARS)])
    location = StringField(_l("Where it is"), filters=[strip], validators=[
        DataRequired(message=_l("Say where the pool is.")), Length(max=200, message=MAX_CHARS)])
    capacity_m3 = StringField(_l("Capacity (m³)"), filters=[strip])

    def validate_capacity_m3(self, field):
        message = _("Capacity is a number of cubic metres, e.g. 200.")
        try:
            value = parse_number(field.data)
        except ValueError:
            raise ValidationError(message)
        if value is not None and not 0 < value <= 1_000_000:
            raise ValidationError(message)

    def values(self) -> dict:
        return dict(self.place_values(), name=self.name.data, capacity_m3=parse_number(self.capacity_m3.data))


class InspectionForm(ClientIdForm):
    """Item fields are added below: item_<key> (pass|fail|na), note_<key>, photo_<key>."""

    pressure = StringField(_l("Pressure (MPa)"), filters=[strip],
                           description=_l("Only where a gauge is fitted. Leave empty otherwise."))
    note = TextAreaField(_l("Note on the whole inspection"), filters=[strip],
                         validators=[Optional(), Length(max=500, message=MAX_CHARS)])

    def items(self):
        """(key, label, result field, note field, photo field) per inspection item."""
        return [(k, label, self[f"item_{k}"], self[f"note_{k}"], self[f"photo_{k}"])
                for k, label in INSPECTION_ITEMS.items()]

    def all_passed(self) -> None:
        """Start with every item passed (the "everything passed" link, without scripts)."""
        for key in INSPECTION_ITEMS:
            self[f"item_{key}"].data = "pass"

    def answers(self) -> dict:
        """{item: pass|fail|na}."""
        return {k: self[f"item_{k}"].data for k in INSPECTION_ITEMS}

    def item_notes(self) -> dict:
        """{item: note}, only for the items that have one."""
        return {k: note for k in INSPECTION_ITEMS if (note := self[f"note_{k}"].data)}

    def pressure_mpa(self) -> float | None:
        return parse_number(self.pressure.data)

    def validate_pressure(self, field):
        try:
            value = parse_number(field.data)
        except ValueError:
            raise ValidationError(_("Enter the pressure as a number in MPa, e.g. 0.25."))
        if value is not None and not 0 <= value <= 2:
            raise ValidationError(_("The pressure must be between 0 and 2 MPa."))


for _key in INSPECTION_ITEMS:
    setattr(InspectionForm, f"item_{_key}", RadioField(
        INSPECTION_ITEMS[_key], choices=lambda: choices(ITEM_RESULTS), validate_choice=False,
        validators=[one_of(ITEM_RESULTS, _l("Choose pass, fail or not applicable."))]))
    setattr(InspectionForm, f"note_{_key}", StringField(
        _l("Note"), filters=[strip], validators=[Optional(), Length(max=200, message=MAX_CHARS)]))
    setattr(InspectionForm, f"photo_{_key}", FileField(_l("Photo")))


class PoolCheckForm(ClientIdForm):
    check_kind = HiddenField(validators=[one_of(POOL_CHECK_KINDS, _l("Choose the kind of check."))])
    water_level = RadioField(_l("Water level"), choices=lambda: choices(WATER_LEVELS), validate_choice=False)
    ice = RadioField(_l("Ice"), choices=lambda: choices(ICE_STATES), validate_choice=False)
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=500, message=MAX_CHARS)])
    photo = FileField(_l("Photo"))

    def validate_water_level(self, field):
        if self.check_kind.data == "level" and field.data not in WATER_LEVELS:
            raise ValidationError(_("Choose the water level."))

    def validate_ice(self, field):
        if self.check_kind.data == "ice" and field.data not in ICE_STATES:
            raise ValidationError(_("Choose what you found."))

    def finding(self) -> tuple[str | None, str | None]:
        """(water level, ice): only the one the check is about."""
        kind = self.check_kind.data
        return (self.water_level.data if kind == "level" else None, self.ice.data if kind == "ice" else None)


class ReportForm(ClientIdForm):
    problem = RadioField(_l("What is wrong?"), choices=lambda: choices(PROBLEMS), validate_choice=False,
                         validators=[one_of(PROBLEMS, _l("Choose what is wrong."))])
    description = TextAreaField(_l("More details (optional)"), filters=[strip],
                                validators=[Optional(), Length(max=500, message=MAX_CHARS)])
    photo = FileField(_l("Photo (optional)"))
    phone = StringField(_l("Your phone number (optional)"), filters=[strip],
                        description=_l("Only the village committee sees it, to call you back."),
                        validators=[Optional(), Length(max=20, message=MAX_CHARS), phone_number])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # "other" needs words; checked here because Optional() ends the field's own chain
        if self.problem.data == "other" and not self.description.data:
            self.description.errors = list(self.description.errors) + [_("Say in a few words what is wrong.")]
            valid = False
        return valid


def _month_choices():
    return choices({str(n): _("Every %(n)d months", n=n) if n > 1 else _("Every month") for n in INTERVAL_MONTHS})


class IntervalsForm(VersionedForm):
    """The township's intervals; ``record``: its row, when it has set them (else the defaults show)."""

    hydrant_months = SelectField(_l("Hydrant inspections"), choices=_month_choices, validate_choice=False)
    pool_months = SelectField(_l("Water-level checks of fire water pools"), choices=_month_choices,
                              validate_choice=False)

    def _months(self, field):
        if field.data not in {str(n) for n in INTERVAL_MONTHS}:
            raise ValidationError(_("Choose how many months."))

    validate_hydrant_months = _months
    validate_pool_months = _months
