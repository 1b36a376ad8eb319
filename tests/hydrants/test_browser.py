"""In the browser: a resident reports from a phone; a volunteer inspects on the 800×480 kiosk."""
import re

import pytest

from kiosk.extensions import db
from kiosk.hydrants.models import INSPECTION_ITEMS, ProblemReport
from tests.conftest import sign_in_by_tapping

from .helpers import DEFECT, FINE, POOL, hazards_about, hydrant, jpeg, pool, state

pytestmark = pytest.mark.browser


def sign_in(page, server, name: str) -> None:
    sign_in_by_tapping(page, server.url, name)


def plot_state(page, code):
    return page.get_attribute(f'.plot-point[data-code="{code}"]', "data-state")


def plot_colour(page, code):
    return page.get_attribute(f'.plot-point[data-code="{code}"] .plot-mark', "fill")


def test_a_resident_reports_a_problem_with_a_photo_from_a_phone(live_server, phone_page, screenshot):
    app, base, page = live_server.app, live_server.url, phone_page
    h = hydrant(app)
    page.goto(f"{base}/h/{h.code.lower()}")  # phones may lower-case what they open
    assert page.inner_text(".pub-status").strip() == "可以正常使用"
    screenshot(page, "hydrants-phone-public", full_page=True)
    page.tap('#report-form label.seg-opt:has-text("漏水")')
    page.fill("#description", "阀门下面一直在滴水")
    page.set_input_files("#photo", files=[{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    assert "leak.jpg" in page.inner_text(".photo-name")
    page.fill("#phone", "13957765432")
    screenshot(page, "hydrants-phone-report-filled", full_page=True)
    page.tap("#send-report")
    page.wait_for_selector("#report-sent")
    assert "谢谢" in page.inner_text("#report-sent")
    assert "已有群众报告问题" in page.inner_text(".pub-status")
    screenshot(page, "hydrants-phone-report-sent", full_page=True)
    with app.app_context():
        [report] = db.session.scalars(db.select(ProblemReport).where(ProblemReport.asset_id == h.id)).all()
        assert report.problem == "leaking" and report.photo_sha256 and report.reporter_phone == "13957765432"
    [hazard] = hazards_about(app, h.id, "resident_report")
    assert hazard.photo_sha256 == report.photo_sha256


def test_a_resident_who_forgets_the_problem_type_is_told_on_the_phone(live_server, phone_page, screenshot):
    app, base, page = live_server.app, live_server.url, phone_page
    h = hydrant(app)
    page.goto(f"{base}/h/{h.code}")
    page.tap("#send-report")
    page.wait_for_selector(".field-error")
    assert "请选择问题类型" in page.inner_text("#report-form")
    screenshot(page, "hydrants-phone-report-error", full_page=True)
    page.goto(f"{base}/h/ZZZZZZ")
    assert "找不到这个编号" in page.inner_text("#unknown-code")
    screenshot(page, "hydrants-phone-unknown")


def test_a_volunteer_types_a_code_and_records_an_inspection_with_one_failed_item(live_server, kiosk_page,
                                                                                 screenshot):
    app, base, page = live_server.app, live_server.url, kiosk_page
    h = hydrant(app)
    sign_in(page, live_server, "李伟")
    page.tap(".tile-hydrants")
    page.wait_for_selector(".plot-svg")
    assert plot_state(page, h.code) == "fine"
    green = plot_colour(page, h.code)
    page.tap("text=按编号打开")
    page.wait_for_selector("[data-codepad]")
    for ch in h.code:
        page.tap(f'[data-code-key="{ch}"]')
    assert page.input_value("#code") == h.code
    screenshot(page, "hydrants-kiosk-open-code")
    page.tap(".code-go")
    page.wait_for_url(f"{base}/hydrants/{h.code}")
    page.tap("#inspect")
    page.wait_for_selector("#inspection-form")
    page.tap("[data-all-pass]")
    page.tap('[data-item="caps"] .seg-fail')
    assert page.is_visible('[name="note_caps"]')  # a failed item opens its note
    page.fill('[name="note_caps"]', "东侧闷盖丢失")
    screenshot(page, "hydrants-kiosk-inspection")
    page.tap("#save-inspection")
    page.wait_for_url(f"{base}/hydrants/{h.code}")
    page.wait_for_selector("#asset[data-state=defect]")
    assert "已标记为故障" in page.inner_text(".flash")
    screenshot(page, "hydrants-kiosk-after-inspection")
    # the hazard is in the register
    page.goto(f"{base}/hazards/")
    assert h.code in page.inner_text("#hazard-list") and "消火栓检查" in page.inner_text("#hazard-list")
    # and the plot shows it red
    page.goto(f"{base}/hydrants/")
    assert plot_state(page, h.code) == "defect"
    assert plot_colour(page, h.code) != green and plot_colour(page, h.code) == "#b91c1c"


def test_everything_passed_keeps_an_answer_already_given(live_server, kiosk_page, screenshot):
    """Issue 10: the boosted "everything passed" link swapped the whole form and lost the answers."""
    app, base, page = live_server.app, live_server.url, kiosk_page
    h = hydrant(app)
    sign_in(page, live_server, "李伟")
    page.goto(f"{base}/hydrants/{h.code}/inspect")
    page.tap('[data-item="caps"] .seg-fail')
    page.tap("[data-all-pass]")
    page.wait_for_timeout(500)  # what a swapped-in form would need to arrive
    assert page.is_checked('[data-item="caps"] input[value="fail"]')
    others = [k for k in INSPECTION_ITEMS if k != "caps"]
    assert all(page.is_checked(f'[data-item="{k}"] input[value="pass"]') for k in others)
    screenshot(page, "hydrants-kiosk-inspection-all-passed-but-one")
    page.tap("#save-inspection")
    page.wait_for_selector("#asset[data-state=defect]")
    assert state(app, h) == "defect"


def test_a_usb_scanner_typing_the_label_url_opens_the_hydrant(live_server, kiosk_page):
    app, base, page = live_server.app, live_server.url, kiosk_page
    h = hydrant(app, DEFECT)
    sign_in(page, live_server, "李伟")
    page.goto(f"{base}/hydrants/open")
    page.keyboard.type(f"HTTPS://FIRE.PINGYANG.EXAMPLE/H/{h.code}", delay=5)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/hydrants/{h.code}")
    assert page.get_attribute("#asset", "data-state") == "defect"


def test_an_unknown_code_on_the_keypad_is_explained(live_server, kiosk_page, screenshot):
    base, page = live_server.url, kiosk_page
    page.goto(f"{base}/hydrants/open")
    for ch in "ZZZZZZ":
        page.tap(f'[data-code-key="{ch}"]')
    page.tap(".code-go")
    page.wait_for_selector("#code-error")
    assert "没有编号为 ZZZZZZ" in page.inner_text("#code-error")
    screenshot(page, "hydrants-kiosk-open-unknown")


SCREENS = [
    ("list", "/hydrants/"),
    ("detail", "/hydrants/{code}"),
    ("inspect", "/hydrants/{code}/inspect"),
    ("pool", "/hydrants/{pool}"),
    ("pool-check", "/hydrants/{pool}/check?kind=level"),
    ("register", "/hydrants/new"),
    ("open", "/hydrants/open"),
    ("labels", "/hydrants/labels"),
    ("intervals", "/hydrants/intervals"),
    ("public", "/h/{defect}"),
]


@pytest.mark.parametrize("viewport", ["kiosk_page", "large_kiosk_page", "phone_page"])
def test_every_screen_fits_and_has_finger_sized_targets(live_server, viewport, request, screenshot):
    app, base = live_server.app, live_server.url
    page = request.getfixturevalue(viewport)
    names = {"code": hydrant(app, FINE).code, "pool": pool(app, POOL).code, "defect": hydrant(app, DEFECT).code}
    sign_in(page, live_server, "林海燕")
    width = page.viewport_size["width"]
    for name, path in SCREENS:
        page.goto(base + path.format(**names))
        screenshot(page, f"hydrants-{viewport.replace('_page', '')}-{name}", full_page=True)
        # the status bar is the shell's; what this feature draws must fit the width
        sticking_out = page.evaluate("""(width) => [...document.querySelectorAll('main *')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > width + 1)
            .map(e => e.tagName + '.' + e.className)""", width)
        assert sticking_out == [], f"{name} sticks out at {width}px: {sticking_out[:5]}"
        small = page.evaluate("""() => [...document.querySelectorAll(
              'main .btn, main .seg-opt, main .key, main .tabs a, main .row')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])
            .filter(([, h]) => h < 48)""")
        assert small == [], f"{name}: targets under 48px: {small}"


def test_the_label_sheet_prints_twelve_labels_to_an_a4_page(live_server, large_kiosk_page, screenshot):
    app, base, page = live_server.app, live_server.url, large_kiosk_page
    sign_in(page, live_server, "李伟")
    page.goto(f"{base}/hydrants/labels")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot(page, "hydrants-labels-print", full_page=True)
    boxes = page.evaluate("""() => [...document.querySelectorAll('.qr-label')].map(e => {
        const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; })""")
    assert len(boxes) == 10
    mm = 96 / 25.4
    assert all(abs(w - 60 * mm) < 2 and abs(h - 66 * mm) < 2 for w, h in boxes)
    assert page.is_hidden(".statusbar") and page.is_hidden("[data-print]")
    pdf = page.pdf(format="A4", margin={"top": "15mm", "bottom": "15mm", "left": "15mm", "right": "15mm"})
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1  # all ten labels on one sheet
    # what comes out of the printer still scans
    from .test_labels import scan
    first = page.locator(".qr-label").first
    assert scan(first.screenshot()) == f"HTTP://127.0.0.1:{live_server.server.server_port}/H/" + \
        first.get_attribute("data-code")


def test_the_standalone_svg_label_renders_and_scans(live_server, large_kiosk_page, screenshot):
    from .test_labels import scan
    app, base, page = live_server.app, live_server.url, large_kiosk_page
    h = hydrant(app, DEFECT)
    sign_in(page, live_server, "李伟")
    page.goto(f"{base}/hydrants/{h.code}/label.svg")
    page.set_viewport_size({"width": 400, "height": 560})
    path = screenshot(page, "hydrants-label-svg")
    assert scan(path.read_bytes()).endswith(f"/H/{h.code}")


def test_the_idle_notice_board_shows_where_the_hydrants_are(live_server, kiosk_page, screenshot):
    app, base, page = live_server.app, live_server.url, kiosk_page
    page.goto(f"{base}/board")
    slide = page.locator(".slide:has(.hydrant-slide)")
    assert slide.count() == 1
    page.evaluate("""() => { document.querySelectorAll('.slide').forEach(s => s.classList.remove('is-active'));
                             document.querySelector('.slide:has(.hydrant-slide)').classList.add('is-active'); }""")
    page.wait_for_timeout(800)  # the slide fades in
    screenshot(page, "hydrants-kiosk-board-slide")
    assert page.locator(".hydrant-slide a").count() == 0  # the whole board is one link already
    box = page.locator(".hydrant-slide svg").bounding_box()
    legend = page.locator(".hydrant-slide figcaption").bounding_box()
    assert box["height"] > 120 and legend["y"] + legend["height"] <= 480  # plot and legend fit the 7-inch screen
    assert page.get_attribute(f'.hydrant-slide [data-code="{hydrant(app, DEFECT).code}"]', "data-state") == "defect"
