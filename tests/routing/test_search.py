"""The optimiser's search side: seeds are only a start, helpers keep runs repeatable."""

from pathlib import Path

import numpy as np
import pytest

from routing.problem import RoutingProblem, SolveParams, VehicleSpec, VisitGroup
from routing.search import solve
from routing.search_seed import _respect_groups, vroom_routes
from routing.vrptw import read_instance, solve_instance, truncated, verify

SOLOMON = Path(__file__).resolve().parents[3] / "shared" / "data" / "solomon"
needs_data = pytest.mark.skipif(
    not (SOLOMON / "RC101.vrp").exists(), reason="../shared/data/solomon absent"
)


def line_problem(windows):
    """Depot at 0 and visits on a line, 10 apart; one vehicle, shift 0-1000."""
    n = len(windows) + 1
    pos = np.arange(n) * 10
    matrix = np.abs(pos[:, None] - pos[None, :]).astype(np.int64)
    return RoutingProblem(
        time=(matrix,),
        service=(0,) + (5,) * (n - 1),
        windows=((),) + tuple(windows),
        vehicles=(VehicleSpec(0, 0, (0, 1000)),),
    )


@pytest.mark.parametrize("ruin_share", [0.0, 0.8])
def test_an_infeasible_seed_is_ignored_or_repaired_and_windows_hold(ruin_share):
    """OR-Tools ignores a seed that breaks a window; ruin and recreate keeps its valid part and
    repairs the rest. Either way the windows hold."""
    problem = line_problem([((0, 20),), ((100, 200),), ((300, 310), (500, 520))])
    seed = [[3, 2, 1]]  # visit 1 would be served far too late
    params = SolveParams(time_limit_s=0.5, workers=1, initial="none", ruin_share=ruin_share)
    solution = solve(problem, params, initial_routes=seed)
    assert solution.stats["seeded"] is bool(ruin_share)
    (route,) = solution.routes
    assert route.visits == (1, 2, 3)
    for node, start in zip(route.visits, route.service_start):
        assert any(a <= start <= b for a, b in problem.windows[node])


def test_vroom_seed_respects_several_windows():
    problem = line_problem([((0, 20),), ((100, 200),), ((300, 310), (500, 520))])
    solution = solve(problem, SolveParams(time_limit_s=0.5, workers=1))
    assert solution.stats["seeded"] is True
    assert solution.routes[0].visits == (1, 2, 3)


def test_seed_drops_group_overflow():
    problem = line_problem([((0, 900),)] * 4)
    problem = RoutingProblem(
        **{
            **problem.__dict__,
            "groups": (VisitGroup((1, 2), 1, 100),),
            "penalty": (None, 100, 100, 100, 100),
        }
    )
    assert _respect_groups(problem, [[1, 2, 3, 4]]) == [[1, 3, 4]]
    routes = vroom_routes(problem, seconds=0.5)
    assert routes is not None and sum(1 for r in routes for n in r if n in (1, 2)) <= 1


@needs_data
def test_two_workers_with_a_solution_limit_are_repeatable():
    small = truncated(read_instance(SOLOMON / "RC101.vrp"), 25)
    params = SolveParams(time_limit_s=30, solution_limit=40, workers=2)
    first, second = solve_instance(small, params), solve_instance(small, params)
    assert first.routes == second.routes and first.problems == ()
    assert len(first.stats["objectives"]) == 2  # the helper process answered
    assert verify(small, first.routes).feasible


def test_steps_put_each_break_back_before_the_visit_it_preceded():
    from routing.search_seed import _steps

    kinds = [repr(s) for s in _steps([5, 6, 7], [(1, 0)])]
    assert kinds == [
        "vroom.VehicleStepStart()",
        "vroom.VehicleStepSingle(5)",
        "vroom.VehicleStepBreak(0)",
        "vroom.VehicleStepSingle(6)",
        "vroom.VehicleStepSingle(7)",
        "vroom.VehicleStepEnd()",
    ]
    assert (
        repr(_steps([5], [(1, 3)])[-2]) == "vroom.VehicleStepBreak(3)"
    )  # a break after the last visit


