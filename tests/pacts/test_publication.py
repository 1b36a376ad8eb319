"""Publication: the notice board rotates the pact, the poster prints with a QR code to the phone
version, which works without sign-in on both roles."""
import re

from kiosk.extensions import db
from kiosk.pacts.models import Pact

from .helpers import current, new_id


def test_notice_board_rotates_the_current_pact_in_pages(app, client):
    board = client.get("/board").get_data(as_text=True)
    assert "城东村防火公约" in board and "户主是本户消防安全第一责任人" in board
    pages = re.findall(r"防火公约 · (\d+)/(\d+)", board)
    assert len(pages) >= 3 and pages[0] == ("1", pages[0][1])
    assert "轻触屏幕，点“防火公约”为您家签署承诺" in board
    # each slide stays short enough for the 7-inch screen
    for slide in re.findall(r'<ol class="pact-slide"[^>]*>(.*?)</ol>', board, re.S):
        assert len(re.sub(r"<[^>]+>|\s", "", slide)) <= 200


def test_without_a_published_pact_the_board_shows_no_pact(app, client):
    with app.app_context():
        for pact in db.session.scalars(db.select(Pact)):
            pact.status = "superseded"
        db.session.commit()
    assert "pact-slide" not in client.get("/board").get_data(as_text=True)
    assert "尚未发布" in client.get("/").get_data(as_text=True)


def test_the_pact_tile_shows_how_many_households_pledged(app, client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"已承诺 \d+ / 40 户", page)


def test_poster_has_a_qr_code_to_the_phone_version(app, client):
    app.config["PUBLIC_URL"] = "https://fire.pingyang.example"
    pact = current(app)
    for size in ("A4", "A3"):
        page = client.get(f"/pact/v/{pact.id}/poster?size={size}").get_data(as_text=True)
        assert f"@page {{ size: {size} portrait" in page and f"poster-{size.lower()}" in page
        assert '<svg class="qr"' in page and "<path" in page
        assert "HTTPS://FIRE.PINGYANG.EXAMPLE/P/330326100201" in page
        assert "经" in page and "村民大会讨论通过" in page and "119" in page


def test_after_enrolment_the_poster_points_to_the_township_not_the_kiosk(app, client):
    from tests.hydrants.test_labels import enrol_with
    enrol_with(app, "https://fire.kunyang.example")
    page = client.get(f"/pact/v/{current(app).id}/poster").get_data(as_text=True)
    assert "HTTPS://FIRE.KUNYANG.EXAMPLE/P/330326100201" in page and "LOCALHOST" not in page


def test_qr_code_decodes_to_the_upper_case_public_address():
    from kiosk.pacts.views import qr_svg
    svg = str(qr_svg("HTTPS://FIRE.PINGYANG.EXAMPLE/P/330326100201"))
    # draw the path's unit squares and read the symbol back with zbar
    from PIL import Image
    from pyzbar.pyzbar import decode
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size * 8, size * 8), 255)
    pixels = image.load()
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        for dx in range(8):
            for dy in range(8):
                pixels[int(x) * 8 + dx, int(y) * 8 + dy] = 0
    assert decode(image)[0].data.decode() == "HTTPS://FIRE.PINGYANG.EXAMPLE/P/330326100201"


def test_the_phone_version_is_public_case_insensitive_and_on_both_roles(app, client):
    for path in ("/p/330326100201", "/P/330326100201"):
        page = client.get(path).get_data(as_text=True)
        assert "城东村防火公约" in page and "户承诺遵守" in page and 'class="statusbar public-bar"' in page
    app.config["KIOSK_ROLE"] = "township"
    assert "城东村防火公约" in client.get("/P/330326100201").get_data(as_text=True)
    assert client.get("/p/330326999999").status_code == 404
    assert client.get("/p/not-a-code").status_code == 404


def test_a_draft_has_no_poster(app, committee):
    draft = new_id()
    committee.post("/pact/drafts", data={"client_id": draft, "source_id": current(app).id})
    assert committee.get(f"/pact/v/{draft}/poster").status_code == 404


def test_english_screen_labels_clause_topics_while_the_pact_stays_chinese(app, committee):
    draft = new_id()
    committee.post("/pact/drafts", data={"client_id": draft, "source_id": current(app).id})
    committee.get("/lang/en")
    page = committee.get(f"/pact/v/{draft}").get_data(as_text=True)
    assert "E-bikes" in page and "Record the adoption" in page and "电动自行车及其电池" in page


def test_the_phone_version_names_its_own_village_not_the_one_staff_are_looking_at(app, client):
    from kiosk.village import Village
    with app.app_context():
        db.session.add(Village(code="330326100202", name="西湾村", township_code="330326100"))
        db.session.commit()
    app.config.update(KIOSK_ROLE="township", VILLAGE_CODE="330326100202")
    page = client.get("/P/330326100201").get_data(as_text=True)
    assert "昆阳镇城东村" in page and "西湾村" not in page
    assert "尚未发布防火公约" in client.get("/P/330326100202").get_data(as_text=True)
