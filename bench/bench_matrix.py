"""Benchmark: travel-time/distance matrices, ours (scipy CSR Dijkstra) vs networkx per point.

    python bench/bench_matrix.py [--points 200] [--repeat 3] [--grid-side 224] [--data ../shared/data]

For each graph, times both methods in the same process on the same 200 random nodes, prints
medians, the ratio, and whether both give identical seconds and metres (metres within 1 m,
taken along the path each method chose).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from pathlib import Path

import networkx as nx
import numpy as np

from dynamobile.model import RoutingSettings, StreetSource
from routing.matrix import to_csr, travel_matrices
from routing.streets import build_street_graph


def grid_graph(side: int, spacing_m: float = 80.0) -> nx.MultiDiGraph:
    """A side × side two-way street grid around Chambéry with mixed speeds (side² nodes)."""
    lat0, lon0 = 45.56, 5.91
    dlat = spacing_m / 111_195.0
    dlon = spacing_m / (111_195.0 * math.cos(math.radians(lat0)))
    rng = random.Random(1)
    G = nx.MultiDiGraph()
    for r in range(side):
        for c in range(side):
            G.add_node(r * side + c, y=lat0 + r * dlat, x=lon0 + c * dlon)
    for r in range(side):
        for c in range(side):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < side and c + dc < side:
                    a, b = r * side + c, (r + dr) * side + c + dc
                    length = spacing_m * rng.uniform(0.9, 1.1)
                    speed = rng.choice([30, 30, 50, 70]) / 3.6
                    for u, v in ((a, b), (b, a)):
                        G.add_edge(u, v, length=length, travel_time=length / speed)
    return G


def networkx_matrices(G: nx.MultiDiGraph, nodes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The naive way: one networkx single-source Dijkstra per point, lengths along its paths."""
    n = len(nodes)
    seconds = np.zeros((n, n), dtype=np.int64)
    metres = np.zeros((n, n), dtype=np.int64)
    for i, a in enumerate(nodes):
        times, paths = nx.single_source_dijkstra(G, a, weight="travel_time")
        for j, b in enumerate(nodes):
            path = paths[b]
            length = sum(
                min(G[u][v].values(), key=lambda d: d["travel_time"])["length"]
                for u, v in zip(path, path[1:])
            )
            seconds[i, j] = round(times[b])
            metres[i, j] = round(length)
    return seconds, metres


def median_time(fn, repeat: int) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def bench(name: str, G: nx.MultiDiGraph, points: int, repeat: int, baseline_repeat: int) -> None:
    nodes = random.Random(42).sample(list(G.nodes), min(points, len(G)))
    ours_s, (sec, met) = median_time(lambda: travel_matrices(G, nodes), repeat)
    csr = to_csr(G)
    solve_s, _ = median_time(lambda: travel_matrices(G, nodes, csr=csr), repeat)
    base_s, (bsec, bmet) = median_time(lambda: networkx_matrices(G, nodes), baseline_repeat)
    same_time = bool((sec == bsec).all())
    metre_diff = int(np.abs(met - bmet).max())
    print(
        f"{name:<28} {len(G):>7} {G.number_of_edges():>8} {len(nodes):>6} {ours_s:>9.3f} {solve_s:>11.3f} "
        f"{base_s:>10.3f} {base_s / ours_s:>7.1f}× {'yes' if same_time else 'NO':>8} {metre_diff:>7}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--grid-side", type=int, default=224, help="224 → 50 176 nodes")
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    print(
        f"{'graph':<28} {'nodes':>7} {'edges':>8} {'points':>6} {'ours (s)':>9} {'ours-no-CSR':>11} "
        f"{'networkx':>10} {'ratio':>8} {'same s':>8} {'max Δm':>7}"
    )
    files = {
        "chambery_centre_2016": args.data / "osm" / "chambery_centre_2016.osm",
        "paris_gare_du_nord_2021": args.data / "osm" / "paris_gare_du_nord_2021.osm.bz2",
    }
    for label, path in files.items():
        if not path.exists():
            print(f"{label}: {path} missing, skipped")
            continue
        for profile in ("drive", "bike"):
            G = build_street_graph(StreetSource(osm_file=path), profile, RoutingSettings())
            bench(f"{label} ({profile})", G, args.points, args.repeat, args.repeat)
    G = grid_graph(args.grid_side)
    bench(f"grid {args.grid_side}×{args.grid_side}", G, args.points, args.repeat, 1)
    print(
        "ours = CSR build + scipy Dijkstra from all points + distances along the same paths; "
        "ours-no-CSR = with the CSR form reused (as the planner does); medians of --repeat runs "
        "(networkx on the grid: 1 run)."
    )


if __name__ == "__main__":
    main()