@needs_data
def test_polished_starts_are_feasible_starts():
    """With 2.5 s, starts are polished by resumed VROOM runs; OR-Tools still takes them as they are."""
    from routing.search_seed import _seed_cost, vroom_seeds
    from routing.vrptw import build_problem

    small = truncated(read_instance(SOLOMON / "RC101.vrp"), 50)
    problem = build_problem(small)
    seeds = vroom_seeds(problem, seconds=2.5)
    assert len(seeds) >= 1 and all(_seed_cost(problem, s)[0] == 0 for s in seeds)
    costs = [_seed_cost(problem, s)[1] for s in seeds]
    assert costs == sorted(costs)
    best = seeds[0]
    assert verify(small, tuple(tuple(r) for r in best if r)).feasible
    solution = solve(
        problem, SolveParams(time_limit_s=0.3, workers=1, initial="none"), initial_routes=best
    )
    assert solution.stats["seeded"] is True and solution.objective <= costs[0]


def test_demo_day_start_is_never_thrown_away(chambery_osm, monkeypatch):
    """Lunch breaks with a span cost: OR-Tools' break scheduling used to reject the demo day's
    best routes one read in two, and the search then ended with two squares dropped."""
    from importlib import resources

    from dynamobile.scenario import load_scenario
    from routing import planner
    from routing.search_seed import _seed_cost, vroom_seeds

    problems = []

    def keep(problem, params):
        problems.append(problem)
        return solve(problem, params)

    monkeypatch.setattr(planner, "solve", keep)
    scenario = load_scenario(
        resources.files("dynamobile") / "scenarios/chambery_centre/scenario.toml"
    )
    planner.plan_day(
        scenario, scenario.default_date, params=SolveParams(time_limit_s=0.3, workers=1)
    )
    (problem,) = problems
    assert any(v.breaks for v in problem.vehicles) and problem.span_cost
    start = vroom_seeds(problem, seconds=0.5)[0]
    missing, _ = _seed_cost(problem, start)
    assert missing == 0
    dropped_in_start = [n for n in range(1, problem.n_nodes) if not any(n in r for r in start)]
    for _ in range(12):
        solution = solve(problem, SolveParams(time_limit_s=0.2, workers=1), initial_routes=start)
        assert solution.stats["seeded"] is True
        assert len(solution.dropped) <= len(dropped_in_start)


def test_vroom_starts_serve_the_higher_priority_first():
    # Room for one visit only (shift 0-80): the nearer site (node 1, priority 1) or the farther
    # one (node 2, priority 5). With every optional job at VROOM's priority 0 it took the nearer.
    problem = line_problem([((0, 1000),), ((0, 1000),)])
    problem = RoutingProblem(
        **{
            **problem.__dict__,
            "vehicles": (VehicleSpec(0, 0, (0, 80)),),
            "service": (0, 30, 30),
            "penalty": (None, 1_000_000, 5_000_000),
        }
    )
    assert vroom_routes(problem, seconds=0.5) == [[2]]


def test_vroom_starts_fill_the_room_a_visit_group_frees():
    # Room for two visits. Nodes 1 and 2 are two days of one site wanting one visit (high
    # penalty), node 3 another site (low penalty). VROOM alone takes 1 and 2; the group keeps one
    # and the start is completed with 3.
    problem = line_problem([((0, 1000),)] * 3)
    problem = RoutingProblem(
        **{
            **problem.__dict__,
            "vehicles": (VehicleSpec(0, 0, (0, 100)),),
            "service": (0, 20, 20, 20),
            "penalty": (None, 5_000_000, 5_000_000, 1_000_000),
            "groups": (VisitGroup((1, 2), 1, 5_000_000),),
        }
    )
    (route,) = vroom_routes(problem, seconds=0.5)
    assert len(set(route) & {1, 2}) == 1 and 3 in route


def test_insertion_pass_leaves_no_dropped_visit_that_fits():
    # A start that leaves out a visit which fits: the insertion pass alone puts it in.
    problem = line_problem([((0, 1000),)] * 4)
    problem = RoutingProblem(**{**problem.__dict__, "penalty": (None, 1000, 1000, 1000, 1000)})
    solution = solve(
        problem,
        SolveParams(time_limit_s=2, workers=1, initial="none", insertion_only=True),
        initial_routes=[[1, 2]],
    )
    assert solution.stats["seeded"] and sorted(solution.routes[0].visits) == [1, 2, 3, 4]
