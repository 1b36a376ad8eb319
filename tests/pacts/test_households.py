"""The committee keeps the household register: by hand, or from the spreadsheet the village
already has (Excel in China writes CSV as GBK, or UTF-8 with a BOM)."""
import io
import re

import pytest

from kiosk.extensions import db
from kiosk.village import Household
from tests.edit_forms import opened

from .helpers import new_id

GOOD = ("门牌号,户主,组,电话,备注\n"
        "5组01号,陈国华,5,13857700001,\n"
        "5组02号,林美玲,第5组,,独居老人\n"
        "5组03号,王志明,5,0577-63712345,\n")


def _count(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Household).where(Household.deleted.is_(False)))


def _upload(committee, data: bytes, name="households.csv"):
    return committee.post("/households/import", data={"file": (io.BytesIO(data), name)},
                          content_type="multipart/form-data")


def _confirm(committee, page: str):
    import html
    import re
    text = html.unescape(re.search(r'<textarea name="csv_text" hidden>(.*?)</textarea>', page, re.S).group(1))
    return committee.post("/households/import/confirm", data={"csv_text": text})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_import_from_excel_csv_with_preview_then_confirm(app, committee, encoding):
    before = _count(app)
    preview = _upload(committee, GOOD.encode(encoding))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "新增 3 户" in page and "林美玲" in page and "第5组" in page
    assert _count(app) == before  # nothing until confirmed
    done = _confirm(committee, page)
    assert done.status_code == 303
    assert _count(app) == before + 3
    with app.app_context():
        lin = db.session.scalar(db.select(Household).where(Household.house_number == "5组02号"))
        assert lin.group_name == "第5组" and lin.note == "独居老人" and lin.village_id == "330326100201"
    # sending the same confirmation again changes nothing
    _confirm(committee, page)
    assert _count(app) == before + 3


def test_a_broken_row_names_the_line_and_nothing_is_imported(app, committee):
    broken = GOOD + "5组04号,,5,12345,\n5组01号,重复,5,,\n"
    before = _count(app)
    response = _upload(committee, broken.encode("gbk"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 5 行：" in page and "缺少户主姓名" in page and "12345 不是有效的电话号码" in page
    assert "第 6 行：" in page and "门牌号 5组01号 与第 2 行重复" in page
    assert "data-import-confirm" not in page
    # even a hand-made confirmation of the bad file imports nothing
    response = committee.post("/households/import/confirm", data={"csv_text": broken})
    assert response.status_code == 422
    assert _count(app) == before


def test_import_updates_households_already_in_the_register(app, committee):
    with app.app_context():
        existing = db.session.scalar(db.select(Household).where(Household.house_number == "1组01号"))
        old_head = existing.head_name
    csv = f"门牌号,户主,电话\n1组01号,{old_head},13900000000\n".encode("utf-8")
    page = _upload(committee, csv).get_data(as_text=True)
    assert "更新 1 户" in page
    _confirm(committee, page)
    with app.app_context():
        assert db.session.scalar(db.select(Household.phone).where(Household.house_number == "1组01号")) == "13900000000"


@pytest.mark.parametrize("data, message", [
    (b"", "文件是空的"),
    ("姓名,电话\n陈国华,13857700001\n".encode(), "缺少：门牌号"),
    (b"\xff\xfe\x00\x00garbage" * 3, "无法读取该文件"),
    ("门牌号,户主\n".encode(), "只有表头"),
])
def test_a_file_that_is_not_a_household_table_is_explained(app, committee, data, message):
    response = _upload(committee, data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_add_edit_and_remove_a_household_by_hand(app, committee):
    before = _count(app)
    hid = new_id()
    data = {"client_id": hid, "house_number": "6组01号", "head_name": "苏春花", "group_name": "6",
            "phone": "", "members": "3", "note": ""}
    assert committee.post("/households/new", data=data).status_code == 303
    assert committee.post("/households/new", data=data).status_code == 303  # replayed
    assert _count(app) == before + 1
    clash = committee.post("/households/new", data=dict(data, client_id=new_id()))
    assert clash.status_code == 422 and "门牌号 6组01号 已在台账中" in clash.get_data(as_text=True)
    bad = committee.post("/households/new", data=dict(data, client_id=new_id(), house_number="6组02号",
                                                      head_name="", phone="123"))
    assert bad.status_code == 422 and "请填写户主姓名" in bad.get_data(as_text=True)
    committee.post(f"/households/{hid}/edit", data=dict(data, head_name="苏春华",
                                                        **opened(committee, f"/households/{hid}/edit")))
    with app.app_context():
        h = db.session.get(Household, hid)
        assert h.head_name == "苏春华" and h.group_name == "第6组" and h.members == 3
    committee.post(f"/households/{hid}/remove", data={"confirm": "yes"})
    assert _count(app) == before
    with app.app_context():
        assert db.session.get(Household, hid).deleted  # a tombstone, so the removal syncs


def test_register_search_answers_htmx_with_the_rows(app, committee):
    response = committee.get("/households/?q=1组0", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<ul class="list" id="household-rows">') and "1组01号" in body
    assert "2组01号" not in body


def test_volunteers_read_the_register_but_only_the_committee_changes_it(app, volunteer):
    assert volunteer.get("/households/").status_code == 200
    assert volunteer.get("/households/import").status_code == 403
    assert volunteer.post("/households/new", data={"house_number": "x", "head_name": "y"}).status_code == 403


def test_a_house_number_with_a_superscript_digit_is_listed_in_its_place(app, committee):
    # '²'.isdigit() is true but int('²') fails: the register sorts it as the 2 it looks like
    with app.app_context():
        db.session.add(Household(village_id="330326100201", house_number="²", head_name="郑小二",
                                 group_name="第3组"))
        db.session.commit()
    for url in ("/board", "/pact/", "/P/330326100201", "/pact/pledge", "/pact/progress", "/pact/door-list",
                "/pact/visits/new", "/households/"):
        assert committee.get(url).status_code == 200, url
    rows = committee.get("/households/?group=第3组").get_data(as_text=True)
    numbers = re.findall(r'class="row-title">(\S+) ·', rows)
    assert numbers[:2] == ["²", "3组01号"]  # 2 before 3


def test_a_csv_with_a_superscript_house_number_imports_and_lists(app, committee):
    page = _upload(committee, "门牌号,户主,组\n³,苏三妹,5\n".encode("utf-8-sig")).get_data(as_text=True)
    assert "新增 1 户" in page
    assert _confirm(committee, page).status_code == 303
    assert "³ · 苏三妹" in committee.get("/households/").get_data(as_text=True)


def test_circled_or_superscript_digits_are_no_numbers_but_never_break_the_register(app, committee):
    """Only digits 0-9 (full-width too) count as numbers: a group written ① stays a name as typed,
    and 人口 ³ is refused with a reason instead of being read as 3 (or answering 500)."""
    data = {"client_id": new_id(), "house_number": "6组08号", "head_name": "苏春花", "group_name": "①",
            "phone": "", "members": "", "note": ""}
    assert committee.post("/households/new", data=data).status_code == 303
    page = _upload(committee, "门牌号,户主,组,人口\n6组09号,苏秋月,②,³\n".encode("utf-8-sig")).get_data(as_text=True)
    assert "家庭人口须为 1 到 50 之间的整数。" in page
    with app.app_context():
        by_number = {h.house_number: h for h in db.session.scalars(db.select(Household))}
        assert by_number["6组08号"].group_name == "①"
        assert "6组09号" not in by_number
    assert committee.get("/households/").status_code == 200