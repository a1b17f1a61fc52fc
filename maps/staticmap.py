"""A printable map of one tour (PNG) drawn with matplotlib, offline, legible in black and white.

Streets in light grey, each leg in black with its own line style and a direction arrow, stops as
numbered circles, the depot as a black square, a scale bar, a north arrow and the OSM credit.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")  # no display: sheets are rendered on servers and in CI

import networkx as nx
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from dynamobile.plan import Plan, Tour

from .legs import ATTRIBUTION, depot_walk, stop_walk, tour_legs, tour_walks

LEG_STYLES = (
    "-",
    (0, (5, 2)),
    (0, (6, 2, 1, 2)),
    (0, (10, 3)),
)  # solid, dashed, dash-dot, long dashes
RETURN_STYLE = (0, (1, 1.5))  # dotted
_NICE_SCALES_M = (20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)
_HALO = [patheffects.withStroke(linewidth=4, foreground="white")]
M_PER_DEG_LAT = 111_320.0


def leg_style(index: int, is_return: bool = False):
    """Line style of leg ``index`` (1-based); the return leg is always dotted."""
    return RETURN_STYLE if is_return else LEG_STYLES[(index - 1) % len(LEG_STYLES)]


def _frame(
    points: list[tuple[float, float]], aspect: float, min_span_m: float
) -> tuple[float, float, float, float]:
    """(west, east, south, north) around ``points``, padded, with width/height = ``aspect`` in metres."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    lat0 = (min(lats) + max(lats)) / 2.0
    k = math.cos(math.radians(lat0))
    cx, cy = (min(lons) + max(lons)) / 2.0, lat0
    width_m = max((max(lons) - min(lons)) * k * M_PER_DEG_LAT * 1.15, min_span_m)
    height_m = max((max(lats) - min(lats)) * M_PER_DEG_LAT * 1.15, min_span_m)
    if width_m / height_m < aspect:
        width_m = height_m * aspect
    else:
        height_m = width_m / aspect
    half_w = width_m / 2.0 / (k * M_PER_DEG_LAT)
    half_h = height_m / 2.0 / M_PER_DEG_LAT
    return cx - half_w, cx + half_w, cy - half_h, cy + half_h


def _street_lines(graph: nx.MultiDiGraph, frame: tuple[float, float, float, float]) -> list:
    west, east, south, north = frame
    seen, lines = set(), []
    for u, v in graph.edges():
        key = (u, v) if u <= v else (v, u)
        if key in seen:
            continue
        seen.add(key)
        a, b = graph.nodes[u], graph.nodes[v]
        if max(a["x"], b["x"]) < west or min(a["x"], b["x"]) > east:
            continue
        if max(a["y"], b["y"]) < south or min(a["y"], b["y"]) > north:
            continue
        lines.append(((a["x"], a["y"]), (b["x"], b["y"])))
    return lines


def _scale_bar(ax, frame: tuple[float, float, float, float]) -> None:
    west, east, south, north = frame
    k = math.cos(math.radians((south + north) / 2.0))
    width_m = (east - west) * k * M_PER_DEG_LAT
    length_m = max([s for s in _NICE_SCALES_M if s <= width_m / 4.0] or [_NICE_SCALES_M[0]])
    length_deg = length_m / (k * M_PER_DEG_LAT)
    x0 = west + (east - west) * 0.03
    y0 = south + (north - south) * 0.04
    h = (north - south) * 0.012
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(
            Rectangle(
                (x0 + i * length_deg / 2, y0),
                length_deg / 2,
                h,
                facecolor=colour,
                edgecolor="black",
                lw=0.8,
                zorder=6,
            )
        )
    label = f"{length_m // 1000} km" if length_m >= 1000 else f"{length_m} m"
    ax.text(
        x0 + length_deg,
        y0 + 1.8 * h,
        label,
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=6,
        path_effects=_HALO,
    )
    ax.text(
        x0, y0 + 1.8 * h, "0", ha="center", va="bottom", fontsize=7, zorder=6, path_effects=_HALO
    )


def _north_arrow(ax, frame: tuple[float, float, float, float]) -> None:
    west, east, south, north = frame
    x = east - (east - west) * 0.04
    y_top, y_bottom = north - (north - south) * 0.05, north - (north - south) * 0.14
    ax.annotate(
        "N",
        xy=(x, y_top),
        xytext=(x, y_bottom),
        ha="center",
        va="top",
        fontsize=8,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
        zorder=6,
    )


