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
