"""A map of one tour for paper (PNG, matplotlib), offline, legible printed in grey.

The streets of the graph the plan was made on in light grey; the route in one style (a black line
on a white casing) with direction arrows and its legs numbered (« T1 », « T2 », … « R » for the
return, as in the directions); the names of the streets the route takes, once each, beside them;
stops, depot and parking points as markers set off the route with a thin leader to their place,
so that no marker hides the route; a scale bar, a north arrow and the OSM credit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: sheets are rendered on servers and in CI

import networkx as nx
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image as PILImage
from shapely.geometry import box

from dynamobile.plan import Plan, Tour

from .directions import name_key, street_label
from .legs import ATTRIBUTION, Leg, depot_walk, stop_walk, tour_legs, tour_walks
from .map_layout import XY, Label, Layout, text_width_pt

M_PER_DEG_LAT = 111_320.0
ROUTE_PT = 1.9  # the route's line width, points
ROUTE_CASING_PT = 4.2  # its white casing
STREET_GREY = "#c4c4c4"
LEADER_STYLE: dict[str, Any] = {
    "color": "#555555",
    "lw": 0.6,
    "linestyle": "-",
}  # marker → its place
WALK_STYLE: dict[str, Any] = {
    "color": "#444444",
    "lw": 0.9,
    "linestyle": (0, (2.0, 1.6)),
}  # on foot
STOP_RADIUS_PT = 5.6
STREET_LABEL_PT = 5.8
MIN_LABELLED_M = 20.0  # the route's shorter stretches of a street are not labelled
_NICE_SCALES_M = (20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
_WIDE_STREETS = {"primary", "secondary", "tertiary", "trunk", "primary_link", "secondary_link"}


def leg_mark(leg: Leg) -> str:
    """How the map names ``leg``: « T2 » for the leg to stop 2, « R » for the return."""
    return "R" if leg.is_return else f"T{leg.index}"


@dataclass(frozen=True)
class Marker:
    """A stop (« 1 »…), the depot (« D ») or a parking point (« P ») at ``centre``, set off its
    ``anchor`` (metres)."""

    kind: str  # "stop", "depot", "parking"
    text: str
    anchor: XY
    centre: XY
    radius_pt: float


@dataclass
class TourMapLayout:
    """Everything the paper map draws, in local metres (x east, y north)."""

    frame: tuple[float, float, float, float]  # x0, x1, y0, y1
    m_per_pt: float
    streets: list[tuple[XY, XY, float]] = field(default_factory=list)  # segment, width pt
    legs: list[tuple[Leg, list[XY]]] = field(default_factory=list)
    walks: list[list[XY]] = field(default_factory=list)
    arrows: list[tuple[XY, float]] = field(default_factory=list)  # point, heading (rad)
    markers: list[Marker] = field(default_factory=list)
    leg_labels: list[tuple[str, XY]] = field(default_factory=list)
    street_labels: list[Label] = field(default_factory=list)
    scale: tuple[XY, float, str] = ((0.0, 0.0), 0.0, "")  # origin, length m, text


class _Projection:
    """Equirectangular metres around a centre: exact enough over a town."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.k = math.cos(math.radians(lat0)) * M_PER_DEG_LAT

    def __call__(self, lon: float, lat: float) -> XY:
        return (lon - self.lon0) * self.k, (lat - self.lat0) * M_PER_DEG_LAT


def _frame(points: list[XY], aspect: float, min_span_m: float) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) around ``points``, padded for the markers, width/height = ``aspect``."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2.0, (min(ys) + max(ys)) / 2.0
    width = max((max(xs) - min(xs)) * 1.22, min_span_m)
    height = max((max(ys) - min(ys)) * 1.22, min_span_m)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def _edge(graph: nx.MultiDiGraph, u: int, v: int) -> dict:
    edges = graph.get_edge_data(u, v) or {}
    return min(edges.values(), key=lambda d: float(d.get("length", 0.0))) if edges else {}


def _edge_line(graph: nx.MultiDiGraph, u: int, v: int, data: dict, proj: _Projection) -> list[XY]:
    geometry = data.get("geometry")
    if geometry is not None:
        return [proj(x, y) for x, y in geometry.coords]
    a, b = graph.nodes[u], graph.nodes[v]
    return [proj(a["x"], a["y"]), proj(b["x"], b["y"])]


