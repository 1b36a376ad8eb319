"""What a phone delivers, checked as the kiosk's own forms check it: the same fields, validators and
messages (the hazard register's, the hydrant inspection's and the door-to-door visit's); the phone's
record id is checked by the view before the form (``service.valid_uuid``).

No CSRF token: a submission may wait days in the phone's outbox. The phone's cookie is SameSite=Strict
and every delivery carries a header no cross-site form can set (views.py), which is what CSRF guards."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField

from ..hazards.forms import FixForm, NewHazardForm
from ..hydrants.forms import InspectionForm
from ..pacts.forms import VisitForm


class HazardReportForm(NewHazardForm):
    class Meta:
        csrf = False

    photo = FileField(_l("Photo (optional)"))

    def values(self) -> dict:
        return {"category": self.category.data, "location": self.location.data,
                "description": self.description.data or "", "severity": self.severity.data}


class PhoneInspectionForm(InspectionForm):
    class Meta:
        csrf = False

    hydrant = StringField()


class HazardFixForm(FixForm):
    class Meta:
        csrf = False

    hazard = StringField()


class PhoneVisitForm(VisitForm):
    class Meta:
        csrf = False
