"""At the kiosk a code typed on the keypad, or a label read by a USB scanner, opens the hydrant."""
from .helpers import DEFECT, hydrant, pool


def test_a_signed_in_volunteer_lands_on_the_hydrant_to_inspect_it(app, volunteer):
    h = hydrant(app, DEFECT)
    for typed in (h.code, h.code.lower(), f"HTTPS://FIRE.PINGYANG.EXAMPLE/H/{h.code}"):
        response = volunteer.get("/hydrants/open", query_string={"code": typed})
        assert response.status_code == 303 and response.headers["Location"] == f"/hydrants/{h.code}", typed


def test_someone_not_signed_in_gets_the_public_page(app, client):
    p = pool(app)
    response = client.get("/hydrants/open", query_string={"code": p.code})
    assert response.status_code == 303 and response.headers["Location"] == f"/h/{p.code}"


def test_the_keypad_screen_needs_no_keyboard_and_no_sign_in(client):
    page = client.get("/hydrants/open").get_data(as_text=True)
    assert page.count('data-code-key="') == 32 + 2  # the code alphabet, delete and clear
    assert 'data-code-key="O"' not in page and 'data-code-key="I"' not in page
    assert 'data-code-key="0"' not in page and 'data-code-key="1"' not in page
    assert 'name="code"' in page and "autofocus" in page


def test_an_unknown_or_garbled_code_is_explained_with_a_404(client):
    response = client.get("/hydrants/open", query_string={"code": "ZZZZZZ"})
    assert response.status_code == 404
    assert "没有编号为 ZZZZZZ 的消火栓或水池" in response.get_data(as_text=True)
    response = client.get("/hydrants/open", query_string={"code": "<b>hello</b>"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "这不是消火栓编号" in page and "<b>hello</b>" not in page


def test_a_scanned_label_opens_the_hydrant_at_the_kiosk(app, volunteer):
    """A USB scanner types the label's URL wherever the focus is; the kiosk asks every feature where it leads."""
    h = hydrant(app, DEFECT)
    response = volunteer.get("/scan", query_string={"text": f"HTTPS://FIRE.PINGYANG.EXAMPLE/H/{h.code}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/hydrants/{h.code}"
    page = volunteer.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-state="defect"' in page


def test_a_scanned_label_shows_a_passer_by_the_residents_page(app, client):
    p = pool(app)
    response = client.get("/scan", query_string={"text": f"https://fire.pingyang.example/h/{p.code.lower()}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/h/{p.code}"


def test_a_scanned_label_nobody_registered_is_explained(client):
    response = client.get("/scan", query_string={"text": "HTTPS://FIRE.PINGYANG.EXAMPLE/H/ZZZZZZ"}, follow_redirects=True)
    assert response.status_code == 404 and "没有编号为 ZZZZZZ 的消火栓或水池" in response.get_data(as_text=True)


def test_scanned_text_that_is_no_label_answers_the_404_page(client):
    for text in ("HTTPS://SHOP.EXAMPLE/ITEM/K7M2QX", "K7M2QX", ""):
        response = client.get("/scan", query_string={"text": text})
        assert response.status_code == 404, text
        assert "本机不认识这个标牌" in response.get_data(as_text=True)
