"""Where the workers meet (routing/elite.py): the route-based crossover and the pool. Children are
checked by referees that do not share their code — the VRPTW verifier that recomputes from the
instance, and OR-Tools' own model (`read_routes`), which knows every rule."""

import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from routing import elite, ruin_recreate
from routing.optimiser import read_routes
from routing.problem import SolveParams
from routing.search import solve
from routing.vrptw import build_prize_problem, build_problem, read_instance, truncated, verify

from .test_ruin_recreate import _day_problem

SOLOMON = Path(__file__).resolve().parents[3] / "shared" / "data" / "solomon"
WORSE = ruin_recreate.MANDATORY_PENALTY  # an objective worse than theirs: the child is taken


@pytest.fixture(scope="module")
def rc207():
    return truncated(read_instance(SOLOMON / "RC207.vrp"), 50)


def _plans(problem, seeds=(1, 2), seconds=0.6):
    """Two different plans of ``problem``: ruin and recreate from no route with two seeds."""
    empty = [[] for _ in problem.vehicles]
    found = []
    for seed in seeds:
        routes, _ = ruin_recreate.improve(problem, empty, until=time.time() + seconds, seed=seed)
        found.append(routes)
    return found


def test_the_child_takes_whole_routes_of_one_parent_and_the_rest_of_the_other(rc207):
    """Every route of the child is a route of ``theirs`` as it stands or a subsequence of a route
    of ``mine`` on the same vehicle; no visit twice; at least one route of theirs is taken. Put
    back by the kernel, every customer is served and the instance's verifier accepts it."""
    problem = build_problem(rc207)
    mine, theirs = _plans(problem)
    data = ruin_recreate.arrays(problem)
    for k in range(20):
        rng = np.random.default_rng(k)
        child = elite.crossover(mine, theirs, data.group, data.twin, data.near, rng)
        visits = [u for route in child for u in route]
        assert len(visits) == len(set(visits))
        taken = [route for route in child if route and route in theirs]
        assert taken
        for v, route in enumerate(child):
            if route in taken:
                continue
            position = iter(mine[v])
            assert all(u in position for u in route), "not a subsequence of mine"
        state = ruin_recreate._child(data, mine, WORSE, (0, theirs), rng)
        assert state is not None
        repaired = ruin_recreate._lists(state[0].routes, state[0].rlen)
        kept = [r for r in repaired if r]
        assert not verify(rc207, kept).problems
        assert sorted(u for r in kept for u in r) == list(range(1, 51))
        assert state[1] == read_routes(problem, SolveParams(), repaired).objective


def test_a_route_changes_parent_but_not_kind_of_vehicle():
    """Two vehicles that differ (shift, set-up): a route of ``theirs`` lands on its own vehicle
    only; the repaired child keeps breaks, windows, the group and the spacing set (OR-Tools'
    model accepts it)."""
    problem = _day_problem(2)
    mine, theirs = _plans(problem, seeds=(3, 4), seconds=0.4)
    data = ruin_recreate.arrays(problem)
    assert list(data.twin) == [-1, -1]
    for k in range(10):
        rng = np.random.default_rng(k)
        child = elite.crossover(mine, theirs, data.group, data.twin, data.near, rng)
        assert any(child[v] == theirs[v] and theirs[v] for v in (0, 1))
        state = ruin_recreate._child(data, mine, WORSE, (0, theirs), rng)
        assert state is not None
        repaired = ruin_recreate._lists(state[0].routes, state[0].rlen)
        assert read_routes(problem, SolveParams(), repaired) is not None


def test_the_better_worker_keeps_its_lead(rc207):
    """One vehicle, optional customers: a child is little more than the other plan. The worker
    whose best is better goes on from a child only if it beats that best; the other takes it."""
    problem = build_prize_problem(rc207, 1)
    data = ruin_recreate.arrays(problem)
    good, poor = _plans(problem, seeds=(1, 2), seconds=0.6)
    good_obj, poor_obj = (read_routes(problem, SolveParams(), r).objective for r in (good, poor))
    if good_obj > poor_obj:
        good, poor, good_obj, poor_obj = poor, good, poor_obj, good_obj
    rng = np.random.default_rng(0)
    kept = ruin_recreate._child(data, good, good_obj, (poor_obj, poor), rng)
    assert kept is None or kept[1] < good_obj
    taken = ruin_recreate._child(data, poor, poor_obj, (good_obj, good), rng)
    assert taken is not None
    assert read_routes(problem, SolveParams(), ruin_recreate._lists(taken[0].routes, taken[0].rlen))


def test_the_pool_gives_each_worker_the_others_plans(tmp_path):
    first, second = elite.Pool(str(tmp_path), 0), elite.Pool(str(tmp_path), 1)
    assert first.others(0) == []
    first.share(0, 120, [[1, 2], []])
    assert first.others(0) == []
    assert second.others(0) == [(120, [[1, 2], []])]
    second.share(0, 110, [[2], [1]])
    assert first.others(0) == [(110, [[2], [1]])]
    assert second.others(1) == []
    assert not list(tmp_path.glob("*.part"))


def test_a_search_goes_on_from_a_child_at_each_meeting(rc207, tmp_path):
    """A worker that finds another's plan at both meetings goes on from two children; its answer
    still serves every customer and verifies."""
    problem = build_problem(rc207)
    theirs = _plans(problem, seeds=(5,), seconds=0.8)[0]
    other = elite.Pool(str(tmp_path), 1)
    for meeting in range(len(elite.MEETINGS)):
        other.share(meeting, read_routes(problem, SolveParams(), theirs).objective, theirs)
    start = [[] for _ in problem.vehicles]
    routes, stats = ruin_recreate.improve(
        problem, start, until=time.time() + 1.0, pool=elite.Pool(str(tmp_path), 0)
    )
    assert stats["rr_met"] == stats["rr_children"] == len(elite.MEETINGS)
    kept = [r for r in routes if r]
    assert not verify(rc207, kept).problems
    assert sorted(u for r in kept for u in r) == list(range(1, 51))


def test_two_workers_meet_and_leave_nothing_behind(rc207):
    """The whole search with two workers: the best worker found the other's plan at both
    meetings (the later one to start waits for it), and the directory where they met is gone."""
    before = set(Path(tempfile.gettempdir()).glob("dynamobile-pool-*"))
    solution = solve(build_problem(rc207), SolveParams(time_limit_s=4, workers=2))
    assert solution.stats["rr_met"] == len(elite.MEETINGS)
    assert set(Path(tempfile.gettempdir()).glob("dynamobile-pool-*")) == before
