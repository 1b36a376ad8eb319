"""Years of records on a kiosk: every page sends the same statements whether the village has a few
rows or hundreds, and long lists come fifty rows a page with touch-sized links to the next page."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from kiosk.extensions import db
from kiosk.records import uuid7
from tests.statements import counted

PAGES = ["/", "/board", "/warnings/", "/households/", "/pact/", "/pact/progress", "/pact/door-list",
         "/pact/visits", "/hydrants/", "/station/", "/organisation/", "/sync/"]


@pytest.fixture
def db_kind():
    """Statement counts do not depend on the engine: SQLite, as on the kiosk."""
    return "sqlite"


def add_years(app, n: int) -> None:
    """``n`` more households, each visited, pledged and inspected, and ``n`` township warnings (most
    acknowledged): what years of use leave on a kiosk, made through the services."""
    from kiosk.context import Actor
    from kiosk.households import service as households
    from kiosk.hydrants import service as hydrants
    from kiosk.hydrants.models import INSPECTION_ITEMS, Hydrant
    from kiosk.pacts import queries, service as pacts
    from kiosk.village import Person, Village
    from kiosk.warnings import service as warnings
    with app.app_context():
        village = db.session.get(Village, "330326100201")
        person = db.session.scalar(db.select(Person).where(Person.name == "陈建国"))
        pact = queries.current_pact(village)
        hydrant = db.session.scalar(Hydrant.live().where(Hydrant.village_id == village.code).limit(1))
        today = dt.date.today()
        for k in range(n):
            house = households.add(village, uuid7(), {"house_number": f"9组{k + 1:03d}号", "head_name": "王明",
                                                      "group_name": "第9组", "phone": None, "members": 3, "note": None})
            db.session.flush()
            pacts.record_visit(house, uuid7(), visited_on=today - dt.timedelta(days=k), visitors="林海燕",
                               topics=["ebike"], note=None, hazards=[], recorded_by_id=person.id)
            if k % 3:
                pacts.record_pledge(pact, house, uuid7(), recorded_by_id=person.id, confirmed_by="陈建国")
            hydrants.save_inspection(hydrant, client_id=uuid7(), actor=Actor(person.id, person.name, "person"),
                                     answers={key: "pass" for key in INSPECTION_ITEMS}, notes={}, photos={},
                                     pressure_mpa=0.3, note="")
            w = warnings.issue_warning(warning_id=uuid7(), township_code=village.township_code,
                                       kind=("monthly", "weekly", "immediate")[k % 3], title=f"第{k + 1}号预警",
                                       body="请加强巡查。", valid_until=today + dt.timedelta(days=k % 5 - 2),
                                       villages=None, issued_by="周立新")
            if k % 4:
                warnings.acknowledge(w, village, person)
        db.session.commit()


def statements_per_page(app, client) -> dict[str, int]:
    out = {}
    for url in PAGES:
        client.get(url)  # whatever a first request loads once
        with app.app_context(), counted() as statements:
            response = client.get(url)
            assert response.status_code == 200, url
        out[url] = len(statements)
    return out


def test_every_page_sends_as_many_statements_with_years_of_records_as_with_a_few(app, committee, monkeypatch):
    # the clock stands still: a signed-in session's "last seen" is written when five seconds have passed,
    # which a slow (loaded) machine reaches between two pages, and it is not a cost of the rows
    from kiosk.auth import security
    now = security.boot_clock()
    monkeypatch.setattr(security, "boot_clock", lambda: now)
    few = statements_per_page(app, committee)
    add_years(app, 120)
    many = statements_per_page(app, committee)
    assert many == few


def rows_of(page: str, list_id: str) -> int:
    body = page.split(f'id="{list_id}"', 1)[1].split("</ul>", 1)[0]
    return len(re.findall(r'<a class="row', body))


@pytest.mark.parametrize("url, list_id", [("/households/", "household-rows"), ("/pact/visits", "visit-list"),
                                          ("/warnings/", "warning-list")])
def test_long_lists_come_fifty_rows_a_page_with_links_to_the_next(app, committee, url, list_id):
    add_years(app, 120)
    first = committee.get(url).get_data(as_text=True)
    assert rows_of(first, list_id) == 50
    assert 'rel="prev"' not in first
    following = re.search(r'<a class="btn" rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = committee.get(following).get_data(as_text=True)
    assert rows_of(second, list_id) == 50 and 'rel="prev"' in second
    last = committee.get(f"{url}?page=999").get_data(as_text=True)  # past the end: the last page
    assert 0 < rows_of(last, list_id) <= 50 and 'rel="next"' not in last and 'rel="prev"' in last


def test_a_search_of_the_register_pages_its_matches_and_keeps_the_search(app, committee):
    add_years(app, 120)
    first = committee.get("/households/?group=第9组").get_data(as_text=True)
    assert rows_of(first, "household-rows") == 50
    assert "group=%E7%AC%AC9%E7%BB%84" in re.search(r'rel="next" href="([^"]+)"', first).group(1)
    third = committee.get("/households/?group=第9组&page=3").get_data(as_text=True)
    assert rows_of(third, "household-rows") == 20 and "101–120" in third
