"""Starting routes for the optimiser from VROOM (pyvroom): a seed only, never the answer.

VROOM is fast and good at windows, capacities, skills and breaks, but it does not know every
rule of our model (visit groups, spacing sets, our break semantics); OR-Tools re-checks the
seed with ``ReadAssignmentFromRoutes`` and searches on from there, or ignores it. The only
module that imports vroom.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Set as AbstractSet
from datetime import timedelta

import numpy as np

from .problem import BIG, RoutingProblem

log = logging.getLogger(__name__)

try:  # optional dependency: without it, the optimiser builds its own first solution
    import vroom
except ImportError:  # pragma: no cover - depends on the environment
    vroom = None

UINT32_MAX = 2**32 - 1
SEED_SHARE = 0.6  # at most this share of the time budget goes to VROOM
MAX_RUNS = 8
RERUN_MIN_S = 2.0  # shorter budgets: one VROOM run, the rest of the time to OR-Tools
COST_NOISE = 0.06  # VROOM reruns see costs multiplied by up to 1 + COST_NOISE
FRESH_SHARE = 0.5  # of the seed time: runs from scratch; the rest polishes the best starts
POLISHED = 2
POLISH_NOISE = 0.15


def available() -> bool:
    return vroom is not None


def exploration_for(seconds: float) -> int:
    """VROOM's exploration level for a time budget (level 5 takes about 1 s for 100 visits)."""
    return 5 if seconds >= 6 else 3 if seconds >= 1.5 else 1


def vroom_routes(
    problem: RoutingProblem, *, seconds: float, threads: int = 2
) -> list[list[int]] | None:
    """The best of `vroom_seeds`, or None."""
    seeds = vroom_seeds(problem, seconds=seconds, threads=threads)
    return seeds[0] if seeds else None


def vroom_seeds(
    problem: RoutingProblem, *, seconds: float, threads: int = 2, share: float | None = None
) -> list[list[list[int]]]:
    """Starting routes (node lists per vehicle) from VROOM, best first; [] without pyvroom.

    VROOM is deterministic; with time to spare (``SEED_SHARE`` of ``seconds``) it is run again on
    randomly perturbed costs (fixed random seeds; durations exact, so every run is as feasible),
    which lands it in other local optima: the best of a few is clearly better than one run.
    After ``FRESH_SHARE`` of that time, the best ``POLISHED`` starts are improved by `_polish`.
    ``share`` replaces ``SEED_SHARE``. Clock-bound: repeatable runs do without VROOM starts
    (see `routing.search.solve`).
    Routes are made consistent with visit groups and spacing sets; everything else is left
    to OR-Tools to check.
    """
    if vroom is None:
        return []
    started = time.perf_counter()
    budget = seconds * (SEED_SHARE if share is None else share)
    level = exploration_for(seconds)
    found: list[tuple] = []  # (missing visits, cost, routes, breaks) as `_polish` takes them
    runs = MAX_RUNS if seconds >= RERUN_MIN_S else 1
    for run in range(runs):
        left = budget * FRESH_SHARE - (time.perf_counter() - started)
        if run and (left <= 0 or left < 1.2 * (time.perf_counter() - started) / run):
            break
        try:
            solution = _vroom_input(problem, noise_seed=run).solve(
                exploration_level=level,
                nb_threads=threads,
                timeout=timedelta(seconds=max(0.05, left)),
            )
            routes, breaks = _complete(
                problem,
                *_routes_of(problem, solution),
                level,
                threads,
                started + budget * FRESH_SHARE,
            )
        except (
            Exception
        ) as exc:  # a seed is optional: VROOM rejecting an input must not stop the solve
            log.info("VROOM n'a pas fourni de tournées de départ : %s", exc)
            break
        found.append((*_seed_cost(problem, routes), routes, breaks))
    found.sort(key=lambda item: (item[0], item[1]))
    if found and seconds >= RERUN_MIN_S:
        found = _polish(problem, found[:POLISHED], level, threads, started + budget)
    return [item[2] for item in found]


