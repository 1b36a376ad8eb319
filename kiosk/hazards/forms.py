"""The register's forms: record a hazard, close one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import MAX_CHARS, choices, one_of, strip
from .models import CATEGORIES, SEVERITIES


class NewHazardForm(FlaskForm):
    category = SelectField(_l("Category"), validate_choice=False,
                           validators=[one_of(CATEGORIES)])
    location = StringField(_l("Where"), filters=[strip],
                           validators=[DataRequired(message=_l("Say where the hazard is.")),
                                       Length(max=200, message=MAX_CHARS)])
    description = TextAreaField(_l("What is wrong"), filters=[strip],
                                validators=[Optional(), Length(max=2000, message=MAX_CHARS)])
    severity = SelectField(_l("Severity"), default="minor", validate_choice=False,
                           validators=[one_of(SEVERITIES)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # labels in the language of this request, not of the first one
        self.category.choices = choices(CATEGORIES)
        self.severity.choices = choices(SEVERITIES)


class CloseForm(FlaskForm):
    note = TextAreaField(_l("How was it fixed?"), filters=[strip],
                         validators=[DataRequired(message=_l("Say how the hazard was fixed.")),
                                     Length(max=500, message=MAX_CHARS)])
