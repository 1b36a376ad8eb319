"""The keyboard's two requests, both made by keyboard.js without anyone signing in: the panel (its
labels in the screen's language) and the candidates for what is being typed.

Candidates are asked for letter by letter rather than shipped as static shards: the kiosk's browser
and server are the same machine, a lookup is a range scan of well under a millisecond in a 3 MB file
the web process never loads, and the browser keeps nothing but the answers it got (a shard per first
letter would be hundreds of KB of JSON parsed into the browser for every letter typed first)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..web import passive, public
from . import service

bp = Blueprint("keyboard", __name__, url_prefix="/keyboard")

# the letter rows of simple-keyboard-layouts' English layout; keyboard.js imports it as a module
LETTER_LAYOUT = "vendor/simple-keyboard-layouts-3.4.265/layouts/english.js"


@bp.get("/panel")
@public
@passive
def panel():
    return render_template("keyboard/_panel.html", letter_layout=LETTER_LAYOUT)


@bp.get("/candidates")
@public
@passive
def candidates():
    """``?p=xiaofangshuan`` → ``{"p": ..., "candidates": [{"w": "消防栓", "n": 13}, ...]}``, where ``n``
    is how many of the typed letters a word stands for."""
    typed = request.args.get("p", "")
    found = service.dictionary().candidates(typed)
    response = jsonify(p=service.normalise(typed), candidates=[{"w": c.word, "n": c.letters} for c in found])
    # the table changes only when the kiosk is installed again
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response