def _streets(graph: nx.MultiDiGraph, proj: _Projection, frame) -> list[tuple[XY, XY, float]]:
    x0, x1, y0, y1 = frame
    seen, out = set(), []
    for u, v, data in graph.edges(data=True):
        key = (u, v) if u <= v else (v, u)
        if key in seen:
            continue
        seen.add(key)
        line = _edge_line(graph, u, v, data, proj)
        xs, ys = [p[0] for p in line], [p[1] for p in line]
        if max(xs) < x0 or min(xs) > x1 or max(ys) < y0 or min(ys) > y1:
            continue
        highway = data.get("highway")
        highway = highway[0] if isinstance(highway, list) else highway
        width = 1.6 if highway in _WIDE_STREETS else 0.6 if highway == "service" else 1.0
        out += [(a, b, width) for a, b in zip(line, line[1:])]
    return out


def _street_runs(
    graph: nx.MultiDiGraph, legs: Sequence[Leg], proj: _Projection
) -> dict[str, tuple[str, list[list[XY]]]]:
    """Per street (folded name): its first spelling and the route's runs along it."""
    runs: dict[str, tuple[str, list[list[XY]]]] = {}
    for leg in legs:
        current: list[XY] = []
        current_key = ""
        for u, v in zip(leg.path, leg.path[1:]):
            data = _edge(graph, u, v)
            label = street_label(data) if data else ""
            key = name_key(label) if label else ""
            if key != current_key and current and current_key:
                runs[current_key][1].append(current)
                current = []
            current_key = key
            if key:
                runs.setdefault(key, (label, []))
                line = _edge_line(graph, u, v, data, proj)
                current = current + line[(1 if current else 0) :]
        if current and current_key:
            runs[current_key][1].append(current)
    return runs


def _along(line: Sequence[XY], distance: float) -> tuple[XY, float]:
    """The point ``distance`` metres along ``line`` and the heading there (radians)."""
    run = 0.0
    for a, b in zip(line, line[1:]):
        seg = math.dist(a, b)
        if seg > 0 and run + seg >= distance:
            t = (distance - run) / seg
            return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), math.atan2(
                b[1] - a[1], b[0] - a[0]
            )
        run += seg
    a, b = line[-2], line[-1]
    return b, math.atan2(b[1] - a[1], b[0] - a[0])


def _length(line: Sequence[XY]) -> float:
    return sum(math.dist(a, b) for a, b in zip(line, line[1:]))


def _scale(frame, m_per_pt: float) -> tuple[XY, float, str]:
    x0, x1, y0, _ = frame
    length = max([s for s in _NICE_SCALES_M if s <= (x1 - x0) / 4.0] or [_NICE_SCALES_M[0]])
    label = f"{length // 1000} km" if length >= 1000 else f"{length} m"
    return (x0 + 8 * m_per_pt, y0 + 8 * m_per_pt), float(length), label


