"""Weekly and monthly planning: one model over every vehicle-day, with frequency and spacing."""

import datetime as dt
from dataclasses import replace

from dynamobile.check import check_plan
from dynamobile.plan import RECENT_VISIT
from routing.optimiser import SolveParams
from routing.planner import load_networks, plan_period, travel_lookup
from tests.core.builders import grid_scenario, site, vehicle

MONDAY = dt.date(2026, 11, 30)
FAST = SolveParams(time_limit_s=1.0)


def planned(scenario, days, **options):
    networks = load_networks(scenario)
    plan = plan_period(scenario, MONDAY, days, params=options.pop("params", FAST), networks=networks, **options)
    assert check_plan(plan, scenario, travel=travel_lookup(scenario, networks)) == []
    return plan


def visit_dates(plan, site_id):
    return sorted(t.date for t in plan.tours for s in t.stops if s.site == site_id)


def test_weekly_frequency_and_spacing(tmp_path):
    sites = [site("weekly", 2, 2, every_days=7), site("fortnight", 3, 1, every_days=14), site("once", 1, 3)]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle()]), 14)
    weekly = visit_dates(plan, "weekly")
    assert len(weekly) == 2 and (weekly[1] - weekly[0]).days >= 5
    assert len(visit_dates(plan, "fortnight")) == 1 and len(visit_dates(plan, "once")) == 1
    assert plan.stats["site_visits"]["weekly"] == {"target": 2, "visits": 2, "dates": [d.isoformat() for d in weekly]}


def test_market_days_come_from_the_windows(tmp_path):
    market = site("market", 2, 2, windows="tue 07:00-12:30", service_min=120, every_days=7, kind="market")
    plan = planned(grid_scenario(tmp_path, [market], [vehicle(shift="06:30-14:00")]), 14)
    assert visit_dates(plan, "market") == [MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=8)]


def test_vehicles_only_work_on_their_days(tmp_path):
    sites = [site(f"s{i}", i, i, windows="mon-sun 09:00-17:00", service_min=120, visits=3, min_gap_days=1) for i in range(4)]
    plan = planned(grid_scenario(tmp_path, sites, [vehicle(days="sat,sun")]), 7)
    assert {t.date.weekday() for t in plan.tours} <= {5, 6}
    assert plan.stats["visits"] <= 2 * 3  # two days, at most three 2-hour stops a day


def test_history_gap_and_recent_visit_reason(tmp_path):
    recent = replace(site("recent", 2, 2, windows="mon-tue 09:00-17:00", min_gap_days=7), last_visit=MONDAY - dt.timedelta(days=3))
    spaced = replace(site("spaced", 3, 3, min_gap_days=4), last_visit=MONDAY - dt.timedelta(days=1))
    plan = planned(grid_scenario(tmp_path, [recent, spaced], [vehicle()]), 5)
    (u,) = plan.unassigned
    assert u.site == "recent" and u.code == RECENT_VISIT and u.date is None
    assert u.reason.startswith("Au mieux le 30/11 : visité le 27/11/2026") and "04/12/2026" in u.reason
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
    days = sorted((t.date - MONDAY).days for t in fair.tours for s in t.stops if s.quartier == "Sud")
    assert days and all(any(first <= d < first + 3 for d in days) for first in range(0, 4))
    assert fair.stats["fairness"] == {"fair_days": 3, "held": True, "gaps": []}
    assert fair.stats["quartiers"]["Sud"]["days_since_last_visit"] is not None
