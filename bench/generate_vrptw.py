"""Solomon-style VRPTW instances generated from a seed, so progress is not tuned to published files.

    python bench/generate_vrptw.py --types R1 R2 C1 C2 RC1 RC2 --customers 100 --seeds 1 2 \
        --out out/generated [--format vrplib|solomon]

Writes one file per (type, seed), named ``G-<type>-<customers>-s<seed>``: ``.vrp`` in the VRPLIB
CVRPTW layout of ../shared/data/solomon (read by `routing.vrptw.read_instance`, `dynamobile bench
vrptw|prize`, bench/compare_*.py and `pyvrp.read`), or ``.txt`` in Solomon's original text layout
(`routing.vrptw.read_solomon_text`, `vrplib.read_instance(..., instance_format="solomon")`).
The same (type, customers, seed) always gives the same file, on any machine (own RNG, seeded
from a hash of those three; no global state).

Recipe (after Solomon 1987; every number an integer, so the DIMACS tenths stay exact):

- **Square** [0, 100]²; depot at (35, 35) for R, (40, 50) for C and RC (as in Solomon's sets).
- **Coordinates**: R uniform; C in ``max(2, n // 10)`` clusters (centres uniform in [10, 90]²,
  customers at a Gaussian offset, σ = 4, clipped to the square); RC half uniform, half in
  ``max(2, n // 12)`` such clusters.
- **Demand**: R, RC uniform in 1..40; C a multiple of 10 in 10..40.
- **Service time** 10 (R, RC) or 90 (C). **Horizon** (depot window [0, H]) and **capacity**
  as Solomon's: R1 230 / 200, R2 1000 / 1000, C1 1236 / 200, C2 3390 / 700, RC1 240 / 200,
  RC2 960 / 1000. Type 1: short horizon, few customers per route; type 2: long horizon.
- **Windows**: each instance draws the share of customers with a window (25, 50, 75 or 100 %)
  and a mean width (type 1: 5, 13 or 25 % of H; type 2: 10, 20 or 30 %). A windowed customer's
  width is that mean × U(0.5, 1.5); its centre is uniform between the earliest arrival from the
  depot and the latest service start that still lets the vehicle return by H; the window is
  clipped to that range. A customer without a window gets [0, latest start]. So every customer
  can be served alone on a direct trip (unlike Solomon's C sets, whose windows follow a known
  good tour, these are not built around a solution).
- ``VEHICLES`` = ceil(n / 4) (Solomon: 25 for 100 customers).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.vrptw import VrptwInstance

TYPES = ("R1", "R2", "C1", "C2", "RC1", "RC2")
HORIZON = {"R1": 230, "R2": 1000, "C1": 1236, "C2": 3390, "RC1": 240, "RC2": 960}
CAPACITY = {"R1": 200, "R2": 1000, "C1": 200, "C2": 700, "RC1": 200, "RC2": 1000}
WIDTH_SHARES = {1: (0.05, 0.13, 0.25), 2: (0.10, 0.20, 0.30)}
WINDOWED_SHARES = (0.25, 0.5, 0.75, 1.0)
SIDE = 100
CLUSTER_SIGMA = 4.0


def _rng(kind: str, n_customers: int, seed: int) -> random.Random:
    digest = hashlib.sha256(f"{kind}/{n_customers}/{seed}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _clustered(rng: random.Random, count: int, clusters: int) -> list[tuple[int, int]]:
    centres = [(rng.uniform(10, 90), rng.uniform(10, 90)) for _ in range(clusters)]
    points = []
    for k in range(count):
        cx, cy = centres[k % clusters]
        x = min(SIDE, max(0, round(rng.gauss(cx, CLUSTER_SIGMA))))
        y = min(SIDE, max(0, round(rng.gauss(cy, CLUSTER_SIGMA))))
        points.append((x, y))
    rng.shuffle(points)
    return points


def _uniform(rng: random.Random, count: int) -> list[tuple[int, int]]:
    return [(rng.randint(0, SIDE), rng.randint(0, SIDE)) for _ in range(count)]


def generate(kind: str, n_customers: int, seed: int) -> VrptwInstance:
    """A Solomon-style instance of type ``kind`` (R1, R2, C1, C2, RC1, RC2); see the module doc."""
    if kind not in TYPES:
        raise ValueError(f"type {kind!r}: one of {', '.join(TYPES)}")
    if n_customers < 1:
        raise ValueError("at least one customer")
    rng = _rng(kind, n_customers, seed)
    letters, horizon_type = kind[:-1], int(kind[-1])
    horizon, service = HORIZON[kind], 90 if letters == "C" else 10
    depot = (35, 35) if letters == "R" else (40, 50)
    if letters == "R":
        points = _uniform(rng, n_customers)
    elif letters == "C":
        points = _clustered(rng, n_customers, max(2, n_customers // 10))
    else:
        half = n_customers // 2
        points = _clustered(rng, half, max(2, n_customers // 12)) + _uniform(
            rng, n_customers - half
        )
        rng.shuffle(points)
    if letters == "C":
        demand = [10 * rng.randint(1, 4) for _ in points]
    else:
        demand = [rng.randint(1, 40) for _ in points]
    windowed = rng.choice(WINDOWED_SHARES)
    mean_width = rng.choice(WIDTH_SHARES[horizon_type]) * horizon
    ready, due = [0], [horizon]
    for x, y in points:
        travel = math.ceil(math.hypot(x - depot[0], y - depot[1]))
        earliest, latest = travel, horizon - travel - service
        if rng.random() < windowed:
            width = mean_width * rng.uniform(0.5, 1.5)
            centre = rng.uniform(earliest, latest)
            a = max(0, round(centre - width / 2))
            b = min(latest, round(centre + width / 2))
            ready.append(a)
            due.append(max(b, a, earliest))
        else:
            ready.append(0)
            due.append(latest)
    return VrptwInstance(
        name=f"G-{kind}-{n_customers}-s{seed}",
        x=(depot[0], *(p[0] for p in points)),
        y=(depot[1], *(p[1] for p in points)),
        demand=(0, *demand),
        ready=tuple(ready),
        due=tuple(due),
        service=(0, *([service] * n_customers)),
        capacity=CAPACITY[kind],
        vehicles=math.ceil(n_customers / 4),
    )


def _g(value: float) -> str:
    return f"{value:g}"


def vrplib_text(instance: VrptwInstance) -> str:
    """The instance in the VRPLIB CVRPTW layout of ../shared/data/solomon (nodes from 1)."""
    n = len(instance.x)
    services = set(instance.service[1:])
    lines = [
        f"NAME : {instance.name}",
        "TYPE : CVRPTW",
        f"DIMENSION : {n}",
        f"VEHICLES : {instance.vehicles}",
        f"CAPACITY : {instance.capacity}",
    ]
    if len(services) == 1:
        lines.append(f"SERVICE_TIME : {_g(services.pop())}")
    lines += ["EDGE_WEIGHT_TYPE : EUC_2D", "NODE_COORD_SECTION"]
    lines += [f"{i + 1} {_g(instance.x[i])} {_g(instance.y[i])}" for i in range(n)]
    lines.append("DEMAND_SECTION")
    lines += [f"{i + 1} {instance.demand[i]}" for i in range(n)]
    lines.append("TIME_WINDOW_SECTION")
    lines += [f"{i + 1} {_g(instance.ready[i])} {_g(instance.due[i])}" for i in range(n)]
    if len(set(instance.service[1:])) > 1:
        lines.append("SERVICE_TIME_SECTION")
        lines += [f"{i + 1} {_g(instance.service[i])}" for i in range(n)]
    lines += ["DEPOT_SECTION", "1", "-1", "EOF"]
    return "\n".join(lines) + "\n"


def solomon_text(instance: VrptwInstance) -> str:
    """The instance in Solomon's original text layout (customer 0 is the depot)."""
    lines = [
        instance.name,
        "",
        "VEHICLE",
        "NUMBER     CAPACITY",
        f"{instance.vehicles:5d}{instance.capacity:13d}",
        "",
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
        "",
    ]
    for i in range(len(instance.x)):
        lines.append(
            f"{i:5d}{_g(instance.x[i]):>11}{_g(instance.y[i]):>11}{instance.demand[i]:>11}"
            f"{_g(instance.ready[i]):>11}{_g(instance.due[i]):>11}{_g(instance.service[i]):>11}"
        )
    return "\n".join(lines) + "\n"


def write(instance: VrptwInstance, out_dir: Path, *, fmt: str = "vrplib") -> Path:
    """Write ``instance`` into ``out_dir`` as ``<name>.vrp`` (VRPLIB) or ``<name>.txt`` (Solomon)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "vrplib":
        path, text = out_dir / f"{instance.name}.vrp", vrplib_text(instance)
    elif fmt == "solomon":
        path, text = out_dir / f"{instance.name}.txt", solomon_text(instance)
    else:
        raise ValueError(f"format {fmt!r}: vrplib or solomon")
    path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", nargs="+", default=list(TYPES), choices=TYPES)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--out", type=Path, default=Path("out/generated"))
    parser.add_argument("--format", choices=("vrplib", "solomon"), default="vrplib")
    args = parser.parse_args(argv)
    for seed in args.seeds:
        for kind in args.types:
            print(write(generate(kind, args.customers, seed), args.out, fmt=args.format))


if __name__ == "__main__":
    main()
