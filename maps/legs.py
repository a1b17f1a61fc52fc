"""A tour as a list of legs (depot → stop 1 → … → depot) with names and drawable geometry.

Shared by the interactive map, the route sheets and the exports so that they draw the same line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import networkx as nx

from dynamobile.french import direction_fr, parking_fr, street_fr, vehicle_start_fr, walk_fr
from dynamobile.plan import Parking, Plan, Stop, Tour

ATTRIBUTION = "© OpenStreetMap contributors"
ODBL_URL = "https://www.openstreetmap.org/copyright"

# Colour-blind-safe palette (Okabe–Ito), one colour per vehicle.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


@dataclass(frozen=True)
class Leg:
    """The way from ``origin`` to ``destination``; ``index`` 1 is the leg to stop 1, the return
    leg has ``index`` len(stops) + 1 and ``is_return`` set."""

    index: int
    origin: str
    destination: str
    path: tuple[int, ...]
    geometry: tuple[tuple[float, float], ...]  # [lon, lat]
    distance_m: int
    drive_s: int
    is_return: bool = False


def _geometry(
    recorded: tuple[tuple[float, float], ...],
    path: tuple[int, ...],
    graph: nx.MultiDiGraph | None,
    start: tuple[float, float],
    end: tuple[float, float],
) -> tuple[tuple[float, float], ...]:
    """The recorded geometry, else the path's nodes on the graph, else a straight line."""
    if len(recorded) >= 2:
        return recorded
    if graph is not None and len(path) >= 2 and all(n in graph.nodes for n in path):
        return tuple((float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])) for n in path)
    return (start, end)


def tour_legs(plan: Plan, tour: Tour, *, graph: nx.MultiDiGraph | None = None) -> tuple[Leg, ...]:
    """The legs of ``tour``, including the return to the depot."""
    depot = plan.depot
    legs = []
    origin, here = depot.name, (depot.lon, depot.lat)
    for i, stop in enumerate(tour.stops, start=1):
        there = (stop.lon, stop.lat)
        geometry = _geometry(stop.geometry, stop.path, graph, here, there)
        legs.append(Leg(i, origin, stop.name, stop.path, geometry, stop.distance_m, stop.drive_s))
        origin, here = stop.name, there
    if tour.stops:
        geometry = _geometry(
            tour.return_geometry, tour.return_path, graph, here, (depot.lon, depot.lat)
        )
        legs.append(
            Leg(
                len(tour.stops) + 1,
                origin,
                depot.name,
                tour.return_path,
                geometry,
                tour.return_distance_m,
                tour.return_drive_s,
                is_return=True,
            )
        )
    return tuple(legs)


@dataclass(frozen=True)
class Walk:
    """A walk the crew is told about: from where the vehicle parks to ``destination`` (a stop's
    stand, or the depot when ``index`` is 0), with its French sentence."""

    index: int  # the stop's number, 0 for the depot
    destination: str
    parking: Parking
    on_foot: str  # « 126 m à pied vers le nord-est jusqu'à Place … »
    geometry: tuple[tuple[float, float], ...]  # [lon, lat], from the parking to the destination

    @property
    def text(self) -> str:
        """« Stationner : Rue X — puis 126 m à pied vers le nord-est jusqu'à Place … »."""
        return f"{parking_fr(self.parking.street)} — puis {self.on_foot}"

    @property
    def short(self) -> str:
        """Where the stop's name is just above: « Stationner : Rue X, puis 126 m à pied vers
        le nord-est »."""
        p = self.parking
        return f"{parking_fr(p.street)}, puis {walk_fr(p.walk_m, p.direction, straight=p.straight)}"

    @property
    def arrival(self) -> str:
        """Where a leg's directions arrive: « Rue X — puis 126 m à pied … jusqu'à Place … »."""
        return f"{street_fr(self.parking.street)} — puis {self.on_foot}"


