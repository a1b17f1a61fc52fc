"""Weekly and monthly planning: one model over every vehicle-day, with frequency and spacing."""

import datetime as dt
from dataclasses import replace

from dynamobile.audit import audit_plan
from dynamobile.calendars import school_holiday
from dynamobile.check import check_plan
from dynamobile.model import Calendar
from dynamobile.plan import CLOSED, NO_VEHICLE, RECENT_VISIT
from routing.planner import load_networks, plan_period, travel_lookup
from routing.problem import SolveParams
from tests.core.builders import grid_scenario, site, vehicle

MONDAY = dt.date(2026, 11, 30)
# Outcome assertions need runs that end on a number of solutions, not on the clock.
FAST = SolveParams(time_limit_s=30, solution_limit=50)


def planned(scenario, days, *, first_day=MONDAY, **options):
    networks = load_networks(scenario)
    plan = plan_period(
        scenario, first_day, days, params=options.pop("params", FAST), networks=networks, **options
    )
    travel = travel_lookup(scenario, networks)
    assert check_plan(plan, scenario, travel=travel) == []
    assert audit_plan(plan, scenario, travel) == []
    return plan


def visit_dates(plan, site_id):
    return sorted(t.date for t in plan.tours for s in t.stops if s.site == site_id)


def test_weekly_frequency_and_spacing(tmp_path):
    sites = [
        site("weekly", 2, 2, every_days=7),
        site("fortnight", 3, 1, every_days=14),
        site("once", 1, 3),
    ]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle()]), 14)
    weekly = visit_dates(plan, "weekly")
    assert len(weekly) == 2 and (weekly[1] - weekly[0]).days >= 5
    assert len(visit_dates(plan, "fortnight")) == 1 and len(visit_dates(plan, "once")) == 1
    assert plan.stats["site_visits"]["weekly"] == {
        "target": 2,
        "visits": 2,
        "dates": [d.isoformat() for d in weekly],
    }


def test_market_days_come_from_the_windows(tmp_path):
    market = site(
        "market", 2, 2, windows="tue 07:00-12:30", service_min=120, every_days=7, kind="market"
    )
    plan = planned(grid_scenario(tmp_path, [market], [vehicle(shift="06:30-14:00")]), 14)
    assert visit_dates(plan, "market") == [
        MONDAY + dt.timedelta(days=1),
        MONDAY + dt.timedelta(days=8),
    ]


def test_vehicles_only_work_on_their_days(tmp_path):
    sites = [
        site(
            f"s{i}", i, i, windows="mon-sun 09:00-17:00", service_min=120, visits=3, min_gap_days=1
        )
        for i in range(4)
    ]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle(days="sat,sun")]), 7)
    assert {t.date.weekday() for t in plan.tours} <= {5, 6}
    assert plan.stats["visits"] <= 2 * 3  # two days, at most three 2-hour stops a day


def test_history_gap_and_recent_visit_reason(tmp_path):
    recent = replace(
        site("recent", 2, 2, windows="mon-tue 09:00-17:00", min_gap_days=7),
        last_visit=MONDAY - dt.timedelta(days=3),
    )
    spaced = replace(site("spaced", 3, 3, min_gap_days=4), last_visit=MONDAY - dt.timedelta(days=1))
    plan = planned(grid_scenario(tmp_path, [recent, spaced], [vehicle()]), 5)
    (u,) = plan.unassigned
    assert u.site == "recent" and u.code == RECENT_VISIT and u.date is None
    assert (
        u.reason.startswith("Au mieux le 30/11 : visité le 27/11/2026") and "04/12/2026" in u.reason
    )
    assert visit_dates(plan, "spaced")[0] >= MONDAY + dt.timedelta(days=3)


def test_fairness_keeps_every_neighbourhood_in(tmp_path):
    # One 2-hour stop a day. The north has many high-priority sites; without fairness the south
    # (priority 1) waits; with fair_days=3 it gets a visit in every 3-day stretch.
    north = [site(f"n{i}", 1, i, priority=5, service_min=120, quartier="Nord") for i in range(6)]
    south = [site(f"s{i}", 4, i, priority=1, service_min=120, quartier="Sud") for i in range(3)]
    scenario = grid_scenario(tmp_path, north + south, [vehicle(shift="09:00-11:30")])
    unfair = planned(scenario, 6)
    assert unfair.stats["quartiers"]["Sud"]["visits"] == 0
    fair = planned(scenario, 6, fair_days=3)
    days = sorted(
        (t.date - MONDAY).days for t in fair.tours for s in t.stops if s.quartier == "Sud"
    )
    assert days and all(any(first <= d < first + 3 for d in days) for first in range(0, 4))
    assert fair.stats["fairness"] == {"fair_days": 3, "held": True, "gaps": []}
    assert fair.stats["quartiers"]["Sud"]["days_since_last_visit"] is not None


