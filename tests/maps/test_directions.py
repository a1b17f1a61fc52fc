"""Directions on small hand-built street graphs, and on the real Chambéry graph."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from dynamobile.errors import StreetDataError
from routing.directions import (
    ARRIVE, DEPART, ROUNDABOUT, directions, format_distance, instruction_line, spoken_lines, turn_angle,
)

LAT0, LON0 = 45.0, 6.0
M_LAT = 1 / 111_320.0
M_LON = M_LAT / math.cos(math.radians(LAT0))


def _graph(points: dict[str, tuple[float, float]], ways: list[dict]) -> nx.MultiDiGraph:
    """A street graph from points in metres (east, north) and ways {name, nodes, oneway, junction, highway}."""
    G = nx.MultiDiGraph()
    ids = {name: i for i, name in enumerate(points, start=1)}
    for name, (east, north) in points.items():
        G.add_node(ids[name], x=LON0 + east * M_LON, y=LAT0 + north * M_LAT)
    for way in ways:
        for a, b in zip(way["nodes"], way["nodes"][1:]):
            u, v = ids[a], ids[b]
            attrs = {"length": math.dist(points[a], points[b]), "highway": way.get("highway", "residential")}
            if way.get("name"):
                attrs["name"] = way["name"]
            if way.get("junction"):
                attrs["junction"] = way["junction"]
            G.add_edge(u, v, **attrs)
            if not way.get("oneway"):
                G.add_edge(v, u, **attrs)
    G.graph["ids"] = ids
    return G


def _path(G: nx.MultiDiGraph, *names: str) -> list[int]:
    return [G.graph["ids"][n] for n in names]


@pytest.fixture
def crossroads() -> nx.MultiDiGraph:
    """Rue du Sud goes north to a crossroads C, then becomes Avenue du Nord; Rue de l'Ouest /
    Rue de l'Est cross it; a service way leaves Avenue du Nord at N1."""
    points = {"S": (0, -200), "S1": (0, -100), "C": (0, 0), "N1": (0, 150), "N": (0, 300),
              "W": (-250, 0), "E": (250, 0), "P": (80, 150)}
    ways = [
        {"name": "Rue du Sud", "nodes": ["S", "S1", "C"]},
        {"name": "Avenue du Nord", "nodes": ["C", "N1", "N"]},
        {"name": "Rue de l'Ouest", "nodes": ["W", "C"]},
        {"name": "Rue de l'Est", "nodes": ["C", "E"]},
        {"nodes": ["N1", "P"], "highway": "service"},
    ]
    return _graph(points, ways)


def test_left_turn(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "W"), destination="Halte")
    assert [s.kind for s in steps] == [DEPART, "turn", ARRIVE]
    assert steps[0].text == "Partez vers le nord sur Rue du Sud"
    assert steps[0].distance_m == pytest.approx(200)
    assert steps[1].text == "Tournez à gauche sur Rue de l'Ouest"
    assert steps[1].street == "Rue de l'Ouest"
    assert steps[2].text == "Arrivée : Halte"
    assert instruction_line(steps[1]) == "Tournez à gauche sur Rue de l'Ouest, sur 250 m"


def test_right_turn(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "E"))
    assert steps[1].text == "Tournez à droite sur Rue de l'Est"
    assert steps[1].lat == pytest.approx(LAT0) and steps[1].lon == pytest.approx(LON0)


def test_street_changes_name_straight_on(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "N1", "N"))
    assert [s.text for s in steps] == [
        "Partez vers le nord sur Rue du Sud", "Continuez tout droit sur Avenue du Nord", "Vous êtes arrivé"]
    assert spoken_lines(steps)[1] == "Dans 200 m, continuez tout droit sur Avenue du Nord"


def test_unnamed_way_is_described_by_its_type(crossroads):
    steps = directions(crossroads, _path(crossroads, "C", "N1", "P"))
    assert steps[1].text == "Tournez à droite sur la voie de service"
    assert steps[1].street == ""


def test_u_turn(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "S1"))
    assert steps[1].kind == "uturn"
    assert steps[1].text == "Faites demi-tour sur Rue du Sud"


