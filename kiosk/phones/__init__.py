"""Volunteers' phones (issue 16): a phone enrolled to a person of the roster with one scan, an
installable app served by the township at its public address, and forms that work with no signal
(an IndexedDB outbox delivered when the link returns). docs/phones.md says how it fits together.

Only the township serves it: phones reach the township's HTTPS address, never a kiosk (which listens
on loopback); a kiosk's "add a phone" asks the township for the enrolment while the link is up.
Records phones deliver are village-scoped rows on the township: kiosks receive them by the ordinary
sync."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import Tile
from . import kiosk_views, views


def init_app(app: Flask) -> None:
    if app.config["KIOSK_ROLE"] != "township":
        # the kiosk only asks the township for an enrolment (kiosk_views)
        app.register_blueprint(kiosk_views.bp)
        registry.add_tile(app, Tile("phones", _l("Volunteers' phones"), "phones_kiosk.people", "people", 92,
                                    roles=("village",)))
        return
    app.register_blueprint(views.bp)
    app.before_request(views.open_label_as_volunteer)
    registry.add_tile(app, Tile("phones", _l("Volunteers' phones"), "phones.people", "people", 92,
                                roles=("township",)))
