"""The VRPTW benchmark's reader, builder and verifier, on real Solomon instances from ../shared/data.

The verifier is the benchmark's referee: most tests feed it broken routes and expect a complaint.
"""

import math
from dataclasses import replace
from pathlib import Path

import pytest

from routing.problem import SolveParams
from routing.vrptw import (
    SCALE,
    build_problem,
    read_instance,
    read_solution,
    solve_instance,
    truncated,
    verify,
)

SOLOMON = Path(__file__).resolve().parents[3] / "shared" / "data" / "solomon"
needs_data = pytest.mark.skipif(
    not (SOLOMON / "R201.vrp").exists(), reason="../shared/data/solomon absent"
)


@pytest.fixture(scope="module")
def r201():
    return read_instance(SOLOMON / "R201.vrp")


@pytest.fixture(scope="module")
def r201_best():
    return read_solution(SOLOMON / "R201.sol")


@needs_data
def test_reads_a_solomon_instance(r201):
    assert r201.name == "R201" and r201.n_customers == 100
    assert r201.capacity == 1000 and r201.vehicles == 25
    assert (r201.x[0], r201.y[0]) == (35, 35) and r201.demand[0] == 0 and r201.service[0] == 0
    assert (r201.demand[1], r201.service[1]) == (10, 10)
    assert (r201.ready[0], r201.due[0]) == (0, 1000)


@needs_data
def test_best_known_solution_verifies_with_its_cost(r201, r201_best):
    assert r201_best.cost == 1143.2 and len(r201_best.routes) == 8
    check = verify(r201, r201_best.routes, cost=r201_best.cost)
    assert check.feasible, check.problems
    assert check.distance == 11432


@needs_data
def test_problem_is_integer_and_mandatory(r201):
    problem = build_problem(r201)
    assert problem.n_nodes == 101 and len(problem.vehicles) == 25
    assert problem.time[0].dtype.kind == "i"
    assert problem.time[0][0, 1] == math.floor(
        math.hypot(41 - 35, 49 - 35) * SCALE
    )  # truncated, in tenths
    assert problem.windows[1] == ((int(r201.ready[1] * SCALE), int(r201.due[1] * SCALE)),)
    assert not problem.penalty  # every customer mandatory


@needs_data
@pytest.mark.parametrize(
    "breakage, expected",
    [
        (lambda rs: [rs[0] + rs[1][:1], *rs[1:]], "deux fois"),
        (lambda rs: [rs[0][1:], *rs[1:]], "non servis"),
        (lambda rs: [rs[0][::-1], *rs[1:]], "après sa fermeture"),
        (lambda rs: [[c] for r in rs for c in r], "tournées pour"),
    ],
)
def test_verifier_rejects_broken_routes(r201, r201_best, breakage, expected):
    routes = [list(r) for r in r201_best.routes]
    check = verify(r201, breakage(routes))
    assert not check.feasible
    assert any(expected in p for p in check.problems), check.problems


@needs_data
def test_verifier_rejects_a_wrong_cost_and_unknown_customers(r201, r201_best):
    check = verify(r201, r201_best.routes, cost=r201_best.cost - 0.1)
    assert any("coût" in p for p in check.problems)
    check = verify(r201, [[*r201_best.routes[0], 101], *r201_best.routes[1:]])
    assert any("inconnus" in p for p in check.problems)


@needs_data
def test_verifier_rejects_excess_load(r201, r201_best):
    tight = replace(r201, capacity=100)  # the best-known routes carry more than that
    check = verify(tight, r201_best.routes)
    assert any("capacité 100" in p for p in check.problems)


@needs_data
def test_verifier_rejects_a_late_return(r201, r201_best):
    early_close = replace(r201, due=(500.0, *r201.due[1:]))  # the depot closes mid-afternoon
    check = verify(early_close, r201_best.routes)
    assert any("retour au dépôt" in p for p in check.problems)


@needs_data
def test_short_solve_gives_a_verified_solution(r201):
    small = truncated(read_instance(SOLOMON / "RC101.vrp"), 30)
    result = solve_instance(small, SolveParams(time_limit_s=2.0))
    assert result.problems == ()
    assert sorted(c for r in result.routes for c in r) == list(range(1, 31))
    assert verify(small, result.routes).distance == round(result.distance * SCALE)


@needs_data
def test_solve_without_seed_or_helpers_still_verified(r201):
    small = truncated(r201, 25)
    result = solve_instance(small, SolveParams(time_limit_s=1.0, workers=1, initial="none"))
    assert result.problems == ()
