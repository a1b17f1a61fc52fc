"""Planner tests on street grids built in code, real osmnx graphs and the real OR-Tools solver.

Every plan goes through the independent feasibility checker, with leg times re-derived from the
streets; assertions are about invariants and reasons, not one exact tour.
"""

import datetime as dt
from dataclasses import replace

import pytest

from dynamobile.audit import audit_plan
from dynamobile.check import check_plan
from dynamobile.plan import (
    CLOSED,
    NO_TIME,
    NO_VEHICLE,
    OUTSIDE_SHIFT,
    UNREACHABLE,
    WINDOW_TOO_SHORT,
)
from dynamobile.timeutil import seconds_of_day
from routing.planner import load_networks, plan_day, travel_lookup
from routing.problem import SolveParams
from tests.core.builders import grid_scenario, site, vehicle
from tests.osm_fixtures import grid_point, write_osm

MONDAY = dt.date(2026, 11, 30)
# Outcome assertions need runs that end on a number of solutions, not on the clock.
FAST = SolveParams(time_limit_s=30, solution_limit=50)


def planned(scenario, day=MONDAY, params=FAST):
    networks = load_networks(scenario)
    plan = plan_day(scenario, day, params=params, networks=networks)
    travel = travel_lookup(scenario, networks)
    assert check_plan(plan, scenario, travel=travel) == []
    assert audit_plan(plan, scenario, travel) == []
    return plan


def reasons(plan):
    return {u.site: u.code for u in plan.unassigned}


def visited(plan):
    return {s.site: s for t in plan.tours for s in t.stops}


def hm(value):
    return seconds_of_day(value) / 3600


def test_serves_in_one_of_several_windows_never_across_the_gap(tmp_path):
    s = site("a", 3, 3, windows="mon 08:00-09:00; mon 15:00-16:00", service_min=45)
    plan = planned(grid_scenario(tmp_path, [s], [vehicle(shift="10:00-18:00")]))
    stop = visited(plan)["a"]
    assert hm(stop.start) >= 15 and hm(stop.end) <= 16


def test_lunch_break_between_visits(tmp_path):
    sites = [site(f"s{i}", i, 5 - i, service_min=60, windows="mon 09:00-17:30") for i in range(6)]
    plan = planned(
        grid_scenario(
            tmp_path, sites, [vehicle(shift="08:30-18:00", lunch="12:00-13:30", lunch_min=45)]
        )
    )
    (tour,) = plan.tours
    (brk,) = tour.breaks
    assert hm(brk.start) >= 12 and hm(brk.end) <= 13.5
    assert len(tour.stops) == 6


def test_shift_limits_drop_what_does_not_fit(tmp_path):
    sites = [site(f"s{i}", i, i, service_min=45) for i in range(5)]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle(shift="08:00-10:00")]))
    (tour,) = plan.tours
    assert hm(tour.start) >= 8 and hm(tour.end) <= 10
    dropped = [u for u in plan.unassigned if u.code == NO_TIME]
    assert len(tour.stops) + len(dropped) == 5 and dropped
    for u in dropped:
        assert u.extra_min and u.extra_min >= 45 + 10 + 5
        assert f"environ {u.extra_min} min de plus" in u.reason


def test_priority_wins_when_only_one_fits(tmp_path):
    low = site("low", 2, 2, windows="mon 10:00-11:00", service_min=60, priority=1)
    high = site("high", 2, 3, windows="mon 10:00-11:00", service_min=60, priority=5)
    plan = planned(grid_scenario(tmp_path, [low, high], [vehicle()]))
    assert set(visited(plan)) == {"high"} and reasons(plan) == {"low": NO_TIME}


def test_vehicle_compatibility(tmp_path):
    sites = [site("bike-only", 2, 2, kinds="cargo_bike"), site("any", 4, 4)]
    vehicles = [vehicle("van"), vehicle("bike", kind="cargo_bike", profile="bike")]
    plan = planned(grid_scenario(tmp_path, sites, vehicles))
    by_vehicle = {s.site: t.vehicle for t in plan.tours for s in t.stops}
    assert by_vehicle["bike-only"] == "bike" and "any" in by_vehicle


def test_every_pre_solve_reason(tmp_path):
    sites = [
        site("closed", 1, 1, windows="tue 08:00-18:00"),
        site("bus-only", 1, 2, kinds="bus"),
        site("short", 2, 1, windows="mon 10:00-10:30", service_min=60),
        site("evening", 2, 2, windows="mon 19:00-22:00"),
        site("ok", 3, 3),
    ]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle(shift="08:00-18:00")]))
    assert reasons(plan) == {
        "closed": CLOSED,
        "bus-only": NO_VEHICLE,
        "short": WINDOW_TOO_SHORT,
        "evening": OUTSIDE_SHIFT,
    }
    text = {u.site: u.reason for u in plan.unassigned}
    assert "Fermé ce jour-là (créneaux : mar 08:00-18:00)" in text["closed"]
    assert "bus" in text["bus-only"] and "30 min" not in text["short"] and "60 min" in text["short"]
    assert set(visited(plan)) == {"ok"}


