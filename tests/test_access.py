"""Who may use what, for every endpoint the app has: generated from ``app.url_map``, so a new view
that forgets to say who may use it fails here.

Every view declares its access (``@public``, ``@role_required("record"|"manage"|"staff")``, or the
pact's ``at_the_kiosk``). Then, on both roles: the anonymous are sent to sign in, a volunteer is
refused what needs the committee or the township, and staff of another township reach none of this
village's pages.
"""
from __future__ import annotations

import pytest

from tests.conftest import DEMO_VILLAGE, OTHER_TOWNSHIP, make_app, sign_in_staff, add_staff

# stand-ins for URL parts: ids that name nothing, codes of the right shape
SAMPLE = {"int": 1, "default": "0190a0a0-0000-7000-8000-000000000000"}
SAMPLE_BY_NAME = {"code": "XXXXXX", "lang": "en", "sha256": "0" * 64, "sha": "0" * 64}
LEVELS = ("public", "kiosk", "record", "manage", "staff")
# endpoints not of this app's making
FOREIGN = {"static"}


def _app_for(role, database, tmp_path):
    return make_app(database("sqlite", role=role), tmp_path / role, KIOSK_ROLE=role)


def _urls(app):
    """(endpoint, method, url, access) for every rule."""
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in FOREIGN or rule.endpoint.startswith("sync_api."):
                continue
            view = app.view_functions[rule.endpoint]
            values = {}
            for arg in rule.arguments:
                conv = type(rule._converters[arg]).__name__.lower()
                values[arg] = SAMPLE_BY_NAME.get(arg, SAMPLE["int"] if "integer" in conv else SAMPLE["default"])
            from flask import url_for
            url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, url, getattr(view, "kiosk_access", None)))
    return out


def _call(client, method, url):
    return client.open(url, method=method, data={}, follow_redirects=False)


@pytest.mark.parametrize("role", ["village", "township"])
def test_every_view_says_who_may_use_it(role, database, tmp_path):
    app = _app_for(role, database, tmp_path)
    undeclared = sorted({f"{e} {u}" for e, _m, u, access in _urls(app) if access not in LEVELS})
    assert undeclared == []


@pytest.mark.parametrize("role", ["village", "township"])
def test_the_anonymous_are_asked_to_sign_in(role, database, tmp_path):
    app = _app_for(role, database, tmp_path)
    client = app.test_client()
    wrong = []
    for endpoint, method, url, access in _urls(app):
        if access in (None, "public") or (access == "kiosk" and role == "village"):
            continue
        r = _call(client, method, url)
        target = r.headers.get("Location", "") + r.headers.get("HX-Redirect", "")
        signin = (r.status_code in (302, 303, 204) and ("/signin" in target or "/staff/login" in target)) \
            or r.status_code in (401, 404)
        if not signin:
            wrong.append(f"{method} {url} ({endpoint}, {access}): {r.status_code}")
    assert wrong == []


@pytest.mark.parametrize("role", ["village", "township"])
def test_a_volunteer_is_refused_what_needs_the_committee_or_the_township(role, database, tmp_path, auth_for):
    app = _app_for(role, database, tmp_path)
    client = auth_for(app).sign_in("李伟")
    wrong = []
    for endpoint, method, url, access in _urls(app):
        if access not in ("manage", "staff"):
            continue
        r = _call(client, method, url)
        if r.status_code not in (403, 404):
            wrong.append(f"{method} {url} ({endpoint}, {access}): {r.status_code}")
    assert wrong == []


def test_staff_of_another_township_reach_none_of_this_village(database, tmp_path):
    app = _app_for("township", database, tmp_path)
    client = sign_in_staff(app.test_client(), add_staff(app, "lin", OTHER_TOWNSHIP), village=DEMO_VILLAGE)
    wrong = []
    for endpoint, method, url, access in _urls(app):
        if access == "public":
            continue
        r = _call(client, method, url)
        # pages of the township itself answer; nothing of the village they tried to choose does
        if r.status_code == 200 and "城东村" in r.get_data(as_text=True):
            wrong.append(f"{method} {url} ({endpoint}, {access}): shows the village")
        if r.status_code >= 500:
            wrong.append(f"{method} {url} ({endpoint}, {access}): {r.status_code}")
    assert wrong == []
