"""The township behind Debian's nginx, under both production servers: with TRUST_PROXY=1 each resident
is counted under their own address (issue 12: under `flask serve` waitress stripped X-Forwarded-For and
every resident shared one report limit); a forged X-Forwarded-For is believed from nobody; and over
HTTPS the cookie is Secure and HSTS is sent, while the kiosk on loopback HTTP keeps working."""
import re
import uuid

import pytest
import requests
import urllib3

from ..conftest import STAFF_PASSWORD, add_staff, make_app
from ..hydrants.helpers import hydrant
from .servers import App, Nginx

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
LIMIT = 3  # a sender's reports per ten minutes (hydrants.service.DEFAULT_REPORT_LIMITS)


class Resident:
    """A phone on its own address (127.0.0.x: all of 127/8 is loopback): opens the label's page,
    then sends the report form."""

    def __init__(self, url: str, address: str, forged: str | None = None):
        host, port = url.removeprefix("http://").split(":")
        self.pool = urllib3.HTTPConnectionPool(host, int(port), source_address=(address, 0))
        self.headers = {"X-Forwarded-For": forged} if forged else {}

    def report(self, code: str) -> int:
        page = self.pool.request("GET", f"/h/{code}", headers=self.headers)
        cookie = page.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.data.decode()).group(1)
        response = self.pool.request("POST", f"/h/{code}", encode_multipart=False, redirect=False,
                                     headers={**self.headers, "Cookie": cookie}, fields={
                                         "problem": "leaking", "client_id": str(uuid.uuid4()), "csrf_token": token})
        return response.status


@pytest.fixture
def township(database, tmp_path):
    """``township(server, **env)``: the township's app under ``server`` (and nginx in front), started."""
    started = []

    def start(server: str, **env):
        url = database("sqlite", role="township")
        folder = tmp_path / f"{server}-{len(started)}"
        app = App(folder, url, server, KIOSK_ROLE="township", **env).start()
        started.append(app)
        proxy = Nginx(folder / "nginx", app.url).start()
        started.append(proxy)
        return app, proxy, make_app(url, folder / "peek", KIOSK_ROLE="township")

    yield start
    for process in reversed(started):
        process.stop()


def sent(resident, code, n):
    return [resident.report(code) for _ in range(n)]


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_behind_nginx_each_resident_has_their_own_report_limit(township, server):
    app, proxy, peek = township(server, TRUST_PROXY=1)
    code = hydrant(peek).code
    first, second = Resident(proxy.url, "127.0.0.2"), Resident(proxy.url, "127.0.0.3")
    assert sent(first, code, LIMIT + 1) == [303] * LIMIT + [429]
    assert sent(second, code, 1) == [303]  # a neighbour behind the same nginx is not refused
    # whatever the first resident claims to be, nginx adds who they are, and only that is believed
    assert sent(Resident(proxy.url, "127.0.0.2", forged="10.9.9.9"), code, 1) == [429]


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_a_forged_forwarded_for_is_ignored_without_trust_proxy(township, server):
    app, proxy, peek = township(server)
    code = hydrant(peek).code
    assert sent(Resident(app.url, "127.0.0.4", forged="10.0.0.1"), code, LIMIT) == [303] * LIMIT
    assert sent(Resident(app.url, "127.0.0.4", forged="10.0.0.2"), code, 1) == [429]


def test_a_forged_forwarded_for_is_ignored_from_anyone_but_the_proxy(township):
    """TRUST_PROXY=1, but someone reaches gunicorn without nginx: their header is dropped."""
    app, proxy, peek = township("gunicorn", TRUST_PROXY=1)
    code = hydrant(peek).code
    assert sent(Resident(app.url, "127.0.0.5", forged="10.0.0.1"), code, LIMIT) == [303] * LIMIT
    assert sent(Resident(app.url, "127.0.0.5", forged="10.0.0.2"), code, 1) == [429]


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_over_https_the_township_sends_a_secure_cookie_and_hsts(township, server):
    app, proxy, peek = township(server, TRUST_PROXY=1)
    add_staff(peek, "zhou-https")
    browser = requests.Session()  # verify=False on each request: REQUESTS_CA_BUNDLE would override the session's
    page = browser.get(proxy.https_url + "/staff/login", verify=False)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "; Secure" in page.headers["Set-Cookie"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    signed_in = browser.post(proxy.https_url + "/staff/login", allow_redirects=False, verify=False,
                             headers={"Referer": proxy.https_url + "/staff/login"}, data={
        "username": "zhou-https", "password": STAFF_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 303 and "; Secure" in signed_in.headers["Set-Cookie"]
    assert browser.get(proxy.https_url + "/devices/", allow_redirects=False, verify=False).status_code == 200
    # plain HTTP through the same nginx: no HSTS, no Secure (and nothing claims otherwise)
    plain = requests.get(proxy.url + "/staff/login")
    assert "Strict-Transport-Security" not in plain.headers and "Secure" not in plain.headers["Set-Cookie"]
    # a header, not HTTPS, from someone on the machine who is not nginx
    host, port = app.url.removeprefix("http://").split(":")
    forged = urllib3.HTTPConnectionPool(host, int(port), source_address=("127.0.0.6", 0)).request(
        "GET", "/staff/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers and "Secure" not in forged.headers["Set-Cookie"]


def test_the_kiosk_on_loopback_http_keeps_a_plain_cookie(client, auth):
    response = auth.sign_in_with_pin("陈建国")
    assert response.status_code == 303
    assert "Secure" not in response.headers["Set-Cookie"] and "Strict-Transport-Security" not in response.headers
    assert client.get("/organisation/").status_code == 200


def test_https_is_believed_from_the_trusted_proxy_only(database, tmp_path):
    app = make_app(database("sqlite", role="township"), tmp_path / "t", KIOSK_ROLE="township", TRUST_PROXY=1)
    client = app.test_client()
    behind = client.get("/staff/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in behind.headers and "; Secure" in behind.headers["Set-Cookie"]
    stranger = app.test_client().get("/staff/login", headers={"X-Forwarded-Proto": "https"},
                                     environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert "Strict-Transport-Security" not in stranger.headers and "Secure" not in stranger.headers["Set-Cookie"]
