"""Our optimiser, PyVRP and VROOM on the same VRPTW instances, same time limit, same run.

    python bench/compare_vrptw.py ../shared/data/solomon/*.vrp --seconds 10 [--markdown]

Every solution is checked by `routing.vrptw.verify` (DIMACS convention, distances in tenths);
an infeasible one is flagged. VROOM has no time limit to give: it runs at its highest
exploration level (5) on both cores and its own time is reported. Needs `pip install pyvrp pyvroom`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.problem import SolveParams
from routing.vrptw import (
    SCALE,
    best_known_for,
    build_problem,
    read_instance,
    solve_instance,
    verify,
)


def run_ours(path: Path, seconds: float) -> tuple[float, float, bool]:
    result = solve_instance(read_instance(path), SolveParams(time_limit_s=seconds))
    return result.distance, result.seconds, not result.problems


def run_pyvrp(path: Path, seconds: float) -> tuple[float, float, bool]:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(path, round_func="dimacs")
    started = time.perf_counter()
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=1, collect_stats=False)
    elapsed = time.perf_counter() - started
    routes = [
        [int(a.idx) + data.num_depots for a in r if a.is_client()] for r in result.best.routes()
    ]
    check = verify(read_instance(path), routes)
    return check.distance / SCALE, elapsed, result.is_feasible() and check.feasible


def run_vroom(path: Path, seconds: float) -> tuple[float, float, bool]:
    from routing import search_seed

    instance = read_instance(path)
    problem = build_problem(instance)
    started = time.perf_counter()
    inp = search_seed._vroom_input(problem)
    solution = inp.solve(exploration_level=5, nb_threads=2)
    elapsed = time.perf_counter() - started
    table = solution.routes
    jobs = table[table["type"] == "job"]
    routes: dict[int, list[int]] = {}
    for vehicle, node in zip(jobs["vehicle_id"].to_numpy(), jobs["id"].to_numpy()):
        routes.setdefault(int(vehicle), []).append(int(node))
    check = verify(instance, list(routes.values()))
    return check.distance / SCALE, elapsed, check.feasible


SOLVERS = {"ours": run_ours, "PyVRP": run_pyvrp, "VROOM": run_vroom}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--solvers", default="ours,PyVRP,VROOM")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    names = args.solvers.split(",")
    sep = " | " if args.markdown else "  "
    head = ["instance", "BKS"] + [f"{n} {col}" for n in names for col in ("dist", "gap%", "s")]
    print(("| " if args.markdown else "") + sep.join(head) + (" |" if args.markdown else ""))
    if args.markdown:
        print("|" + "---|" * len(head))
    gaps: dict[str, list[float]] = {n: [] for n in names}
    secs: dict[str, list[float]] = {n: [] for n in names}
    for path in args.files:
        bks = best_known_for(path)
        row = [path.stem, f"{bks:.1f}"]
        for name in names:
            distance, seconds, feasible = SOLVERS[name](path, args.seconds)
            gap = 100 * (distance - bks) / bks
            gaps[name].append(gap)
            secs[name].append(seconds)
            row += [
                f"{distance:.1f}" + ("" if feasible else " (INFEASIBLE)"),
                f"{gap:.2f}",
                f"{seconds:.1f}",
            ]
        print(
            ("| " if args.markdown else "") + sep.join(row) + (" |" if args.markdown else ""),
            flush=True,
        )
    row = ["mean", ""]
    for name in names:
        row += [
            "",
            f"{sum(gaps[name]) / len(gaps[name]):.2f}",
            f"{sum(secs[name]) / len(secs[name]):.1f}",
        ]
    print(("| " if args.markdown else "") + sep.join(row) + (" |" if args.markdown else ""))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
