"""Benchmark: the VROOM start stage alone, restarts only vs restarts + polishing, same budget.

    python bench/bench_seeds.py ../shared/data/solomon/R201.vrp ... [--seconds 6]

For each instance, runs `routing.search_seed.vroom_seeds` twice in the same process with the
same seed-time budget: once with all of it spent on runs from scratch (``FRESH_SHARE = 1``, the
previous behaviour), once as shipped (half restarts, half noisy descent resumed from the best
starts). Prints the best start's gap to the best-known distance for both, the means and the
median ratio of the distances. No OR-Tools search: this isolates what polishing brings.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from routing import search_seed
from routing.vrptw import best_known_for, build_problem, read_instance


def best_start(path: Path, seconds: float, fresh_share: float) -> tuple[float, float]:
    """(distance of the best start, seconds spent) with ``fresh_share`` of the time on restarts."""
    problem = build_problem(read_instance(path))
    shipped = search_seed.FRESH_SHARE
    search_seed.FRESH_SHARE = fresh_share
    try:
        started = time.perf_counter()
        # vroom_seeds spends SEED_SHARE of the optimiser's budget: ask for seconds / SEED_SHARE.
        seeds = search_seed.vroom_seeds(problem, seconds=seconds / search_seed.SEED_SHARE)
        spent = time.perf_counter() - started
    finally:
        search_seed.FRESH_SHARE = shipped
    missing, cost = search_seed._seed_cost(problem, seeds[0])
    if missing:
        raise SystemExit(f"{path.name}: start missing {missing} customers")
    return cost / 10, spent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument(
        "--seconds", type=float, default=6.0, help="seed-stage time per instance and variant"
    )
    args = parser.parse_args()
    if not search_seed.available():
        raise SystemExit("pyvroom is not installed")
    rows = []
    print(
        f"{'instance':10} {'BKS':>8} {'restarts':>9} {'gap%':>6} {'polished':>9} {'gap%':>6} {'s':>5}"
    )
    for path in args.files:
        bks = best_known_for(path)
        base, _ = best_start(path, args.seconds, 1.0)
        polished, spent = best_start(path, args.seconds, search_seed.FRESH_SHARE)
        gaps = (100 * (base / bks - 1), 100 * (polished / bks - 1))
        rows.append((base, polished, *gaps))
        print(
            f"{path.stem:10} {bks:8.1f} {base:9.1f} {gaps[0]:6.2f} {polished:9.1f} {gaps[1]:6.2f} {spent:5.1f}",
            flush=True,
        )
    print(
        f"mean gap: restarts {statistics.fmean(r[2] for r in rows):.2f} %, "
        f"polished {statistics.fmean(r[3] for r in rows):.2f} %; "
        f"median distance ratio polished/restarts {statistics.median(r[1] / r[0] for r in rows):.4f}"
    )


if __name__ == "__main__":
    main()
