"""Township staff at a desk (1280×800) prepare and issue the next edition of the model pact by
pointer alone: open it from the settings, edit a clause, move one, issue after the dialog."""
from __future__ import annotations

from .conftest import DESK, staff_sign_in


def test_staff_issue_the_next_edition_of_the_model_pact_at_a_desk(browser, demo_township_server, screenshot):
    url = demo_township_server.url
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **DESK)
    page = context.new_page()
    try:
        staff_sign_in(page, url)
        page.goto(f"{url}/supervision/settings")
        page.click("a[href='/township/templates/pact']")
        page.wait_for_selector("#start-draft")
        page.click("#start-draft")
        page.wait_for_selector("#draft .is-draft li[data-key]")
        first = page.locator("#draft li[data-key]").first
        key = first.get_attribute("data-key")
        first.locator("a[aria-label='编辑']").click()
        page.wait_for_selector(f"#item-{key} textarea")
        page.fill(f"#item-{key} textarea", "户主是本户消防安全第一责任人（修订）。")
        page.click(f"#item-{key} button[type=submit]")
        page.wait_for_selector(f"#item-{key} .is-text:has-text('（修订）')")
        page.locator(f"#item-{key} button[aria-label='下移']").click()
        page.wait_for_function(f"() => document.querySelectorAll('#draft li[data-key]')[1].dataset.key === '{key}'")
        screenshot(page, "templates-pact-draft-1280x800")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        page.click("#issue")
        page.wait_for_selector("[data-confirm-yes]")
        screenshot(page, "templates-pact-issue-1280x800")
        page.click("[data-confirm-yes]")
        page.wait_for_selector("#current [data-edition='2']")
        assert "（修订）" in page.inner_text("#current")
        screenshot(page, "templates-pact-issued-1280x800")
    finally:
        context.close()
