"""Fixtures for maps tests: the real Chambéry street graph and plans built on it in code."""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx
import pytest

from dynamobile.plan import PLAN_VERSION, Break, Depot, Plan, Stop, Tour, Unassigned

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CHAMBERY_OSM = DATA / "osm" / "chambery_centre_2016.osm"
PARIS = ZoneInfo("Europe/Paris")

# Real places of central Chambéry (coordinates from ../shared/data/poi/chambery_poi.csv).
PLACES = (
    (
        "saint-leger",
        "Place Saint-Léger",
        "forecourt",
        45.564943,
        5.920614,
        "place Saint-Léger, 73000 Chambéry",
    ),
    (
        "halles",
        "Marché des Halles",
        "market",
        45.567081,
        5.919606,
        "rue de Maistre, 73000 Chambéry",
    ),
    (
        "elephants",
        "Place des Éléphants",
        "fete",
        45.566594,
        5.922914,
        "place des Éléphants, 73000 Chambéry",
    ),
    ("monge", "Place Monge", "social_centre", 45.563393, 5.922259, "place Monge, 73000 Chambéry"),
)
DEPOT_NEAR = (45.5688, 5.9205)  # near the station; the depot is put on the nearest street node


def nearest_node(G: nx.MultiDiGraph, lat: float, lon: float) -> int:
    """Brute-force nearest graph node (the graphs here are small)."""
    k = math.cos(math.radians(lat))
    return min(
        G.nodes, key=lambda n: ((G.nodes[n]["x"] - lon) * k) ** 2 + (G.nodes[n]["y"] - lat) ** 2
    )


def _leg(
    G: nx.MultiDiGraph, a: int, b: int
) -> tuple[tuple[int, ...], tuple[tuple[float, float], ...], int, int]:
    path = nx.shortest_path(G, a, b, weight="travel_time")
    metres = seconds = 0.0
    for u, v in zip(path, path[1:]):
        edge = min(G.get_edge_data(u, v).values(), key=lambda d: d["travel_time"])
        metres += edge["length"]
        seconds += edge["travel_time"]
    geometry = tuple((float(G.nodes[n]["x"]), float(G.nodes[n]["y"])) for n in path)
    return tuple(path), geometry, round(metres), round(seconds)


def build_tour(
    G: nx.MultiDiGraph,
    places,
    *,
    vehicle: str,
    day: dt.date,
    depart: dt.time = dt.time(9, 0),
    open_min: int = 45,
    lunch_after: int | None = None,
    crew: tuple[str, ...] = ("Camille", "Yanis"),
) -> Tour:
    """A tour visiting ``places`` (site, name, kind, lat, lon, address) in order on real paths."""
    depot_node = nearest_node(G, *DEPOT_NEAR)
    clock = dt.datetime.combine(day, depart, tzinfo=PARIS)
    start, here, stops, breaks = clock, depot_node, [], []
    total_m = total_s = 0
    for i, (site, name, kind, lat, lon, address) in enumerate(places):
        node = nearest_node(G, lat, lon)
        path, geometry, metres, seconds = _leg(G, here, node)
        arrive = clock + dt.timedelta(seconds=seconds)
        setup = arrive + dt.timedelta(minutes=5)
        opening = setup + dt.timedelta(minutes=15)
        closing = opening + dt.timedelta(minutes=open_min)
        leave = closing + dt.timedelta(minutes=10)
        node_data = G.nodes[node]
        stops.append(
            Stop(
                site=site,
                name=name,
                kind=kind,
                lat=float(node_data["y"]),
                lon=float(node_data["x"]),
                arrive=arrive,
                setup_start=setup,
                start=opening,
                end=closing,
                leave=leave,
                drive_s=seconds,
                distance_m=metres,
                address=address,
                path=path,
                geometry=geometry,
            )
        )
        total_m, total_s, clock, here = total_m + metres, total_s + seconds, leave, node
        if lunch_after == i:
            breaks.append(Break(clock, clock + dt.timedelta(minutes=45), i))
            clock += dt.timedelta(minutes=45)
    path, geometry, metres, seconds = _leg(G, here, depot_node)
    return Tour(
        vehicle=vehicle,
        vehicle_kind="bus",
        profile="drive",
        date=day,
        start=start,
        end=clock + dt.timedelta(seconds=seconds),
        stops=tuple(stops),
        breaks=tuple(breaks),
        distance_m=total_m + metres,
        drive_s=total_s + seconds,
        return_drive_s=seconds,
        return_distance_m=metres,
        return_path=path,
        return_geometry=geometry,
        vehicle_name=f"Dynamobile {vehicle}",
        crew=crew,
    )


def depot_on(G: nx.MultiDiGraph) -> Depot:
    node = G.nodes[nearest_node(G, *DEPOT_NEAR)]
    return Depot("La Dynamo (gare)", float(node["y"]), float(node["x"]))


def build_plan(G: nx.MultiDiGraph, tours: tuple[Tour, ...]) -> Plan:
    return Plan(
        version=PLAN_VERSION,
        scenario="tests-chambery",
        dates=tuple(sorted({t.date for t in tours})),
        depot=depot_on(G),
        tours=tours,
        unassigned=(
            Unassigned(
                "curial",
                "Espace Curial",
                "no_time",
                "Pas assez de temps dans la journée.",
                dt.date(2024, 5, 14),
                20,
                45.5655,
                5.9255,
            ),
            Unassigned("combes", "Marché Demangeat", "unreachable", "Hors des rues chargées."),
        ),
        streets={"osm_file": str(CHAMBERY_OSM), "description": f"fichier OSM {CHAMBERY_OSM}"},
    )


@pytest.fixture(scope="session")
def chambery_drive() -> nx.MultiDiGraph:
    if not CHAMBERY_OSM.exists():
        pytest.skip("../shared/data is absent: no Chambéry street data")
    from dynamobile.model import StreetSource
    from routing.streets import load_street_graph

    return load_street_graph(StreetSource(osm_file=CHAMBERY_OSM), "drive", use_cache=False)


@pytest.fixture(scope="session")
def demo_plan(chambery_drive) -> Plan:
    """Two vehicles on one day and one on the next, with a lunch break and unassigned sites."""
    day1, day2 = dt.date(2024, 5, 14), dt.date(2024, 5, 15)
    tours = (
        build_tour(chambery_drive, PLACES[:3], vehicle="bus", day=day1, lunch_after=1),
        build_tour(chambery_drive, PLACES[3:], vehicle="fourgon", day=day1, crew=("Inès",)),
        build_tour(chambery_drive, PLACES[2:0:-1], vehicle="bus", day=day2),
    )
    return build_plan(chambery_drive, tours)


@pytest.fixture(scope="session")
def long_plan(chambery_drive) -> Plan:
    """One tour of 14 stops at random street nodes: its sheet cannot fit on one page."""
    rng = random.Random(7)
    nodes = sorted(chambery_drive.nodes)
    places = []
    for i in range(14):
        n = rng.choice(nodes)
        data = chambery_drive.nodes[n]
        places.append(
            (f"arret-{i + 1}", f"Halte numéro {i + 1}", "other", data["y"], data["x"], "")
        )
    return build_plan(
        chambery_drive,
        (build_tour(chambery_drive, places, vehicle="bus", day=dt.date(2024, 5, 16), open_min=20),),
    )
