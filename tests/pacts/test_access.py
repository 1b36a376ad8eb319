"""Who may do what: residents read and pledge at the kiosk; volunteers see the lists and log
visits; only the committee changes the pact and the register."""
import pytest

from .helpers import current, new_id

RECORD = ["/pact/progress", "/pact/door-list", "/pact/visits", "/pact/visits/new", "/households/"]
MANAGE_POST = ["/pact/drafts", "/households/new", "/households/import", "/households/import/confirm"]


@pytest.mark.parametrize("url", RECORD)
def test_lists_ask_residents_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


@pytest.mark.parametrize("url", RECORD)
def test_volunteers_see_the_lists(volunteer, url):
    assert volunteer.get(url).status_code == 200


@pytest.mark.parametrize("url", MANAGE_POST)
def test_only_the_committee_changes_pact_and_register(volunteer, url):
    assert volunteer.post(url, data={"client_id": new_id()}).status_code == 403


def test_residents_read_and_pledge_without_signing_in(app, client):
    pact = current(app)
    for url in ("/pact/", f"/pact/v/{pact.id}", f"/pact/v/{pact.id}/poster", "/pact/pledge", "/P/330326100201"):
        assert client.get(url).status_code == 200, url
    assert client.post(f"/pact/v/{pact.id}/publish").status_code == 302
