"""Fairness between neighbourhoods: no quartier left without a visit for more than N days.

Enforced by *pins*: a visit in the uncovered stretch whose miss costs more than any priority.
A penalty rather than a hard constraint, so OR-Tools' heuristics still find first solutions.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

import numpy as np

from .decode import RouteDay, cheapest_insertion_min
from .eligibility import Candidate
from .problem import RoutingProblem, Solution, SolveParams, VisitGroup
from .progress import Tracker
from .search import solve

FAIRNESS_PENALTY = 1_000_000_000  # a pinned visit for a neighbourhood outranks any priority
FAIR_SHARE = 0.5  # of the time budget for the first solve; fairness rounds share the rest
MIN_ROUND_S = 0.3


# ``copies`` are the planner's candidate visits; model node i + 1 is copies[i].


def _visited_days(solution: Solution, copies: list[Candidate]) -> dict[str, list[int]]:
    """Quartier -> sorted day indices with a visit."""
    out: dict[str, list[int]] = {}
    for route in solution.routes:
        for node in route.visits:
            c = copies[node - 1]
            out.setdefault(c.site.quartier, []).append(c.day_index)
    return {q: sorted(d) for q, d in out.items()}


def _fairness_gaps(
    solution: Solution, copies: list[Candidate], fair_days: int
) -> list[tuple[str, int, tuple[int, ...]]]:
    """(quartier, first day, candidate nodes) of each stretch of ``fair_days`` days with possible
    visits in a neighbourhood but none planned."""
    visited = _visited_days(solution, copies)
    by_quartier: dict[str, list[tuple[int, int]]] = {}
    for node, c in enumerate(copies, start=1):
        if c.site.quartier:
            by_quartier.setdefault(c.site.quartier, []).append((c.day_index, node))
    last_day = max(c.day_index for c in copies)
    gaps = []
    for quartier, options in by_quartier.items():
        days = set(visited.get(quartier, ()))
        for first in range(0, max(1, last_day - fair_days + 2)):
            window = range(first, first + fair_days)
            nodes = tuple(n for d, n in options if d in window)
            if nodes and not days.intersection(window):
                gaps.append((quartier, first, nodes))
    return gaps


def enforce_fairness(
    problem: RoutingProblem,
    solution: Solution,
    copies: list[Candidate],
    fair_days: int,
    days: int,
    params: SolveParams,
    route_days: list[RouteDay],
    times: dict[str, np.ndarray],
    *,
    deadline: float | None = None,
    tracker: Tracker | None = None,
):
    """Pin a visit in each stretch where a neighbourhood is left out, and solve again.

    A pin is one candidate visit (the cheapest to insert) whose miss costs far more than any
    priority; pinning is a penalty, not a hard constraint, so OR-Tools' heuristics still find
    solutions, and a stretch that truly cannot be covered is reported rather than failing the plan.
    Each round starts from the previous routes; rounds share the time left until ``deadline``
    (``time.perf_counter()`` clock; half of what is left per round), so the plan keeps its budget.
    A stop asked through ``tracker`` skips the rounds left.
    """
    pinned: set[int] = set()
    failed: set[int] = set()  # pins the solver could not honour: try another day or site
    # A coordinator's locks (mandatory nodes, see `season_model.build_problem`) use up visits too.
    pins_of_site: Counter = Counter(
        copies[n - 1].site.id for n in range(1, len(copies) + 1) if problem.penalty[n] is None
    )
    for _ in range(8):
        visited = {n for route in solution.routes for n in route.visits}
        for n in pinned - visited:
            pinned.discard(n)
            failed.add(n)
            pins_of_site[copies[n - 1].site.id] -= 1
        new_pins = 0
        for _, _, nodes in _fairness_gaps(solution, copies, fair_days):
            free = [
                n
                for n in nodes
                if n not in failed
                and pins_of_site[copies[n - 1].site.id] < copies[n - 1].site.target_visits(days)
                and not any(_too_close(copies, n, p) for p in pinned)
            ]
            if not free or pinned.intersection(nodes):
                continue
            # The latest day of the stretch covers the most stretches after it (greedy interval
            # cover); among its visits, the cheapest to insert.
            allowed = {n: copies[n - 1].vehicles for n in free}
            best = min(
                free,
                key=lambda n: (
                    -copies[n - 1].day_index,
                    cheapest_insertion_min(
                        solution, route_days, [n], allowed, copies[n - 1].site, times
                    )
                    or 0,
                ),
            )
            pinned.add(best)
            pins_of_site[copies[best - 1].site.id] += 1
            new_pins += 1
        if not new_pins or (tracker is not None and tracker.stop_requested):
            break
        left = params.time_limit_s if deadline is None else deadline - time.perf_counter()
        if left < MIN_ROUND_S:
            break
        pinned_problem = _with_pins(problem, pinned)
        start = [
            [n for n in route.visits if pinned_problem.allowed[n] != frozenset()]
            for route in solution.routes
        ]
        solution = solve(
            pinned_problem,
            replace(params, time_limit_s=left if deadline is None else max(MIN_ROUND_S, left / 2)),
            initial_routes=start,
            **({"tracker": tracker} if tracker is not None else {}),
        )
    gaps = _fairness_gaps(solution, copies, fair_days)
    return solution, {
        "fair_days": fair_days,
        "held": not gaps,
        "gaps": sorted({q for q, _, _ in gaps}),
    }


def _too_close(copies: list[Candidate], a: int, b: int) -> bool:
    """Two copies of the same site closer than its minimum gap (or on the same day)."""
    ca, cb = copies[a - 1], copies[b - 1]
    return ca.site.id == cb.site.id and abs(ca.day_index - cb.day_index) < max(1, ca.site.min_gap)


def _with_pins(problem: RoutingProblem, pinned: set[int]) -> RoutingProblem:
    """Split each pinned node out of its site's group, with a penalty above any priority."""
    groups: list[VisitGroup] = []
    blocked: set[int] = set()
    for group in problem.groups:
        pins = [n for n in group.nodes if n in pinned]
        rest = tuple(n for n in group.nodes if n not in pinned)
        groups += [VisitGroup((n,), 1, FAIRNESS_PENALTY) for n in pins]
        if rest and group.max_visits - len(pins) > 0:
            groups.append(VisitGroup(rest, group.max_visits - len(pins), group.penalty))
        elif rest:
            groups.append(VisitGroup(rest, 1, 0))
            blocked.update(rest)  # the pins use up the site's visits
    allowed = tuple(frozenset() if i in blocked else a for i, a in enumerate(problem.allowed))
    return replace(problem, groups=tuple(groups), allowed=allowed)
