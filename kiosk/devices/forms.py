"""The township's forms for kiosks: a one-time enrolment code, a revocation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from ..forms import ClientIdForm, choices, one_of

VALIDITY = {"24": _l("24 hours"), "72": _l("3 days"), "168": _l("7 days")}


class CodeForm(ClientIdForm):
    """A code for one village of the staff member's township; ``client_id`` makes a resubmitted form
    show the same code instead of a second one."""

    village = SelectField(_l("Village"), validators=[DataRequired(message=_l("Choose the village."))])
    hours = SelectField(_l("Valid for"), choices=choices(VALIDITY), default="24",
                        validators=[one_of(VALIDITY, message=_l("Choose how long the code stays valid."))])

    def __init__(self, villages, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.village.choices = choices({v.code: f"{v.name} ({v.code})" for v in villages})
