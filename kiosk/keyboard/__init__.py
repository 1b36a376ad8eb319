"""Typing on a kiosk with no keyboard: an on-screen keyboard for every text field, and preset phrases.

**The keyboard** (static/js/keyboard.js, on the village role only) opens, docked at the bottom of the
screen, when someone taps a text field; the page above it shrinks so that the field stays in view.
Modes: 拼音 (pinyin with a candidate bar of words, from the table ``flask keyboard build`` makes at
install, see service.py), ABC, 123 (digits and punctuation), and a number pad for fields with
``inputmode="numeric"``, ``"decimal"`` or ``"tel"`` (or ``type="number"``/``"tel"``). Features do
nothing to get it. It leaves alone the fields of a form that has keys of its own (``data-pinpad``,
``data-numpad``, ``data-codepad``, ``data-keypad-form``) and any field or form marked
``data-keyboard="off"``;
a PIN to be set (a password field with ``inputmode="numeric"``) gets the number pad, and other
password fields only letters, so that nothing secret is spelt out in the pinyin bar.

The keys are simple-keyboard 3.8.192 and its layouts 3.4.265, vendored from npm into
static/vendor/ (MIT, licenses beside them): no CDN, the kiosk works offline.

**Preset phrase chips** for fields where people write the same few things (closing notes, visit
topics). In the feature's template, after the field::

    {% from "keyboard/_chips.html" import phrase_chips %}
    {{ text_field(form.note) }}
    {{ phrase_chips(form.note, [_("Cleared on the spot"), _("Moved outside"), _("Owner will fix it")]) }}

One tap appends the phrase to what the field holds (with a separator, never twice) and fires an
``input`` event, so the field can be filled with no typing at all. ``phrase_chips`` takes a form
field or an element id, the phrases (translated strings), and an optional ``label`` for the group.
"""
from __future__ import annotations

from flask import Flask

from .. import registry
from .cli import keyboard_cli
from .views import bp

SIMPLE_KEYBOARD = "vendor/simple-keyboard-3.8.192/index.modern.js"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(keyboard_cli)
    # township pages are read on phones, which have keyboards of their own (the chips work there too)
    if app.config["KIOSK_ROLE"] == "village":
        registry.add_script(app, SIMPLE_KEYBOARD)
    registry.add_script(app, "js/keyboard.js")
