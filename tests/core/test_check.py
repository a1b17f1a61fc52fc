"""The feasibility checker itself: it must reject broken plans."""

import datetime as dt
from dataclasses import replace

import pytest

from dynamobile.audit import audit_plan
from dynamobile.check import InfeasiblePlan, assert_feasible, check_plan
from dynamobile.model import Calendar
from dynamobile.plan import Break, Unassigned
from dynamobile.windows import parse_windows
from routing.planner import load_networks, plan_day, travel_lookup
from routing.problem import SolveParams
from tests.core.builders import grid_scenario, site, vehicle

MONDAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("check")
    sites = [
        site("a", 1, 4, windows="mon 09:00-12:00", service_min=60),
        site("b", 4, 1, windows="mon 13:00-17:00", service_min=60),
        site("c", 3, 3, windows="mon 09:00-17:00", service_min=30),
    ]
    scenario = grid_scenario(
        tmp, sites, [vehicle(shift="08:00-18:00", lunch="12:00-14:00", lunch_min=45)]
    )
    networks = load_networks(scenario)
    plan = plan_day(
        scenario, MONDAY, params=SolveParams(time_limit_s=30, solution_limit=50), networks=networks
    )
    travel = travel_lookup(scenario, networks)
    assert check_plan(plan, scenario, travel=travel) == []
    assert audit_plan(plan, scenario, travel) == []
    return scenario, plan, travel


def with_stop(plan, k, **changes):
    tour = plan.tours[0]
    stops = list(tour.stops)
    stops[k] = replace(stops[k], **changes)
    return replace(plan, tours=(replace(tour, stops=tuple(stops)),))


def violations(scenario, plan, travel=None):
    return check_plan(plan, scenario, travel=travel)


def test_rejects_arrival_faster_than_driving(good):
    scenario, plan, _ = good
    stop = plan.tours[0].stops[1]
    prev_leave = plan.tours[0].stops[0].leave
    bad = with_stop(plan, 1, arrive=prev_leave, drive_s=stop.drive_s + 60)
    assert any("arrivée avant la fin du trajet" in v for v in violations(scenario, bad))


def test_rejects_service_outside_windows(good):
    scenario, plan, _ = good
    k = [s.site for s in plan.tours[0].stops].index("a")
    stop = plan.tours[0].stops[k]
    shift = dt.timedelta(hours=5)
    bad = with_stop(
        plan, k, start=stop.start + shift, end=stop.end + shift, leave=stop.leave + shift
    )
    assert any("hors d'un créneau d'ouverture" in v for v in violations(scenario, bad))


def test_rejects_short_service_and_wrong_leg(good):
    scenario, plan, travel = good
    stop = plan.tours[0].stops[0]
    bad = with_stop(plan, 0, end=stop.end - dt.timedelta(minutes=5))
    assert any("présence de" in v for v in violations(scenario, bad))
    bad = with_stop(plan, 0, distance_m=stop.distance_m + 100)
    assert any("les rues donnent" in v for v in violations(scenario, bad, travel))


def test_rejects_break_over_a_visit_and_outside_its_window(good):
    scenario, plan, _ = good
    tour = plan.tours[0]
    stop = tour.stops[0]
    bad = replace(
        plan,
        tours=(
            replace(tour, breaks=(Break(stop.start, stop.start + dt.timedelta(minutes=45), 0),)),
        ),
    )
    found = violations(scenario, bad)
    assert any("pendant" in v for v in found) or any("hors de sa plage" in v for v in found)
    bad = replace(plan, tours=(replace(tour, breaks=()),))
    assert any("0 pause(s) au lieu de 1" in v for v in violations(scenario, bad))


def test_rejects_shift_overrun_double_visit_and_missing_site(good):
    scenario, plan, _ = good
    tour = plan.tours[0]
    late = replace(plan, tours=(replace(tour, end=tour.end.replace(hour=19)),))
    assert any("hors des horaires de l'équipe" in v for v in violations(scenario, late))
    doubled = replace(plan, tours=(replace(tour, stops=tour.stops + tour.stops[:1]),))
    assert any("visité 2 fois" in v for v in violations(scenario, doubled))
    missing = replace(plan, tours=(replace(tour, stops=tour.stops[1:]),))
    assert any("0 visite et 0 entrée(s) non visitée(s)" in v for v in violations(scenario, missing))
    both = replace(
        plan, unassigned=(Unassigned(tour.stops[0].site, "x", "closed", "Fermé", MONDAY),)
    )
    assert any("1 visite(s) et 1 entrée(s) non visitée(s)" in v for v in violations(scenario, both))


def test_assert_feasible_raises(good):
    scenario, plan, _ = good
    with pytest.raises(InfeasiblePlan):
        assert_feasible(with_stop(plan, 0, leave=plan.tours[0].stops[0].end), scenario)


def test_rejects_tours_on_calendar_days_off_and_closed_school_holiday_windows(good):
    scenario, plan, _ = good
    assert violations(scenario, plan) == []
    resting = replace(scenario, calendar=Calendar(days_off=frozenset({MONDAY})))
    assert any("le véhicule ne roule pas ce jour-là" in v for v in violations(resting, plan))
    # 30/11/2026 is in school term (zone A): a window open only in the holidays is closed.
    holidays_only = replace(
        scenario,
        sites=tuple(
            replace(s, windows=parse_windows("vacances mon 09:00-17:00")) if s.id == "c" else s
            for s in scenario.sites
        ),
    )
    assert any(
        "(c) : présence" in v and "hors d'un créneau d'ouverture" in v
        for v in violations(holidays_only, plan)
    )