# Calendar (issue 9, item 7): public holidays, team days off and school holidays of zone A.
XMAS_MONDAY = dt.date(2026, 12, 21)  # zone A school holidays: 19/12/2026 - 03/01/2027
REPEATABLE = SolveParams(time_limit_s=10.0, solution_limit=30)


def planned_from(scenario, first_day, days, params=REPEATABLE):
    return planned(scenario, days, first_day=first_day, params=params)


def test_no_tour_on_public_holidays_and_team_days_off(tmp_path):
    sites = [
        site("daily", 1, 2, windows="mon-sun 09:00-12:00", visits=14, min_gap_days=1),
        site("holidays", 2, 3, windows="vacances 14:00-17:00", visits=14, min_gap_days=1),
        site("term", 3, 1, windows="hors-vacances mer 14:00-17:00"),
        site("xmas", 2, 1, windows="2026-12-25 10:00-12:00"),
    ]
    scenario = grid_scenario(tmp_path, sites, [vehicle(days="mon-sun")])
    scenario = replace(scenario, calendar=Calendar(days_off=frozenset({dt.date(2026, 12, 31)})))
    plan = planned_from(scenario, XMAS_MONDAY, 14)
    off = {dt.date(2026, 12, 25), dt.date(2026, 12, 31), dt.date(2027, 1, 1)}
    tour_days = {t.date for t in plan.tours}
    assert not tour_days & off
    assert (
        set(visit_dates(plan, "daily"))
        == {XMAS_MONDAY + dt.timedelta(days=k) for k in range(14)} - off
    )
    # The whole period is in zone A's Christmas holidays: the `vacances` site is open every day.
    assert set(visit_dates(plan, "holidays")) == set(visit_dates(plan, "daily"))
    reasons = {u.site: u for u in plan.unassigned}
    assert set(reasons) == {"term", "xmas"}
    assert reasons["term"].code == CLOSED
    assert (
        reasons["term"].reason
        == "Sur toute la période : fermé (créneaux : hors vacances scolaires : mer 14:00-17:00)."
    )
    assert reasons["xmas"].code == NO_VEHICLE
    assert reasons["xmas"].reason == "Au mieux le 25/12 : jour férié (Noël) : pas de tournée."


def test_one_day_plan_on_a_public_holiday_or_a_day_off_says_so(tmp_path):
    scenario = grid_scenario(tmp_path, [site("a", 1, 1)], [vehicle(days="mon-sun")])
    (u,) = planned_from(scenario, dt.date(2027, 1, 1), 1).unassigned
    assert (u.code, u.reason) == (NO_VEHICLE, "Jour férié (Jour de l'an) : pas de tournée.")
    resting = replace(scenario, calendar=Calendar(days_off=frozenset({dt.date(2027, 3, 12)})))
    (u,) = planned_from(resting, dt.date(2027, 3, 12), 1).unassigned
    assert (u.code, u.reason) == (NO_VEHICLE, "Jour de repos de l'équipe.")
    weekend = replace(scenario, vehicles=(vehicle(days="mon-fri"),))
    (u,) = planned_from(
        weekend, dt.date(2027, 3, 13), 1
    ).unassigned  # a Saturday: no news, no holiday
    assert u.reason == "Aucun véhicule ne circule ce jour-là."


def test_public_holidays_can_be_worked(tmp_path):
    scenario = grid_scenario(
        tmp_path, [site("a", 1, 1, visits=3, min_gap_days=1)], [vehicle(days="mon-sun")]
    )
    working = replace(scenario, calendar=Calendar(public_holidays="work"))
    assert dt.date(2026, 12, 25) in visit_dates(
        planned_from(working, dt.date(2026, 12, 24), 3), "a"
    )


def test_school_holiday_windows_follow_zone_a(tmp_path):
    # 22/02 - 07/03/2027: zone A is on holiday the first week only (zone B both weeks).
    first = dt.date(2027, 2, 22)
    sites = [
        site("holidays", 1, 2, windows="vacances mon-fri 14:00-17:00", visits=10, min_gap_days=1),
        site("term", 2, 3, windows="hors-vacances mer 14:00-17:00", visits=2, min_gap_days=1),
        site("always", 3, 1, windows="mon-fri 09:00-12:00", visits=10, min_gap_days=1),
    ]
    scenario = grid_scenario(tmp_path, sites, [vehicle(days="mon-fri")])
    plan = planned_from(scenario, first, 14)
    holidays = visit_dates(plan, "holidays")
    assert holidays == [first + dt.timedelta(days=k) for k in range(5)]
    assert all(school_holiday(scenario.calendar, d) for d in holidays)
    assert visit_dates(plan, "term") == [dt.date(2027, 3, 3)]
    assert school_holiday(scenario.calendar, dt.date(2027, 3, 3)) is None
    assert len(visit_dates(plan, "always")) == 10
    zone_b = replace(scenario, calendar=Calendar(school_zone="B"))
    plan_b = planned_from(zone_b, first, 14)
    assert len(visit_dates(plan_b, "holidays")) == 10 and visit_dates(plan_b, "term") == []
