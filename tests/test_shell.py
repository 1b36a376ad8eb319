"""The kiosk's shell: home screen, language, notice board, health, errors."""
from kiosk.i18n import LANGS, not_in_catalog, untranslated


def test_home_screen_is_in_chinese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
    assert "城东村" in page  # the demo village
    assert "防火公约" in page and "微型消防站" in page and "隐患排查" in page


def test_a_typical_chinese_phone_gets_chinese(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).get_data(as_text=True)
    assert "隐患排查" in page


def test_english_is_one_tap_away_and_sticks(client):
    response = client.get("/lang/en?next=/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and "Hazards" in page and "隐患排查" not in page
    client.get("/lang/zh_Hans")
    assert "隐患排查" in client.get("/").get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_every_message_is_in_one_catalog_per_language_and_chinese_is_complete():
    for lang in LANGS:
        assert untranslated(lang) == []
        assert not_in_catalog(lang) == []


def test_notice_board_is_public_and_shows_safety_tips(client):
    page = client.get("/board").get_data(as_text=True)
    assert "消防安全提示" in page and "119" in page


def test_pages_vary_on_htmx_header(client):
    assert "HX-Request" in client.get("/").headers.get("Vary", "")


def test_health_endpoint_answers(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["role"] == "village"


def test_heartbeat_only_from_the_kiosk_itself(client, app):
    assert client.post("/healthz/heartbeat", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert client.post("/healthz/heartbeat").status_code == 204
    assert client.get("/healthz").get_json()["heartbeat_age"] is not None


def test_unknown_page_is_a_friendly_translated_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_no_page_loads_anything_from_outside(client):
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page
    assert "default-src 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_status_bar_fragment_says_not_connected(client):
    assert "未连接乡镇服务器" in client.get("/status").get_data(as_text=True)


def test_text_fields_without_an_input_mode_do_not_say_none(committee):
    """A text field rendered by the shared macro gets no `inputmode="None"` (phones and on-screen
    keyboards would take it for an unknown mode)."""
    page = committee.get("/organisation/new").get_data(as_text=True)
    assert 'inputmode="None"' not in page


def test_a_list_formats_each_date_once_and_always_as_babel_would(app):
    """The date filters remember what they wrote (a list re-renders the same rows all day), but each
    language and each zone gets its own text, and "now" is never remembered."""
    import datetime as dt

    import flask_babel
    from flask_babel import refresh

    when = dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.timezone.utc)  # 01:30 the next day in Shanghai
    day = dt.date(2026, 3, 10)
    filters = app.jinja_env.filters
    for lang in ("zh_Hans", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for name, babel_format, value in (("dateformat", flask_babel.format_date, when),
                                             ("dateformat", flask_babel.format_date, day),
                                             ("datetimeformat", flask_babel.format_datetime, when),
                                             ("timeformat", flask_babel.format_time, when)):
                for fmt in ("short", "medium", None):
                    expected = babel_format(value, fmt)
                    assert filters[name](value, fmt) == expected
                    assert filters[name](value, fmt) == expected  # the second time, from memory
            assert filters["dateformat"](when, "medium") == ("2026年3月10日" if lang == "zh_Hans" else "Mar 10, 2026")
    assert filters["dateformat"].cache_info().hits >= 12

    app.extensions["babel"].default_timezone = "UTC"  # what BABEL_DEFAULT_TIMEZONE sets at start
    with app.test_request_context("/?lang=en"):
        refresh()
        assert str(flask_babel.get_timezone()) == "UTC"
        assert filters["dateformat"](when, "medium") == "Mar 9, 2026"  # another zone, another day
    in_shanghai = when.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert in_shanghai == when
    with app.test_request_context("/?lang=en"):
        for value in (when, in_shanghai):  # one instant, two zones: not rebased, each reads its own
            assert filters["timeformat"](value, "HH:mm", rebase=False) == flask_babel.format_time(
                value, "HH:mm", rebase=False)
        assert filters["timeformat"](in_shanghai, "HH:mm", rebase=False) == "01:30"
    with app.test_request_context("/?lang=en"):
        first = filters["timeformat"](None, "HH:mm:ss.SSS")
        import time
        time.sleep(0.01)
        assert filters["timeformat"](None, "HH:mm:ss.SSS") != first  # now, each time anew
