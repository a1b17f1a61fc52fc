"""Where the vehicle parks at each stop, and the crew's walk from there to the stand.

The vehicle stops at a node of its profile's streets (the one its leg ends at); the stand is the
site itself. The walk follows the ways on foot of the same street data (the "walk" graph of
`routing.streets`); when they hold no sensible path, it is a straight line and says so.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import networkx as nx

from dynamobile.errors import StreetDataError
from dynamobile.french import direction_fr
from dynamobile.model import RoutingSettings, Site, StreetSource
from dynamobile.osm_files import osm_sha256
from dynamobile.plan import Parking, Stop, Tour

from .snapping import NodeIndex, haversine_m
from .streets import load_street_graph

log = logging.getLogger(__name__)

# A way on foot farther than this from the parking point or the stand is not the way to it.
WALK_SNAP_MAX_M = 60.0
# A path on foot longer than this many times the straight line (plus a margin) is a detour
# through the edge of the street data, not the way a crew walks: the straight line is shown.
WALK_DETOUR_FACTOR = 3.0
WALK_DETOUR_MARGIN_M = 150.0
WALK_ENTRIES = 8  # ways-on-foot nodes tried around the stand

LonLat = tuple[float, float]


@dataclass(frozen=True)
class WalkNetwork:
    """The ways on foot with their snapping index."""

    graph: nx.MultiDiGraph
    index: NodeIndex


@dataclass(frozen=True)
class Walk:
    """A walk of ``metres`` along ``geometry`` ([lon, lat], start first); ``straight`` when no
    path on foot was found."""

    metres: int
    geometry: tuple[LonLat, ...]
    straight: bool


def load_walk_network(source: StreetSource, settings: RoutingSettings) -> WalkNetwork | None:
    """The ways on foot of the scenario's street data, once per process and file content; None
    (walks become straight lines) when that data holds none."""
    osm = source.osm_file
    content = osm_sha256(osm) if osm is not None and osm.exists() else None
    return _walk_network(source, settings, content)


@functools.lru_cache(maxsize=4)
def _walk_network(
    source: StreetSource, settings: RoutingSettings, content: str | None
) -> WalkNetwork | None:
    try:
        G = load_street_graph(source, "walk", settings=settings)
    except StreetDataError as exc:
        log.warning("chemins à pied indisponibles, trajets à pied en ligne droite : %s", exc)
        return None
    return WalkNetwork(G, NodeIndex(G))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing (0 = north, 90 = east) from the first point to the second."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


def _entries(network: WalkNetwork, lat: float, lon: float) -> list[tuple[int, float]]:
    """Ways-on-foot nodes near a point, each with its distance (m), nearest first."""
    return network.index.within(lat, lon, WALK_SNAP_MAX_M, limit=WALK_ENTRIES)


def walk_between(
    start: tuple[float, float], end: tuple[float, float], network: WalkNetwork | None
) -> Walk:
    """The walk from ``start`` to ``end`` (lat, lon) on the ways on foot: from a node near the
    start to the node near the end that makes the shortest walk, each reached in a straight
    line; else, when they hold no sensible path, a straight line."""
    straight_m = float(haversine_m(start[0], start[1], end[0], end[1]))
    line = ((start[1], start[0]), (end[1], end[0]))
    fallback = Walk(round(straight_m), line, True)
    if straight_m < 1.0:
        return Walk(round(straight_m), line, False)
    if network is None:
        return fallback
    starts, ends = _entries(network, *start), _entries(network, *end)
    if not starts or not ends:
        return fallback
    longest = WALK_DETOUR_FACTOR * straight_m + WALK_DETOUR_MARGIN_M
    G = network.graph
    best: tuple[float, list[int]] | None = None
    for node, offset in starts[:2]:  # the parking is on a street: its own node, or next to it
        lengths, paths = nx.single_source_dijkstra(G, node, cutoff=longest, weight="length")
        for target, last in ends:
            if target in lengths:
                total = offset + lengths[target] + last
                if best is None or total < best[0]:
                    best = (total, paths[target])
    if best is None or best[0] > longest:
        return fallback
    metres, path = best
    points = [line[0], *((float(G.nodes[n]["x"]), float(G.nodes[n]["y"])) for n in path), line[1]]
    geometry = tuple(p for i, p in enumerate(points) if i == 0 or p != points[i - 1])
    return Walk(round(metres), geometry, False)


def street_at(G: nx.MultiDiGraph, path: Sequence[int], *, at_end: bool = True) -> str:
    """The name of the street a vehicle stands on at the end (or start) of ``path``: the last
    named edge it arrives by (the first it leaves by), else any named edge at that node; "" when
    none is named."""
    nodes = list(reversed(path)) if at_end else list(path)
    if not nodes or nodes[0] not in G:
        return ""
    for a, b in zip(nodes, nodes[1:]):
        u, v = (b, a) if at_end else (a, b)
        for data in (G.get_edge_data(u, v) or {}).values():
            if _name(data.get("name")):
                return _name(data.get("name"))
    node = nodes[0]
    for _, _, data in [*G.in_edges(node, data=True), *G.out_edges(node, data=True)]:
        if _name(data.get("name")):
            return _name(data.get("name"))
    return ""


def _name(value) -> str:
    if isinstance(value, list):
        value = " / ".join(str(n) for n in dict.fromkeys(value) if n)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def parking_for(
    G: nx.MultiDiGraph,
    node: int,
    street: str,
    stand: tuple[float, float],
    walks: WalkNetwork | None,
    *,
    own: bool = False,
) -> Parking:
    """The parking at street node ``node`` and the walk from it to ``stand`` (lat, lon)."""
    lat, lon = float(G.nodes[node]["y"]), float(G.nodes[node]["x"])
    walk = walk_between((lat, lon), stand, walks)
    bearing = round(bearing_deg(lat, lon, *stand)) % 360 if walk.metres else 0
    return Parking(
        lat=lat,
        lon=lon,
        walk_m=walk.metres,
        bearing_deg=bearing,
        direction=direction_fr(bearing),
        street=street,
        walk_geometry=walk.geometry,
        straight=walk.straight,
        own=own,
    )


def with_parking(
    tours: Sequence[Tour],
    graphs: Mapping[str, nx.MultiDiGraph],
    walks: WalkNetwork | None,
    sites: Mapping[str, Site],
    depot: tuple[float, float],
) -> list[Tour]:
    """``tours`` with the parking of every stop (where its leg ends) and of the depot (where the
    tour starts); each walk is worked out once per street node and stand."""
    memo: dict[tuple[int, float, float, bool], Parking] = {}

    def parking(G, path: Sequence[int], stand, *, own: bool = False, at_end: bool = True):
        node = path[-1] if at_end else path[0]
        key = (node, stand[0], stand[1], own)
        if key not in memo:
            street = street_at(G, path, at_end=at_end)
            memo[key] = parking_for(G, node, street, stand, walks, own=own)
        return memo[key]

    out = []
    for tour in tours:
        G = graphs[tour.profile]
        stops: list[Stop] = []
        for stop in tour.stops:
            if not stop.path:
                stops.append(stop)
                continue
            site = sites.get(stop.site)
            own = site is not None and site.has_own_parking
            stops.append(
                replace(stop, parking=parking(G, stop.path, (stop.lat, stop.lon), own=own))
            )
        first = tour.stops[0].path if tour.stops else ()
        depot_parking = parking(G, first, depot, at_end=False) if first else None
        out.append(replace(tour, stops=tuple(stops), depot_parking=depot_parking))
    return out
