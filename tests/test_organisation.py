"""The committee keeps the village fire-safety organisation roster and prints its filing sheet."""
from kiosk.extensions import db
from kiosk.village import Person
from tests.edit_forms import opened


def person_named(app, name):
    with app.app_context():
        return db.session.scalar(Person.live().where(Person.name == name))


def test_the_committee_adds_a_volunteer_with_a_pin(app, committee):
    response = committee.post("/organisation/new", data={
        "name": "徐明", "phone": "138 5771 2310", "duties": ["volunteer", "patrol"], "trained": "y",
        "active": "y", "new_pin": "4826"})
    assert response.status_code == 303
    page = committee.get("/organisation/").get_data(as_text=True)
    assert "徐明" in page and "已设密码" in page
    person = person_named(app, "徐明")
    assert person.phone == "13857712310" and person.duties == ["patrol", "volunteer"]
    assert person.village_id == "330326100201" and person.version == 1 and person.hlc


def test_editing_bumps_the_record_version_for_sync(app, committee):
    before = person_named(app, "张磊")
    url = f"/organisation/{before.id}/edit"
    committee.post(url, data={"name": "张磊", "phone": "13857712307", "duties": ["volunteer", "grid"], "active": "y",
                              **opened(committee, url)})
    after = person_named(app, "张磊")
    assert after.version == before.version + 1 and after.hlc > before.hlc
    assert after.duties == ["grid", "volunteer"]


def test_missing_fields_overlong_text_and_bad_phone_are_explained(app, committee):
    response = committee.post("/organisation/new", data={
        "name": "", "phone": "12345", "duties": [], "post": "长" * 41})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入姓名" in page
    assert "电话号码格式不正确" in page
    assert "请至少选择一项职责" in page
    assert "最多 40 个字" in page
    response = committee.post("/organisation/new", data={"name": "名" * 21, "duties": ["volunteer"]})
    assert "最多 20 个字" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 9  # nothing saved


def test_an_easy_pin_is_refused(committee):
    response = committee.post("/organisation/new", data={"name": "徐明", "duties": ["volunteer"], "new_pin": "1234"})
    assert response.status_code == 422 and "密码太容易被猜到" in response.get_data(as_text=True)


def test_only_one_first_responsible_person(committee):
    response = committee.post("/organisation/new", data={"name": "徐明", "duties": ["first_responsible"]})
    assert response.status_code == 422 and "陈建国" in response.get_data(as_text=True)


def test_removing_a_person_leaves_a_tombstone_and_their_pin_goes(app, committee):
    target = person_named(app, "李伟")
    assert committee.post(f"/organisation/{target.id}/remove", data={"confirm": "yes"}).status_code == 303
    roster = committee.get("/organisation/").get_data(as_text=True).split('id="roster"')[1]
    assert "李伟" not in roster
    with app.app_context():
        row = db.session.get(Person, target.id)
        assert row.deleted is True  # kept so that the deletion replicates
    assert "李伟" not in committee.get("/signin").get_data(as_text=True)


def test_the_roster_shows_what_the_filing_still_lacks(app, committee):
    assert "志愿消防队现有" not in committee.get("/organisation/").get_data(as_text=True)
    committee.post(f"/organisation/{person_named(app, '周杰').id}/remove", data={"confirm": "yes"})
    page = committee.get("/organisation/").get_data(as_text=True)
    assert "志愿消防队现有 4 人，标准要求不少于 5 人。" in page


def test_filing_sheet_is_in_chinese_even_from_the_english_ui(committee):
    committee.get("/lang/en")
    page = committee.get("/organisation/filing-sheet").get_data(as_text=True)
    assert "昆阳镇城东村消防安全组织备案表" in page
    assert "陈建国" in page and "林海燕" in page and "第一责任人（组长）" in page
    assert "志愿消防队员" in page and "Volunteer" not in page


