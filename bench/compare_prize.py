"""Our optimiser against PyVRP on issue 16's prize benchmark: same instances, objective, seconds.

    python bench/compare_prize.py FILE... --vehicles 1 2 4 --seconds 10 [--workers W]
        [--json OUT] [--markdown]

Construction (bench/prize.py): every customer optional, prize = demand × 200 tenths, m vehicles
without capacity, objective = distance + prizes left (DIMACS tenths). PyVRP gets the very same
data through its `Model` (``Client(..., prize=..., required=False)``, one vehicle type with
``num_available = m`` and the depot's window, our truncated distance matrix as distances and
durations), runs on one core (it is single-threaded) for the same seconds, seed 1. Both
solutions are re-checked by bench/prize_check.py from the instance alone; the figures printed
are the checker's. PyVRP is a peer to compare with, never a component of our search.
Needs ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prize import PrizeRun, run_ours, verified_run

from routing.problem import SolveParams
from routing.vrptw import (
    PRIZE_PER_DEMAND,
    SCALE,
    VrptwInstance,
    distance_matrix,
    prizes,
    read_any,
)


def pyvrp_model(instance: VrptwInstance, vehicles: int, *, prize_per_demand: int):
    """The prize construction as a PyVRP `Model`; client k (0-based) is customer k + 1."""
    from pyvrp import Model

    def tenths(value: float) -> int:
        return round(value * SCALE)

    matrix = distance_matrix(instance)
    prize = prizes(instance, prize_per_demand=prize_per_demand)
    model = Model()
    locations = [model.add_location(x, y) for x, y in zip(instance.x, instance.y)]
    shift = (tenths(instance.ready[0]), tenths(instance.due[0]))
    depot = model.add_depot(locations[0], tw_early=shift[0], tw_late=shift[1])
    model.add_vehicle_type(
        num_available=vehicles,
        start_depot=depot,
        end_depot=depot,
        tw_early=shift[0],
        tw_late=shift[1],
    )
    for i in range(1, len(locations)):
        model.add_client(
            locations[i],
            service_duration=tenths(instance.service[i]),
            tw_early=tenths(instance.ready[i]),
            tw_late=tenths(instance.due[i]),
            prize=prize[i],
            required=False,
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            if i != j:
                model.add_edge(frm, to, distance=int(matrix[i, j]), duration=int(matrix[i, j]))
    return model


def run_pyvrp(
    instance: VrptwInstance,
    vehicles: int,
    seconds: float,
    *,
    prize_per_demand: int = PRIZE_PER_DEMAND,
) -> PrizeRun:
    from pyvrp.stop import MaxRuntime

    model = pyvrp_model(instance, vehicles, prize_per_demand=prize_per_demand)
    started = time.perf_counter()
    result = model.solve(stop=MaxRuntime(seconds), seed=1, collect_stats=False, display=False)
    elapsed = time.perf_counter() - started
    routes = [[int(a.idx) + 1 for a in route if a.is_client()] for route in result.best.routes()]
    return verified_run(
        "PyVRP",
        instance,
        vehicles,
        routes,
        elapsed,
        claimed_objective=int(result.cost()) if result.is_feasible() else None,
        prize_per_demand=prize_per_demand,
        extra_problems=[] if result.is_feasible() else ["PyVRP: best solution infeasible"],
    )


def _table(rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        return out + ["| " + " | ".join(r) + " |" for r in rows[1:]]
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(v.rjust(w) if c else v.ljust(w) for c, (v, w) in enumerate(zip(r, widths)))
        for r in rows
    ]


def _case_row(ours: PrizeRun, peer: PrizeRun) -> list[str]:
    gap = 100 * (ours.objective - peer.objective) / peer.objective
    flags = ",".join(f"{r.solver} NOT VALID" for r in (ours, peer) if not r.feasible)
    return [
        ours.instance,
        str(ours.vehicles),
        f"{ours.prize}",
        f"{peer.prize}",
        f"{100 * ours.prize / peer.prize:.1f}" if peer.prize else "–",
        f"{ours.objective:.1f}",
        f"{peer.objective:.1f}",
        f"{gap:+.2f}",
        f"{ours.visits}/{peer.visits}",
        f"{ours.seconds:.1f}/{peer.seconds:.1f}",
        flags or "ok",
    ]


def summary(pairs: list[tuple[PrizeRun, PrizeRun]]) -> list[list[str]]:
    """Per family, then all: prize ours / PyVRP (%, ratio of sums and worst case), mean objective
    gap, cases where ours is better or equal (objective)."""
    families = sorted({o.family for o, _ in pairs})
    rows = [
        ["family", "cases", "prize ours/PyVRP %", "worst case %", "mean obj gap %", "ours ≤ PyVRP"]
    ]
    for name in [*families, "all"]:
        chosen = [(o, p) for o, p in pairs if name in ("all", o.family)]
        ratios = [100 * o.prize / p.prize for o, p in chosen if p.prize]
        gaps = [100 * (o.objective - p.objective) / p.objective for o, p in chosen]
        sum_ratio = 100 * sum(o.prize for o, _ in chosen) / max(1, sum(p.prize for _, p in chosen))
        rows.append(
            [
                name,
                str(len(chosen)),
                f"{sum_ratio:.1f}",
                f"{min(ratios):.1f}" if ratios else "–",
                f"{sum(gaps) / len(gaps):+.2f}",
                f"{sum(o.objective <= p.objective for o, p in chosen)}/{len(chosen)}",
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--vehicles", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=None, help="our searches (processes)")
    parser.add_argument("--json", type=Path, default=None, help="write every run here")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv)
    params = SolveParams(time_limit_s=args.seconds)
    if args.workers is not None:
        params = SolveParams(time_limit_s=args.seconds, workers=args.workers)
    head = ["instance", "m", "prize ours", "PyVRP", "%", "obj ours", "PyVRP", "gap %",
            "visits", "s ours/PyVRP", "verified"]  # fmt: skip
    pairs: list[tuple[PrizeRun, PrizeRun]] = []
    for path in args.files:
        instance = read_any(path)
        for m in args.vehicles:
            pairs.append((run_ours(instance, m, params), run_pyvrp(instance, m, args.seconds)))
            lines = _table([head] + [_case_row(o, p) for o, p in pairs], args.markdown)
            # Progress on stderr as the rows come; the tables go to stdout at the end.
            print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(_table([head] + [_case_row(o, p) for o, p in pairs], args.markdown)))
    print()
    print("\n".join(_table(summary(pairs), args.markdown)))
    load = os.getloadavg()
    print(
        f"\n{args.seconds:g} s per case, our workers {params.workers}, PyVRP one core, seed 1; "
        f"load average at the end {' '.join(f'{x:.2f}' for x in load)}"
    )
    if args.json:
        document = {
            "seconds": args.seconds,
            "workers": params.workers,
            "vehicles": args.vehicles,
            "prize_per_demand_tenths": PRIZE_PER_DEMAND,
            "load_average": [round(x, 2) for x in load],
        }
        lines = [json.dumps(r.as_dict(), ensure_ascii=False) for pair in pairs for r in pair]
        head_json = json.dumps(document, ensure_ascii=False)[:-1]
        args.json.write_text(head_json + ', "runs": [\n' + ",\n".join(lines) + "\n]}\n")
    return 0 if all(o.feasible and p.feasible for o, p in pairs) else 3


if __name__ == "__main__":
    sys.exit(main())
