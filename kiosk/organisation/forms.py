"""The roster's form: one person of the village fire-safety organisation."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth import security
from ..forms import MAX_CHARS, VersionedForm, choices, strip
from ..validators import phone_number
from ..village.models import DUTIES
from .service import SINGLE_DUTIES, holders


class PersonForm(VersionedForm):
    """A new person, or one of the roster edited (``record=person``)."""

    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the name.")), Length(max=20, message=MAX_CHARS)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[
        Optional(), Length(max=20, message=MAX_CHARS), phone_number])
    post = StringField(_l("Post in the village"), filters=[strip], validators=[
        Optional(), Length(max=40, message=MAX_CHARS)])
    duties = SelectMultipleField(_l("Fire-safety duties"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(),
                                 validators=[DataRequired(message=_l("Choose at least one duty."))])
    trained = BooleanField(_l("Has had fire-fighting training"))
    active = BooleanField(_l("Active"), default=True)
    new_pin = PasswordField(_l("PIN for the kiosk"), validators=[Optional()])

    def __init__(self, *args, people: list = (), person_id: str | None = None, has_pin: bool = False, **kwargs):
        """``people``: the village's roster, for the duties only one person may hold; ``person_id``:
        the person being edited (who may keep their own duty), None for a new person; ``has_pin``:
        whether that person has a PIN already (what an empty PIN field then means)."""
        super().__init__(*args, **kwargs)
        self.duties.choices = choices(DUTIES)
        self._people, self._person_id = list(people), person_id
        if has_pin:
            self.new_pin.label.text = _("New kiosk PIN")
            self.new_pin.description = _("Leave empty to keep the current PIN.")
        elif person_id is not None:
            self.new_pin.description = _("This person has no PIN yet and cannot sign in at the kiosk. "
                                         "A PIN is 4 to 8 digits.")
        else:
            self.new_pin.description = _("Optional. Without a PIN this person cannot sign in at the kiosk. "
                                         "A PIN is 4 to 8 digits.")

    def validate_new_pin(self, field):
        if field.data:
            problem = security.pin_problem(field.data)
            if problem:
                raise ValidationError(problem)

    def validate_duties(self, field):
        # the filing sheet names exactly one person for each of these
        for duty in SINGLE_DUTIES:
            if duty in (field.data or []):
                taken = holders(self._people, duty, except_id=self._person_id)
                if taken:
                    raise ValidationError(_("%(duty)s is already %(name)s. Remove the duty there first.",
                                            duty=DUTIES[duty], name=taken[0].name))
