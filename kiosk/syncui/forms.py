"""Settling what sync could not decide alone, and enrolling the kiosk from its own screen."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from sync.held import ACTIONS

from ..forms import EmptyForm, VersionedForm, one_of, strip

KEEP = _l("Choose which version to keep.")
CHOOSE = _l("Choose what to do.")


class SettleForm(VersionedForm):
    """Keep the township's version of a record, or use the other one's values."""

    action = HiddenField(validators=[DataRequired(message=KEEP), one_of(("keep", "apply"), message=KEEP)])


class HeldForm(VersionedForm):
    """What to do with a row the township could not take (the choices depend on why)."""

    action = HiddenField(validators=[DataRequired(message=CHOOSE), one_of(ACTIONS, message=CHOOSE)])


class EnrolForm(EmptyForm):
    """The one-time code from the township, typed on the kiosk's keypad."""

    code = StringField(_l("Enrolment code"), filters=[strip],
                       validators=[DataRequired(message=_l("Type the code from the township.")),
                                   Length(max=20, message=_l("The code has ten letters and digits."))])