def _on_foot(parking: Parking, destination: str, *, depot: bool = False) -> str:
    return walk_fr(
        parking.walk_m, parking.direction, destination, straight=parking.straight, depot=depot
    )


def stop_walk(stop: Stop, index: int) -> Walk | None:
    """The walk from the vehicle to the stand of ``stop``, when it is worth saying (see
    `Parking.shown`); None for plans made before parking points."""
    p = stop.parking
    if p is None or not p.shown:
        return None
    line = _walk_line(p, (stop.lon, stop.lat))
    return Walk(index, stop.name, p, _on_foot(p, stop.name), line)


def depot_walk(plan: Plan, tour: Tour) -> Walk | None:
    """The walk between the depot and where the tour starts and ends, when worth saying."""
    p = tour.depot_parking
    if p is None or not p.shown:
        return None
    line = _walk_line(p, (plan.depot.lon, plan.depot.lat))
    return Walk(0, plan.depot.name, p, _on_foot(p, plan.depot.name, depot=True), line)


def _walk_line(parking: Parking, there: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    if len(parking.walk_geometry) >= 2:
        return parking.walk_geometry
    return ((parking.lon, parking.lat), there)


def depot_start_text(walk: Walk) -> str:
    """Where the vehicle waits, seen from the depot (the walk's way reversed)."""
    p = walk.parking
    return vehicle_start_fr(p.street, p.walk_m, direction_fr((p.bearing_deg + 180) % 360))


def tour_walks(plan: Plan, tour: Tour) -> tuple[Walk, ...]:
    """Every walk worth saying of ``tour``: the depot's first, then the stops' in order."""
    walks = [depot_walk(plan, tour)]
    walks += [stop_walk(stop, i) for i, stop in enumerate(tour.stops, start=1)]
    return tuple(w for w in walks if w is not None)


def vehicle_colours(plan: Plan) -> dict[str, str]:
    """One palette colour per vehicle id, in order of first appearance."""
    colours: dict[str, str] = {}
    for tour in plan.tours:
        if tour.vehicle not in colours:
            colours[tour.vehicle] = PALETTE[len(colours) % len(PALETTE)]
    return colours


def vehicle_label(tour: Tour) -> str:
    """The vehicle's display name (its id when it has none)."""
    return tour.vehicle_name or tour.vehicle


def plan_bounds(plan: Plan) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the depot, stops, routes and located unassigned sites."""
    lons, lats = [plan.depot.lon], [plan.depot.lat]
    for tour in plan.tours:
        for stop in tour.stops:
            lons.append(stop.lon)
            lats.append(stop.lat)
            lons.extend(p[0] for p in stop.geometry)
            lats.extend(p[1] for p in stop.geometry)
        lons.extend(p[0] for p in tour.return_geometry)
        lats.extend(p[1] for p in tour.return_geometry)
        for walk in tour_walks(plan, tour):
            lons.extend(p[0] for p in walk.geometry)
            lats.extend(p[1] for p in walk.geometry)
    for u in plan.unassigned:
        if u.lat is not None and u.lon is not None:
            lons.append(u.lon)
            lats.append(u.lat)
    return min(lons), min(lats), max(lons), max(lats)


def _folded(text: str) -> str:
    """Lower case, without accents or punctuation: « Place Monge » and « place monge » match."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain.casefold()).split())


def address_without_name(name: str, address: str) -> str:
    """``address`` less the parts that only repeat ``name`` (compared without case, accents or
    punctuation): « Place Monge » with « place Monge, 73000 Chambéry » gives « 73000 Chambéry »."""
    said = f" {_folded(name)} "
    parts = [p.strip() for p in address.split(",")]
    return ", ".join(p for p in parts if p and f" {_folded(p)} " not in said)


def place_text(name: str, address: str) -> str:
    """A place for a calendar or a timetable: its name, then what the address adds to it
    (« Place Monge, 73000 Chambéry », never « Place Monge, place Monge, 73000 Chambéry »)."""
    return ", ".join(x for x in (name, address_without_name(name, address)) if x)
