"""Watching and stopping the planner: stages in order, progress every second, a stop that keeps
the best plan (checked by the independent checker and audit), a cancel before any plan exists.

Real OR-Tools, on the real Chambéry extract (the demo scenario, every site of priority 1 so that
a better plan never has fewer visits)."""

import datetime as dt
import time
from dataclasses import replace
from importlib import resources

import pytest

from dynamobile.audit import audit_plan
from dynamobile.check import check_plan
from dynamobile.errors import DynamobileError
from dynamobile.scenario import load_scenario
from routing.planner import load_networks, plan_day, plan_period, travel_lookup
from routing.problem import SolveParams
from routing.progress import STAGES, Cancelled, Monitor

DEMO = resources.files("dynamobile") / "scenarios/chambery_centre/scenario.toml"
TUESDAY = dt.date(2026, 11, 24)


@pytest.fixture
def demo(chambery_osm):
    scenario = load_scenario(DEMO, osm_file=chambery_osm)
    scenario = replace(scenario, sites=tuple(replace(s, priority=1) for s in scenario.sites))
    return scenario, load_networks(scenario)


def audited(plan, scenario, networks):
    travel = travel_lookup(scenario, networks)
    assert check_plan(plan, scenario, travel=travel) == []
    assert audit_plan(plan, scenario, travel) == []


def test_stages_in_order_and_progress_every_second(demo):
    scenario, networks = demo
    seconds = 4
    seen = []
    monitor = Monitor(on_progress=seen.append)
    plan = plan_period(
        scenario,
        TUESDAY,
        14,
        params=SolveParams(time_limit_s=seconds),
        networks=networks,
        monitor=monitor,
    )
    stages = [p.stage for p in seen]
    assert [s for k, s in enumerate(stages) if k == 0 or stages[k - 1] != s] == list(STAGES)
    optimising = [p for p in seen if p.stage == "optimisation"]
    assert len(optimising) >= seconds
    elapsed = [p.elapsed_s for p in seen]
    assert elapsed == sorted(elapsed)
    assert max(b - a for a, b in zip(elapsed, elapsed[1:])) <= 1.0
    visits = [p.visits for p in optimising]
    assert visits == sorted(visits) and visits[-1] > 0
    assert all(p.visits_wanted == optimising[0].visits_wanted > 0 for p in optimising)
    remaining = [p.remaining_s for p in optimising]
    assert remaining == sorted(remaining, reverse=True) and remaining[0] <= seconds
    assert all(0.0 <= p.priority_share <= 1.0 for p in optimising)
    done = seen[-1]
    assert done.stage == "done" and done.visits == plan.stats["visits"]
    assert not monitor.stopped
    audited(plan, scenario, networks)


def test_stop_keeps_the_best_plan_found(demo):
    scenario, networks = demo
    asked = []

    def on_progress(p):
        if p.stage == "optimisation" and p.visits and not asked:
            asked.append(time.perf_counter())

    monitor = Monitor(on_progress=on_progress, should_stop=lambda: bool(asked))
    started = time.perf_counter()
    plan = plan_day(
        scenario,
        TUESDAY,
        params=SolveParams(time_limit_s=60),
        networks=networks,
        monitor=monitor,
        fair_days=1,
    )
    returned = time.perf_counter()
    assert asked and returned - asked[0] < 2.0 and returned - started < 30
    assert monitor.stopped
    assert plan.stats["visits"] > 0
    audited(plan, scenario, networks)


def test_stop_before_any_plan_cancels(demo):
    scenario, networks = demo
    seen = []
    monitor = Monitor(on_progress=seen.append, should_stop=lambda: True)
    with pytest.raises(Cancelled, match="Planification annulée") as caught:
        plan_day(
            scenario,
            TUESDAY,
            params=SolveParams(time_limit_s=5),
            networks=networks,
            monitor=monitor,
        )
    assert isinstance(caught.value, DynamobileError)
    assert all(p.stage in ("streets", "matrices") for p in seen)


def test_stop_before_a_first_solution_still_gives_a_plan(demo):
    """Stopped while VROOM builds its starts: no solution yet, but every visit may be dropped, so
    the plan is a normal one (possibly empty), never an error."""
    scenario, networks = demo
    seen = []
    monitor = Monitor(
        on_progress=seen.append, should_stop=lambda: any(p.stage == "optimisation" for p in seen)
    )
    started = time.perf_counter()
    plan = plan_period(
        scenario,
        TUESDAY,
        14,
        params=SolveParams(time_limit_s=60),
        networks=networks,
        monitor=monitor,
    )
    assert time.perf_counter() - started < 5
    assert monitor.stopped and seen[-1].stage == "done"
    audited(plan, scenario, networks)
