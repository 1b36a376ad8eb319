"""A resident scans the label on a hydrant: no app, no sign-in, the status and a report form."""
import io
import uuid

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from kiosk.extensions import db
from kiosk.hydrants.models import Hydrant, ProblemReport

from .helpers import DEFECT, FINE, POOL, REPORTED, count, fresh, hazards_about, hydrant, jpeg, pool, reports


def report(client, code, problem="leaking", client_id=None, ip="10.0.0.7", **fields):
    data = {"problem": problem, "client_id": client_id or str(uuid.uuid4()), **fields}
    return client.post(f"/h/{code}", data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": ip})


def test_the_label_url_opens_the_hydrant_in_chinese_whatever_the_case(app, client):
    h = hydrant(app)
    for path in (f"/h/{h.code}", f"/h/{h.code.lower()}", f"/H/{h.code}"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert h.code in page and FINE in page
        assert "可以正常使用" in page and "上次检查" in page and "下次检查" in page
        assert "报告问题" in page and "119" in page


def test_a_defective_hydrant_says_so_to_residents(app, client):
    page = client.get(f"/h/{hydrant(app, DEFECT).code}").get_data(as_text=True)
    assert "存在故障" in page and "发现故障" in page


def test_a_pool_has_a_public_page_too(app, client):
    p = pool(app)
    page = client.get(f"/h/{p.code}").get_data(as_text=True)
    assert "消防水池" in page and POOL in page and "200 立方米" in page


def test_an_unknown_code_gets_a_friendly_404_not_an_error(client):
    response = client.get("/h/ZZZZZZ")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "找不到这个编号" in page and "ZZZZZZ" in page and "119" in page
    assert client.get("/h/not-a-code<script>").status_code == 404
    assert "<script>" not in client.get("/h/x<script>").get_data(as_text=True)


def test_a_resident_reports_a_leak_with_a_photo_and_phone(app, client):
    h = hydrant(app)
    response = report(client, h.code, "leaking", description="阀门处一直滴水", phone="139 5776 5432",
                      photo=(io.BytesIO(jpeg()), "leak.jpg"))
    assert response.status_code == 303 and "sent=" in response.headers["Location"]
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "谢谢" in thanks
    with app.app_context():
        saved = db.session.scalar(db.select(ProblemReport).where(ProblemReport.asset_id == h.id))
        assert saved.problem == "leaking" and saved.reporter_phone == "13957765432"
        assert saved.photo_sha256 and len(saved.photo_sha256) == 64
        assert saved.client_key != "10.0.0.7"  # a keyed hash, not the address
        assert db.session.get(Hydrant, h.id).reported_at is not None
    [hazard] = hazards_about(app, h.id, "resident_report")
    assert hazard.category == "hydrant" and hazard.subject_kind == "hydrant" and hazard.status == "reported"
    assert hazard.found_by_kind == "water_problem_report" and hazard.found_by_id == saved.id
    assert hazard.photo_sha256 == saved.photo_sha256 and hazard.reporter_phone == "13957765432"
    assert h.code in hazard.location and "漏水" in hazard.description
    # the resident keeps a receipt: the hazard's code, and the page that says where it stands
    assert f"sent={hazard.code}" in response.headers["Location"]
    assert hazard.code in thanks and f'href="/r/{hazard.code}"' in thanks


def test_a_replayed_report_is_filed_once(app, client):
    h = hydrant(app)
    same = str(uuid.uuid4())
    assert report(client, h.code, client_id=same).status_code == 303
    assert report(client, h.code, client_id=same).status_code == 303
    assert reports(app, h.id) == 1
    assert len(hazards_about(app, h.id, "resident_report")) == 1


def test_a_second_resident_with_the_same_problem_joins_the_open_hazard(app, client):
    h = hydrant(app)
    report(client, h.code, "leaking", ip="10.0.0.1")
    report(client, h.code, "leaking", ip="10.0.0.2")
    report(client, h.code, "cap_missing", ip="10.0.0.3")
    assert reports(app, h.id) == 3
    assert len(hazards_about(app, h.id, "resident_report")) == 2


@pytest.mark.parametrize("fields, message", [
    ({"problem": ""}, "请选择问题类型"),
    ({"problem": "explode"}, "请选择问题类型"),
    ({"problem": "other"}, "请简单说明是什么问题"),
    ({"phone": "12345"}, "电话号码格式不正确"),
    ({"description": "长" * 501}, "最多 500 个字"),
])
def test_a_bad_report_is_explained_and_nothing_is_saved(app, client, fields, message):
    h = hydrant(app)
    response = report(client, h.code, **{"problem": "leaking", **fields})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reports(app, h.id) == 0 and hazards_about(app, h.id, "resident_report") == []


def test_a_file_that_is_not_a_photo_is_refused(app, client):
    h = hydrant(app)
    response = report(client, h.code, photo=(io.BytesIO(b"%PDF-1.4 not a picture"), "notice.pdf"))
    assert response.status_code == 422
    assert "该文件不是照片" in response.get_data(as_text=True)
    assert reports(app, h.id) == 0


def test_a_20_mb_photo_is_refused_on_the_page_the_resident_was_on(app, client):
    h = hydrant(app)
    # the body is encoded here, in memory: the test client would spool it to a file it never closes
    boundary, body = encode_multipart({"problem": "leaking", "client_id": str(uuid.uuid4()),
                                       "photo": FileStorage(io.BytesIO(b"\xff" * (20 * 1024 * 1024)), "huge.jpg")})
    response = client.post(f"/h/{h.code}", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "照片太大" in page and "报告问题" in page and h.code in page
    assert reports(app, h.id) == 0


def test_a_flood_of_reports_from_one_phone_gets_a_translated_429(app, client):
    h, other = hydrant(app), hydrant(app, DEFECT)
    for code in (h.code, h.code, other.code):
        assert report(client, code, ip="10.9.9.9").status_code == 303
    response = report(client, h.code, ip="10.9.9.9")
    assert response.status_code == 429
    assert "刚刚已收到较多相关报告" in response.get_data(as_text=True)
    assert reports(app, h.id) == 2
    # someone else may still report
    assert report(client, h.code, ip="10.9.9.10").status_code == 303


def test_a_report_without_its_csrf_token_is_refused(app_with):
    app = app_with(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    h = hydrant(app)
    assert client.get(f"/h/{h.code}").status_code == 200
    response = report(client, h.code)
    assert response.status_code == 400
    assert "表单已过期或来源不明" in response.get_data(as_text=True)
    assert reports(app, h.id) == 0


def test_the_demo_has_a_hydrant_reported_by_a_resident(app, client):
    h = hydrant(app, REPORTED)
    assert h.reported_at is not None
    assert "已有群众报告问题" in client.get(f"/h/{h.code}").get_data(as_text=True)
    assert count(app, ProblemReport) == 1
    assert fresh(app, Hydrant, h.id).status == "in_service"


def test_the_township_server_answers_the_label_too(township_app):
    """Labels point at the township server: it serves the same page and takes the same reports."""
    app = township_app
    client = app.test_client()
    h = hydrant(app, DEFECT)
    page = client.get(f"/H/{h.code}").get_data(as_text=True)
    assert "存在故障" in page and "昆阳镇城东村" in page
    assert report(client, h.code, "damaged").status_code == 303
    assert reports(app, h.id) == 1
