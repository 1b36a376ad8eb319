"""A resident picks their household at the kiosk, reads the pact and signs with a finger; the
committee sees the progress and the households still to visit."""
import json
import re

import pytest

from kiosk.extensions import db
from kiosk.pacts import queries
from kiosk.pacts.models import Pledge
from kiosk.pacts.signature import SignatureError, dumps, parse, svg_paths

from .helpers import current, new_id, pledge_count, pledge_form, sent_twice_at_once, signature, unpledged


def test_resident_finds_the_household_by_number_pad_digits_or_surname(app, client):
    _hid, number = unpledged(app)[0]
    digits = re.sub(r"\D", "", number)
    page = client.get(f"/pact/pledge?q={digits}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert page.lstrip().startswith('<section id="household-results"')
    assert number in page
    assert len(re.findall(r'data-house="', page)) < 5  # narrowed down, not the whole village
    surname = client.get("/pact/pledge?surname=陈").get_data(as_text=True)
    heads = re.findall(r'class="row-title">[^·]+· (\S+)</span>', surname)
    assert heads and all(h.startswith("陈") for h in heads)


def test_a_resident_signs_and_the_pledge_is_kept_as_vector_data_and_shown_as_svg(app, client):
    hid, number = unpledged(app)[0]
    before = pledge_count(app)
    fields = pledge_form(client, hid)
    response = client.post(f"/pact/pledge/{hid}", data=dict(fields, method="signature", signature=signature()))
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"谢谢！{number} 已承诺遵守防火公约" in thanks
    assert '<svg class="sig-svg"' in thanks and 'd="M50 120 L80 90' in thanks
    assert pledge_count(app) == before + 1
    with app.app_context():
        pledge = db.session.get(Pledge, fields["client_id"])
        assert pledge.method == "signature" and pledge.pact_id == current(app).id
        assert json.loads(pledge.signature)["s"][1] == [260, 60, 262, 180]
        assert Pledge.__sync_kind__ == "fact"
    assert (hid, number) not in unpledged(app)


def test_a_replayed_pledge_is_not_recorded_twice(app, client):
    hid, _number = unpledged(app)[0]
    fields = pledge_form(client, hid)
    data = dict(fields, method="signature", signature=signature())
    before = pledge_count(app)
    first = client.post(f"/pact/pledge/{hid}", data=data)
    again = client.post(f"/pact/pledge/{hid}", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert pledge_count(app) == before + 1
    # a second pledge from a fresh page for the same household and version is not added either
    other = dict(data, client_id=new_id())
    client.post(f"/pact/pledge/{hid}", data=other)
    assert pledge_count(app) == before + 1


def test_a_resident_who_cannot_sign_has_someone_confirm(app, client):
    hid, _number = unpledged(app)[0]
    fields = pledge_form(client, hid)
    response = client.post(f"/pact/pledge/{hid}", data=dict(fields, method="confirmed", confirmed_by=""))
    assert response.status_code == 422 and "请填写代为确认承诺的人" in response.get_data(as_text=True)
    response = client.post(f"/pact/pledge/{hid}", data=dict(fields, method="confirmed",
                                                            confirmed_by="王德明（村委委员，已宣读）"))
    assert response.status_code == 303
    with app.app_context():
        pledge = db.session.get(Pledge, fields["client_id"])
        assert pledge.method == "confirmed" and pledge.signature is None


def test_a_pledge_without_signature_or_confirmer_is_refused(app, client):
    hid, _number = unpledged(app)[0]
    fields = pledge_form(client, hid)
    before = pledge_count(app)
    response = client.post(f"/pact/pledge/{hid}", data=dict(fields, method="signature", signature=""))
    assert response.status_code == 422 and "请用手指在框内签名" in response.get_data(as_text=True)
    response = client.post(f"/pact/pledge/{hid}", data=dict(fields))
    assert response.status_code == 422 and "请在框内签名；无法签字的" in response.get_data(as_text=True)
    assert pledge_count(app) == before


@pytest.mark.parametrize("payload, message", [
    ("x" * 30_000, "签名数据过大"),
    (json.dumps({"v": 1, "w": 600, "h": 240, "s": [[i % 600, i % 240] * 1 for i in range(3100)]}), "签名数据过大"),
    ("<svg onload=alert(1)>", "无法识别签名"),
    (json.dumps({"v": 1, "w": 600, "h": 240, "s": [[10, 10, 700, 20]]}), "无法识别签名"),
    (json.dumps({"v": 1, "w": 600, "h": 240, "s": [[10, 10, "20", 20]]}), "无法识别签名"),
    (json.dumps({"v": 1, "w": 600, "h": 240, "s": [[10, 10, 20]]}), "无法识别签名"),
    (json.dumps({"v": 2, "w": 600, "h": 240, "s": [[10, 10, 20, 20]]}), "无法识别签名"),
    (json.dumps({"v": 1, "w": 600, "h": 240, "s": [[10, 10, 20, 20]], "x": "<script>"}), "无法识别签名"),
    (json.dumps({"v": 1, "w": 600, "h": 240, "s": [[300, 100, 302, 101]]}), "签名太短"),
], ids=["huge", "too-many-points", "markup", "out-of-box", "string-coordinate", "odd-length", "version",
        "extra-key", "a-dot"])
def test_a_signature_not_from_the_pad_is_refused_and_nothing_saved(app, client, payload, message):
    hid, _number = unpledged(app)[0]
    fields = pledge_form(client, hid)
    before = pledge_count(app)
    response = client.post(f"/pact/pledge/{hid}", data=dict(fields, method="signature", signature=payload))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert pledge_count(app) == before


def test_signature_round_trip_is_compact_and_draws_only_integers():
    strokes = parse(signature())
    stored = dumps(strokes)
    assert " " not in stored and len(stored) < 200
    assert svg_paths(stored)[0].startswith("M50 120 L80 90")
    with pytest.raises(SignatureError):
        parse(json.dumps({"v": 1, "w": 600, "h": 240, "s": [[True, 10, 200, 100, 300, 10, 400, 200]]}))


def test_progress_per_group_and_the_door_to_door_list_change_when_a_household_pledges(app, client, committee):
    hid, number = unpledged(app)[0]
    progress = committee.get("/pact/progress").get_data(as_text=True)
    total_before = re.search(r'id="progress-total">.*?aria-valuenow="(\d+)"', progress, re.S).group(1)
    assert f'data-household="{number}"' in committee.get("/pact/door-list").get_data(as_text=True)
    fields = pledge_form(committee, hid)
    committee.post(f"/pact/pledge/{hid}", data=dict(fields, method="signature", signature=signature()))
    progress = committee.get("/pact/progress").get_data(as_text=True)
    total_after = re.search(r'id="progress-total">.*?aria-valuenow="(\d+)"', progress, re.S).group(1)
    assert int(total_after) == int(total_before) + 1
    assert f'data-household="{number}"' not in committee.get("/pact/door-list").get_data(as_text=True)


def test_a_new_version_asks_every_household_again(app, committee):
    old = current(app)
    pledged_before = len(service_pledges(app, old.id))
    assert pledged_before > 0
    draft = new_id()
    committee.post("/pact/drafts", data={"client_id": draft, "source_id": old.id})
    committee.post(f"/pact/v/{draft}/adopt", data={"confirm": "yes", "meeting_date": "2024-06-01", "attendance": "60",
                                                   "presided_by": "陈建国"})
    committee.post(f"/pact/v/{draft}/publish", data={"confirm": "yes"})
    assert len(unpledged(app)) == 40
    # households that pledged before are told why they are asked again
    pledged_hid = next(iter(service_pledges(app, old.id)))
    page = committee.get(f"/pact/pledge/{pledged_hid}").get_data(as_text=True)
    assert "公约已修订，请阅读后重新签署承诺" in page


def service_pledges(app, pact_id):
    with app.app_context():
        from kiosk.pacts.models import Pact
        return queries.pledges_for(db.session.get(Pact, pact_id))


def test_a_pledge_for_the_wrong_household_is_withdrawn_by_a_new_fact(app, committee):
    hid, number = unpledged(app)[0]
    fields = pledge_form(committee, hid)
    committee.post(f"/pact/pledge/{hid}", data=dict(fields, method="signature", signature=signature()))
    assert (hid, number) not in unpledged(app)
    committee.post(f"/pact/pledges/{fields['client_id']}/withdraw", data={"confirm": "yes"})
    committee.post(f"/pact/pledges/{fields['client_id']}/withdraw", data={"confirm": "yes"})  # replayed
    assert (hid, number) in unpledged(app)
    with app.app_context():
        rows = db.session.scalars(db.select(Pledge).where(Pledge.household_id == hid)).all()
        assert sorted(p.method for p in rows) == ["signature", "withdrawn"]
        assert not any(p.deleted for p in rows)


def test_a_pledge_page_is_private_to_whoever_signed_it(app, client, auth):
    hid, _number = unpledged(app)[0]
    fields = pledge_form(client, hid)
    client.post(f"/pact/pledge/{hid}", data=dict(fields, method="signature", signature=signature()))
    assert client.get(f"/pact/pledges/{fields['client_id']}").status_code == 200
    other = app.test_client()
    assert other.get(f"/pact/pledges/{fields['client_id']}").status_code == 404


def test_on_the_township_server_residents_cannot_pledge_over_the_internet(app, client):
    app.config["KIOSK_ROLE"] = "township"
    hid, _number = unpledged(app)[0]
    response = client.get(f"/pact/pledge/{hid}")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_double_tapped_pledge_is_recorded_once_and_both_taps_see_the_thanks(app, client):
    hid, _number = unpledged(app)[0]
    fields = pledge_form(client, hid)
    data = dict(fields, method="signature", signature=signature())
    before = pledge_count(app)
    other = app.test_client()
    first, second = sent_twice_at_once(lambda: client.post(f"/pact/pledge/{hid}", data=data),
                                       lambda: other.post(f"/pact/pledge/{hid}", data=data), fields["client_id"])
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert pledge_count(app) == before + 1
