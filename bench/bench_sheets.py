"""Time the rendering of every route sheet of a plan.

Usage: python bench/bench_sheets.py PLAN.json [--repeat 5] [--osm-file PATH]

Street graphs are loaded once (and timed apart); each repeat renders all sheets to memory
(map image, directions, PDF) and the median over repeats is printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from dynamobile.plan import plan_from_dict
from maps.outputs import load_plan_graphs
from maps.sheets import render_sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path, help="plan.json written by the planner")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--osm-file", type=Path, default=None)
    args = parser.parse_args()

    plan = plan_from_dict(json.loads(args.plan.read_text(encoding="utf-8")))
    t0 = time.perf_counter()
    graphs = load_plan_graphs(plan, osm_file=args.osm_file)
    load_s = time.perf_counter() - t0

    timings, size = [], 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        size = sum(
            len(render_sheet(plan, tour, graph=graphs.get(tour.profile))) for tour in plan.tours
        )
        timings.append(time.perf_counter() - t0)
    stops = sum(len(t.stops) for t in plan.tours)
    median = statistics.median(timings)
    print(
        f"plan {args.plan}: {len(plan.tours)} tour(s), {stops} stop(s); street graphs loaded in {load_s:.2f} s"
    )
    print(
        f"all sheets rendered: median {median:.3f} s over {args.repeat} repeats "
        f"(min {min(timings):.3f} s, max {max(timings):.3f} s), {median / max(len(plan.tours), 1):.3f} s "
        f"per sheet, {size / 1024:.0f} KiB of PDF"
    )


if __name__ == "__main__":
    main()