def _polish(problem: RoutingProblem, found, level: int, threads: int, until: float):
    """Noisy descent from each of the best starts, in turn, until ``until``: VROOM resumes from
    the current routes (its ``steps``) on randomly perturbed costs, and the result is kept if it
    is better at the true costs. Cheap (a resumed run is a single local search) and, measured on
    the Solomon instances, better than as many more runs from scratch."""
    current = list(found)
    while len(current) < POLISHED:  # two chains from one start still end in two different places
        current.append(current[0])
    alive = set(range(len(current)))
    k = 0
    while alive and time.perf_counter() < until:
        i = k % len(current)
        k += 1
        if i not in alive:
            continue
        try:
            solution = _resume(
                problem,
                *current[i][2:],
                level=level,
                threads=threads,
                timeout=timedelta(seconds=max(0.05, until - time.perf_counter())),
                noise_seed=10_000 + k,
                noise=POLISH_NOISE,
            )
            routes, breaks = _complete(
                problem, *_routes_of(problem, solution), level, threads, until
            )
        except Exception as exc:  # VROOM refusing a start ends that chain, not the solve
            log.info("VROOM n'a pas pu reprendre des tournées : %s", exc)
            alive.discard(i)
            continue
        cost = _seed_cost(problem, routes)
        if cost < current[i][:2]:
            current[i] = (*cost, routes, breaks)
    return sorted(current, key=lambda item: (item[0], item[1]))


def _routes_of(
    problem: RoutingProblem, solution
) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
    """Visits per vehicle, and where its breaks fall: (number of visits before it, break id)."""
    table = solution.routes
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    breaks: list[list[tuple[int, int]]] = [[] for _ in problem.vehicles]
    if len(table) and "id" in table.columns:
        steps = table[table["type"].isin(["job", "break"])]
        for kind, vehicle, ident in zip(
            steps["type"].to_numpy(), steps["vehicle_id"].to_numpy(), steps["id"].to_numpy()
        ):
            v = int(vehicle)
            if kind == "job":
                routes[v].append(int(ident))
            else:
                breaks[v].append((len(routes[v]), int(ident)))
    return routes, breaks


def _seed_cost(problem: RoutingProblem, routes: list[list[int]]) -> tuple[int, int]:
    """(mandatory visits missing, arc + fixed + penalty cost) with the true costs; a visit group
    pays its penalty per visit short of its ``max_visits``, as in the model."""
    matrices = problem.cost or problem.time
    visited = {n for r in routes for n in r}
    cost, missing = 0, 0
    for spec, route in zip(problem.vehicles, routes):
        if not route:
            continue
        m = matrices[spec.matrix]
        path = [spec.start, *route, spec.end]
        cost += int(sum(int(m[a, b]) for a, b in zip(path, path[1:]))) + spec.fixed_cost
    grouped: set[int] = set()
    for group in problem.groups:
        grouped.update(group.nodes)
        cost += int(group.penalty) * max(
            0, group.max_visits - sum(1 for n in group.nodes if n in visited)
        )
    for node in range(problem.n_nodes):
        if node in visited or node in problem.depots or node in grouped:
            continue
        penalty = problem.penalty[node] if problem.penalty else None
        if penalty is None:
            missing += 1
        else:
            cost += int(penalty)
    return missing, cost


def _penalty_of(problem: RoutingProblem) -> dict[int, int]:
    """Drop penalty per optional node: its group's (per missing visit) or its own."""
    out = {node: int(p) for node, p in enumerate(problem.penalty or ()) if p is not None}
    for group in problem.groups:
        for node in group.nodes:
            out[node] = int(group.penalty)
    return out


def _complete(
    problem: RoutingProblem, routes, breaks, level: int, threads: int, until: float, rounds: int = 3
):
    """Make VROOM's routes keep the visit-group and spacing rules VROOM does not know, then let
    VROOM fill the room this frees, resuming from the kept routes with only the visits still
    allowed (a few rounds, until nothing is dropped or ``until`` passes)."""
    for _ in range(rounds):
        kept = _respect_groups(problem, routes)
        breaks = [
            _shift_breaks(route, kept_route, brks)
            for route, kept_route, brks in zip(routes, kept, breaks)
        ]
        if kept == routes or time.perf_counter() >= until:
            return kept, breaks
        routes = kept
        blocked = _blocked(problem, routes)
        timeout = timedelta(seconds=max(0.05, until - time.perf_counter()))
        try:
            solution = _resume(
                problem, routes, breaks, level=level, threads=threads, timeout=timeout, skip=blocked
            )
        except Exception as exc:  # VROOM refusing the kept routes as a start: keep them as they are
            log.info("VROOM n'a pas pu compléter les tournées : %s", exc)
            return routes, breaks
        routes, breaks = _routes_of(problem, solution)
    kept = _respect_groups(problem, routes)
    return kept, [_shift_breaks(r, k, b) for r, k, b in zip(routes, kept, breaks)]


