"""Township warnings: the station writes them, the chosen villages' kiosks show them prominently, a
committee member acknowledges, and the station sees who has read them and who has not."""
from __future__ import annotations

import datetime as dt
import uuid

from kiosk.extensions import db
from kiosk.warnings.models import Warning, WarningReceipt, receipt_id
from kiosk.records import utcnow
from tests.conftest import DEMO_VILLAGE, OTHER_TOWNSHIP_VILLAGE, TOWNSHIP, add_staff, session_seen, sign_in_staff


GALE = "大风橙色预警：严禁野外用火"  # the demo's immediate warning
MONTHLY = "冬季防火月度提示"  # the demo's monthly warning, acknowledged by 陈建国


def warning_titled(app, title) -> Warning:
    with app.app_context():
        return db.session.scalar(Warning.live().where(Warning.title == title))


def receipts(app, warning_id=None) -> list[WarningReceipt]:
    with app.app_context():
        query = db.select(WarningReceipt)
        if warning_id:
            query = query.where(WarningReceipt.warning_id == warning_id)
        return db.session.scalars(query).all()


def issue(app, title, kind="immediate", to_all=True, targets=(), valid_until=None) -> str:
    """A warning as the township's sync delivers it to the kiosk."""
    with app.app_context():
        w = Warning(village_id=TOWNSHIP, kind=kind, title=title, body="请各村立即落实。", to_all=to_all,
                    targets=list(targets), valid_until=valid_until, issued_by_name="周站长", issued_at=utcnow())
        db.session.add(w)
        db.session.commit()
        return w.id


def banner(page: str) -> str:
    return page.split('id="warning-banner"')[1].split("</div>")[0]


# ---- the kiosk -------------------------------------------------------------------------------

def test_an_unread_immediate_warning_shows_on_every_page_and_leads_the_notice_board(client):
    home = client.get("/").get_data(as_text=True)
    assert GALE in banner(home) and "紧急预警" in banner(home) and "查看并确认" in banner(home)
    assert "乡镇预警" in home and "1 条待确认" in home  # the tile and its badge
    assert GALE in banner(client.get("/hazards/", follow_redirects=True).get_data(as_text=True))
    board = client.get("/board").get_data(as_text=True)
    first = board.split('<section class="slide')[1]
    assert "slide-urgent" in first.split(">")[0] and GALE in first
    # the monthly warning is on the board too, without the urgent styling
    assert MONTHLY in board and board.index(MONTHLY) > board.index(GALE)


def test_the_kiosk_lists_warnings_unread_first_and_anyone_may_read_them(client):
    page = client.get("/warnings/").get_data(as_text=True)
    assert page.index(GALE) < page.index(MONTHLY)
    assert "未确认" in page and "已确认" in page
    gale = warning_titled(client.application, GALE)
    detail = client.get(f"/warnings/{gale.id}").get_data(as_text=True)
    assert "严禁野外用火、焚烧秸秆" in detail and "登录后确认" in detail
    assert GALE not in banner(detail)  # the banner does not repeat the warning whose page is open
    monthly = warning_titled(client.application, MONTHLY)
    assert "陈建国 已于" in client.get(f"/warnings/{monthly.id}").get_data(as_text=True)


def test_a_committee_member_acknowledges_once_for_the_village_and_the_banner_goes(app, committee, auth):
    gale = warning_titled(app, GALE)
    response = committee.post(f"/warnings/{gale.id}/ack")
    assert response.status_code == 303
    assert "已确认" in committee.get(response.headers["Location"]).get_data(as_text=True)
    [receipt] = receipts(app, gale.id)
    chen = auth.person("陈建国")
    assert (receipt.village_id, receipt.person_id, receipt.person_name) == (DEMO_VILLAGE, chen.id, "陈建国")
    assert receipt.id == receipt_id(gale.id, DEMO_VILLAGE) and receipt.version == 1 and receipt.hlc
    home = committee.get("/").get_data(as_text=True)
    assert GALE not in banner(home) and "全部已确认" in home
    # a replayed POST, and the other committee member tapping later, change nothing
    assert committee.post(f"/warnings/{gale.id}/ack").status_code == 303
    auth.sign_in("林海燕")
    committee.post(f"/warnings/{gale.id}/ack")
    assert [(r.id, r.person_name) for r in receipts(app, gale.id)] == [(receipt.id, "陈建国")]


