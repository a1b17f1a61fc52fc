"""Ruin and recreate (routing/ruin_recreate.py): its routes are checked by referees that do not
share its code — the VRPTW verifier and prize checker that recompute from the instance, and
OR-Tools' own model (`read_routes`), which knows every rule (breaks, groups, spacing)."""

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from routing import ruin_recreate
from routing.optimiser import read_routes
from routing.problem import BreakSpec, RoutingProblem, SolveParams, VehicleSpec, VisitGroup
from routing.search import solve
from routing.vrptw import build_prize_problem, build_problem, read_instance, truncated, verify

SOLOMON = Path(__file__).resolve().parents[3] / "shared" / "data" / "solomon"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from prize_check import check_prize_solution  # noqa: E402


@pytest.fixture(scope="module")
def rc201():
    return read_instance(SOLOMON / "RC201.vrp")


def _objective(problem: RoutingProblem, routes: list[list[int]]) -> int:
    solution = read_routes(problem, SolveParams(), routes)
    assert solution is not None, "OR-Tools refuses the routes"
    return solution.objective


def test_kernel_is_compiled_for_the_tests():
    assert ruin_recreate.ready()


def test_mandatory_vrptw_improves_and_verifies(rc201):
    """Every customer mandatory: from OR-Tools' own first solution after 1 s (no VROOM start, no
    ruin and recreate), the routes get no longer, keep every customer once, and the instance's
    verifier accepts them."""
    instance = truncated(rc201, 40)
    problem = build_problem(instance)
    start = solve(problem, SolveParams(time_limit_s=1, workers=1, initial="none", ruin_share=0))
    routes = [list(r.visits) for r in start.routes]
    improved, stats = ruin_recreate.improve(problem, routes, until=time.time() + 1.5)
    assert stats["rr_iterations"] >= 500
    kept = [r for r in improved if r]
    check = verify(instance, kept)
    assert not check.problems
    assert _objective(problem, improved) <= start.objective
    assert sorted(c for r in kept for c in r) == list(range(1, 41))


def test_prize_collection_keeps_every_rule_and_leaves_nothing_that_fits(rc201):
    """Optional customers, two vehicles, from no route at all: the prize checker (recomputing
    from the instance) finds nothing wrong and the objective it recomputes is the model's; no
    customer left out could be added at any place for less than its prize (checked by trying
    every insertion through OR-Tools' model)."""
    instance = truncated(rc201, 30)
    problem = build_prize_problem(instance, 2)
    empty: list[list[int]] = [[], []]
    routes, _ = ruin_recreate.improve(problem, empty, until=time.time() + 1.0)
    objective = _objective(problem, routes)
    check = check_prize_solution(instance, [r for r in routes if r], vehicles=2)
    assert not check.problems
    assert check.objective == objective
    assert check.visits > 10
    served = {c for r in routes for c in r}
    for customer in range(1, 31):
        if customer in served:
            continue
        for v, route in enumerate(routes):
            for position in range(len(route) + 1):
                trial = [list(r) for r in routes]
                trial[v] = route[:position] + [customer] + route[position:]
                solution = read_routes(problem, SolveParams(), trial)
                assert solution is None or solution.objective >= objective, (customer, v, position)


