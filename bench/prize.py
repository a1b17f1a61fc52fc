"""Issue 16's prize benchmark: our optimiser on prize-collecting VRPTW instances, verified.

Construction (from a Solomon / Gehring–Homberger / generated instance): every customer optional,
prize = demand × 200 tenths of distance, m vehicles without capacity, depot window as the
horizon, the instance's windows and service times; objective = distance + prizes left, in tenths
(`routing.vrptw.build_prize_problem`). Every solution is re-checked by `prize_check`, which
recomputes it from the instance alone. Used by ``dynamobile bench prize`` and `compare_prize.py`.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from prize_check import TENTHS, check_prize_solution

from routing.problem import SolveParams
from routing.vrptw import (
    PRIZE_PER_DEMAND,
    VrptwInstance,
    build_prize_problem,
)


@dataclass(frozen=True)
class PrizeRun:
    """One solver on one instance with m vehicles; figures from the independent checker.

    ``prize`` and ``prize_total`` in demand units (the orienteering "score"); ``distance`` and
    ``objective`` in the instance's distance units (tenths / 10).
    """

    solver: str
    instance: str
    family: str
    vehicles: int
    prize: int
    prize_total: int
    distance: float
    objective: float
    visits: int
    customers: int
    seconds: float
    routes: list[list[int]] = field(repr=False)
    problems: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return asdict(self) | {"feasible": self.feasible}


def family(name: str) -> str:
    """R1, R2, C1, C2, RC1, RC2 from a Solomon (R101), Gehring–Homberger (R1_2_1) or generated
    (G-R1-…) name; generated instances keep their "G-" so they are never pooled with shared ones."""
    generated = name.startswith("G-")
    m = re.match(r"(RC|R|C)(\d)", name[2:] if generated else name, re.IGNORECASE)
    base = f"{m.group(1).upper()}{m.group(2)}" if m else "?"
    return f"G-{base}" if generated else base


def verified_run(
    solver: str,
    instance: VrptwInstance,
    vehicles: int,
    routes: list[list[int]],
    seconds: float,
    *,
    claimed_objective: int | None,
    prize_per_demand: int = PRIZE_PER_DEMAND,
    extra_problems: list[str] | None = None,
) -> PrizeRun:
    """A `PrizeRun` whose figures all come from `check_prize_solution`."""
    check = check_prize_solution(
        instance,
        routes,
        vehicles=vehicles,
        prize_per_demand=prize_per_demand,
        objective=claimed_objective,
    )
    total = sum(int(d) for d in instance.demand[1:])
    return PrizeRun(
        solver=solver,
        instance=instance.name,
        family=family(instance.name),
        vehicles=vehicles,
        prize=check.prize_collected // prize_per_demand,
        prize_total=total,
        distance=check.distance / TENTHS,
        objective=check.objective / TENTHS,
        visits=check.visits,
        customers=instance.n_customers,
        seconds=seconds,
        routes=[list(r) for r in routes if r],
        problems=list(check.problems) + list(extra_problems or ()),
    )


def run_ours(
    instance: VrptwInstance,
    vehicles: int,
    params: SolveParams,
    *,
    prize_per_demand: int = PRIZE_PER_DEMAND,
) -> PrizeRun:
    """Solve with the planner's search (`routing.search.solve`), then check independently."""
    from routing.search import solve

    problem = build_prize_problem(instance, vehicles, prize_per_demand=prize_per_demand)
    started = time.perf_counter()
    solution = solve(problem, params)
    seconds = time.perf_counter() - started
    routes = [[int(c) for c in r.visits] for r in solution.routes if r.visits]
    return verified_run(
        "ours",
        instance,
        vehicles,
        routes,
        seconds,
        claimed_objective=int(solution.objective),
        prize_per_demand=prize_per_demand,
    )
