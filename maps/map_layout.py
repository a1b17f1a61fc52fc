"""Where the paper map's marks go: markers set off the route, leg numbers and street names beside
it, none on top of another or of the route.

Works in local metres (x east, y north) on a frame of known print size, so that sizes given in
points (what a reader sees on paper) convert to metres with ``m_per_pt``. Geometry is shapely's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matplotlib.font_manager import FontProperties, findfont, get_font
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.prepared import prep

XY = tuple[float, float]
_MARKER_ANGLES = tuple(math.radians(a) for a in (45, 135, -45, -135, 90, -90, 0, 180))


@functools.lru_cache(maxsize=1024)
def text_width_pt(text: str, size_pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """Printed width of ``text`` in DejaVu Sans at ``size_pt`` points."""
    prop = FontProperties(
        family="DejaVu Sans",
        weight="bold" if bold else "normal",
        style="italic" if italic else "normal",
    )
    font = get_font(findfont(prop))
    font.set_size(size_pt, 72)  # at 72 dpi one pixel is one point
    font.set_text(text, 0.0)
    return font.get_width_height()[0] / 64.0  # 26.6 fixed point


@dataclass(frozen=True)
class Label:
    """A text placed at (``x``, ``y``) metres, rotated ``angle_deg`` (readable: -90 < a <= 90)."""

    text: str
    x: float
    y: float
    angle_deg: float


class Layout:
    """The free room of one map: the route (with a margin) and every mark placed so far are taken."""

    def __init__(
        self,
        route: Iterable[Sequence[XY]],
        frame: tuple[float, float, float, float],
        *,
        m_per_pt: float,
        route_half_width_pt: float,
    ):
        self.m_per_pt = m_per_pt
        lines = [tuple(line) for line in route if len(line) >= 2]
        self.route = MultiLineString(lines) if lines else MultiLineString()
        self._route_zone = prep(self.route.buffer(route_half_width_pt * m_per_pt))
        self._route_line = self.route.buffer(m_per_pt)
        x0, x1, y0, y1 = frame
        inset = 2.0 * m_per_pt
        self.inside = box(x0 + inset, y0 + inset, x1 - inset, y1 - inset)
        self.taken: list[Polygon] = []

    def reserve(self, shape: Polygon) -> None:
        """Mark ``shape`` as taken (a scale bar, a credit, a placed label)."""
        self.taken.append(shape)

    def is_free(self, shape: Polygon, *, route: bool = True) -> bool:
        """Inside the frame, off every placed mark and (``route``) off the route."""
        if not self.inside.contains(shape):
            return False
        if route and self._route_zone.intersects(shape):
            return False
        return not any(shape.intersects(t) for t in self.taken)

    def _badness(self, shape: Polygon) -> float:
        outside = shape.area - shape.intersection(self.inside).area
        on_route = shape.intersection(self._route_line).area
        on_marks = sum(shape.intersection(t).area for t in self.taken)
        return 50 * outside + 10 * on_route + 20 * on_marks

    def place_marker(self, anchor: XY, radius_pt: float) -> XY:
        """Centre of a round marker of ``radius_pt`` set off ``anchor`` (joined by a leader), off
        the route and the marks placed so far; the least covering spot when no spot is free."""
        r = radius_pt * self.m_per_pt
        best: tuple[float, XY] | None = None
        for gap_pt in (4.0, 9.0, 15.0, 22.0):
            d = r + gap_pt * self.m_per_pt
            for a in _MARKER_ANGLES:
                centre = (anchor[0] + d * math.cos(a), anchor[1] + d * math.sin(a))
                disc = Point(centre).buffer(r + 0.8 * self.m_per_pt)
                if self.is_free(disc):
                    self.reserve(disc)
                    return centre
                score = self._badness(disc) + gap_pt * r * r * 0.01
                if best is None or score < best[0]:
                    best = (score, centre)
        assert best is not None
        self.reserve(Point(best[1]).buffer(r))
        return best[1]

    def place_box(self, candidates: Iterable[XY], width_pt: float, height_pt: float) -> XY | None:
        """The first of ``candidates`` (centres) where an upright box of that size is free."""
        w, h = width_pt * self.m_per_pt / 2.0, height_pt * self.m_per_pt / 2.0
        for x, y in candidates:
            shape = box(x - w, y - h, x + w, y + h)
            if self.is_free(shape):
                self.reserve(shape)
                return x, y
        return None

    def place_along(
        self,
        text: str,
        runs: Sequence[Sequence[XY]],
        *,
        size_pt: float,
        offset_pt: float,
        italic: bool = True,
    ) -> Label | None:
        """``text`` along the longest possible of ``runs`` (polylines, metres), parallel to the
        street and ``offset_pt`` beside it; None when no spot is free."""
        width = (text_width_pt(text, size_pt, italic=italic) + 2.0) * self.m_per_pt
        height = size_pt * 1.15 * self.m_per_pt
        offset = offset_pt * self.m_per_pt + height / 2.0
        for run in sorted((LineString(r) for r in runs if len(r) >= 2), key=lambda r: -r.length):
            for fraction in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
                label = self._label_at(text, run, fraction, width, height, offset)
                if label is not None:
                    return label
        return None

    def _label_at(
        self,
        text: str,
        run: LineString,
        fraction: float,
        width: float,
        height: float,
        offset: float,
    ) -> Label | None:
        middle = run.length * fraction
        if run.length < width * 0.6:
            return None
        a = run.interpolate(max(middle - width / 2.0, 0.0))
        b = run.interpolate(min(middle + width / 2.0, run.length))
        dx, dy = b.x - a.x, b.y - a.y
        chord = math.hypot(dx, dy)
        if chord < width * 0.5:
            return None
        angle = math.degrees(math.atan2(dy, dx))
        if angle > 90:
            angle -= 180
        elif angle <= -90:
            angle += 180
        nx_, ny_ = -dy / chord, dx / chord  # left normal
        cx, cy = (a.x + b.x) / 2.0, (a.y + b.y) / 2.0
        for side in (1.0, -1.0):
            x, y = cx + side * nx_ * offset, cy + side * ny_ * offset
            shape = affinity.rotate(
                box(x - width / 2.0, y - height / 2.0, x + width / 2.0, y + height / 2.0),
                angle,
                origin=(x, y),
            )
            if self.is_free(shape):
                self.reserve(shape)
                return Label(text, x, y, angle)
        return None
