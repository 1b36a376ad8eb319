"""Supervision's forms: a report sent, the township's answer, a score adjusted, the weights."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import MAX_CHARS, ClientIdForm, EmptyForm, choices, one_of, parse_int, parse_number, strip
from .models import REPORT_KINDS, REVIEW_KINDS

MAX_ADJUSTMENT = 20


class SubmitForm(ClientIdForm):
    """The committee's one tap: this month's report (or the filing sheet) goes to the township."""

    kind = HiddenField(validators=[one_of(REPORT_KINDS)])
    note = TextAreaField(_l("Note for the township (optional)"), filters=[strip],
                         validators=[Length(max=500, message=MAX_CHARS)])


class ReviewForm(EmptyForm):
    decision = RadioField(_l("Answer"), validate_choice=False, choices=lambda: choices(REVIEW_KINDS),
                          validators=[one_of(REVIEW_KINDS, message=_l("Choose received or returned."))])
    comment = TextAreaField(_l("Comment (needed when returning)"), filters=[strip],
                            validators=[Length(max=500, message=MAX_CHARS)])

    def validate_comment(self, field):
        if self.decision.data == "returned" and not field.data:
            raise ValidationError(_l("Say what the village should change."))


class AdjustForm(EmptyForm):
    points = StringField(_l("Points (+ or −, at most 20)"), filters=[strip],
                         validators=[DataRequired(message=_l("Enter the points."))])
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[
        DataRequired(message=_l("Give the reason: it is kept with the score.")), Length(max=300, message=MAX_CHARS)])

    def validate_points(self, field):
        try:
            value = parse_number(field.data)
        except ValueError:
            value = None
        if value is None or value == 0 or abs(value) > MAX_ADJUSTMENT:
            raise ValidationError(_l("Enter a number between −20 and 20, not 0."))
        self.value = round(value, 1)


def _weight(form, field):
    try:
        value = parse_int(field.data)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 100:
        raise ValidationError(_l("A whole number from 0 to 100."))
    field.value = value


def rubric_form(indicators: dict, weights: dict) -> EmptyForm:
    """One whole-number weight (0–100) per indicator of the moment (new kinds of work bring theirs)."""

    class RubricForm(EmptyForm):
        def validate(self, extra_validators=None):
            if not super().validate(extra_validators):
                return False
            if not any(f.value for f in self.weight_fields()):
                self.weight_fields()[0].errors.append(_l("At least one weight above 0."))
                return False
            return True

        def weight_fields(self):
            return [self[f"w_{key}"] for key in indicators]

        def values(self) -> dict[str, int]:
            return {key: self[f"w_{key}"].value for key in indicators}

    for key, label in indicators.items():
        setattr(RubricForm, f"w_{key}", StringField(label, filters=[strip], default=str(weights.get(key, 0)),
                                                    validators=[_weight]))
    return RubricForm()
