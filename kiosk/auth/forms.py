"""Signing in: the PIN pad's form and the staff password form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import MAX_CHARS, strip


class PinForm(FlaskForm):
    pin = PasswordField(_l("PIN"), validators=[DataRequired(message=_l("Enter your PIN."))])


class StaffLoginForm(FlaskForm):
    username = StringField(_l("User name"), filters=[strip], validators=[
        DataRequired(message=_l("Enter your user name.")), Length(max=40, message=MAX_CHARS)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=200, message=MAX_CHARS)])