def layout_tour_map(
    plan: Plan,
    tour: Tour,
    *,
    graph: nx.MultiDiGraph | None = None,
    width_in: float = 7.0,
    height_in: float = 4.4,
    min_span_m: float = 400.0,
) -> TourMapLayout:
    """Where every mark of the paper map of ``tour`` goes (street names need ``graph``)."""
    legs = tour_legs(plan, tour, graph=graph)
    walks = tour_walks(plan, tour)
    lonlat = [(plan.depot.lon, plan.depot.lat)] + [(s.lon, s.lat) for s in tour.stops]
    lonlat += [p for leg in legs for p in leg.geometry] + [p for w in walks for p in w.geometry]
    proj = _Projection(
        (min(p[0] for p in lonlat) + max(p[0] for p in lonlat)) / 2,
        (min(p[1] for p in lonlat) + max(p[1] for p in lonlat)) / 2,
    )
    frame = _frame([proj(*p) for p in lonlat], width_in / height_in, min_span_m)
    m_per_pt = (frame[1] - frame[0]) / (width_in * 72.0)
    out = TourMapLayout(frame, m_per_pt)
    if graph is not None:
        out.streets = _streets(graph, proj, frame)
    out.legs = [(leg, [proj(*p) for p in leg.geometry]) for leg in legs]
    out.walks = [[proj(*p) for p in w.geometry] for w in walks]
    out.walks += [[proj(*a), proj(*b)] for a, b in _connectors(plan, tour, legs)]
    layout = Layout(
        [line for _, line in out.legs],
        frame,
        m_per_pt=m_per_pt,
        route_half_width_pt=ROUTE_CASING_PT / 2,
    )
    _, x1, y0, y1 = frame
    # The fixed furniture first: scale bar (bottom left), credit (bottom right), north (top right).
    out.scale = _scale(frame, m_per_pt)
    (sx, sy), length, _ = out.scale
    layout.reserve(
        box(sx - 4 * m_per_pt, sy - 2 * m_per_pt, sx + length + 12 * m_per_pt, sy + 14 * m_per_pt)
    )
    credit_w = (text_width_pt(ATTRIBUTION, 6) + 4) * m_per_pt
    layout.reserve(box(x1 - credit_w - 3 * m_per_pt, y0, x1, y0 + 11 * m_per_pt))
    layout.reserve(box(x1 - 18 * m_per_pt, y1 - 30 * m_per_pt, x1, y1))
    _place_markers(plan, tour, walks, proj, layout, out)
    _place_leg_marks(layout, out)
    if graph is not None:
        streets = sorted(_street_runs(graph, legs, proj).values(), key=lambda s: -_longest(s[1]))
        for name, runs in streets:
            if _longest(runs) < MIN_LABELLED_M:
                continue  # a few metres of a square crossed: a label there would mislead
            placed = _street_label(layout, name, runs)
            if placed is not None:
                out.street_labels.append(placed)
    return out


def _longest(runs: Sequence[Sequence[XY]]) -> float:
    return max((_length(r) for r in runs), default=0.0)


def short_street_name(name: str) -> str:
    """The usual map abbreviation of a leading street type: « Av. de Lyon », « Bd du Théâtre »."""
    word, _, rest = name.partition(" ")
    short = _TYPE_ABBREVIATIONS.get(word.casefold())
    return f"{short} {rest}" if short and rest else name


_TYPE_ABBREVIATIONS = {
    "avenue": "Av.",
    "boulevard": "Bd",
    "place": "Pl.",
    "rue": "R.",
    "passage": "Pass.",
    "square": "Sq.",
    "impasse": "Imp.",
    "quai": "Q.",
    "chemin": "Ch.",
    "route": "Rte",
}


def _street_label(layout: Layout, name: str, runs: Sequence[Sequence[XY]]) -> Label | None:
    """``name`` along its street, abbreviated if need be, else level beside the street's middle."""
    names = list(dict.fromkeys((name, short_street_name(name))))
    for text in names:
        placed = layout.place_along(text, runs, size_pt=STREET_LABEL_PT, offset_pt=2.4)
        if placed is not None:
            return placed
    longest = max(runs, key=_length)
    (mx, my), _ = _along(longest, _length(longest) / 2)
    m = layout.m_per_pt
    for text in names:
        width, height = text_width_pt(text, STREET_LABEL_PT, italic=True) + 2, STREET_LABEL_PT * 1.2
        candidates = [
            (mx + dx * (width / 2 + gap) * m, my + dy * (height / 2 + gap) * m)
            for gap in (3.0, 7.0)
            for dx, dy in ((1, 1), (-1, 1), (1, -1), (-1, -1), (0, 1), (0, -1), (1, 0), (-1, 0))
        ]
        centre = layout.place_box(candidates, width, height)
        if centre is not None:
            return Label(text, centre[0], centre[1], 0.0)
    return None


