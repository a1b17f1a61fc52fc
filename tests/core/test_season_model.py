"""The season model's rules, each on a case whose right answer is known without the optimiser:
partial service of visit groups, spacing as sliding windows, stops never split by a break."""

import datetime as dt
import random
import re

from dynamobile.check import check_plan
from dynamobile.report import tour_text
from dynamobile.timeutil import seconds_of_day
from routing.planner import load_networks, plan_period, travel_lookup
from routing.problem import RoutingProblem, SolveParams, VehicleSpec, VisitGroup
from routing.search import solve
from routing.season_model import spacing_sets
from tests.core.builders import grid_scenario, site, vehicle

MONDAY = dt.date(2026, 11, 30)
REPEATABLE = SolveParams(time_limit_s=30, solution_limit=100)


def planned(scenario, days, params=REPEATABLE, first=MONDAY):
    networks = load_networks(scenario)
    plan = plan_period(scenario, first, days, params=params, networks=networks)
    assert check_plan(plan, scenario, travel=travel_lookup(scenario, networks)) == []
    return plan


def visit_dates(plan, site_id):
    return sorted(t.date for t in plan.tours for s in t.stops if s.site == site_id)


def test_a_site_that_cannot_get_all_its_visits_gets_those_that_fit(tmp_path):
    # Weekly over 14 days (target 2) but open on one date only: one visit, not none.
    one_date = site(
        "once_open",
        2,
        2,
        windows=f"{(MONDAY + dt.timedelta(days=3)).isoformat()} 09:00-12:00",
        every_days=7,
    )
    # Four visits wanted, open three days of the week: three visits.
    three_days = site("three", 3, 3, windows="mon,wed,fri 09:00-17:00", visits=4, min_gap_days=1)
    plan = planned(grid_scenario(tmp_path, [one_date, three_days], [vehicle()]), 7)
    assert visit_dates(plan, "once_open") == [MONDAY + dt.timedelta(days=3)]
    assert [d.weekday() for d in visit_dates(plan, "three")] == [0, 2, 4]
    assert plan.stats["site_visits"]["three"]["target"] == 4
    assert plan.unassigned == ()


def test_partial_visits_are_worth_their_priority_in_the_model():
    # One vehicle, one day-long route; a group of three alternatives wanting two visits, only
    # one of which fits: the model makes it (penalty per missing visit, not once).
    time = (
        __import__("numpy").array(
            [[0, 10, 10, 10], [10, 0, 10, 10], [10, 10, 0, 10], [10, 10, 10, 0]]
        ),
    )
    problem = RoutingProblem(
        time=time,
        service=(0, 50, 50, 50),
        windows=((), ((0, 100),), ((500, 600),), ((500, 600),)),
        vehicles=(VehicleSpec(0, 0, (0, 200)),),
        penalty=(None, 1000, 1000, 1000),
        groups=(VisitGroup((1, 2, 3), 2, 1000),),
    )
    solution = solve(
        problem, SolveParams(time_limit_s=5, solution_limit=50, workers=1, initial="none")
    )
    assert solution.routes[0].visits == (1,)
    assert solution.objective == 20 + 1000  # the drive and one missing visit


def test_spacing_sets_say_the_same_as_every_close_pair():
    rng = random.Random(7)
    for _ in range(200):
        gap = rng.randint(1, 9)
        days = sorted(rng.sample(range(28), rng.randint(1, 20)))
        nodes = [(10 + k, d) for k, d in enumerate(days)]
        sets = spacing_sets(nodes, gap)
        covered = {(a, b) for s in sets for a in s for b in s if a < b}
        close = {(a, b) for a, da in nodes for b, db in nodes if a < b and abs(da - db) < gap}
        assert covered == close
        assert len(sets) <= len(days)  # linear, not quadratic


def test_spacing_holds_over_a_month(tmp_path):
    sites = [
        site(f"s{i}", i, i, windows="mon-sat 09:00-17:00", every_days=7, min_gap_days=5)
        for i in range(4)
    ]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle()]), 28)
    for s in sites:
        dates = visit_dates(plan, s.id)
        assert len(dates) == 4
        assert all((b - a).days >= 5 for a, b in zip(dates, dates[1:]))


def test_a_break_never_falls_between_set_up_and_opening(tmp_path):
    # The lunch must be 12:00-12:45; the square opens at 12:45 at the earliest. Setting up at
    # 11:45 and lunching before opening would split the stop: the crew lunches first (at the
    # depot or on arrival), sets up from 12:45 (plus the one-minute drive if it lunched at the
    # depot) and opens a quarter of an hour later.
    square = site("square", 1, 1, windows="mon 12:45-14:30", service_min=60)
    van = vehicle(
        shift="11:30-15:00", lunch="12:00-12:45", lunch_min=45, setup_min=15, packup_min=5
    )
    plan = planned(grid_scenario(tmp_path, [square], [van]), 1)
    (tour,) = plan.tours
    (stop,) = tour.stops
    (brk,) = tour.breaks
    assert (brk.start.time(), brk.end.time()) == (dt.time(12, 0), dt.time(12, 45))
    assert stop.setup_start >= brk.end and stop.start - stop.setup_start == dt.timedelta(minutes=15)
    assert dt.time(13, 0) <= stop.start.time() <= dt.time(13, 1)


def test_timetables_read_in_time_order(tmp_path):
    rng = random.Random(3)
    sites = [
        site(
            f"s{i}",
            rng.randrange(6),
            rng.randrange(6),
            windows=rng.choice(
                [
                    "mon-fri 09:00-12:30",
                    "mon-fri 11:00-15:00",
                    "mon-fri 13:00-18:00",
                    "tue,thu 12:45-16:00",
                ]
            ),
            service_min=rng.choice([45, 60, 90]),
            every_days=7,
        )
        for i in range(12)
    ]
    fleet = [
        vehicle(
            "van",
            shift="08:30-18:00",
            lunch="11:45-14:00",
            lunch_min=45,
            setup_min=20,
            packup_min=15,
        ),
        vehicle(
            "bike",
            kind="cargo_bike",
            profile="bike",
            shift="09:00-17:30",
            lunch="12:00-13:30",
            lunch_min=45,
            setup_min=15,
            packup_min=10,
        ),
    ]
    plan = planned(grid_scenario(tmp_path, sites, fleet), 5)
    assert plan.tours
    for tour in plan.tours:
        times = [
            m.group(1)
            for line in tour_text(tour)[1:]
            if (m := re.match(r"\s+(\d\dh\d\d|\d\d:\d\d)", line))
        ]
        assert times == sorted(times), tour_text(tour)
        for b in tour.breaks:
            for s in tour.stops:
                assert b.end <= s.setup_start or b.start >= s.leave
        events = sorted(
            [(s.setup_start, s.leave) for s in tour.stops] + [(b.start, b.end) for b in tour.breaks]
        )
        assert all(a[1] <= b[0] for a, b in zip(events, events[1:]))
        assert seconds_of_day(tour.start) >= 8.5 * 3600
