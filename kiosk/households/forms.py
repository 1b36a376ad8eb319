"""The household form, the CSV upload and its confirmation."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..forms import MAX_CHARS, ClientIdForm, VersionedForm, WholeNumberField, strip
from ..validators import phone_number
from . import service


class HouseholdForm(ClientIdForm, VersionedForm):
    """A new household (its ``client_id``), or one edited (``record=household``, ``editing`` too)."""

    house_number = StringField(_l("House number"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the house number.")), Length(max=20, message=MAX_CHARS)])
    head_name = StringField(_l("Head of household"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the head of household.")), Length(max=20, message=MAX_CHARS)])
    group_name = StringField(_l("Villagers' group"), filters=[service.group_name], validators=[
        Optional(), Length(max=20, message=MAX_CHARS)])
    phone = StringField(_l("Phone (optional)"), filters=[strip], validators=[
        Optional(), Length(max=20, message=MAX_CHARS), phone_number])
    members = WholeNumberField(_l("People in the household"), validators=[
        Optional(), NumberRange(min=1, max=50, message=_l("Enter a number between %(min)d and %(max)d."))])
    note = StringField(_l("Note (e.g. elderly living alone, rented out)"), filters=[strip], validators=[
        Optional(), Length(max=200, message=MAX_CHARS)])

    def __init__(self, *args, village, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._village, self._editing = village, editing

    def validate_house_number(self, field):
        field.data = re.sub(r"\s+", "", field.data or "")
        holder = service.holder_of(self._village, field.data)
        # the household being edited, or the one a replay of this form already added, is no clash
        if holder is not None and holder.id not in (getattr(self._editing, "id", None), self.client_id.data):
            raise ValidationError(_("House number %(number)s is already in the register (%(name)s).",
                                    number=field.data, name=holder.head_name))

    @property
    def values(self) -> dict:
        return {name: getattr(self, name).data for name in service.FIELDS}


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"))


class ConfirmForm(FlaskForm):
    """The checked file, sent back to import it (the preview carries it)."""

    csv_text = TextAreaField()
