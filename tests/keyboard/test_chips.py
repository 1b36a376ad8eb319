"""Preset phrases: where people write the same few things, one tap on a chip writes it."""
from __future__ import annotations

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from playwright.sync_api import expect
from wtforms import TextAreaField

from kiosk.extensions import db
from kiosk.web import public

from ..conftest import LiveServer, make_app

PHRASES = ["已清理", "已移至室外", "户主承诺三天内整改"]

# a feature's form as it will use the chips (kiosk/keyboard/__init__.py)
NOTES_PAGE = """{% extends "base.html" %}
{% from "macros.html" import text_field %}{% from "keyboard/_chips.html" import phrase_chips %}
{% block content %}<form class="card" method="post">
  {{ text_field(form.note) }}
  {{ phrase_chips(form.note, phrases, label="常用说明") }}
</form>{% endblock %}"""


class NoteForm(FlaskForm):
    note = TextAreaField("怎么整改的？")


@pytest.fixture
def notes_kiosk(database, tmp_path, pinyin_table):
    app = make_app(database("sqlite"), tmp_path / "notes", WTF_CSRF_ENABLED=True,
                   KEYBOARD_DICTIONARY=str(pinyin_table.path))

    @public
    def notes():
        return render_template_string(NOTES_PAGE, form=NoteForm(), phrases=PHRASES)

    app.add_url_rule("/test/notes", "test_notes", notes)
    server = LiveServer(app).start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


def test_the_macro_names_the_field_each_chip_fills(database, tmp_path):
    app = make_app(database("sqlite"), tmp_path / "instance", WTF_CSRF_ENABLED=False)
    with app.test_request_context("/?lang=en"):
        html = render_template_string(NOTES_PAGE, form=NoteForm(), phrases=PHRASES)
        by_id = render_template_string('{% from "keyboard/_chips.html" import phrase_chips %}'
                                       '{{ phrase_chips("visit-topics", ["用电安全"]) }}')
    for phrase in PHRASES:
        assert f'data-chip="{phrase}" data-chip-for="note"' in html
    assert 'aria-label="常用说明"' in html
    assert 'data-chip-for="visit-topics"' in by_id and 'aria-label="Common phrases"' in by_id
    assert 'type="button"' in by_id  # a chip never sends the form


def test_a_closing_note_is_written_with_chips_alone(notes_kiosk, kiosk_page, screenshot):
    page = kiosk_page
    page.goto(notes_kiosk.url + "/test/notes")
    page.evaluate("window.inputs = 0; document.getElementById('note')"
                  ".addEventListener('input', () => window.inputs++)")
    page.tap("button[data-chip='已清理']")
    page.tap("button[data-chip='已移至室外']")
    separator = page.get_attribute("button[data-chip='已清理']", "data-separator")  # "；" in Chinese
    assert page.input_value("#note") == f"已清理{separator}已移至室外"
    page.tap("button[data-chip='已清理']")  # never twice
    assert page.input_value("#note") == f"已清理{separator}已移至室外"
    assert page.evaluate("window.inputs") == 2
    expect(page.locator("button[data-chip='已清理']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("button[data-chip='户主承诺三天内整改']")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".kb")).to_have_count(0)  # no typing, no keyboard
    screenshot(page, "keyboard-chips-800x480")

    # typed text and chips mix: the chip goes after what is there
    page.fill("#note", "门口电动车。")
    page.tap("button[data-chip='户主承诺三天内整改']")
    assert page.input_value("#note") == "门口电动车。户主承诺三天内整改"
    expect(page.locator("button[data-chip='已清理']")).to_have_attribute("aria-pressed", "false")
