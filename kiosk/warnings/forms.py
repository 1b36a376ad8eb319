"""The township's compose form. Every validator carries its own translated message."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..context import local_today
from ..forms import MAX_CHARS, ClientIdForm, LocalDateField, choices, one_of, strip
from .models import KINDS

TARGETS = {"all": _l("Every village of the township"), "some": _l("Only the villages I choose")}


class WarningForm(ClientIdForm):
    """``client_id`` is made when the form is first shown: a resubmitted or replayed POST creates
    nothing new."""

    kind = RadioField(_l("Kind of warning"), validate_choice=False,
                      validators=[one_of(KINDS, message=_l("Choose the kind of warning."))])
    title = StringField(_l("Title"), filters=[strip], validators=[
        DataRequired(message=_l("Enter a title.")), Length(max=80, message=MAX_CHARS)])
    body = TextAreaField(_l("What the villages must know and do"), filters=[strip], validators=[
        DataRequired(message=_l("Write what the villages must know and do.")), Length(max=4000, message=MAX_CHARS)])
    valid_until = LocalDateField(_l("In force until (optional)"), validators=[Optional()])
    target = RadioField(_l("Send to"), default="all", validate_choice=False,
                        validators=[one_of(TARGETS, message=_l("Choose who receives the warning."))])
    villages = SelectMultipleField(_l("Villages"), validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(KINDS)
        self.target.choices = choices(TARGETS)
        self.villages.choices = choices({v.code: v.name for v in villages})

    @property
    def chosen_villages(self) -> list[str] | None:
        """The chosen village codes in the township's order, or None for every village."""
        if self.target.data == "all":
            return None
        return [choice.value for choice in self.villages.choices if choice.value in self.villages.data]

    def validate_valid_until(self, field):
        if field.data and field.data < local_today():
            raise ValidationError(_("This date has already passed."))

    def validate_villages(self, field):
        if self.target.data != "some":
            field.data = []
            return
        known = {choice.value for choice in self.villages.choices}
        if not field.data:
            raise ValidationError(_("Choose at least one village."))
        if any(code not in known for code in field.data):
            raise ValidationError(_("Choose villages of your own township."))