def _place_markers(plan: Plan, tour: Tour, walks, proj: _Projection, layout: Layout, out) -> None:
    """Stops first (the reader's main marks), then the depot, then the parking points."""
    for i, stop in enumerate(tour.stops, start=1):
        anchor = proj(stop.lon, stop.lat)
        centre = layout.place_marker(anchor, STOP_RADIUS_PT)
        out.markers.append(Marker("stop", str(i), anchor, centre, STOP_RADIUS_PT))
    anchor = proj(plan.depot.lon, plan.depot.lat)
    centre = layout.place_marker(anchor, 6.2)
    out.markers.append(Marker("depot", "D", anchor, centre, 6.2))
    for walk in walks:
        anchor = proj(walk.parking.lon, walk.parking.lat)
        centre = layout.place_marker(anchor, 4.2)
        out.markers.append(Marker("parking", "P", anchor, centre, 4.2))


def _place_leg_marks(layout: Layout, out: TourMapLayout) -> None:
    """A leg number beside each leg, where no other leg runs if possible, with an arrow there;
    more arrows along long legs."""
    spacing = (out.frame[1] - out.frame[0]) / 5.0
    m = out.m_per_pt
    for leg, line in out.legs:
        length = _length(line)
        if length <= 0:
            continue
        text = leg_mark(leg)
        size = (text_width_pt(text, 6.5, bold=True) + 4, 9.0)
        candidates: list[tuple[XY, float, XY]] = []
        for fraction in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
            point, heading = _along(line, length * fraction)
            for side in (1.0, -1.0):
                d = (size[0] / 2 + 4) * m
                normal = (-math.sin(heading) * side, math.cos(heading) * side)
                candidates.append(
                    ((point[0] + normal[0] * d, point[1] + normal[1] * d), heading, point)
                )
        placed = None
        for centre, heading, point in candidates:
            if layout.place_box([centre], *size) is not None:
                placed = (centre, heading, point)
                break
        if placed is not None:
            out.leg_labels.append((text, placed[0]))
            out.arrows.append((placed[2], placed[1]))
        n = max(int(length // spacing), 0)
        for k in range(1, n + 1):
            point, heading = _along(line, length * k / (n + 1))
            if placed is None or math.dist(point, placed[2]) > spacing / 3:
                out.arrows.append((point, heading))
        if placed is None and n == 0:
            out.arrows.append(_along(line, length / 2))


def _connectors(
    plan: Plan, tour: Tour, legs
) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """(place, nearest route point) for the depot and each stop away from their leg's ends, when
    no walk is drawn for them."""
    at_depot = [] if depot_walk(plan, tour) else [(plan.depot.lon, plan.depot.lat)]
    ends = [(p, legs[0].geometry[0]) for p in at_depot] if legs else []
    ends += [
        ((s.lon, s.lat), leg.geometry[-1])
        for i, (s, leg) in enumerate(zip(tour.stops, legs), start=1)
        if stop_walk(s, i) is None
    ]
    if legs:
        ends += [(p, legs[-1].geometry[-1]) for p in at_depot]
    return [(a, b) for a, b in ends if math.dist(a, b) > 1e-5]


def _arrowhead(point: XY, heading: float, size: float) -> list[XY]:
    c, s = math.cos(heading), math.sin(heading)
    tip = (point[0] + c * size, point[1] + s * size)
    back = (point[0] - c * size * 0.8, point[1] - s * size * 0.8)
    w = size * 0.75
    return [tip, (back[0] - s * w, back[1] + c * w), (back[0] + s * w, back[1] - c * w)]


def render_tour_map(
    plan: Plan,
    tour: Tour,
    *,
    graph: nx.MultiDiGraph | None = None,
    width_in: float = 7.0,
    height_in: float = 4.4,
    dpi: int = 200,
    min_span_m: float = 400.0,
) -> bytes:
    """PNG bytes of the paper map of ``tour`` (on ``graph``'s streets when given)."""
    lay = layout_tour_map(
        plan, tour, graph=graph, width_in=width_in, height_in=height_in, min_span_m=min_span_m
    )
    x0, x1, y0, y1 = lay.frame
    m = lay.m_per_pt
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")
    if lay.streets:
        ax.add_collection(
            LineCollection(
                [(a, b) for a, b, _ in lay.streets],
                colors=STREET_GREY,
                linewidths=[w for _, _, w in lay.streets],
                capstyle="round",
                zorder=1,
            )
        )
    for line in lay.walks:
        xs, ys = zip(*line)
        ax.plot(xs, ys, zorder=2, **WALK_STYLE)
    # One style for the whole route: overlapping legs read as one street, not a tangle of dashes.
    lines = [line for _, line in lay.legs]
    ax.add_collection(
        LineCollection(
            lines,
            colors="white",
            linewidths=ROUTE_CASING_PT,
            capstyle="round",
            joinstyle="round",
            zorder=3,
        )
    )
    ax.add_collection(
        LineCollection(
            lines,
            colors="black",
            linewidths=ROUTE_PT,
            capstyle="round",
            joinstyle="round",
            zorder=4,
        )
    )
    ax.add_collection(
        PolyCollection(
            [_arrowhead(point, heading, 3.4 * m) for point, heading in lay.arrows],
            facecolors="black",
            edgecolors="white",
            linewidths=0.6,
            zorder=5,
        )
    )
    for label in lay.street_labels:
        ax.text(
            label.x,
            label.y,
            label.text,
            rotation=label.angle_deg,
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontsize=STREET_LABEL_PT,
            fontstyle="italic",
            color="#222222",
            zorder=6,
            path_effects=_HALO,
        )
    for text, (x, y) in lay.leg_labels:
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=6.5,
            fontweight="bold",
            color="black",
            zorder=7,
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": "white",
                "edgecolor": "black",
                "lw": 0.5,
            },
        )
    for marker in lay.markers:
        _draw_marker(ax, marker)
    _draw_scale(ax, lay)
    _north_arrow(ax, lay.frame, m)
    ax.text(
        x1 - 2 * m,
        y0 + 2 * m,
        ATTRIBUTION,
        ha="right",
        va="bottom",
        fontsize=6,
        zorder=8,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
    )
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    # Grey levels only (the map is black, white and greys): a third of the RGBA bytes to embed.
    image = PILImage.fromarray(np.asarray(canvas.buffer_rgba())).convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), compress_level=6)
    return buffer.getvalue()


