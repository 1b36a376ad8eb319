"""Forms: the township's key periods, routes and checkpoints, a patrol run and a finding.

Each form turns what was tapped into what the service writes; the service never sees a field.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..context import local_now, local_today
from ..forms import MAX_CHARS, ClientIdForm, LocalDateField, choices, one_of, parse_clock, strip
from ..hazards.models import CATEGORIES, SEVERITIES
from .models import CHECKPOINT_KINDS
from .service import on_the_night

MAX_PERIOD_DAYS = 366

# preset names the township picks from (DOMAIN.md: key periods)
PERIOD_NAMES = [_l("Spring Festival"), _l("Lantern Festival"), _l("Qingming"), _l("Autumn–winter dry season"),
                _l("National Day holiday")]
FINDING_PHRASES = [_l("E-bike charging in the corridor"), _l("Flying-lead charging"), _l("Passage blocked"),
                   _l("Open burning"), _l("Hydrant blocked"), _l("Told the owner, fixed on the spot")]


class KeyPeriodForm(ClientIdForm):
    name = StringField(_l("Name of the key period"), filters=[strip], validators=[
        DataRequired(message=_l("Name the key period.")), Length(max=40, message=MAX_CHARS)])
    starts_on = LocalDateField(_l("First night"), validators=[DataRequired(message=_l("Enter the first night."))])
    ends_on = LocalDateField(_l("Last night of the period"), validators=[DataRequired(message=_l("Enter the last night."))])
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=200, message=MAX_CHARS)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data:
            if field.data < self.starts_on.data:
                raise ValidationError(_("The last night cannot come before the first."))
            if (field.data - self.starts_on.data).days >= MAX_PERIOD_DAYS:
                raise ValidationError(_("A key period lasts at most a year."))

    def values(self) -> dict:
        return dict(name=self.name.data, starts_on=self.starts_on.data, ends_on=self.ends_on.data,
                    note=self.note.data or "")


class RouteForm(ClientIdForm):
    name = StringField(_l("Name of the route"), filters=[strip], validators=[
        DataRequired(message=_l("Name the route.")), Length(max=40, message=MAX_CHARS)])
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=200, message=MAX_CHARS)])


class CheckpointForm(ClientIdForm):
    name = StringField(_l("Checkpoint"), filters=[strip], validators=[
        DataRequired(message=_l("Name the checkpoint.")), Length(max=60, message=MAX_CHARS)])
    kind = RadioField(_l("What is there"), default="rented_housing", validate_choice=False,
                      validators=[one_of(CHECKPOINT_KINDS, _l("Choose what is at the checkpoint."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(CHECKPOINT_KINDS)


class RunForm(ClientIdForm):
    """A patrol entered afterwards. Times are of the night of ``night``: from noon on that evening,
    before noon the next morning. The checkpoints of the route come as ``reached`` (ids) and their
    times as ``time-<id>``."""

    night = LocalDateField(_l("Night of"), validators=[DataRequired(message=_l("Choose the night."))])
    start = StringField(_l("Started at"), default="22:00", filters=[strip])
    end = StringField(_l("Ended at"), default="23:30", filters=[strip])
    patrollers = SelectMultipleField(_l("Who patrolled"), validate_choice=False,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    reached = SelectMultipleField(_l("Checkpoints reached"), validate_choice=False,
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    note = StringField(_l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=500, message=MAX_CHARS)])

    def __init__(self, *args, people=(), points=(), times=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.patrollers.choices = choices({p.id: p.name for p in people})
        self.reached.choices = choices({p.id: p.name for p in points})
        self.points = list(points)
        # what was typed per checkpoint, shown again when the form comes back with errors
        self.times = {p.id: (times or {}).get(f"time-{p.id}", "") for p in self.points}
        self.time_errors: dict[str, str] = {}

    def validate_night(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_("A patrol is recorded after it happened: this night has not come yet."))
        if field.data and (local_today() - field.data).days > 366:
            raise ValidationError(_("This night is more than a year ago."))

    def validate_start(self, field):
        if parse_clock(field.data) is None:
            raise ValidationError(_("Enter a time such as 22:30."))

    def validate_end(self, field):
        start, end = parse_clock(self.start.data), parse_clock(field.data)
        if end is None:
            raise ValidationError(_("Enter a time such as 22:30."))
        if start is not None and self.night.data and self.moment(end) <= self.moment(start):
            raise ValidationError(_("The patrol must end after it starts."))
        if self.night.data and self.moment(end) > local_now():
            raise ValidationError(_("A patrol is recorded after it has ended: this time has not come yet."))

    def validate_patrollers(self, field):
        known = {c.value for c in field.choices}
        if not field.data:
            raise ValidationError(_("Tap who patrolled."))
        if any(v not in known for v in field.data or []):
            raise ValidationError(_("Choose patrollers from the village's roster."))

    def validate_reached(self, field):
        known = {c.value for c in field.choices}
        if any(v not in known for v in field.data or []):
            raise ValidationError(_("Choose checkpoints of this route."))
        start, end = parse_clock(self.start.data), parse_clock(self.end.data)
        for cid in field.data or []:
            clock = parse_clock(self.times.get(cid))
            if clock is None:
                self.time_errors[cid] = _("Enter the time it was reached, such as 22:30.")
            elif start and end and self.night.data and not (
                    self.moment(start) <= self.moment(clock) <= self.moment(end)):
                self.time_errors[cid] = _("A checkpoint's time must lie between the start and the end of the patrol.")
        if self.time_errors:
            raise ValidationError(_("Check the times of the checkpoints marked below."))

    def moment(self, clock: dt.time) -> dt.datetime:
        return on_the_night(self.night.data, clock)

    def values(self) -> dict:
        """Wall-clock moments; the view turns them into UTC with the service."""
        return dict(start=self.moment(parse_clock(self.start.data)), end=self.moment(parse_clock(self.end.data)),
                    reached={cid: self.moment(parse_clock(self.times[cid])) for cid in self.reached.data or []},
                    patroller_ids=list(self.patrollers.data or []), note=self.note.data or "")


class FindingForm(ClientIdForm):
    category = RadioField(_l("What was found"), validate_choice=False,
                          validators=[one_of(CATEGORIES, _l("Choose what was found."))])
    checkpoint = SelectField(_l("Where"), validate_choice=False)
    description = StringField(_l("What is wrong"), filters=[strip], validators=[
        DataRequired(message=_l("Say what is wrong.")), Length(max=500, message=MAX_CHARS)])
    severity = RadioField(_l("Severity"), default="minor", validate_choice=False, validators=[one_of(SEVERITIES)])
    fixed_on_spot = BooleanField(_l("Fixed on the spot"))
    photo = FileField(_l("Photo (optional)"))

    def __init__(self, *args, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices(CATEGORIES)
        self.severity.choices = choices(SEVERITIES)
        self.checkpoint.choices = choices({p.id: p.name for p in points}, blank=_("On the way (no checkpoint)"))

    def validate_checkpoint(self, field):
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_("Choose checkpoints of this route."))