def test_acknowledging_from_the_htmx_button_swaps_in_the_receipt_and_tells_the_banner(app, committee):
    gale = warning_titled(app, GALE)
    response = committee.post(f"/warnings/{gale.id}/ack", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "warning-acknowledged"
    assert page.lstrip().startswith('<section id="warning-ack"') and "陈建国 已于" in page
    assert "<html" not in page


def test_a_volunteer_cannot_acknowledge_and_a_resident_is_sent_to_sign_in(app, client, auth):
    gale = warning_titled(app, GALE)
    response = client.post(f"/warnings/{gale.id}/ack")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    auth.sign_in("李伟")
    assert "只有村委会成员可以确认" in client.get(f"/warnings/{gale.id}").get_data(as_text=True)
    assert client.post(f"/warnings/{gale.id}/ack").status_code == 403
    assert receipts(app, gale.id) == []


def test_township_staff_cannot_acknowledge_for_a_village(app, client):
    gale = warning_titled(app, GALE)
    sign_in_staff(client, add_staff(app, "zhou-test", TOWNSHIP))
    assert client.post(f"/warnings/{gale.id}/ack").status_code == 403
    assert receipts(app, gale.id) == []


def test_a_warning_for_other_villages_never_shows_on_this_kiosk(app, client):
    elsewhere = issue(app, "仅发西湾村的预警", to_all=False, targets=["330326100202"])
    here = issue(app, "发给城东村和西湾村", kind="weekly", to_all=False, targets=["330326100202", DEMO_VILLAGE])
    page = client.get("/warnings/").get_data(as_text=True)
    assert "发给城东村和西湾村" in page and "仅发西湾村的预警" not in page
    assert "仅发西湾村的预警" not in client.get("/board").get_data(as_text=True)
    assert client.get(f"/warnings/{elsewhere}").status_code == 404
    assert client.get(f"/warnings/{here}").status_code == 200


def test_an_expired_warning_leaves_the_board_and_the_banner_but_stays_listed(app, client):
    with app.app_context():
        gale = db.session.scalar(Warning.live().where(Warning.title == GALE))
        gale.valid_until = dt.date(2020, 1, 1)
        db.session.commit()
    assert GALE not in banner(client.get("/").get_data(as_text=True))
    assert GALE not in client.get("/board").get_data(as_text=True)
    listed = client.get("/warnings/").get_data(as_text=True)
    assert GALE in listed and "已过期" in listed


def test_the_notice_board_reloads_itself_when_an_immediate_warning_arrives(app, client):
    gale = warning_titled(app, GALE)
    board = "http://localhost/board"
    # the board shows the gale warning: nothing new, nothing to do
    quiet = client.get(f"/warnings/banner?shown={gale.id}", headers={"HX-Request": "true", "HX-Current-URL": board})
    assert quiet.status_code == 200 and "HX-Refresh" not in quiet.headers
    fresh = issue(app, "山林火险红色预警")
    poll = client.get(f"/warnings/banner?shown={gale.id}", headers={"HX-Request": "true", "HX-Current-URL": board})
    assert poll.headers["HX-Refresh"] == "true"
    assert fresh in poll.get_data(as_text=True) or gale.id in poll.get_data(as_text=True)
    # on any other page the banner simply updates in place
    elsewhere = client.get(f"/warnings/banner?shown={gale.id}",
                           headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/hazards/"})
    assert "HX-Refresh" not in elsewhere.headers and "另有 1 条" in elsewhere.get_data(as_text=True)


def test_the_banner_poll_does_not_keep_a_walked_away_member_signed_in(app, idle_clock, committee):
    started = session_seen(committee)
    idle_clock["seconds"] += 100
    committee.get("/warnings/banner", headers={"HX-Request": "true"})
    assert session_seen(committee) == started
    committee.get("/warnings/")  # a real page view is activity
    assert session_seen(committee) > started


def test_a_receipt_id_is_the_same_everywhere_and_keeps_the_uuid7_shape():
    warning_id = "0192f3a4-5b6c-7d8e-9f01-23456789abcd"
    a = receipt_id(warning_id, DEMO_VILLAGE)
    assert a == receipt_id(warning_id, DEMO_VILLAGE) != receipt_id(warning_id, "330326100202")
    parsed = uuid.UUID(a)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122 and a[:13] == warning_id[:13]


# ---- the township station --------------------------------------------------------------------

def compose(client, **fields):
    data = {"client_id": fields.pop("client_id", str(uuid.uuid4())), "kind": "immediate", "title": "台风防御紧急通知",
            "body": "台风将于今晚登陆，请各村检查消防水池，转移独居老人。", "target": "all"}
    data.update(fields)
    return client.post("/warnings/township/new", data=data)


def test_the_station_issues_a_warning_to_every_village_and_a_replay_changes_nothing(township_app, station):
    form = station.get("/warnings/township/new").get_data(as_text=True)
    assert "新建预警" in form and 'name="client_id"' in form and "西湾村" in form and "江口村" not in form
    client_id = str(uuid.uuid4())
    response = compose(station, client_id=client_id, valid_until="2099-12-31")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/warnings/township/{client_id}")
    warning = warning_titled(township_app, "台风防御紧急通知")
    assert (warning.id, warning.village_id, warning.kind, warning.to_all) == (client_id, TOWNSHIP, "immediate", True)
    assert warning.valid_until == dt.date(2099, 12, 31) and warning.issued_by_name == "周站长"
    replay = compose(station, client_id=client_id)
    assert replay.status_code == 303 and replay.headers["Location"].endswith(client_id)
    with township_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Warning)
                                 .where(Warning.title == "台风防御紧急通知")) == 1