def _day_problem(seed: int) -> RoutingProblem:
    """A day of 18 sites (one to three opening windows each), two vehicles with a lunch break
    and different set-ups, site 17 for vehicle 1 only, sites 1–4 alternatives of one group."""
    rng = np.random.default_rng(seed)
    n = 19
    xy = rng.uniform(0, 4000, size=(n, 2))
    metres = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    seconds = (metres / 8).astype(np.int64)
    windows = [()]
    for _ in range(1, n):
        opens = int(rng.integers(8, 15)) * 3600
        spans = [(opens, opens + 2 * 3600)]
        if rng.random() < 0.5:
            spans.append((opens + 3 * 3600, opens + 5 * 3600))
        windows.append(tuple(spans))
    lunch = (BreakSpec(12 * 3600, 13 * 3600, 45 * 60),)
    vehicles = (
        VehicleSpec(0, 0, (8 * 3600, 18 * 3600), setup=600, packup=600, breaks=lunch),
        VehicleSpec(0, 0, (9 * 3600, 19 * 3600), setup=300, packup=300, breaks=lunch),
    )
    penalty = [None] + [int(rng.integers(1, 6)) * 3000 for _ in range(1, n)]
    allowed: list[frozenset[int] | None] = [None] * n
    allowed[17] = frozenset({1})
    return RoutingProblem(
        time=(seconds,),
        service=(0,) + tuple(int(rng.integers(3, 7)) * 900 for _ in range(1, n)),
        windows=tuple(windows),
        vehicles=vehicles,
        penalty=tuple(penalty),
        allowed=tuple(allowed),
        span_cost=1,
        groups=(VisitGroup((1, 2, 3, 4), 1, 9000),),
        at_most_one=((5, 6),),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_breaks_windows_groups_and_spacing_are_kept(seed):
    """With lunch breaks, several windows, set-ups, an allowed vehicle, a group and a spacing set,
    OR-Tools' model accepts the kernel's routes (it checks every rule), at most one of the
    group and of the spacing set is visited, and the result is no worse than the start."""
    problem = _day_problem(seed)
    start: list[list[int]] = [[], []]
    routes, _ = ruin_recreate.improve(problem, start, until=time.time() + 0.8)
    served = [c for r in routes for c in r]
    assert len(served) == len(set(served))
    assert sum(c in served for c in (1, 2, 3, 4)) <= 1
    assert sum(c in served for c in (5, 6)) <= 1
    assert 17 not in routes[0]
    assert served, "a day with room for visits"
    assert _objective(problem, routes) <= _objective(problem, start)


def test_a_start_that_breaks_a_rule_is_repaired_not_trusted():
    """A start with a visit twice, an unknown node and a visit its vehicle may not make: the
    kernel keeps what is valid and the answer passes OR-Tools' check."""
    problem = _day_problem(4)
    routes, _ = ruin_recreate.improve(problem, [[5, 5, 99, 17], [6]], until=time.time() + 0.3)
    assert read_routes(problem, SolveParams(), routes) is not None
    assert 17 not in routes[0]


def test_search_with_ruin_and_recreate_serves_more_prize_than_without(rc201):
    """The whole search, same budget, one worker: with ruin and recreate the objective
    (distance + prizes left) is at least as good on a prize instance of 60 customers."""
    instance = truncated(rc201, 60)
    problem = build_prize_problem(instance, 1)
    runs = {}
    for share in (0.0, 0.8):
        params = SolveParams(time_limit_s=3, workers=1, ruin_share=share)
        solution = solve(problem, params)
        routes = [list(r.visits) for r in solution.routes if r.visits]
        check = check_prize_solution(instance, routes, vehicles=1, objective=solution.objective)
        assert not check.problems
        runs[share] = check.objective
    assert runs[0.8] <= runs[0.0]


def _best_by_enumeration(problem: RoutingProblem) -> int:
    """The optimal objective of a one-vehicle prize problem (distance + prizes left), by
    labels over (visited set, last visit) with (time, distance) dominance: no search involved."""
    n = problem.n_nodes
    time_m, cost_m = problem.time[0], (problem.cost or problem.time)[0]
    s0, s1 = problem.vehicles[0].shift
    penalty = [int(p or 0) for p in problem.penalty]
    labels: dict[tuple[int, int], list[tuple[int, int]]] = {(0, 0): [(s0, 0)]}
    best = sum(penalty)  # no visit at all
    frontier = [(0, 0)]
    while frontier:
        following: set[tuple[int, int]] = set()
        for mask, last in frontier:
            for t, cost in labels[(mask, last)]:
                if last:
                    left = sum(penalty[j] for j in range(1, n) if not mask >> j & 1)
                    best = min(best, cost + int(cost_m[last][0]) + left)
                for j in range(1, n):
                    if mask >> j & 1:
                        continue
                    arrival = t + int(time_m[last][j])
                    starts = [max(arrival, a) for a, b in problem.windows[j] if arrival <= b]
                    if not starts:
                        continue
                    finish = min(starts) + problem.service[j]
                    if finish + int(time_m[j][0]) > s1:
                        continue
                    key = (mask | 1 << j, j)
                    label = (finish, cost + int(cost_m[last][j]))
                    kept = labels.setdefault(key, [])
                    if any(a <= label[0] and b <= label[1] for a, b in kept):
                        continue
                    kept[:] = [x for x in kept if not (label[0] <= x[0] and label[1] <= x[1])]
                    kept.append(label)
                    following.add(key)
        frontier = sorted(following)
    return best


@pytest.mark.parametrize("kind, seed", [("C1", 3), ("R2", 5), ("RC1", 8)])
def test_one_vehicle_reaches_the_optimum_found_by_enumeration(kind, seed):
    """One vehicle, 12 optional customers of a generated instance, from no route at all: the
    kernel's answer is the optimum that an exhaustive enumeration finds (one vehicle on a long
    day is the Dynamobile's shape, and where string removals alone were seen to stall)."""
    from generate_vrptw import generate

    problem = build_prize_problem(generate(kind, 12, seed), 1)
    optimum = _best_by_enumeration(problem)
    routes, _ = ruin_recreate.improve(problem, [[]], until=time.time() + 1.0)
    assert _objective(problem, routes) == optimum