@pytest.fixture
def roundabout() -> nx.MultiDiGraph:
    """A one-way anticlockwise ring (radius 30 m) with plain vertices between its junctions, an
    approach from the south, exits east, north and west, and a one-way entry (not an exit) at NE."""
    r = 30.0
    ring = {f"R{a}": (r * math.cos(math.radians(a)), r * math.sin(math.radians(a))) for a in range(-90, 270, 22)}
    ring_names = list(ring)  # R-90 (south) … anticlockwise
    points = {**ring, "S0": (0, -200), "E0": (200, 2), "N0": (0, 200), "W0": (-200, -6), "NE0": (150, 150)}

    def at(angle: int) -> str:
        return min(ring_names, key=lambda n: abs(int(n[1:]) - angle))

    ways = [
        {"name": "Place Ronde", "nodes": [*ring_names, ring_names[0]], "oneway": True, "junction": "roundabout"},
        {"name": "Route du Sud", "nodes": ["S0", at(-90)]},
        {"name": "Rue Est", "nodes": [at(0), "E0"]},
        {"name": "Rue Nord", "nodes": [at(90), "N0"]},
        {"name": "Rue Ouest", "nodes": [at(180), "W0"]},
        {"name": "Rue Entrante", "nodes": ["NE0", at(46)], "oneway": True},
    ]
    G = _graph(points, ways)
    G.graph["at"] = at
    return G


@pytest.mark.parametrize(("exit_street", "angle", "number"), [("Rue Est", 0, 1), ("Rue Nord", 90, 2), ("Rue Ouest", 180, 3)])
def test_roundabout_exit_number(roundabout, exit_street, angle, number):
    at = roundabout.graph["at"]
    ids = roundabout.graph["ids"]
    source = ids["S0"]
    target = ids[{"Rue Est": "E0", "Rue Nord": "N0", "Rue Ouest": "W0"}[exit_street]]
    path = nx.shortest_path(roundabout, source, target, weight="length")
    assert ids[at(angle)] in path
    steps = directions(roundabout, path)
    assert steps[1].kind == ROUNDABOUT
    assert steps[1].exit == number
    ordinal = "1re" if number == 1 else f"{number}e"
    assert steps[1].text == f"Au rond-point Place Ronde, prenez la {ordinal} sortie ({exit_street})"
    assert steps[1].street == exit_street
    assert len(steps) == 3  # depart, roundabout, arrive: the exit street is not announced again


def test_missing_edge_is_a_street_data_error(crossroads):
    with pytest.raises(StreetDataError, match="absent du graphe"):
        directions(crossroads, _path(crossroads, "S", "C"))


def test_short_paths_give_no_instructions(crossroads):
    assert directions(crossroads, _path(crossroads, "S")) == ()


@pytest.mark.parametrize(("metres", "text"), [
    (3, "10 m"), (44, "40 m"), (249, "250 m"), (980, "1 km"), (1234, "1,2 km"), (12_400, "12 km")])
def test_format_distance(metres, text):
    assert format_distance(metres) == text


def test_turn_angle_sign():
    assert turn_angle(0, 90) == 90  # north then east: right
    assert turn_angle(0, 270) == -90  # north then west: left
    assert turn_angle(350, 10) == 20


def test_directions_on_chambery(demo_plan, chambery_drive):
    for tour in demo_plan.tours:
        for stop in tour.stops:
            steps = directions(chambery_drive, stop.path, destination=stop.name)
            assert steps[0].kind in (DEPART, ROUNDABOUT)
            assert steps[-1].kind == ARRIVE and stop.name in steps[-1].text
            # Every metre of the leg is in exactly one instruction.
            assert sum(s.distance_m for s in steps) == pytest.approx(stop.distance_m, abs=1.0)
            names = {d.get("name") for u, v in zip(stop.path, stop.path[1:])
                     for d in [min(chambery_drive.get_edge_data(u, v).values(), key=lambda e: e["length"])]}
            text = " ".join(s.text for s in steps)
            assert all(name in text for name in names if isinstance(name, str))
