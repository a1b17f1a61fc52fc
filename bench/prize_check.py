"""Independent checker of prize-collecting VRPTW solutions (issue 16's prize benchmark).

Recomputes everything from the instance's own numbers — coordinates, windows, service times, the
depot's horizon, demands — with plain Python, never with the optimiser's matrices or figures:

- distances: Euclidean, truncated to tenths (DIMACS), as integers: ``floor(10·d)``;
- time: travel time = distance; service at customer i starts at max(arrival, ready_i) and must
  start by due_i; the route leaves the depot at its ready time and must be back by its due time;
- every customer at most once, at most ``vehicles`` non-empty routes, no capacity;
- objective = distance + prizes of the customers left, prize_i = demand_i × prize_per_demand.

All figures are integers in tenths. The instance is anything with the attributes ``x``, ``y``,
``demand``, ``ready``, ``due``, ``service`` (node 0 the depot), such as
`routing.vrptw.VrptwInstance`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TENTHS = 10
PRIZE_PER_DEMAND = 200  # tenths per unit of demand; kept here too so the checker owns its rule


@dataclass(frozen=True)
class PrizeCheck:
    """What the checker found; every figure in tenths, recomputed from the instance."""

    distance: int
    prize_collected: int
    prize_left: int
    visits: int
    problems: tuple[str, ...]

    @property
    def objective(self) -> int:
        return self.distance + self.prize_left

    @property
    def feasible(self) -> bool:
        return not self.problems


def _tenths(value: float) -> int:
    scaled = value * TENTHS
    if abs(scaled - round(scaled)) > 1e-6:
        raise ValueError(f"value {value} is not a multiple of 0.1")
    return round(scaled)


def _distance(instance, i: int, j: int) -> int:
    d = math.hypot(instance.x[i] - instance.x[j], instance.y[i] - instance.y[j])
    return math.floor(d * TENTHS + 1e-7)  # 1e-7: an exact tenth stored as x.99999… stays whole


def check_prize_solution(
    instance,
    routes: Iterable[Sequence[int]],
    *,
    vehicles: int,
    prize_per_demand: int = PRIZE_PER_DEMAND,
    objective: int | None = None,
) -> PrizeCheck:
    """Check ``routes`` (customer numbers 1..n per route, depot implied at both ends).

    ``objective`` (tenths), if given, is what the solver claimed: a mismatch is a problem.
    """
    n = len(instance.x) - 1
    problems: list[str] = []
    seen: dict[int, int] = {}
    distance = 0
    routes = [list(r) for r in routes if len(r)]
    if len(routes) > vehicles:
        problems.append(f"{len(routes)} routes for {vehicles} vehicles")
    depart, horizon = _tenths(instance.ready[0]), _tenths(instance.due[0])
    for k, route in enumerate(routes, start=1):
        bad = [c for c in route if not (isinstance(c, int) and 1 <= c <= n)]
        if bad:
            problems.append(f"route {k}: unknown customers {bad}")
            continue
        clock, prev = depart, 0
        for c in route:
            if c in seen:
                problems.append(f"customer {c} visited twice (routes {seen[c]} and {k})")
            seen[c] = k
            leg = _distance(instance, prev, c)
            distance += leg
            start = max(clock + leg, _tenths(instance.ready[c]))
            if start > _tenths(instance.due[c]):
                problems.append(
                    f"route {k}: customer {c} served at {start / TENTHS:g}, "
                    f"after its due time {instance.due[c]:g}"
                )
            clock = start + _tenths(instance.service[c])
            prev = c
        leg = _distance(instance, prev, 0)
        distance += leg
        if clock + leg > horizon:
            problems.append(
                f"route {k}: back at the depot at {(clock + leg) / TENTHS:g}, "
                f"after {instance.due[0]:g}"
            )
    collected = sum(int(instance.demand[c]) * prize_per_demand for c in seen)
    total = sum(int(d) * prize_per_demand for d in instance.demand[1:])
    result = PrizeCheck(distance, collected, total - collected, len(seen), tuple(problems))
    if objective is not None and objective != result.objective:
        problems.append(
            f"claimed objective {objective / TENTHS:g} ≠ recomputed {result.objective / TENTHS:g}"
        )
        result = PrizeCheck(distance, collected, total - collected, len(seen), tuple(problems))
    return result