def test_the_station_sends_to_chosen_villages_only(township_app, station):
    response = compose(station, kind="weekly", target="some", villages=["330326100202", "330326100203"])
    assert response.status_code == 303
    warning = warning_titled(township_app, "台风防御紧急通知")
    assert warning.to_all is False and warning.targets == ["330326100202", "330326100203"]
    page = station.get(response.headers["Location"]).get_data(as_text=True).split("<main")[1]
    assert "西湾村" in page and "凤山村" in page and "城东村" not in page and "0 / 2" in page


def test_a_bad_warning_is_explained_and_nothing_is_issued(township_app, station):
    response = compose(station, kind="", title="", body="", target="some", valid_until="2020-01-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("请选择预警类型", "请输入标题", "请写明各村需要知道和落实的事项", "这个日期已经过去了",
                    "请至少选择一个村"):
        assert message in page
    assert "请输入正确的日期" in compose(station, valid_until="31.12.").get_data(as_text=True)
    assert "最多 80 个字" in compose(station, title="长" * 81).get_data(as_text=True)
    foreign = compose(station, target="some", villages=[OTHER_TOWNSHIP_VILLAGE[0]])
    assert foreign.status_code == 422 and "只能选择本乡镇的村" in foreign.get_data(as_text=True)
    with township_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Warning)) == 2  # the demo's two


def test_the_station_sees_who_has_read_each_warning_and_who_has_not(township_app, station):
    page = station.get("/warnings/township/").get_data(as_text=True)
    items = page.split('<li class="card tw-item')[1:]
    monthly, gale = (next(item for item in items if f">{t}<" in item) for t in (MONTHLY, GALE))
    assert "1 / 3" in monthly and "陈建国" in monthly and "未确认" in monthly  # 城东村 read it, neighbours not
    assert "0 / 3" in gale and "陈建国" not in gale
    gale_w = warning_titled(township_app, GALE)
    with township_app.app_context():  # 城东村's receipt arrives by sync
        db.session.add(WarningReceipt(id=receipt_id(gale_w.id, DEMO_VILLAGE), village_id=DEMO_VILLAGE,
                                      warning_id=gale_w.id, person_id="p", person_name="林海燕",
                                      acknowledged_at=utcnow()))
        db.session.commit()
    detail = station.get(f"/warnings/township/{gale_w.id}").get_data(as_text=True)
    rows = detail.split("<tbody>")[1]
    assert "1 / 3" in detail
    # villages that have not read it are listed first, then who has and when
    assert rows.index("西湾村") < rows.index("城东村") and "林海燕" in rows.split("城东村")[1]