def _draw_marker(ax, marker: Marker) -> None:
    (ax_, ay), (cx, cy) = marker.anchor, marker.centre
    ax.plot([ax_, cx], [ay, cy], zorder=8, solid_capstyle="butt", **LEADER_STYLE)
    ax.plot([ax_], [ay], marker="o", markersize=2.6, color="black", zorder=8, markeredgewidth=0)
    size = 2 * marker.radius_pt
    if marker.kind == "stop":
        ax.plot(
            [cx],
            [cy],
            marker="o",
            markersize=size,
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=1.4,
            zorder=9,
        )
        ax.text(
            cx,
            cy,
            marker.text,
            ha="center",
            va="center",
            fontsize=7.5,
            fontweight="bold",
            zorder=10,
        )
    elif marker.kind == "depot":
        ax.plot([cx], [cy], marker="s", markersize=size * 0.9, color="black", zorder=9)
        ax.text(
            cx,
            cy,
            "D",
            color="white",
            ha="center",
            va="center",
            fontsize=7.5,
            fontweight="bold",
            zorder=10,
        )
    else:
        ax.plot(
            [cx],
            [cy],
            marker="s",
            markersize=size * 0.95,
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=0.8,
            zorder=9,
        )
        ax.text(cx, cy, "P", ha="center", va="center", fontsize=6, fontweight="bold", zorder=10)


def _draw_scale(ax, lay: TourMapLayout) -> None:
    (x, y), length, label = lay.scale
    h = 2.2 * lay.m_per_pt
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (x + i * length / 2, y),
                length / 2,
                h,
                facecolor=colour,
                edgecolor="black",
                lw=0.8,
                zorder=8,
            )
        )
    for at, text in ((x, "0"), (x + length, label)):
        ax.text(
            at,
            y + 2 * h,
            text,
            ha="center",
            va="bottom",
            fontsize=6.5,
            zorder=8,
            path_effects=_HALO,
        )


def _north_arrow(ax, frame, m: float) -> None:
    _, x1, _, y1 = frame
    x = x1 - 9 * m
    ax.annotate(
        "N",
        xy=(x, y1 - 5 * m),
        xytext=(x, y1 - 24 * m),
        ha="center",
        va="bottom",
        fontsize=7.5,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.1},
        zorder=8,
        path_effects=_HALO,
    )