def test_people_of_another_village_are_not_reachable(app, committee):
    from kiosk.village import Village
    with app.app_context():
        db.session.add(Village(code="330326100202", name="城西村", township_code="330326100"))
        other = Person(village_id="330326100202", name="外村人", duties=["committee"])
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert committee.get(f"/organisation/{other_id}/edit").status_code == 404


def test_the_filing_sheet_is_dated_by_the_village_calendar(committee, monkeypatch):
    """At 07:30 in China it is still yesterday in UTC: the sheet carries the village's date."""
    import datetime as dt

    import kiosk.context
    monkeypatch.setattr(kiosk.context, "utcnow", lambda: dt.datetime(2026, 12, 1, 23, 30))
    page = committee.get("/organisation/filing-sheet").get_data(as_text=True)
    assert "填报日期：2026年12月2日" in page


# ---- the township's overview -------------------------------------------------------------------

def test_the_township_sees_each_villages_roster_and_what_its_filing_lacks(app):
    from tests.statements import summaries_for
    with app.app_context():
        db.session.add(Person(village_id="330326100202", name="西湾一", duties=["safety_manager"], trained=True))
        db.session.add(Person(village_id="330326100202", name="西湾二", duties=["volunteer"], active=False))
        db.session.commit()
    result, _ = summaries_for(app, "organisation", ["330326100201", "330326100202", "330326100203"])
    # the demo's nine: six trained, both leaders named
    assert result["330326100201"] == {"members": 9, "trained": 6, "no_first_responsible": False,
                                      "no_safety_manager": False}
    assert result["330326100202"] == {"members": 1, "trained": 1, "no_first_responsible": True,
                                      "no_safety_manager": False}
    assert result["330326100203"] == {"members": 0, "trained": 0, "no_first_responsible": True,
                                      "no_safety_manager": True}


def test_the_roster_overview_asks_the_database_once_however_many_villages(app):
    from tests.statements import summaries_for
    _, one = summaries_for(app, "organisation", ["330326100201"])
    many, statements = summaries_for(app, "organisation", [f"330326100{n}" for n in range(201, 260)])
    assert statements == one == 1 and len(many) == 59


# ---- what a new committee member tripped over (issue 12) -----------------------------------------

def test_the_roster_lists_people_by_duty_then_name(committee):
    """First responsible person, safety manager, committee, grid, patrol, volunteers; each group by
    name in pinyin order (黄 before 周, 李 before 吴 before 张), not by character code."""
    import re
    roster = committee.get("/organisation/").get_data(as_text=True).split('id="roster"')[1]
    names = re.findall(r'<span class="row-title">([^<\s]+)', roster)
    assert names == ["陈建国", "林海燕", "王德明", "郑晓丽", "黄志强", "周杰", "李伟", "吴小军", "张磊"]


def test_inactive_people_come_last_on_the_roster(app, committee):
    import re
    chen = person_named(app, "陈建国")
    with app.app_context():
        db.session.get(Person, person_named(app, "王德明").id).active = False
        db.session.commit()
    roster = committee.get("/organisation/").get_data(as_text=True).split('id="roster"')[1]
    names = re.findall(r'<span class="row-title">([^<\s]+)', roster)
    assert names[0] == chen.name and names[-1] == "王德明"


def test_a_new_persons_pin_field_does_not_speak_of_keeping_a_pin(committee):
    page = committee.get("/organisation/new").get_data(as_text=True)
    assert "留空" not in page and "新的登录密码" not in page
    assert "一体机登录密码" in page and "不设密码，此人就不能在一体机上登录" in page


def test_an_existing_persons_pin_field_says_what_empty_means(app, committee):
    with_pin, without_pin = person_named(app, "李伟"), person_named(app, "张磊")
    page = committee.get(f"/organisation/{with_pin.id}/edit").get_data(as_text=True)
    assert "留空则保留现在的密码" in page
    page = committee.get(f"/organisation/{without_pin.id}/edit").get_data(as_text=True)
    assert "保留" not in page and "还没有登录密码" in page
