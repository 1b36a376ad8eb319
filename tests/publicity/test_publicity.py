"""Publicity and training at the kiosk: activities in the log, attendance at a drill that makes the
team trained (and the station ready), the yearly plan against what was done, the township's figures."""
from __future__ import annotations

import datetime as dt

from kiosk.extensions import db
from kiosk.publicity.models import Activity, Attendance, PlannedActivity
from kiosk.village import Person
from tests.conftest import DEMO_VILLAGE, NEIGHBOURS, add_villages
from tests.patrols.helpers import person_id
from tests.statements import summaries_for


def today(app) -> dt.date:
    from kiosk.context import local_today
    with app.test_request_context():
        return local_today()


def trained(app, name) -> bool:
    with app.app_context():
        return db.session.scalar(db.select(Person.trained).where(Person.name == name))


def test_a_broadcast_is_logged_with_who_ran_it_and_how_many_it_reached(app, committee):
    response = committee.post("/publicity/new", data={
        "kind": "broadcast", "held_on": today(app).isoformat(), "place": "村广播", "topic": "冬季防火",
        "organisers": [person_id(app, "林海燕")], "reached": "６００"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = committee.get(response.headers["Location"]).get_data(as_text=True)
    assert "村广播" in page and "冬季防火" in page and "林海燕" in page and "600" in page
    assert "冬季防火" in committee.get("/publicity/?kind=broadcast").get_data(as_text=True)


def test_a_drill_takes_attendance_and_makes_those_who_came_trained(app, committee):
    assert not trained(app, "周杰")
    response = committee.post("/publicity/new", data={
        "kind": "drill", "held_on": today(app).isoformat(), "place": "微型消防站", "topic": "灭火器使用",
        "attendees": [person_id(app, "周杰"), person_id(app, "李伟")]})
    assert response.status_code == 303
    assert trained(app, "周杰")
    with app.app_context():
        activity = db.session.get(Activity, response.headers["Location"].rsplit("/", 1)[-1])
        got = db.session.scalars(db.select(Attendance.person_name).where(Attendance.activity_id == activity.id)).all()
        assert sorted(got) == ["周杰", "李伟"] and activity.reached == 2


def test_an_attendance_of_someone_not_on_the_roster_is_refused(app, committee):
    add_villages(app)
    with app.app_context():
        stranger = Person(village_id=list(NEIGHBOURS)[0], name="外村人", duties=["volunteer"])
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    for who in (stranger_id, "0190a0a0-0000-7000-8000-000000000000"):
        response = committee.post("/publicity/new", data={"kind": "training", "held_on": today(app).isoformat(),
                                                          "attendees": [person_id(app, "周杰"), who]})
        assert response.status_code == 422
        assert "只能选择本村名册中的人员" in response.get_data(as_text=True)
    assert not trained(app, "周杰")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Attendance)) == 3  # the demo's training


def test_a_training_needs_someone_and_a_day_that_has_come(app, committee):
    response = committee.post("/publicity/new", data={"kind": "training", "held_on": today(app).isoformat()})
    assert response.status_code == 422 and "请点选参加人员" in response.get_data(as_text=True)
    tomorrow = (today(app) + dt.timedelta(days=1)).isoformat()
    response = committee.post("/publicity/new", data={"kind": "broadcast", "held_on": tomorrow})
    assert response.status_code == 422 and "这一天还没到" in response.get_data(as_text=True)


def test_a_door_to_door_campaign_shows_the_visits_of_its_days(app, committee):
    from kiosk.pacts.models import DoorVisit
    day = today(app)
    with app.app_context():
        household = db.session.scalar(db.text("SELECT id FROM household WHERE village_id = :v LIMIT 1"),
                                      {"v": DEMO_VILLAGE})
        db.session.add(DoorVisit(village_id=DEMO_VILLAGE, household_id=household, visited_on=day,
                                 visitors="林海燕、郑晓丽", topics=[]))
        db.session.commit()
    response = committee.post("/publicity/new", data={
        "kind": "door_to_door", "held_on": (day - dt.timedelta(days=2)).isoformat(), "ends_on": day.isoformat()})
    assert response.status_code == 303
    page = committee.get(response.headers["Location"]).get_data(as_text=True)
    assert "林海燕、郑晓丽" in page and "这几天走访的农户" in page


def test_the_yearly_plan_sets_planned_and_counts_what_was_done(app, committee):
    day = today(app)
    response = committee.post(f"/publicity/plan/{day.year}/{day.month}",
                              data={"planned-broadcast": "3", "planned-drill": "1", "planned-talk": "x"})
    assert response.status_code == 303
    committee.post("/publicity/new", data={"kind": "broadcast", "held_on": day.isoformat()})
    with app.app_context():
        from kiosk.publicity import service
        cells = service.plan(DEMO_VILLAGE, day.year)
        assert (cells["broadcast"][day.month].planned, cells["drill"][day.month].planned,
                cells["talk"][day.month].planned) == (3, 1, 0)
        assert cells["broadcast"][day.month].done >= 1
        assert db.session.scalar(db.select(db.func.count()).select_from(PlannedActivity).where(
            PlannedActivity.year == day.year, PlannedActivity.month == day.month,
            PlannedActivity.kind == "broadcast")) == 1  # changed in place, never twice
    page = committee.get(f"/publicity/plan?year={day.year}").get_data(as_text=True)
    assert "年度宣传计划" in page and "/3<" in page


def test_a_volunteer_sees_the_plan_but_does_not_change_it(app, volunteer):
    day = today(app)
    assert volunteer.get("/publicity/plan").status_code == 200
    assert volunteer.post(f"/publicity/plan/{day.year}/{day.month}", data={"planned-drill": "9"}).status_code == 403


def test_the_monthly_log_prints_the_months_activities(app, committee):
    committee.post("/publicity/new", data={"kind": "talk", "held_on": today(app).isoformat(), "topic": "火场逃生"})
    page = committee.get("/publicity/log").get_data(as_text=True)
    assert "消防宣传培训登记表" in page and "火场逃生" in page


def test_the_summary_gives_many_villages_in_the_same_few_queries(township_app):
    add_villages(township_app)
    one, few = summaries_for(township_app, "publicity", [DEMO_VILLAGE])
    many, more = summaries_for(township_app, "publicity", [DEMO_VILLAGE, *NEIGHBOURS])
    assert one[DEMO_VILLAGE]["planned_this_year"] > 0
    assert many[DEMO_VILLAGE] == one[DEMO_VILLAGE]
    assert all(many[c]["done_this_year"] == 0 for c in NEIGHBOURS)
    assert few == more
