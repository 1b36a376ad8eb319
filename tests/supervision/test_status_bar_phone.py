"""On a phone (390×844) the status bar keeps its sign-out button on one line and the sync dot whole,
for township staff (whose name is shown beside the button) as for the village committee."""
from __future__ import annotations

from .conftest import PHONE, staff_sign_in


def test_the_status_bar_on_a_phone_keeps_sign_out_on_one_line_and_the_sync_dot_whole(
        browser, demo_township_server, screenshot):
    url = demo_township_server.url
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    page = context.new_page()
    try:
        staff_sign_in(page, url, touch=True)
        page.wait_for_selector("#sync-status .sync-dot")
        screenshot(page, "status-bar-phone-390")
        button = page.locator(".statusbar form button")
        assert button.inner_text() == "退出"
        # one line: as tall as the button's own minimum, not two lines of text
        line = page.eval_on_selector(".statusbar form button",
                                     "b => parseFloat(getComputedStyle(b).lineHeight) || b.clientHeight")
        assert page.eval_on_selector(".statusbar form button", "b => b.scrollHeight") <= max(48, 2 * line) + 1
        assert page.eval_on_selector(".statusbar form button",
                                     "b => { const r = document.createRange(); r.selectNodeContents(b);"
                                     " return r.getClientRects().length; }") == 1
        # the dot is whole: its own width, inside its box and the screen
        dot = page.eval_on_selector("#sync-status .sync-dot", "d => { const r = d.getBoundingClientRect(); "
                                    "const p = d.parentElement.getBoundingClientRect(); "
                                    "return [r.left, r.right, r.width, p.left, p.right]; }")
        left, right, width, box_left, box_right = dot
        assert width >= 13 and box_left <= left and right <= box_right and right <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