_REFUSED = re.compile(r"Infeasible route for vehicle (\d+)")


def _resume(
    problem: RoutingProblem, routes, breaks, *, level: int, threads: int, timeout, **input_options
):
    """VROOM's solution resuming from ``routes`` (with their breaks). VROOM may refuse a route it
    produced itself when it has a break (VROOM issue #1251): that vehicle then starts empty, its
    visits free to go anywhere, and VROOM is asked again."""
    routes = list(routes)
    for _ in range(len(routes) + 1):  # each refusal empties one more route
        try:
            return _vroom_input(problem, start=(routes, breaks), **input_options).solve(
                exploration_level=level, nb_threads=threads, timeout=timeout
            )
        except Exception as exc:
            refused = _REFUSED.search(str(exc))
            if refused is None or not routes[int(refused.group(1))]:
                raise
            routes[int(refused.group(1))] = []
    raise RuntimeError("VROOM refuse les tournées de départ")


def _shift_breaks(
    route: list[int], kept: list[int], breaks: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Break positions (visits before it) after dropping the visits of ``route`` not in ``kept``."""
    if len(kept) == len(route):
        return breaks
    kept_set = set(kept)
    return [
        (sum(1 for n in route[:position] if n in kept_set), ident) for position, ident in breaks
    ]


def _blocked(problem: RoutingProblem, routes: list[list[int]]) -> set[int]:
    """Visits not in ``routes`` that the model would refuse: their group is full, or a visit of one
    of their spacing sets is already made."""
    visited = {n for r in routes for n in r}
    blocked: set[int] = set()
    for group in problem.groups:
        if sum(1 for n in group.nodes if n in visited) >= group.max_visits:
            blocked.update(n for n in group.nodes if n not in visited)
    for nodes in problem.at_most_one:
        if any(n in visited for n in nodes):
            blocked.update(n for n in nodes if n not in visited)
    return blocked


def _vroom_input(
    problem: RoutingProblem,
    *,
    noise_seed: int = 0,
    noise: float = COST_NOISE,
    start=None,
    skip: AbstractSet[int] = frozenset(),
):
    """VROOM's input for ``problem``; ``start`` = (routes, breaks) as from `_routes_of` to resume
    from; ``noise_seed`` > 0 multiplies costs by random factors in [1, 1 + noise]; visits in
    ``skip`` are left out. VROOM serves the largest sum of priorities first, then minimises cost,
    as our penalties do: optional visits get priorities in proportion to their drop penalties
    (1..99; 100 for mandatory ones)."""
    depots = problem.depots
    rng = np.random.default_rng(noise_seed) if noise_seed else None
    inp = vroom.Input()
    # One VROOM profile per (matrix, setup, packup): our setup/packup go into the durations, so
    # that VROOM's arrival + service lands exactly where our service start can be.
    profiles: dict[tuple[int, int, int], str] = {}
    n = problem.n_nodes
    cost_matrices = problem.cost or problem.time
    for spec in problem.vehicles:
        key = (spec.matrix, spec.setup, spec.packup)
        if key in profiles:
            continue
        name = f"p{len(profiles)}"
        profiles[key] = name
        m = np.where(problem.time[spec.matrix] < 0, BIG, problem.time[spec.matrix]).astype(np.int64)
        after = np.array([0 if i in depots else spec.packup for i in range(n)], dtype=np.int64)
        before = np.array([0 if j in depots else spec.setup for j in range(n)], dtype=np.int64)
        durations = np.minimum(m + after[:, None] + before[None, :], UINT32_MAX).astype(np.uint32)
        costs = np.where(cost_matrices[spec.matrix] < 0, BIG, cost_matrices[spec.matrix]).astype(
            np.float64
        )
        if rng is not None:
            costs = np.round(costs * rng.uniform(1.0, 1.0 + noise, size=costs.shape))
        inp.set_durations_matrix(name, durations)
        inp.set_costs_matrix(name, np.minimum(costs, UINT32_MAX).astype(np.uint32))
    with_load = bool(problem.demand) and any(problem.demand)
    # VROOM wants a vehicle to hold *all* the skills of a job: one skill per distinct set of
    # allowed vehicles, held by each vehicle of the set.
    skill_of: dict[frozenset[int], int] = {}
    for allowed in problem.allowed or ():
        if allowed is not None and allowed not in skill_of:
            skill_of[allowed] = len(skill_of) + 1
    penalties = _penalty_of(problem)
    top = max(penalties.values(), default=1) or 1
    for node in range(n):
        if node in depots or node in skip:
            continue
        allowed = problem.allowed[node] if problem.allowed else None
        windows = [vroom.TimeWindow(int(a), int(b)) for a, b in sorted(problem.windows[node])]
        mandatory = node not in penalties
        inp.add_job(
            vroom.Job(
                node,
                location=node,
                default_service=int(problem.service[node]),
                delivery=[int(problem.demand[node])] if with_load else [],
                skills={skill_of[allowed]} if allowed is not None else None,
                priority=100
                if mandatory
                else min(99, max(1, round(99 * penalties.get(node, 0) / top))),
                time_windows=windows,
            )
        )
    total = sum(problem.demand) if with_load else 0
    for v, spec in enumerate(problem.vehicles):
        inp.add_vehicle(
            vroom.Vehicle(
                v,
                start=spec.start,
                end=spec.end,
                profile=profiles[(spec.matrix, spec.setup, spec.packup)],
                capacity=[int(spec.capacity if spec.capacity is not None else total)]
                if with_load
                else [],
                skills={k for allowed, k in skill_of.items() if v in allowed},
                time_window=vroom.TimeWindow(*(int(t) for t in spec.shift)),
                breaks=[
                    vroom.Break(
                        k,
                        time_windows=[vroom.TimeWindow(b.earliest_start, b.latest_start)],
                        service=b.duration,
                    )
                    for k, b in enumerate(spec.breaks)
                ],
                max_travel_time=spec.max_drive,
                costs=vroom.VehicleCosts(fixed=int(spec.fixed_cost)),
                steps=_steps(*(part[v] for part in start)) if start and start[0][v] else (),
            )
        )
    return inp


def _steps(route: list[int], breaks: list[tuple[int, int]]):
    """VROOM vehicle steps: the visits of ``route`` in order, each break before the visit it preceded."""
    steps = [vroom.VehicleStep("start")]
    pending = sorted(breaks)
    for position, node in enumerate(route):
        while pending and pending[0][0] <= position:
            steps.append(vroom.VehicleStep("break", pending.pop(0)[1]))
        steps.append(vroom.VehicleStep("single", int(node)))
    steps.extend(vroom.VehicleStep("break", ident) for _, ident in pending)
    steps.append(vroom.VehicleStep("end"))
    return steps


def _respect_groups(problem: RoutingProblem, routes: list[list[int]]) -> list[list[int]]:
    """Drop visits beyond a group's ``max_visits`` or sharing an at-most-one set with a kept visit."""
    if not problem.groups and not problem.at_most_one:
        return routes
    group_of = {node: g for g, group in enumerate(problem.groups) for node in group.nodes}
    taken = [0] * len(problem.groups)
    sets_of: dict[int, list[int]] = {}
    for k, nodes in enumerate(problem.at_most_one):
        for node in nodes:
            sets_of.setdefault(node, []).append(k)
    used_sets: set[int] = set()
    out = []
    for route in routes:
        kept = []
        for node in route:
            g = group_of.get(node)
            if g is not None and taken[g] >= problem.groups[g].max_visits:
                continue
            if used_sets.intersection(sets_of.get(node, ())):
                continue
            if g is not None:
                taken[g] += 1
            used_sets.update(sets_of.get(node, ()))
            kept.append(node)
        out.append(kept)
    return out
