"""Directions on small hand-built street graphs, and on the real Chambéry graph."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from dynamobile.errors import StreetDataError
from dynamobile.french import distance_fr, duration_fr, leg_fr
from maps.directions import (
    ARRIVE,
    DEPART,
    ROUNDABOUT,
    directions,
    instruction_line,
    name_key,
    spoken_lines,
    street_phrase,
    turn_angle,
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
            attrs = {
                "length": math.dist(points[a], points[b]),
                "highway": way.get("highway", "residential"),
            }
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
    points = {
        "S": (0, -200),
        "S1": (0, -100),
        "C": (0, 0),
        "N1": (0, 150),
        "N": (0, 300),
        "W": (-250, 0),
        "E": (250, 0),
        "P": (80, 150),
    }
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
    assert steps[0].text == "Partez vers le nord dans la rue du Sud"
    assert steps[0].distance_m == pytest.approx(200)
    assert steps[1].text == "Tournez à gauche dans la rue de l'Ouest"
    assert steps[1].street == "Rue de l'Ouest"
    assert steps[2].text == "Arrivée : Halte"
    assert instruction_line(steps[1]) == "Tournez à gauche dans la rue de l'Ouest, sur 250 m"


def test_right_turn(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "E"))
    assert steps[1].text == "Tournez à droite dans la rue de l'Est"
    assert steps[1].lat == pytest.approx(LAT0) and steps[1].lon == pytest.approx(LON0)


def test_street_changes_name_straight_on(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "N1", "N"))
    assert [s.text for s in steps] == [
        "Partez vers le nord dans la rue du Sud",
        "Continuez tout droit sur l'avenue du Nord",
        "Vous êtes arrivé",
    ]
    assert spoken_lines(steps)[1] == "Dans 200 m, continuez tout droit sur l'avenue du Nord"


def test_unnamed_way_is_described_by_its_type(crossroads):
    steps = directions(crossroads, _path(crossroads, "C", "N1", "P"))
    assert steps[1].text == "Tournez à droite sur la voie de service"
    assert steps[1].street == ""


def test_u_turn(crossroads):
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "S1"))
    assert steps[1].kind == "uturn"
    assert steps[1].text == "Faites demi-tour dans la rue du Sud"


@pytest.fixture
def roundabout() -> nx.MultiDiGraph:
    """A one-way anticlockwise ring (radius 30 m) with plain vertices between its junctions, an
    approach from the south, exits east, north and west, and a one-way entry (not an exit) at NE."""
    r = 30.0
    ring = {
        f"R{a}": (r * math.cos(math.radians(a)), r * math.sin(math.radians(a)))
        for a in range(-90, 270, 22)
    }
    ring_names = list(ring)  # R-90 (south) … anticlockwise
    points = {
        **ring,
        "S0": (0, -200),
        "E0": (200, 2),
        "N0": (0, 200),
        "W0": (-200, -6),
        "NE0": (150, 150),
    }

    def at(angle: int) -> str:
        return min(ring_names, key=lambda n: abs(int(n[1:]) - angle))

    ways = [
        {
            "name": "Place Ronde",
            "nodes": [*ring_names, ring_names[0]],
            "oneway": True,
            "junction": "roundabout",
        },
        {"name": "Route du Sud", "nodes": ["S0", at(-90)]},
        {"name": "Rue Est", "nodes": [at(0), "E0"]},
        {"name": "Rue Nord", "nodes": [at(90), "N0"]},
        {"name": "Rue Ouest", "nodes": [at(180), "W0"]},
        {"name": "Rue Entrante", "nodes": ["NE0", at(46)], "oneway": True},
    ]
    G = _graph(points, ways)
    G.graph["at"] = at
    return G


@pytest.mark.parametrize(
    ("exit_street", "angle", "number"),
    [("Rue Est", 0, 1), ("Rue Nord", 90, 2), ("Rue Ouest", 180, 3)],
)
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
    assert (
        steps[1].text
        == f"Au rond-point de la place Ronde, prenez la {ordinal} sortie vers la r{exit_street[1:]}"
    )
    assert steps[1].street == exit_street
    assert len(steps) == 3  # depart, roundabout, arrive: the exit street is not announced again


def test_missing_edge_is_a_street_data_error(crossroads):
    with pytest.raises(StreetDataError, match="absent du graphe"):
        directions(crossroads, _path(crossroads, "S", "C"))


def test_short_paths_give_no_instructions(crossroads):
    assert directions(crossroads, _path(crossroads, "S")) == ()


@pytest.mark.parametrize(
    ("metres", "text"),
    [(3, "10 m"), (44, "40 m"), (249, "250 m"), (980, "1 km"), (1234, "1,2 km"), (12_400, "12 km")],
)
def test_format_distance(metres, text):
    assert distance_fr(metres) == text


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
            names = {
                d.get("name")
                for u, v in zip(stop.path, stop.path[1:])
                for d in [
                    min(chambery_drive.get_edge_data(u, v).values(), key=lambda e: e["length"])
                ]
            }
            text = name_key(" ".join(s.text for s in steps))
            assert all(name_key(name) in text for name in names if isinstance(name, str))


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("Rue du Laurier", "dans la rue du Laurier"),
        ("Boulevard du Théâtre", "sur le boulevard du Théâtre"),
        ("Place Saint-Léger", "sur la place Saint-Léger"),
        ("Avenue de Lyon", "sur l'avenue de Lyon"),
        ("Impasse des Lilas", "dans l'impasse des Lilas"),
        ("Quai Charles Ravet", "sur le quai Charles Ravet"),
        ("Pont Neuf", "sur le pont Neuf"),
        ("Chemin des Vignes", "sur le chemin des Vignes"),
        ("Allée des Pins", "dans l'allée des Pins"),
        ("Cours Jules Ferry", "sur le cours Jules Ferry"),
        ("Route de Lyon", "sur la route de Lyon"),
        ("Montée Valérieux", "sur la montée Valérieux"),
        ("Rond-Point de la Cassine", "sur le rond-point de la Cassine"),
        ("rue de Maistre", "dans la rue de Maistre"),
        ("Bd du Théâtre", "sur le boulevard du Théâtre"),
        ("Av. de Lyon", "sur l'avenue de Lyon"),
        ("Pl. Monge", "sur la place Monge"),
        ("Le Verney", "sur Le Verney"),  # no street type: the name as written
    ],
)
def test_street_named_with_its_article(name, phrase):
    assert street_phrase(name, "residential") == phrase


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Boulevard du Théâtre", "Boulevard du Théatre"),
        ("Boulevard du Théâtre", "boulevard du theatre"),
        ("Bd du Théâtre", "Boulevard du Théâtre"),
        ("Av. de Lyon", "Avenue de Lyon"),
        ("Pl. Saint-Léger", "Place Saint Léger"),
        ("Rue de l'Ouest", "Rue de l’Ouest"),
    ],
)
def test_spellings_of_one_street_share_a_key(a, b):
    assert name_key(a) == name_key(b)
    assert name_key("Rue du Laurier") != name_key("Rue du Lauriers")


@pytest.fixture
def variant_spelling() -> nx.MultiDiGraph:
    """Rue du Sud, then Boulevard du Théâtre north, whose second half is spelt "Bd du Théatre" in
    OSM, with a side street leaving where the spelling changes."""
    points = {
        "S": (0, -100),
        "C": (0, 0),
        "M": (0, 150),
        "N": (0, 300),
        "W": (-100, 150),
        "E": (100, 150),
    }
    ways = [
        {"name": "Rue du Sud", "nodes": ["S", "C"]},
        {"name": "Boulevard du Théâtre", "nodes": ["C", "M"]},
        {"name": "Bd du Théatre", "nodes": ["M", "N"]},
        {"name": "Rue Latérale", "nodes": ["W", "M", "E"]},
    ]
    return _graph(points, ways)


def test_a_spelling_variant_is_not_a_new_instruction(variant_spelling):
    G = variant_spelling
    steps = directions(G, _path(G, "S", "C", "M", "N"))
    assert [s.kind for s in steps] == [DEPART, "continue", ARRIVE]
    assert steps[1].text == "Continuez tout droit sur le boulevard du Théâtre"
    assert steps[1].street == "Boulevard du Théâtre"  # the first spelling is kept
    assert steps[1].distance_m == pytest.approx(300)


def test_starting_on_a_variant_keeps_one_stretch(variant_spelling):
    G = variant_spelling
    steps = directions(G, _path(G, "C", "M", "N"))
    assert [s.text for s in steps] == [
        "Partez vers le nord sur le boulevard du Théâtre",
        "Vous êtes arrivé",
    ]
    assert steps[0].distance_m == pytest.approx(300)


@pytest.mark.parametrize(
    ("seconds", "text"), [(31, "31 s"), (59.4, "59 s"), (120, "2 min"), (3900, "1 h 05")]
)
def test_format_duration(seconds, text):
    assert duration_fr(seconds) == text


def test_one_formatting_for_a_leg_everywhere(crossroads):
    """The figures of a leg read the same in a step, a spoken line and a leg summary."""
    steps = directions(crossroads, _path(crossroads, "S", "S1", "C", "N1", "N"))
    assert instruction_line(steps[0]).endswith(f", sur {distance_fr(steps[0].distance_m)}")
    assert spoken_lines(steps)[1].startswith(f"Dans {distance_fr(steps[0].distance_m)}, ")
    assert leg_fr(150, 31) == "150 m, 31 s"
    assert leg_fr(1234, 125) == "1,2 km, 2 min"
    assert distance_fr(1020) == "1 km" and distance_fr(9980) == "10 km"


def test_unnamed_ways_take_their_preposition():
    assert street_phrase("", "service") == "sur la voie de service"
    assert street_phrase("", "living_street") == "dans la zone de rencontre"
    assert street_phrase("", "unclassified") == "sur la voie sans nom"