def test_no_vehicle_working_that_day(tmp_path):
    plan = planned(grid_scenario(tmp_path, [site("a", 1, 1)], [vehicle(days="tue-sat")]))
    assert plan.tours == () and reasons(plan) == {"a": NO_VEHICLE}


def test_unreachable_for_the_vehicles_that_may_go(tmp_path):
    # A 3x3 grid of roads plus a 400 m pedestrian alley: its far end is within reach of the
    # bike network but 400 m from any road a van may use.
    nodes = {1 + r * 3 + c: grid_point(r, c) for r in range(3) for c in range(3)}
    nodes.update({100 + k: grid_point(0, 2 + k) for k in range(1, 5)})
    ways = [([1 + r * 3 + c for c in range(3)], {"highway": "residential"}) for r in range(3)]
    ways += [([1 + r * 3 + c for r in range(3)], {"highway": "residential"}) for c in range(3)]
    ways.append(([3, 101, 102, 103, 104], {"highway": "pedestrian", "name": "Allée"}))
    osm = write_osm(tmp_path / "alley.osm", nodes, ways)
    lat, lon = grid_point(0, 6)
    alley_end = replace(site("alley", 0, 0), lat=lat, lon=lon)
    scenario = grid_scenario(
        tmp_path,
        [alley_end],
        [vehicle("van"), vehicle("bike", kind="cargo_bike", profile="bike", days="tue")],
    )
    scenario = replace(scenario, streets=replace(scenario.streets, osm_file=osm))
    plan = planned(scenario)  # Monday: only the van works
    assert reasons(plan) == {"alley": UNREACHABLE}
    assert "400 m" in plan.unassigned[0].reason
    tuesday = planned(scenario, day=MONDAY + dt.timedelta(days=1))
    assert visited(tuesday)["alley"]


def test_max_driving_time(tmp_path):
    sites = [
        site(f"s{i}", r, c, service_min=10)
        for i, (r, c) in enumerate([(0, 9), (9, 0), (9, 9), (5, 5)])
    ]
    scenario = grid_scenario(tmp_path, sites, [vehicle(max_drive_min=6)], rows=10, cols=10)
    plan = planned(scenario)
    (tour,) = plan.tours
    assert tour.drive_s <= 6 * 60 and any(u.code == NO_TIME for u in plan.unassigned)


def test_bike_speed_is_used(tmp_path):
    s = site("far", 5, 5)
    slow = planned(
        grid_scenario(
            tmp_path, [s], [vehicle("b", kind="cargo_bike", profile="bike")], bike_speed_kph=10
        )
    )
    fast = planned(
        grid_scenario(
            tmp_path, [s], [vehicle("b", kind="cargo_bike", profile="bike")], bike_speed_kph=20
        )
    )
    assert slow.tours[0].stops[0].drive_s == pytest.approx(
        2 * fast.tours[0].stops[0].drive_s, abs=1
    )
    assert slow.tours[0].stops[0].distance_m == pytest.approx(1000, abs=5)


def test_reproducible_with_a_solution_limit(tmp_path):
    sites = [
        site(f"s{i}", (i * 3) % 6, (i * 5) % 6, service_min=40, priority=1 + i % 3)
        for i in range(10)
    ]
    scenario = grid_scenario(
        tmp_path, sites, [vehicle(shift="08:00-13:00"), vehicle("v2", shift="12:00-16:00")]
    )
    params = SolveParams(time_limit_s=30, solution_limit=50)
    first, second = planned(scenario, params=params), planned(scenario, params=params)
    assert [[s.site for s in t.stops] for t in first.tours] == [
        [s.site for s in t.stops] for t in second.tours
    ]


@pytest.mark.parametrize("seed", range(6))
def test_random_days_stay_feasible(tmp_path, seed):
    """Mixed fleets, several windows, lunch breaks and priorities: whatever the solver picks,
    the checker finds nothing wrong and every site is accounted for."""
    import random

    rng = random.Random(seed)
    sites = []
    for i in range(14):
        a = rng.choice([8, 9, 10, 13, 14])
        windows = f"mon {a:02d}:00-{a + rng.choice([1, 2, 3]):02d}:30"
        if rng.random() < 0.4:
            windows += f"; mon,tue {a + 4:02d}:00-{a + 6:02d}:00"
        sites.append(
            site(
                f"s{i}",
                rng.randrange(8),
                rng.randrange(8),
                windows=windows,
                service_min=rng.choice([30, 45, 60, 90]),
                priority=rng.randint(1, 5),
                kinds=rng.choice([None, None, "cargo_bike", "van,cargo_bike"]),
            )
        )
    vehicles = [
        vehicle(
            "van",
            shift="08:00-17:00",
            lunch="11:30-14:00",
            lunch_min=45,
            setup_min=15,
            packup_min=10,
        ),
        vehicle(
            "bike",
            kind="cargo_bike",
            profile="bike",
            shift="09:00-18:00",
            lunch="12:00-14:00",
            lunch_min=60,
        ),
    ]
    plan = planned(grid_scenario(tmp_path, sites, vehicles, rows=8, cols=8), params=FAST)
    assert len(visited(plan)) + len(plan.unassigned) == len(sites)
    for tour in plan.tours:
        assert len(tour.breaks) == 1