def test_a_resident_or_a_committee_member_cannot_compose(township_app, app, committee):
    anonymous = township_app.test_client()
    response = anonymous.get("/warnings/township/new")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert compose(anonymous).status_code == 302
    assert committee.get("/warnings/township/new").status_code == 403
    assert compose(committee).status_code == 403
    assert committee.get("/warnings/township/").status_code == 403
    for server in (township_app, app):
        assert warning_titled(server, "台风防御紧急通知") is None


def test_staff_of_another_township_see_none_of_these_warnings(township_app):
    aojiang = sign_in_staff(township_app.test_client(), add_staff(township_app, "wang", "330326101", name="王站长"))
    gale = warning_titled(township_app, GALE)
    page = aojiang.get("/warnings/township/").get_data(as_text=True)
    assert GALE not in page and MONTHLY not in page and "还没有发布预警" in page
    assert aojiang.get(f"/warnings/township/{gale.id}").status_code == 404
    # nor can they reuse a 昆阳镇 warning's id to reach it
    assert compose(aojiang, client_id=gale.id).status_code == 400


def test_the_stations_warnings_tile_leads_straight_to_its_screen_without_choosing_a_village(township_app, station):
    """The station writes to every village at once: no village to choose first."""
    home = station.get("/").get_data(as_text=True)
    tile = home.split('class="tile tile-township_warnings"')[1].split("</a>")[0]
    assert 'href="/warnings/township/"' in tile and "请先选择村" not in tile


def test_the_given_staff_fixture_works_on_the_kiosk_app_too(app, staff):
    assert "冬季防火月度提示" in staff.get("/warnings/township/").get_data(as_text=True)


def test_the_township_demo_has_a_staff_account_and_neighbouring_villages(database, tmp_path, db_kind):
    from kiosk.demo import load_demo
    from kiosk.village import Village
    from tests.conftest import make_app
    app = make_app(database(db_kind, "empty"), tmp_path / "tw-demo", KIOSK_ROLE="township")
    with app.app_context():
        load_demo()
        assert db.session.scalar(db.select(db.func.count()).select_from(Village)
                                 .where(Village.township_code == TOWNSHIP)) == 4
        db.session.remove()
    client = app.test_client()
    response = client.post("/staff/login", data={"username": "zhou", "password": "pingyang-demo-2026"})
    assert response.status_code == 303
    page = client.get("/warnings/township/").get_data(as_text=True)
    assert GALE in page and "0 / 4" in page and "1 / 4" in page
    with app.app_context():
        db.engine.dispose()


# ---- the township's overview -------------------------------------------------------------------

def test_the_township_sees_per_village_how_many_warnings_in_force_are_unread(township_app):
    from tests.statements import summaries_for
    gale = warning_titled(township_app, GALE)
    issue(township_app, "仅发凤山村", kind="weekly", to_all=False, targets=["330326100203"])
    issue(township_app, "已过期的", to_all=True, valid_until=dt.date(2020, 1, 1))
    with township_app.app_context():  # 西湾村 read the gale warning
        db.session.add(WarningReceipt(id=receipt_id(gale.id, "330326100202"), village_id="330326100202",
                                      warning_id=gale.id, person_id="p", person_name="西湾人", acknowledged_at=utcnow()))
        db.session.commit()
    codes = [DEMO_VILLAGE, "330326100202", "330326100203", OTHER_TOWNSHIP_VILLAGE[0]]
    result, _ = summaries_for(township_app, "warnings", codes)
    # 城东村 read the monthly one only; 西湾村 the gale only; 凤山村 none, and one more is for it alone
    assert {code: result[code]["unacknowledged"] for code in codes} == {
        DEMO_VILLAGE: 1, "330326100202": 1, "330326100203": 3, OTHER_TOWNSHIP_VILLAGE[0]: 0}


def test_the_warnings_overview_asks_the_database_three_times_however_many_villages(township_app):
    """Warnings in force, receipts, answers: three queries for one village or for seventy-eight."""
    from tests.statements import summaries_for
    _, one = summaries_for(township_app, "warnings", [DEMO_VILLAGE])
    codes = [f"330326100{n}" for n in range(201, 240)] + [f"330326101{n}" for n in range(201, 240)]
    many, statements = summaries_for(township_app, "warnings", codes)
    assert statements == one == 3 and many["330326100239"]["unacknowledged"] == 2
    assert many["330326100239"]["unanswered"] == 2
