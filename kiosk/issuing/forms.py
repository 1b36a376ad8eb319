"""The township's template forms: a clause of the model pact, an item of the station checklist, a move."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ..forms import MAX_CHARS, WholeNumberField, choices, one_of, strip
from ..pacts.models import TOPICS
from ..station.forms import ChecklistItemForm
from ..station.models import CATALOGUE

EVERY_LINE = "*"


class TemplateClauseForm(FlaskForm):
    """A clause of the township's model pact: what it is about, and its text (in Chinese, as villages post it)."""

    topic = SelectField(_l("What the clause is about"), validate_choice=False, default="village",
                        validators=[one_of(TOPICS, _l("Choose what the clause is about."))])
    text = TextAreaField(_l("Clause"), filters=[strip], validators=[
        DataRequired(message=_l("Write the clause.")), Length(max=300, message=MAX_CHARS)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic.choices = choices(TOPICS)

    def values(self) -> dict:
        return {"topic": self.topic.data, "text": self.text.data}


class TemplateChecklistItemForm(ChecklistItemForm):
    """An item of the township's checklist: as a village's own item, and it may apply to every piece
    of equipment (the count along the shelves does)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices({EVERY_LINE: _("Every piece of equipment")} |
                                    {k: label for k, (_g, label) in CATALOGUE.items()},
                                    blank=_("The station as a whole"))

    def validate_kind(self, field):
        if field.data and field.data != EVERY_LINE and field.data not in CATALOGUE:
            raise ValidationError(_("Choose the equipment from the list."))

    def values(self) -> dict:
        return self.details()


class MoveForm(FlaskForm):
    to = WholeNumberField(validators=[InputRequired(message=_l("Say where the item goes.")),
                                      NumberRange(min=0, max=100, message=_l("Say where the item goes."))])


FORMS = {"pact": TemplateClauseForm, "checklist": TemplateChecklistItemForm}
