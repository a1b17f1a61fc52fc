"""Where the vehicle parks and the walk to the stand (issue 13): the sites CSV's own parking
point, the planner routing from it, the walk on the real streets of central Chambéry."""

from __future__ import annotations

import dataclasses

import pytest

from dynamobile.errors import InputError
from dynamobile.model import RoutingSettings, StreetSource
from dynamobile.plan import plan_from_dict, plan_to_dict
from dynamobile.scenario import load_scenario
from dynamobile.scenario_write import write_scenario
from routing.parking import load_walk_network, walk_between
from routing.planner import load_networks, plan_day
from routing.problem import SolveParams
from routing.snapping import haversine_m
from routing.streets import walk_allows
from tests.parking_scenarios import (
    CHAMBERY_OSM,
    CHATEAU_PARKING,
    CHATEAU_PARKING_NODE,
    DEMO,
    DEMO_DATE,
    SQUARES_DATE,
    squares_scenario,
)

FAST = SolveParams(time_limit_s=5, solution_limit=20)


@pytest.fixture(scope="module")
def squares(tmp_path_factory):
    return squares_scenario(tmp_path_factory.mktemp("squares"))


@pytest.fixture(scope="module")
def squares_plan(squares):
    return plan_day(squares, SQUARES_DATE, params=FAST)


def _stop(plan, site_id):
    return next(s for t in plan.tours for s in t.stops if s.site == site_id)


def test_the_sites_csv_gives_a_parking_point_and_writes_it_back(squares, tmp_path):
    chateau = squares.site("chateau")
    assert (chateau.park_lat, chateau.park_lon) == CHATEAU_PARKING
    assert chateau.has_own_parking and chateau.park_point == CHATEAU_PARKING
    mache = squares.site("mache")
    assert not mache.has_own_parking and mache.park_point == (mache.lat, mache.lon)
    again = load_scenario(write_scenario(squares, tmp_path / "out"))
    assert again.sites == squares.sites


@pytest.mark.parametrize(
    ("park_lat", "park_lon", "expected"),
    [
        (
            "45.56x",
            "5.9195",
            "ligne 4 (chateau) : champ park_lat : latitude attendue (lu « 45.56x »)",
        ),
        ("45.5639", "abc", "ligne 4 (chateau) : champ park_lon : longitude attendue (lu « abc »)"),
        ("95", "5.9195", "ligne 4 (chateau) : champ park_lat : latitude hors limites (95.0)"),
        ("45.5639", "", "ligne 4 (chateau) : champs park_lat/park_lon : donner les deux ou aucun"),
    ],
)
def test_a_malformed_parking_point_is_a_french_row_error(tmp_path, park_lat, park_lon, expected):
    with pytest.raises(InputError) as info:
        squares_scenario(tmp_path, parking=(park_lat, park_lon))
    assert expected in str(info.value)


def test_a_site_with_its_own_parking_point_is_routed_from_it(squares, squares_plan, tmp_path):
    stop = _stop(squares_plan, "chateau")
    assert stop.path[-1] == CHATEAU_PARKING_NODE  # the leg ends where the van parks
    parking = stop.parking
    assert parking is not None and parking.own
    assert (parking.lat, parking.lon) == pytest.approx(CHATEAU_PARKING, abs=1e-6)
    assert parking.street == "Rue du Château"
    assert parking.walk_m >= 121 and parking.shown
    # Without its parking point, the van stops at the drivable node nearest the square instead.
    plain = squares_scenario(tmp_path / "plain", parking=None)
    other = _stop(plan_day(plain, SQUARES_DATE, params=FAST), "chateau")
    assert other.path[-1] != CHATEAU_PARKING_NODE and not other.parking.own


def test_a_parking_point_off_the_streets_is_a_french_input_error(tmp_path):
    far = squares_scenario(tmp_path, parking=(45.5705, 5.9400))  # east of the extract
    with pytest.raises(InputError) as info:
        plan_day(far, SQUARES_DATE, params=FAST)
    message = str(info.value)
    assert "site chateau (Place du Château) : point de stationnement (45.5705, 5.94)" in message
    assert (
        "de la rue praticable la plus proche (limite 100 m) — vérifiez park_lat/park_lon" in message
    )


