"""Forms: an activity (with attendance for a training or a drill) and a month of the yearly plan."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..context import local_today
from ..forms import MAX_CHARS, ClientIdForm, LocalDateField, choices, one_of, parse_int, strip
from .models import ATTENDED_KINDS, KINDS, MAX_REACHED

PLACES = [_l("Village cultural hall"), _l("Village committee"), _l("Every hamlet"), _l("Micro fire station"),
          _l("Market square")]
TOPICS = [_l("Charging e-bikes safely"), _l("Fire and electricity at home"), _l("Winter fire safety"),
          _l("LPG cylinders"), _l("No open burning"), _l("Using an extinguisher"), _l("Escaping a fire")]
REACHED_PRESETS = (20, 50, 100, 200, 500)


class ActivityForm(ClientIdForm):
    kind = RadioField(_l("Activity"), validate_choice=False,
                      validators=[one_of(KINDS, _l("Choose the kind of activity."))])
    held_on = LocalDateField(_l("Day"), validators=[DataRequired(message=_l("Enter the day."))])
    ends_on = LocalDateField(_l("Last day (a campaign over several days)"), validators=[Optional()])
    place = StringField(_l("Where"), filters=[strip], validators=[Optional(), Length(max=80, message=MAX_CHARS)])
    topic = StringField(_l("Topic"), filters=[strip], validators=[Optional(), Length(max=120, message=MAX_CHARS)])
    organisers = SelectMultipleField(_l("Who ran it"), validate_choice=False,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    reached = StringField(_l("How many people were reached"), filters=[strip])
    attendees = SelectMultipleField(_l("Who took part (from the roster)"), validate_choice=False,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=500, message=MAX_CHARS)])
    photos = MultipleFileField(_l("Photos (optional)"))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(KINDS)
        names = {p.id: p.name for p in people}
        self.organisers.choices = choices(names)
        self.attendees.choices = choices(names)

    @property
    def takes_attendance(self) -> bool:
        return self.kind.data in ATTENDED_KINDS

    def validate_held_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_("Record an activity once it has taken place: this day has not come yet."))

    def validate_ends_on(self, field):
        if field.data and self.held_on.data and field.data < self.held_on.data:
            raise ValidationError(_("The last day cannot come before the first."))

    def validate_reached(self, field):
        try:
            value = parse_int(field.data)
        except ValueError:
            raise ValidationError(_("Enter how many people as a whole number.")) from None
        if value is not None and not 0 <= value <= MAX_REACHED:
            raise ValidationError(_("Enter how many people as a whole number."))

    def _on_roster(self, field):
        if any(v not in {c.value for c in field.choices} for v in field.data or []):
            raise ValidationError(_("Only people on the village's roster can be named."))

    def validate_organisers(self, field):
        self._on_roster(field)

    def validate_attendees(self, field):
        self._on_roster(field)
        if self.takes_attendance and not field.data:
            raise ValidationError(_("Tap who took part."))
        if not self.takes_attendance:
            field.data = []

    def values(self) -> dict:
        return dict(kind=self.kind.data, held_on=self.held_on.data, ends_on=self.ends_on.data,
                    place=self.place.data or "", topic=self.topic.data or "",
                    organiser_ids=list(self.organisers.data or []), attendee_ids=list(self.attendees.data or []),
                    reached=parse_int(self.reached.data), note=self.note.data or "")


def planned_counts(form) -> dict[str, int]:
    """``planned-<kind>`` of a posted month of the plan, as whole numbers (anything else counts 0)."""
    counts = {}
    for kind in KINDS:
        try:
            counts[kind] = max(0, parse_int(form.get(f"planned-{kind}")) or 0)
        except ValueError:
            counts[kind] = 0
    return counts
