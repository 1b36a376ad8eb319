"""Form checks that several features share, with translated messages."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from wtforms.validators import ValidationError

# mainland mobile (11 digits, 1[3-9]) or a landline with its area code, e.g. 0577-63712345
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def normalise_phone(value: str | None) -> str:
    """What people type: spaces, brackets, +86 prefixes and full-width digits."""
    value = (value or "").translate(str.maketrans("０１２３４５６７８９－", "0123456789-"))
    value = re.sub(r"[\s()（）]", "", value)
    if value.startswith("+86"):
        value = value[3:]
    return value


def is_phone(value: str) -> bool:
    return bool(PHONE.match(value))


def phone_number(form, field) -> None:
    """WTForms validator: normalises the field, then refuses what is not a Chinese phone number."""
    if field.data:
        field.data = normalise_phone(field.data)
        if not is_phone(field.data):
            raise ValidationError(_("This is not a phone number. Enter an 11-digit mobile or a landline "
                                    "with its area code."))
