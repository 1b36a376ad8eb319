"""Station staff see every village of their township in one table, worst first, and nothing of
another township; a county account sees the county."""
from __future__ import annotations

import datetime as dt
import re

from kiosk.extensions import db
from kiosk.records import utcnow

from ..conftest import DEMO_VILLAGE, NEIGHBOURS, OTHER_TOWNSHIP_VILLAGE, TOWNSHIP
from .conftest import counted

WEST, HILL = NEIGHBOURS  # 西湾村, 凤山村


def order(html: str) -> list[str]:
    return re.findall(r'<tr data-village="(\d{12})"', html)


def list_a_hazard(app, village: str, overdue: bool = False) -> None:
    from kiosk.hazards.service import Who, list_hazard, open_hazard, refresh
    with app.app_context():
        hazard = open_hazard(village_id=village, category="ebike", source="township", location="村口")
        if overdue:
            hazard.fix_by = utcnow() - dt.timedelta(days=2)
        db.session.flush()
        refresh([hazard.id])
        if not overdue:
            list_hazard(hazard, Who("staff", None, "周站长"), responsible="村主任", days=7)
        db.session.commit()


def test_staff_see_every_village_of_their_township_worst_first(township_app, station):
    list_a_hazard(township_app, HILL)  # listed for supervision: first, before the demo village's overdue ones
    page = station.get("/supervision/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert order(html) == [HILL, DEMO_VILLAGE, WEST]  # 江口村 is of 鳌江镇; 西湾村 has nothing wrong yet
    for _n in range(3):  # three past their deadline: more than the demo village's two
        list_a_hazard(township_app, WEST, overdue=True)
    assert order(station.get("/supervision/").get_data(as_text=True)) == [HILL, WEST, DEMO_VILLAGE]
    # each cell leads to the village's page of its feature
    assert f'/supervision/go/{HILL}?to=hazards.index' in html


def test_any_column_sorts_both_ways(township_app, station):
    for _n in range(3):
        list_a_hazard(township_app, WEST, overdue=True)
    up = order(station.get("/supervision/?sort=hazards.overdue&dir=asc").get_data(as_text=True))
    down = order(station.get("/supervision/?sort=hazards.overdue&dir=desc").get_data(as_text=True))
    assert down[0] == WEST and up[-1] == WEST
    by_name = order(station.get("/supervision/?sort=village&dir=asc").get_data(as_text=True))
    assert by_name == sorted(by_name)


def test_a_cell_opens_the_feature_for_that_village(township_app, station):
    response = station.get(f"/supervision/go/{WEST}?to=hydrants.index")
    assert response.status_code == 303 and response.headers["Location"].endswith("/hydrants/")
    with station.session_transaction() as session:
        assert session["village_code"] == WEST
    assert station.get(f"/supervision/go/{WEST}?to=auth.staff_login").status_code == 404  # only the table's pages


def test_staff_of_another_township_see_none_of_it(township_app, elsewhere):
    html = elsewhere.get("/supervision/").get_data(as_text=True)
    assert order(html) == [OTHER_TOWNSHIP_VILLAGE[0]] and "城东村" not in html
    assert elsewhere.get(f"/supervision/go/{DEMO_VILLAGE}?to=hazards.index").status_code == 404
    assert elsewhere.get(f"/supervision/?township={TOWNSHIP}").status_code == 200  # ignored: not a county account
    assert DEMO_VILLAGE not in elsewhere.get("/supervision/export/overview.csv").get_data(as_text=True)


def test_a_county_account_sees_every_township_and_can_narrow_to_one(township_app, county):
    rows = order(county.get("/supervision/").get_data(as_text=True))
    assert {DEMO_VILLAGE, WEST, HILL, OTHER_TOWNSHIP_VILLAGE[0]} <= set(rows)
    narrowed = order(county.get(f"/supervision/?township={OTHER_TOWNSHIP_VILLAGE[0][:9]}").get_data(as_text=True))
    assert narrowed == [OTHER_TOWNSHIP_VILLAGE[0]]
    assert county.get("/supervision/?township=110101001").status_code == 404  # another county
    assert county.get(f"/supervision/go/{OTHER_TOWNSHIP_VILLAGE[0]}?to=hazards.index").status_code == 303


def test_a_county_account_sees_its_townships_first_and_the_villages_fifty_to_a_page(township_app, county):
    from kiosk.village import Village
    with township_app.app_context():
        for n in range(10, 70):  # 60 villages more in 昆阳镇: 63 there, 1 in 鳌江镇
            db.session.add(Village(code=f"{TOWNSHIP}{n:03d}", name=f"新村{n}", township_code=TOWNSHIP))
        db.session.commit()
    for _n in range(2):
        list_a_hazard(township_app, OTHER_TOWNSHIP_VILLAGE[0], overdue=True)
    list_a_hazard(township_app, HILL)
    html = county.get("/supervision/").get_data(as_text=True)
    townships = re.findall(r'<tr data-township="(\d{9})"', html)
    assert townships == [TOWNSHIP, OTHER_TOWNSHIP_VILLAGE[0][:9]]  # the one with a listed hazard first
    row = html[html.index(f'<tr data-township="{TOWNSHIP}"'):]
    row = row[:row.index("</tr>")]
    assert f'href="/supervision/?township={TOWNSHIP}"' in row and "<td>63</td>" in row
    assert '<td data-column="hazards.listed" class="sv-bad">1</td>' in row
    first = order(html)
    assert len(first) == 50 and first[0] == HILL and "第 1–50 条，共 64 条" in html
    second = order(county.get("/supervision/?page=2").get_data(as_text=True))
    assert len(second) == 14 and not set(first) & set(second)
    # sorting keeps to every village, not to the page shown
    by_name = order(county.get("/supervision/?sort=village&dir=asc").get_data(as_text=True))
    assert by_name == sorted(first + second)[:50]
    # a township's own table: no townships above it
    narrowed = county.get(f"/supervision/?township={OTHER_TOWNSHIP_VILLAGE[0][:9]}").get_data(as_text=True)
    assert "data-township" not in narrowed and order(narrowed) == [OTHER_TOWNSHIP_VILLAGE[0]]


def test_the_overview_costs_the_same_queries_for_three_villages_or_thirty(township_app, station):
    from kiosk.village import Village
    station.get("/supervision/")
    with counted(township_app) as few:
        assert station.get("/supervision/").status_code == 200
    with township_app.app_context():
        for n in range(10, 37):
            db.session.add(Village(code=f"{TOWNSHIP}{n:03d}", name=f"新村{n}", township_code=TOWNSHIP))
        db.session.commit()
    with counted(township_app) as many:
        html = station.get("/supervision/").get_data(as_text=True)
    assert len(order(html)) == 30 and many() == few()


def test_the_kiosks_last_sync_is_on_the_overview(township_app, station):
    from sync.models import SyncDevice
    with township_app.app_context():
        db.session.add(SyncDevice(id="d1", village_id=WEST, token_hash="x" * 64,
                                  last_seen_at=utcnow() - dt.timedelta(days=3)))
        db.session.commit()
    html = station.get("/supervision/").get_data(as_text=True)
    row = html[html.index(f'<tr data-village="{WEST}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-column="kiosks.last_sync" class="sv-bad"' in row and ("3 days ago" in row or "3 天前" in row)


def test_every_row_has_one_linked_cell_per_column_as_the_template_would_write_it(township_app, county):
    """The cells are written in Python (overview.lines): one per column in the header's order, the
    report cells linking with the chosen township (its & escaped), a missing figure as a dash, the
    station's state by its label in the reader's language."""
    township = OTHER_TOWNSHIP_VILLAGE[0][:9]
    html = county.get(f"/supervision/?township={township}").get_data(as_text=True)
    header = re.findall(r'<th data-column="([^"]+)"', html)
    row = html[html.index(f'<tr data-village="{OTHER_TOWNSHIP_VILLAGE[0]}">'):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td data-column="([^"]+)"', row) == header
    assert (f'<a href="/supervision/reports?village={OTHER_TOWNSHIP_VILLAGE[0]}&amp;township={township}">'
            in row)
    assert f'<a href="/supervision/go/{OTHER_TOWNSHIP_VILLAGE[0]}?to=hazards.index">' in row
    assert ('<td data-column="hazards.oldest_open_days"><a href="/supervision/go/'
            f'{OTHER_TOWNSHIP_VILLAGE[0]}?to=hazards.index"><span class="muted">—</span></a></td>') in row  # none open
    station = re.search(r'<td data-column="station.state"(?: class="sv-\w+")?><a [^>]*>([^<]*)</a></td>', row)
    assert station and station.group(1) == "未设置"  # "Not set up", in the reader's language (Chinese first)
    assert '<td data-column="station.state" class="sv-bad">' in row  # and marked
