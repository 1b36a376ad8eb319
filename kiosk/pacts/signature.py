"""Finger signatures as compact vector data.

The pad (static/js/pacts.js) records strokes of points quantised to a fixed box of W x H units and
posts them as JSON: ``{"v": 1, "w": 600, "h": 240, "s": [[x0, y0, x1, y1, ...], ...]}``. The server
takes nothing on trust: it checks size and shape, keeps its own compact re-serialisation, and draws
the SVG itself from integers, so a stored signature can never carry markup.
"""
from __future__ import annotations

import json

from flask_babel import gettext as _

WIDTH, HEIGHT = 600, 240
MAX_BYTES = 24_000       # a long signature is ~4 KB; anything near this is not from the pad
MAX_STROKES = 60
MAX_POINTS = 3_000
MIN_POINTS = 8           # a tap or two is not a signature
MIN_EXTENT = 40          # ... and neither is a dot: the ink must span this many units


class SignatureError(ValueError):
    """A translated reason why the payload is not a signature from the pad."""


def parse(payload: str | None) -> list[list[int]]:
    """Validate the pad's payload; returns the strokes as flat [x, y, x, y, ...] int lists."""
    if not payload or not payload.strip():
        raise SignatureError(_("Please sign in the box with your finger."))
    if len(payload.encode("utf-8")) > MAX_BYTES:
        raise SignatureError(_("The signature is too large. Clear it and sign again."))
    try:
        data = json.loads(payload)
    except ValueError:
        raise SignatureError(_("The signature could not be read. Clear it and sign again."))
    if not isinstance(data, dict) or data.get("v") != 1 or data.get("w") != WIDTH or data.get("h") != HEIGHT \
            or not isinstance(data.get("s"), list) or set(data) != {"v", "w", "h", "s"}:
        raise SignatureError(_("The signature could not be read. Clear it and sign again."))
    strokes = data["s"]
    if not strokes or len(strokes) > MAX_STROKES:
        raise SignatureError(_("The signature could not be read. Clear it and sign again."))
    total = 0
    xs, ys = [], []
    for stroke in strokes:
        if not isinstance(stroke, list) or not stroke or len(stroke) % 2:
            raise SignatureError(_("The signature could not be read. Clear it and sign again."))
        for i, value in enumerate(stroke):
            # bool is an int in Python; the pad never sends one
            if type(value) is not int or not 0 <= value <= (WIDTH if i % 2 == 0 else HEIGHT):
                raise SignatureError(_("The signature could not be read. Clear it and sign again."))
        total += len(stroke) // 2
        xs += stroke[0::2]
        ys += stroke[1::2]
    if total > MAX_POINTS:
        raise SignatureError(_("The signature is too large. Clear it and sign again."))
    if total < MIN_POINTS or max(max(xs) - min(xs), max(ys) - min(ys)) < MIN_EXTENT:
        raise SignatureError(_("The signature is too short. Please sign your name in the box."))
    return strokes


def dumps(strokes: list[list[int]]) -> str:
    """The compact form kept in the database."""
    return json.dumps({"v": 1, "w": WIDTH, "h": HEIGHT, "s": strokes}, separators=(",", ":"))


def svg_paths(stored: str | None) -> list[str]:
    """SVG path data for a stored signature (integers only)."""
    if not stored:
        return []
    try:
        strokes = json.loads(stored)["s"]
    except (ValueError, KeyError, TypeError):
        return []
    paths = []
    for stroke in strokes:
        points = [(int(stroke[i]), int(stroke[i + 1])) for i in range(0, len(stroke) - 1, 2)]
        if len(points) == 1:  # a dot: a zero-length line still shows with round caps
            points.append(points[0])
        paths.append("M" + " L".join(f"{x} {y}" for x, y in points))
    return paths
