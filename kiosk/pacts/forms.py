"""The pact's forms: drafts and clauses, the adoption, a household's pledge and a door-to-door visit."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, FieldList, Form, FormField, HiddenField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..context import local_today
from ..forms import MAX_CHARS, ClientIdForm, VersionedForm, WholeNumberField, choices, strip
from ..hazards.models import CATEGORIES
from .models import MAX_CLAUSES, VISIT_TOPICS
from .signature import SignatureError, dumps, parse

HAZARD_ROWS = 3


def _not_in_the_future(message, field):
    if field.data and field.data > local_today():
        raise ValidationError(message)


# ---- versions -----------------------------------------------------------------------------------

class DraftForm(ClientIdForm):
    """A new draft, from the township's template or from an earlier version."""

    template_id = HiddenField()
    source_id = HiddenField()


class TitleForm(VersionedForm):
    """The draft's title (``record=pact``)."""

    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(message=_l("Enter a title.")), Length(max=40, message=MAX_CHARS)])


class ClauseForm(VersionedForm):
    """A clause of the draft, changed (``record=clause``); new ones are :class:`NewClauseForm`."""

    text = TextAreaField(_l("Clause"), filters=[strip], validators=[
        DataRequired(message=_l("Write the clause.")), Length(max=300, message=MAX_CHARS)])


class NewClauseForm(ClientIdForm, ClauseForm):
    """A clause the village adds to its draft."""


class MoveForm(FlaskForm):
    to = WholeNumberField(validators=[InputRequired(message=_l("Say where the clause goes.")),
                                  NumberRange(min=0, max=MAX_CLAUSES, message=_l("Say where the clause goes."))])


class AdoptForm(FlaskForm):
    meeting_date = DateField(_l("Date of the villagers' meeting"),
                             validators=[InputRequired(message=_l("Enter the date of the meeting."))])
    attendance = WholeNumberField(_l("People attending"), validators=[
        InputRequired(message=_l("Enter how many people attended.")),
        NumberRange(min=1, max=20000, message=_l("Enter a number between %(min)d and %(max)d."))])
    presided_by = StringField(_l("Presided by"), filters=[strip], validators=[
        DataRequired(message=_l("Enter who presided over the meeting.")), Length(max=20, message=MAX_CHARS)])

    def validate_meeting_date(self, field):
        _not_in_the_future(_("The meeting cannot be in the future."), field)
        if field.data and field.data.year < 2000:
            raise ValidationError(_("Check the year of the meeting."))


# ---- pledges ------------------------------------------------------------------------------------

class PledgeForm(ClientIdForm):
    """Signed with a finger on the pad, or confirmed for a resident who cannot sign: the button
    pressed (``method``) says which."""

    pact_id = HiddenField()
    method = HiddenField()
    signature = HiddenField()
    signer_name = StringField(_l("Who is signing (if not the head of household)"), filters=[strip], validators=[
        Optional(), Length(max=20, message=MAX_CHARS)])
    confirmed_by = StringField(_l("Who confirms for them"), filters=[strip], validators=[
        Length(max=30, message=MAX_CHARS)])

    def validate_method(self, field):
        if field.data not in ("signature", "confirmed"):
            raise ValidationError(_("Sign in the box, or enter who confirms for a resident who cannot sign."))

    def validate_signature(self, field):
        """The pad's strokes, checked and kept in their compact form (kiosk.pacts.signature)."""
        if self.method.data != "signature":
            return
        try:
            field.data = dumps(parse(field.data))
        except SignatureError as problem:
            field.data = ""
            raise ValidationError(str(problem))

    def validate_confirmed_by(self, field):
        if self.method.data == "confirmed" and not field.data:
            raise ValidationError(_("Enter who confirms the pledge for this household."))


# ---- door-to-door visits ------------------------------------------------------------------------

class HazardEntry(Form):
    """One hazard found on the visit (a sub-form: the CSRF token belongs to the outer form)."""

    category = SelectField(_l("Hazard"), default="")
    description = StringField(_l("What was found"), filters=[strip], validators=[
        Optional(), Length(max=200, message=MAX_CHARS)])
    fixed_on_spot = BooleanField(_l("Fixed on the spot"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices(CATEGORIES, blank="—")

    def validate_category(self, field):
        if field.data and field.data not in CATEGORIES:
            raise ValidationError(_("Choose a hazard from the list."))
        if not field.data and self.description.data:
            raise ValidationError(_("Choose what kind of hazard this is."))


class VisitForm(ClientIdForm):
    household_id = HiddenField(_l("Household"), validators=[
        DataRequired(message=_l("Choose the household you visited."))])
    visited_on = DateField(_l("Date of the visit"), validators=[
        InputRequired(message=_l("Enter the date of the visit."))])
    visitors = StringField(_l("Visitors"), filters=[strip], validators=[
        DataRequired(message=_l("Enter who made the visit.")), Length(max=60, message=MAX_CHARS)])
    topics = SelectMultipleField(_l("Topics covered"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(),
                                 validators=[DataRequired(message=_l("Tick at least one topic you covered."))])
    hazards = FieldList(FormField(HazardEntry), min_entries=HAZARD_ROWS, max_entries=HAZARD_ROWS)
    note = TextAreaField(_l("Notes"), filters=[strip], validators=[Optional(), Length(max=500, message=MAX_CHARS)])

    def __init__(self, households, *args, **kwargs):
        """``households``: the village's register, which the household picked must be in."""
        super().__init__(*args, **kwargs)
        self._households = {h.id for h in households}
        self.topics.choices = choices(VISIT_TOPICS)

    def validate_household_id(self, field):
        if field.data not in self._households:
            raise ValidationError(_("Choose the household you visited."))

    def validate_visited_on(self, field):
        _not_in_the_future(_("The visit cannot be in the future."), field)
        if field.data and field.data.year < 2000:
            raise ValidationError(_("Check the year of the visit."))

    @property
    def hazards_found(self) -> list[tuple[str, str, bool]]:
        """(category, description, fixed on the spot) of each row filled in."""
        return [(e.form.category.data, e.form.description.data or "", bool(e.form.fixed_on_spot.data))
                for e in self.hazards.entries if e.form.category.data]
