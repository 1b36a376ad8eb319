"""The village's hydrants and pools placed by latitude and longitude, drawn on the server as SVG.

No map tiles: the kiosk works offline. A local equirectangular projection (longitude scaled by
cos(latitude)) is exact enough over a village's few hundred metres.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 800, 440, 48
METRES_PER_DEG_LAT = 111_320.0

COLOURS = {
    "fine": "#15803d",
    "overdue": "#d97706",
    "reported": "#7c3aed",
    "defect": "#b91c1c",
    "out_of_service": "#4b5563",
}


@dataclass
class Point:
    state: object  # service.AssetState
    x: float
    y: float

    @property
    def colour(self) -> str:
        return COLOURS[self.state.state]


@dataclass
class Plot:
    points: list[Point]
    unplaced: list  # AssetStates without coordinates
    width: int = WIDTH
    height: int = HEIGHT
    scale_px: float = 0.0  # length of the scale bar
    scale_m: int = 0


def _nice(metres: float) -> int:
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000):
        if step >= metres:
            return step
    return 50000


def layout(states: list) -> Plot:
    placed = [s for s in states if s.asset.latitude is not None and s.asset.longitude is not None]
    unplaced = [s for s in states if s not in placed]
    if not placed:
        return Plot(points=[], unplaced=unplaced)
    lat0 = sum(s.asset.latitude for s in placed) / len(placed)
    kx = METRES_PER_DEG_LAT * math.cos(math.radians(lat0))
    xs = [s.asset.longitude * kx for s in placed]
    ys = [s.asset.latitude * METRES_PER_DEG_LAT for s in placed]
    # at least 200 m across, so that two hydrants side by side do not fill the screen
    span_x = max(max(xs) - min(xs), 200.0)
    span_y = max(max(ys) - min(ys), 200.0)
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    points = [Point(state=s, x=round(WIDTH / 2 + (x - cx) * scale, 1), y=round(HEIGHT / 2 - (y - cy) * scale, 1))
              for s, x, y in zip(placed, xs, ys)]
    # a scale bar about a fifth of the width
    metres = _nice((WIDTH / 5) / scale)
    return Plot(points=points, unplaced=unplaced, scale_px=round(metres * scale, 1), scale_m=metres)
