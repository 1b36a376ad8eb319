"""The incident form: times as tapped on the night of the fire, preset choices for the rest."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..context import local_now, local_today
from ..forms import MAX_CHARS, ClientIdForm, LocalDateField, choices, one_of, parse_clock, strip
from .models import HANDED_TO, WHAT_BURNED
from .service import arrival

PLACE_PHRASES = [_l("Rented housing on"), _l("Behind the market"), _l("E-bike shed"), _l("Hillside above the village")]


def _clock(field, required: bool = False):
    if not field.data and not required:
        return
    if parse_clock(field.data) is None:
        raise ValidationError(_("Enter a time such as 22:30."))


class IncidentForm(ClientIdForm):
    alarm_on = LocalDateField(_l("Day of the alarm"), validators=[DataRequired(message=_l("Enter the day of the alarm."))])
    alarm_time = StringField(_l("Alarm received at"), filters=[strip])
    place = StringField(_l("Where"), filters=[strip], validators=[
        DataRequired(message=_l("Say where the fire was.")), Length(max=120, message=MAX_CHARS)])
    burned = RadioField(_l("What burned"), validate_choice=False,
                        validators=[one_of(WHAT_BURNED, _l("Choose what burned."))])
    responders = SelectMultipleField(_l("Who of the micro station went"), validate_choice=False,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    station_time = StringField(_l("Micro station on the scene at"), filters=[strip])
    brigade_time = StringField(_l("Fire brigade on the scene at"), filters=[strip])
    equipment = SelectMultipleField(_l("Equipment used"), validate_choice=False,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    handed_to = RadioField(_l("Scene protection handed to"), validate_choice=False)
    handed_to_name = StringField(_l("Name (optional)"), filters=[strip],
                                 validators=[Optional(), Length(max=60, message=MAX_CHARS)])
    casualties = StringField(_l("Injured or dead (optional)"), filters=[strip],
                             validators=[Optional(), Length(max=120, message=MAX_CHARS)])
    note = TextAreaField(_l("What happened (optional)"), filters=[strip],
                         validators=[Optional(), Length(max=1000, message=MAX_CHARS)])
    photos = MultipleFileField(_l("Photos (optional)"))

    def __init__(self, *args, people=(), lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.burned.choices = choices(WHAT_BURNED)
        self.handed_to.choices = choices(HANDED_TO)
        self.responders.choices = choices({p.id: p.name for p in people})
        self.equipment.choices = choices({line.id: line.title for line in lines})

    def validate_alarm_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_("This day has not come yet."))

    def validate_alarm_time(self, field):
        _clock(field, required=True)
        alarm = self.alarm()
        if alarm is not None and alarm > local_now():
            raise ValidationError(_("A fire is recorded after the alarm: this time has not come yet."))

    def validate_station_time(self, field):
        _clock(field)
        self._after_alarm(field)

    def validate_brigade_time(self, field):
        _clock(field)
        self._after_alarm(field)

    def _after_alarm(self, field):
        alarm = self.alarm()
        moment = arrival(alarm, parse_clock(field.data)) if alarm is not None else None
        if moment is not None and moment < alarm:
            raise ValidationError(_("Arrival on the scene must come after the alarm (within 12 hours)."))

    def validate_responders(self, field):
        if any(v not in {c.value for c in field.choices} for v in field.data or []):
            raise ValidationError(_("Choose who went from the village's roster."))

    def validate_equipment(self, field):
        if any(v not in {c.value for c in field.choices} for v in field.data or []):
            raise ValidationError(_("Choose equipment of the village's station."))

    def validate_handed_to(self, field):
        if field.data and field.data not in HANDED_TO:
            raise ValidationError(_("Choose one of the options."))
        if not field.data:
            field.data = None

    def alarm(self) -> dt.datetime | None:
        clock = parse_clock(self.alarm_time.data)
        if self.alarm_on.data is None or clock is None:
            return None
        return dt.datetime.combine(self.alarm_on.data, clock)

    def values(self) -> dict:
        """Wall-clock moments; the view turns them into UTC."""
        alarm = self.alarm()
        return dict(alarm_at=alarm, station_arrived_at=arrival(alarm, parse_clock(self.station_time.data)),
                    brigade_arrived_at=arrival(alarm, parse_clock(self.brigade_time.data)),
                    place=self.place.data, burned=self.burned.data, responder_ids=list(self.responders.data or []),
                    equipment_ids=list(self.equipment.data or []), handed_to=self.handed_to.data,
                    handed_to_name=self.handed_to_name.data or "", casualties=self.casualties.data or "",
                    note=self.note.data or "")