@pytest.mark.parametrize("which", ["demo", "squares"])
def test_every_stop_and_tour_knows_where_the_vehicle_parks(which, squares, squares_plan):
    if which == "demo":
        scenario = load_scenario(DEMO)
        plan = plan_day(scenario, DEMO_DATE, params=FAST, networks=load_networks(scenario))
    else:
        plan = squares_plan
    walks = 0
    for tour in plan.tours:
        home = tour.depot_parking
        assert home is not None  # where the first leg starts and the return ends
        assert tour.stops[0].geometry[0] == tour.return_geometry[-1] == (home.lon, home.lat)
        for stop in tour.stops:
            p = stop.parking
            assert p is not None and stop.geometry[-1] == (p.lon, p.lat)
            apart = float(haversine_m(p.lat, p.lon, stop.lat, stop.lon))
            # the walk is at least the straight line (to the metre), and starts at the parking
            assert p.walk_m >= round(apart) - 1
            assert p.walk_geometry[0] == pytest.approx((p.lon, p.lat))
            assert p.walk_geometry[-1] == pytest.approx((stop.lon, stop.lat))
            assert p.direction.startswith("vers ")
            walks += apart > 30
            if apart > 30:
                assert p.shown
    assert walks >= 1  # the demo's van parks 126 m from the place du Palais de Justice
    assert plan_from_dict(plan_to_dict(plan)) == plan


def test_the_demo_depot_is_away_from_where_tours_start():
    scenario = load_scenario(DEMO)
    plan = plan_day(scenario, DEMO_DATE, params=FAST)
    van = next(t for t in plan.tours if t.vehicle == "fourgon")
    p = van.depot_parking
    assert p is not None and p.shown
    assert 70 < float(haversine_m(p.lat, p.lon, plan.depot.lat, plan.depot.lon)) < 100
    assert p.street == "Rue du Laurier"
    palais = _stop(plan, "palais-justice")
    assert palais.parking is not None and palais.parking.street == "Rue Saint-Antoine"
    assert palais.parking.direction == "vers le nord-ouest"


def test_plans_without_parking_points_still_read():
    scenario = load_scenario(DEMO)
    plan = plan_day(scenario, DEMO_DATE, params=FAST)
    data = plan_to_dict(plan)
    for tour in data["tours"]:
        del tour["depot_parking"]
        for stop in tour["stops"]:
            del stop["parking"]
    old = plan_from_dict(data)
    assert all(s.parking is None for t in old.tours for s in t.stops)
    assert old.tours == tuple(
        dataclasses.replace(
            t,
            depot_parking=None,
            stops=tuple(dataclasses.replace(s, parking=None) for s in t.stops),
        )
        for t in plan.tours
    )


def test_walks_follow_the_ways_on_foot_or_say_they_are_straight():
    walks = load_walk_network(StreetSource(osm_file=CHAMBERY_OSM), RoutingSettings())
    assert walks is not None
    # From the rue du Château to the place du Château: on the ways on foot, longer than straight.
    stand = (45.564932, 5.918867)
    walk = walk_between(CHATEAU_PARKING, stand, walks)
    straight = float(haversine_m(*CHATEAU_PARKING, *stand))
    assert not walk.straight and len(walk.geometry) > 2 and walk.metres >= straight
    # No street data on foot: a straight line, said to be one.
    line = walk_between(CHATEAU_PARKING, stand, None)
    assert line.straight and line.metres == round(straight) and len(line.geometry) == 2


def test_the_ways_on_foot_take_steps_and_footways_not_motorways():
    assert walk_allows({"highway": "steps"}) and walk_allows({"highway": "footway"})
    assert walk_allows({"highway": "pedestrian"}) and walk_allows({"highway": "primary"})
    assert not walk_allows({"highway": "motorway"})
    assert not walk_allows({"highway": "footway", "foot": "no"})
    assert not walk_allows({"highway": "service", "access": "private"})
    assert walk_allows({"highway": "service", "access": "private", "foot": "yes"})
    walks = load_walk_network(StreetSource(osm_file=CHAMBERY_OSM), RoutingSettings())
    assert walks is not None
    steps = [d for _, _, d in walks.graph.edges(data=True) if d.get("highway") == "steps"]
    assert steps  # the extract's steps are walkable, both ways
    u, v = next((u, v) for u, v, d in walks.graph.edges(data=True) if d.get("oneway") is True)
    assert walks.graph.has_edge(v, u)
