"""The QR a kiosk shows beside a photo button carries a token the township made on the kiosk's sync
credential: for one photo field of one record of the kiosk's own village, a few minutes, one photo
(several for a field that takes several). What a phone sends with it must be a photo; anything else
is a 4xx with a reason."""
from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kiosk.extensions import db
from tests.photos.conftest import bearer, jpeg, path_of, token_for


def _phone(township):
    return township.app.test_client()


def _send(phone, path, data: bytes, name="photo.jpg", **extra):
    # the body is encoded here, in memory: the test client would spool a large one to a file it never closes
    boundary, body = encode_multipart({"photo": FileStorage(io.BytesIO(data), name), **extra})
    return phone.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _photos(township, record_id):
    from kiosk.photos.models import PhonePhoto
    with township.ctx():
        return [(p.village_id, p.record_kind, p.field) for p in
                db.session.scalars(db.select(PhonePhoto).where(PhonePhoto.record_id == record_id))]


@pytest.fixture
def credential(kiosk, township):
    township.app.config["PUBLIC_URL"] = township.url  # what the QR codes point at
    return bearer(kiosk)


def test_one_photo_reaches_its_record_and_the_token_is_then_spent(township, credential):
    record = str(uuid.uuid4())
    answer = token_for(township, credential, record)
    assert answer.status_code == 201, answer.text
    url = answer.json["url"]
    assert url.startswith(township.url.upper() + "/PHOTO/") and answer.json["uses"] == 1

    phone = _phone(township)
    page = phone.get(path_of(url))
    assert page.status_code == 200 and 'capture="environment"' in page.text
    # the record comes from the token, whatever the phone posts beside the photo
    sent = _send(phone, path_of(url), jpeg(), record_id=str(uuid.uuid4()), kind="fire_incident")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/sent")
    assert _photos(township, record) == [("330326100201", "hazard_action", "photo")]

    again = _send(phone, path_of(url), jpeg(seed=2))
    assert again.status_code == 410 and "data-photo-closed" in again.text
    assert phone.get(path_of(url)).status_code == 410
    assert len(_photos(township, record)) == 1


def test_a_field_that_takes_several_photos_takes_a_few(township, credential):
    record = str(uuid.uuid4())
    url = token_for(township, credential, record, kind="fire_incident", field="photos").json["url"]
    phone = _phone(township)
    for seed in range(6):
        assert _send(phone, path_of(url), jpeg(640, 480, seed)).status_code == 303
    assert _send(phone, path_of(url), jpeg(640, 480, 9)).status_code == 410
    assert len(_photos(township, record)) == 6


def test_an_expired_token_brings_nothing(township, credential):
    from kiosk.photos.models import PhotoToken
    record = str(uuid.uuid4())
    url = token_for(township, credential, record).json["url"]
    with township.ctx():
        for row in db.session.scalars(db.select(PhotoToken).where(PhotoToken.record_id == record)):
            row.expires_at = dt.datetime(2020, 1, 1)
        db.session.commit()
    phone = _phone(township)
    assert phone.get(path_of(url)).status_code == 410
    assert _send(phone, path_of(url), jpeg()).status_code == 410
    assert _photos(township, record) == []


def test_tokens_only_for_the_kiosks_own_village_and_for_records_that_take_photos(township, kiosk, credential):
    from kiosk.hazards.models import Hazard
    with township.ctx():  # a record of 城西村, the other village
        theirs = Hazard(village_id="330326100202", code="Y-0001", category="gas", source="committee",
                        location="桥头", severity="minor")
        db.session.add(theirs)
        db.session.commit()
        theirs_id = theirs.id
    assert token_for(township, credential, theirs_id, kind="hazard").status_code == 404
    assert token_for(township, credential, "not-an-id").status_code == 400
    assert token_for(township, credential, str(uuid.uuid4()), kind="person").status_code == 400
    assert token_for(township, credential, str(uuid.uuid4()), field="../photo").status_code == 400
    assert token_for(township, {"Authorization": credential["Authorization"] + "x"},
                     str(uuid.uuid4())).status_code == 401
    assert token_for(township, {}, str(uuid.uuid4())).status_code == 401


def test_what_is_not_a_photo_is_refused_and_does_not_spend_the_token(township, credential):
    record = str(uuid.uuid4())
    url = token_for(township, credential, record).json["url"]
    phone = _phone(township)
    refused = _send(phone, path_of(url), b"#!/bin/sh\necho hello\n", name="photo.jpg")
    assert refused.status_code == 422 and "data-photo-error" in refused.text
    assert phone.post(path_of(url), data={}).status_code == 422  # no file at all
    assert _send(phone, path_of(url), jpeg()[:2000]).status_code == 422  # cut short
    assert _photos(township, record) == []
    assert _send(phone, path_of(url), jpeg()).status_code == 303


def test_a_photo_over_the_limit_is_refused(township, credential):
    record = str(uuid.uuid4())
    url = token_for(township, credential, record).json["url"]
    phone = _phone(township)
    assert _send(phone, path_of(url), b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10)).status_code == 413
    over_the_request_limit = _send(phone, path_of(url), b"\xff\xd8" + b"0" * (13 * 1024 * 1024))
    assert over_the_request_limit.status_code == 413 and "data-photo-error" in over_the_request_limit.text
    assert _photos(township, record) == []


def test_a_token_stops_taking_tries_and_a_kiosk_stops_getting_tokens(township, credential):
    from kiosk.photos import service
    url = token_for(township, credential, str(uuid.uuid4())).json["url"]
    phone = _phone(township)
    for _ in range(service.ATTEMPTS_PER_TOKEN):
        assert _send(phone, path_of(url), b"not a photo").status_code == 422
    assert _send(phone, path_of(url), jpeg()).status_code == 429

    from kiosk.photos.models import PhotoToken
    with township.ctx():
        made = db.session.scalar(db.select(db.func.count()).select_from(PhotoToken))
    for _ in range(service.TOKENS_PER_WINDOW - made):
        assert token_for(township, credential, str(uuid.uuid4())).status_code == 201
    assert token_for(township, credential, str(uuid.uuid4())).status_code == 429


def test_hostile_addresses_are_refused_plainly(township):
    phone = _phone(township)
    for token in ("x" * 500, "%00", "ABC", "../../etc/passwd"):
        assert phone.get(f"/PHOTO/{token}").status_code in (400, 404, 410)
        assert phone.post(f"/PHOTO/{token}", data={"photo": (io.BytesIO(b"x"), "a.jpg")}).status_code in (400, 404, 410)
