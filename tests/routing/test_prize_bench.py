"""Issue 16's prize benchmark: the generator, the independent checker, the construction.

The checker is the benchmark's referee: it is fed hand-built routes on a hand-built instance whose
figures are worked out below, and must reject every broken one.
"""

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from routing.problem import SolveParams
from routing.vrptw import (
    PRIZE_PER_DEMAND,
    VrptwInstance,
    build_prize_problem,
    read_any,
    read_instance,
    read_solomon_text,
)

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import generate_vrptw  # noqa: E402
from prize import run_ours  # noqa: E402
from prize_check import check_prize_solution  # noqa: E402

# Depot (0, 0), horizon [0, 40], service 1 everywhere, prize 200 tenths per unit of demand.
# 1 at (3, 4): 5.0 from the depot, window [0, 10], demand 2.
# 2 at (6, 8): 5.0 from 1, 10.0 from the depot, window [20, 30], demand 3.
# 3 at (1, 10): 10.0499 from the depot (100 tenths, truncated), window [0, 5]: out of reach.
# Route 1 → 2: serve 1 at 5, leave at 6, reach 2 at 11, wait, serve at 20, back at 31.
# Distance 5 + 5 + 10 = 20.0; prize left: customer 3, 1 × 200 tenths; objective 400 tenths.
TINY = VrptwInstance(
    name="tiny",
    x=(0, 3, 6, 1),
    y=(0, 4, 8, 10),
    demand=(0, 2, 3, 1),
    ready=(0, 0, 20, 0),
    due=(40, 10, 30, 5),
    service=(0, 1, 1, 1),
    capacity=0,
    vehicles=2,
)
BEST_TENTHS = 200 + 1 * PRIZE_PER_DEMAND


def test_checker_accepts_a_correct_solution_with_its_figures():
    check = check_prize_solution(TINY, [[1, 2]], vehicles=1, objective=BEST_TENTHS)
    assert check.feasible, check.problems
    assert (check.distance, check.prize_collected, check.prize_left) == (200, 1000, 200)
    assert (check.objective, check.visits) == (BEST_TENTHS, 2)


def test_checker_truncates_distances_to_tenths():
    check = check_prize_solution(TINY, [[3]], vehicles=1)
    assert check.distance == 200  # 2 × floor(100.499)


@pytest.mark.parametrize(
    ("routes", "vehicles", "complaint"),
    [
        ([[2, 1]], 1, "customer 1 served at 26"),  # 2 first: 1's window has closed
        ([[3]], 1, "customer 3 served at 10, after its due time 5"),  # out of reach from the depot
        ([[1, 2], [1]], 2, "customer 1 visited twice"),
        ([[1], [2]], 1, "2 routes for 1 vehicles"),
        ([[1, 7]], 1, "unknown customers [7]"),
    ],
)
def test_checker_rejects_broken_solutions(routes, vehicles, complaint):
    check = check_prize_solution(TINY, routes, vehicles=vehicles)
    assert not check.feasible
    assert any(complaint in p for p in check.problems), check.problems


def test_checker_rejects_a_late_return_and_a_wrong_claimed_objective():
    short_day = VrptwInstance(**{**TINY.__dict__, "due": (30, 10, 30, 5)})
    late = check_prize_solution(short_day, [[1, 2]], vehicles=1)
    assert any("back at the depot at 31" in p for p in late.problems), late.problems
    claimed = check_prize_solution(TINY, [[1, 2]], vehicles=1, objective=BEST_TENTHS - 1)
    assert any("claimed objective" in p for p in claimed.problems)


def test_prize_construction_prices_a_known_solution():
    problem = build_prize_problem(TINY, 1)
    assert problem.penalty == (None, 400, 600, 200)
    assert len(problem.vehicles) == 1 and problem.vehicles[0].capacity is None
    assert problem.vehicles[0].shift == (0, 400) and not problem.demand
    cost = problem.cost[0]
    route = [0, 1, 2, 0]
    distance = sum(int(cost[a, b]) for a, b in zip(route, route[1:]))
    assert distance + problem.penalty[3] == BEST_TENTHS
    assert problem.windows[2] == ((200, 300),) and problem.service[1] == 10


def test_our_search_reaches_the_known_optimum_verified():
    run = run_ours(TINY, 1, SolveParams(time_limit_s=0.5, workers=1))
    assert run.feasible, run.problems
    assert run.routes == [[1, 2]] and run.objective == BEST_TENTHS / 10 and run.prize == 5


def test_generator_is_deterministic_per_seed():
    for kind in generate_vrptw.TYPES:
        a = generate_vrptw.generate(kind, 30, 7)
        assert a == generate_vrptw.generate(kind, 30, 7)
        assert a != generate_vrptw.generate(kind, 30, 8)
        assert a.n_customers == 30 and a.name == f"G-{kind}-30-s7"
        # Every customer can be served alone, on a direct trip (integer data: tenths exact).
        for i in range(1, 31):
            assert check_prize_solution(a, [[i]], vehicles=1).feasible


@pytest.mark.parametrize("fmt", ["vrplib", "solomon"])
def test_generated_file_reads_back(tmp_path, fmt):
    instance = generate_vrptw.generate("RC2", 25, 3)
    path = generate_vrptw.write(instance, tmp_path, fmt=fmt)
    reader = read_instance if fmt == "vrplib" else read_solomon_text
    assert reader(path) == instance
    assert read_any(path) == instance
    again = generate_vrptw.write(generate_vrptw.generate("RC2", 25, 3), tmp_path / "b", fmt=fmt)
    assert again.read_bytes() == path.read_bytes()


def test_bench_prize_command(tmp_path):
    from dynamobile.cli.bench import bench

    path = generate_vrptw.write(TINY, tmp_path)
    out = tmp_path / "runs.json"
    args = ["prize", str(path), "--vehicles", "1,2", "--seconds", "0.3", "--workers", "1"]
    result = CliRunner().invoke(bench, args + ["--json", str(out)])
    assert result.exit_code == 0, result.output
    runs = json.loads(out.read_text())["runs"]
    assert [r["vehicles"] for r in runs] == [1, 2]
    assert all(r["feasible"] and r["objective"] == 40.0 for r in runs)