def _arrow_on(ax, line: tuple[tuple[float, float], ...]) -> None:
    """A direction arrowhead half-way along ``line``."""
    if len(line) < 2:
        return
    lengths = [math.dist(a, b) for a, b in zip(line, line[1:])]
    half, run = sum(lengths) / 2.0, 0.0
    for (a, b), seg in zip(zip(line, line[1:]), lengths):
        if run + seg >= half and seg > 0:
            t = (half - run) / seg
            mid = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            ax.annotate(
                "",
                xy=(mid[0] + (b[0] - a[0]) * 0.01, mid[1] + (b[1] - a[1]) * 0.01),
                xytext=mid,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0, "mutation_scale": 12},
                zorder=4,
            )
            return
        run += seg


def _connectors(plan: Plan, tour: Tour, legs) -> list[tuple[float, float, tuple[float, float]]]:
    """(lon, lat, nearest route point) for the depot and each stop away from their leg's ends."""
    # (a point whose walk is drawn needs no connector)
    at_depot = [] if depot_walk(plan, tour) else [(plan.depot.lon, plan.depot.lat)]
    ends = [(x, y, legs[0].geometry[0]) for x, y in at_depot] if legs else []
    ends += [
        (s.lon, s.lat, leg.geometry[-1])
        for i, (s, leg) in enumerate(zip(tour.stops, legs), start=1)
        if stop_walk(s, i) is None
    ]
    if legs:
        ends += [(x, y, legs[-1].geometry[-1]) for x, y in at_depot]
    return [(x, y, p) for x, y, p in ends if math.dist((x, y), p) > 1e-5]


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
    """PNG bytes of the map of ``tour`` (on ``graph``'s streets when given)."""
    legs = tour_legs(plan, tour, graph=graph)
    points = [(plan.depot.lon, plan.depot.lat)] + [(s.lon, s.lat) for s in tour.stops]
    points += [p for leg in legs for p in leg.geometry]
    points += [p for walk in tour_walks(plan, tour) for p in walk.geometry]
    frame = _frame(points, width_in / height_in, min_span_m)
    west, east, south, north = frame

    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / math.cos(math.radians((south + north) / 2.0)), adjustable="datalim")
    if graph is not None:
        ax.add_collection(
            LineCollection(_street_lines(graph, frame), colors="#b8b8b8", linewidths=0.7, zorder=1)
        )
    for leg in legs:
        xs, ys = zip(*leg.geometry)
        ax.plot(
            xs,
            ys,
            color="black",
            lw=1.8,
            linestyle=leg_style(leg.index, leg.is_return),
            zorder=3,
            solid_capstyle="round",
            path_effects=[patheffects.withStroke(linewidth=4.2, foreground="white")],
        )
        _arrow_on(ax, leg.geometry)
    for x, y, (rx, ry) in _connectors(plan, tour, legs):
        # A site stands off the street its leg ends on: a thin line joins them.
        ax.plot([x, rx], [y, ry], color="#555555", lw=0.8, linestyle=(0, (2, 2)), zorder=2)
    for walk in tour_walks(plan, tour):
        # The vehicle parks away from the stand: a P where it parks, the way on foot in fine dashes.
        xs, ys = zip(*walk.geometry)
        ax.plot(xs, ys, color="#333333", lw=1.0, linestyle=(0, (1.5, 1.5)), zorder=2)
        ax.text(
            walk.parking.lon,
            walk.parking.lat,
            "P",
            ha="center",
            va="center",
            fontsize=6.5,
            fontweight="bold",
            zorder=6,
            bbox={
                "boxstyle": "square,pad=0.15",
                "facecolor": "white",
                "edgecolor": "black",
                "lw": 0.8,
            },
        )
    ax.plot([plan.depot.lon], [plan.depot.lat], marker="s", markersize=13, color="black", zorder=5)
    ax.text(
        plan.depot.lon,
        plan.depot.lat,
        "D",
        color="white",
        ha="center",
        va="center",
        fontsize=8,
        fontweight="bold",
        zorder=6,
    )
    for i, stop in enumerate(tour.stops, start=1):
        ax.plot(
            [stop.lon],
            [stop.lat],
            marker="o",
            markersize=14,
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=1.5,
            zorder=5,
        )
        ax.text(
            stop.lon,
            stop.lat,
            str(i),
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold",
            zorder=6,
        )
    _scale_bar(ax, frame)
    _north_arrow(ax, frame)
    ax.text(
        east - (east - west) * 0.01,
        south + (north - south) * 0.015,
        ATTRIBUTION,
        ha="right",
        va="bottom",
        fontsize=6,
        zorder=6,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5, "alpha": 0.85},
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
