"""Ruin and recreate (SISR) over a `RoutingProblem`, compiled with numba: an escape from the
local optima where OR-Tools' one-node moves stall.

Slack Induction by String Removals (Christiaens & Vanden Berghe, 2020): remove a few strings
of visits that are close to each other, over adjacent routes, put them back greedily (with
blinks), accept the result by simulated annealing. Made prize-aware: a visit that may be
dropped is put back only where its added cost is below its penalty, the unserved ones near
the ruined area are offered too, and one recreate order puts the most valuable first. Two
additions for few long routes (one vehicle on a long day: the Dynamobile's shape): when there
are fewer routes than strings to remove, a route may lose several strings; and one ruin in
twenty empties the seed's whole route, its removed visits' unserved neighbours offered too, so
that a vehicle may take another course altogether. With visits that may be dropped the
temperature is `T_PRIZE` times higher. The workers of one solve meet twice and go on from a
crossover of their best plans (`routing.elite`, `_child`).

The compiled kernel (`routing.sisr_kernel`) knows windows (several per visit),
set-up/service/pack-up, shifts, capacities, driving limits, allowed vehicles, fixed costs, visit
groups and spacing sets; a vehicle with breaks has its route checked by a schedule that places
each break greedily. It only proposes
routes: OR-Tools loads them with ``ReadAssignmentFromRoutes`` (every rule of the model checked,
the exact objective) and searches on (see `routing.optimiser.solve_one`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import elite
from .problem import BIG, BreakSpec, RoutingProblem, VehicleSpec
from .sisr_kernel import INF, fill, iterate, recompute

log = logging.getLogger(__name__)

MANDATORY_PENALTY = 10**12  # a mandatory visit left out: worse than any plan that serves it
CHUNK = 500  # iterations between two looks at the clock
REPORT_S = 0.25  # between two improving routes reported (`improve`'s ``on_best``)
T_START = 1.0  # start/end temperatures, in average arc costs of the start
T_END = 0.01
# With visits that may be dropped, ×20: serving another set of visits means passing through
# plans that serve fewer, each worth far more than an arc (measured, docs/benchmarks.md).
T_PRIZE = 20.0


_A = np.ndarray
# The kernel takes flat arrays (numba); these fix their number and order in one place each.
_Schedule = tuple[_A, _A, _A, _A, _A, _A, _A, _A, _A]
_Rules = tuple[_A, _A, _A, _A, _A, _A, _A]
_StateArrays = tuple[_A, _A, _A, _A, _A, _A, _A, _A]


@dataclass(frozen=True)
class Arrays:
    """The problem as flat arrays for the kernel (see `arrays`)."""

    time: np.ndarray  # [matrices, n, n]
    cost: np.ndarray
    veh: np.ndarray  # [V, 11]: matrix, start, end, shift0, shift1, setup, packup, cap,
    #                  max_drive, fixed, has_breaks
    brk: np.ndarray  # [V, B, 3]: earliest, latest, duration (latest < 0: no break)
    service: np.ndarray
    demand: np.ndarray
    win_ptr: np.ndarray
    win_a: np.ndarray
    win_b: np.ndarray
    allowed: np.ndarray  # [V, n] bool
    group: np.ndarray  # per node its group (-1: depot)
    group_max: np.ndarray
    group_pen: np.ndarray
    set_ptr: np.ndarray  # spacing sets of each node: set_ids[set_ptr[i]:set_ptr[i+1]]
    set_ids: np.ndarray
    twin: np.ndarray  # per vehicle the last one before it that is identical (-1: none)
    n_sets: int
    near: np.ndarray  # [n, k] visits by closeness
    span_cost: int

    def schedule(self) -> _Schedule:
        """What the kernel needs to schedule and price a route, in its argument order."""
        return (
            self.time, self.cost, self.veh, self.brk, self.service, self.demand,
            self.win_ptr, self.win_a, self.win_b,
        )  # fmt: skip

    def rules(self) -> _Rules:
        """Who may visit what, and how often, in the kernel's argument order."""
        return (
            self.allowed, self.group, self.group_max, self.group_pen, self.set_ptr, self.set_ids,
            self.twin,
        )  # fmt: skip


def arrays(problem: RoutingProblem) -> Arrays:
    """Flatten ``problem``: every visit belongs to a group (its own, with max 1, when it has none;
    a mandatory one's penalty is `MANDATORY_PENALTY`)."""
    n = problem.n_nodes
    depots = problem.depots
    time_m = np.stack([np.where(m < 0, BIG, m).astype(np.int64) for m in problem.time])
    cost_src = problem.cost or problem.time
    cost_m = np.stack([np.where(m < 0, BIG, m).astype(np.int64) for m in cost_src])
    n_breaks = max((len(v.breaks) for v in problem.vehicles), default=0)
    veh = np.zeros((len(problem.vehicles), 11), dtype=np.int64)
    brk = np.full((len(problem.vehicles), max(1, n_breaks), 3), -1, dtype=np.int64)
    total_demand = int(sum(problem.demand)) if problem.demand else 0
    for v, spec in enumerate(problem.vehicles):
        veh[v] = (
            spec.matrix,
            spec.start,
            spec.end,
            spec.shift[0],
            spec.shift[1],
            spec.setup,
            spec.packup,
            spec.capacity if spec.capacity is not None else total_demand,
            spec.max_drive if spec.max_drive is not None else INF,
            spec.fixed_cost,
            1 if spec.breaks else 0,
        )
        for k, pause in enumerate(sorted(spec.breaks, key=lambda p: p.earliest_start)):
            brk[v, k] = (pause.earliest_start, pause.latest_start, pause.duration)
    win_ptr: list[int] = [0]
    win_a: list[int] = []
    win_b: list[int] = []
    for node in range(n):
        spans: list[list[int]] = []
        for a, b in sorted(problem.windows[node]) if node not in depots else []:
            if spans and a <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        win_a += [s[0] for s in spans]
        win_b += [s[1] for s in spans]
        win_ptr.append(len(win_a))
    allowed = np.ones((len(problem.vehicles), n), dtype=np.bool_)
    for node, vehicles in enumerate(problem.allowed or ()):
        if vehicles is not None:
            allowed[:, node] = False
            allowed[sorted(vehicles), node] = True
    group = np.full(n, -1, dtype=np.int64)
    group_max: list[int] = []
    group_pen: list[int] = []
    for g in problem.groups:
        for node in g.nodes:
            group[node] = len(group_max)
        group_max.append(g.max_visits)
        group_pen.append(int(g.penalty))
    for node in range(n):
        if node in depots or group[node] >= 0:
            continue
        penalty = problem.penalty[node] if problem.penalty else None
        group[node] = len(group_max)
        group_max.append(1)
        group_pen.append(MANDATORY_PENALTY if penalty is None else int(penalty))
    sets_of: list[list[int]] = [[] for _ in range(n)]
    for k, nodes in enumerate(problem.at_most_one):
        for node in nodes:
            sets_of[node].append(k)
    set_ptr = np.cumsum([0] + [len(s) for s in sets_of]).astype(np.int64)
    set_ids = np.array([k for s in sets_of for k in s], dtype=np.int64)
    visits = np.array([i for i in range(n) if i not in depots], dtype=np.int64)
    c0 = cost_m[0].astype(np.float64)
    closeness = np.minimum(c0, c0.T)
    near = np.zeros((n, max(1, len(visits) - 1)), dtype=np.int64)
    for i in visits:
        order = visits[np.argsort(closeness[i, visits], kind="stable")]
        order = order[order != i]
        near[i, : len(order)] = order
    return Arrays(
        time_m,
        cost_m,
        veh,
        brk,
        np.array(problem.service, dtype=np.int64),
        np.array(problem.demand or [0] * n, dtype=np.int64),
        np.array(win_ptr, dtype=np.int64),
        np.array(win_a, dtype=np.int64),
        np.array(win_b, dtype=np.int64),
        allowed,
        group,
        np.array(group_max, dtype=np.int64),
        np.array(group_pen, dtype=np.int64),
        set_ptr,
        set_ids,
        _twins(veh, brk, allowed),
        len(problem.at_most_one),
        near,
        int(problem.span_cost),
    )


def _twins(veh: np.ndarray, brk: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """For each vehicle the last one before it with the same figures, breaks and allowed
    visits (-1: none): an empty route is tried for one of identical empty vehicles only, which
    makes each insertion 1.6× faster on Solomon's 25-vehicle fleets."""
    twin = np.full(len(veh), -1, dtype=np.int64)
    last: dict[bytes, int] = {}
    for v in range(len(veh)):
        key = veh[v].tobytes() + brk[v].tobytes() + allowed[v].tobytes()
        twin[v] = last.get(key, -1)
        last[key] = v
    return twin


# --- driver ----------------------------------------------------------------------------------


def _lists(routes: np.ndarray, lengths: np.ndarray) -> list[list[int]]:
    return [[int(u) for u in routes[v, : lengths[v]]] for v in range(len(lengths))]


class State:
    """Routes and their schedules as the kernel keeps them."""

    def __init__(self, data: Arrays, routes: list[list[int]]):
        n_veh, n = data.veh.shape[0], data.service.shape[0]
        self.routes = np.zeros((n_veh, n + 1), dtype=np.int64)
        self.rlen = np.zeros(n_veh, dtype=np.int64)
        self.early = np.zeros((n_veh, n + 1), dtype=np.int64)
        self.late = np.zeros((n_veh, n + 1), dtype=np.int64)
        self.rstat = np.zeros((n_veh, 3), dtype=np.int64)
        self.where = np.full(n, -1, dtype=np.int64)
        self.group_count = np.zeros(len(data.group_max), dtype=np.int64)
        self.set_count = np.zeros(max(1, data.n_sets), dtype=np.int64)
        for v, route in enumerate(routes):
            kept: list[int] = []
            for u in route:  # keep the longest feasible prefix-wise subsequence of the start
                if not (0 <= u < n) or data.group[u] < 0 or self.where[u] >= 0:
                    continue
                if not data.allowed[v, u]:
                    continue
                g = data.group[u]
                if self.group_count[g] >= data.group_max[g]:
                    continue
                ids = data.set_ids[data.set_ptr[u] : data.set_ptr[u + 1]]
                if np.any(self.set_count[ids] > 0):
                    continue
                self.routes[v, : len(kept) + 1] = [*kept, u]
                self.rlen[v] = len(kept) + 1
                if not self._recompute(data, v):
                    self.rlen[v] = len(kept)
                    self.routes[v, : len(kept)] = kept
                    continue
                kept.append(u)
                self.where[u] = v
                self.group_count[g] += 1
                self.set_count[ids] += 1
            self.rlen[v] = len(kept)
            self.routes[v, : len(kept)] = kept
            self._recompute(data, v)

    def _recompute(self, data: Arrays, v: int) -> bool:
        routes = (self.routes, self.rlen, self.early, self.late, self.rstat)
        return bool(recompute(v, *routes, *data.schedule(), data.span_cost))

    def arrays(self) -> _StateArrays:
        """Routes, schedules and counts, in the kernel's argument order."""
        return (
            self.routes, self.rlen, self.early, self.late, self.rstat, self.where,
            self.group_count, self.set_count,
        )  # fmt: skip

    def objective(self, data: Arrays) -> int:
        missing = np.maximum(0, data.group_max - self.group_count)
        return int(self.rstat[:, 0].sum() + (data.group_pen * missing).sum())


def improve(
    problem: RoutingProblem,
    routes: list[list[int]],
    *,
    until: float,
    seed: int = 1,
    on_best: Callable[[list[list[int]]], None] | None = None,
    pool: elite.Pool | None = None,
    heat: float = 1.0,
) -> tuple[list[list[int]], dict]:
    """Better routes than ``routes`` (node lists per vehicle) by ruin and recreate until
    ``until`` (``time.time()`` clock); the routes themselves if nothing better is found.
    Also returns figures (iterations, objectives by the kernel's reckoning).
    ``on_best(routes)`` is called with improving routes, at most every `REPORT_S`. With a
    ``pool``, the search meets the other workers' at `elite.MEETINGS` and may go on from a
    child (`_child`); ``heat`` multiplies the temperature when every visit is mandatory."""
    data = arrays(problem)
    state = State(data, routes)
    start_obj = state.objective(data)
    served = int(state.rlen.sum())
    arcs = max(1, served + int((state.rlen > 0).sum()))
    routing_cost = int(state.rstat[:, 0].sum())
    scale = max(1.0, routing_cost / arcs)
    best_routes, best_rlen = state.routes.copy(), state.rlen.copy()
    best = start_obj
    current = start_obj
    prize_first = bool(np.any(data.group_pen < MANDATORY_PENALTY))
    if prize_first:
        scale *= T_PRIZE
    else:
        scale *= heat
    began = time.time()
    total = max(1e-3, until - began)
    iterations, chunk = 0, 0
    reported, reported_at = start_obj, time.time()
    meeting, shared, met, children = 0, False, 0, 0
    rng = np.random.default_rng(seed)
    while iterations == 0 or time.time() < until:  # one chunk at least
        done = min(0.999, (time.time() - began) / total)
        if pool is not None and meeting < len(elite.MEETINGS) and done >= elite.MEETINGS[meeting]:
            if not shared:
                pool.share(meeting, best, _lists(best_routes, best_rlen))
                shared = True
            others = pool.others(meeting)
            # The others' plans are awaited until the next meeting point (they may have started
            # later); a meeting they miss is passed.
            last = meeting + 1 >= len(elite.MEETINGS)
            if others or (not last and done >= elite.MEETINGS[meeting + 1]):
                meeting, shared = meeting + 1, False
            if others:
                met += 1
                child = _child(data, _lists(best_routes, best_rlen), best, min(others), rng)
                if child is not None:
                    state, current = child
                    children += 1
                    if current < best:
                        best_routes[:], best_rlen[:], best = state.routes, state.rlen, current
        after = min(1.0, done + 0.02)
        t_from = scale * T_START * (T_END / T_START) ** done
        t_to = scale * T_START * (T_END / T_START) ** after
        current, best = iterate(
            CHUNK, t_from, t_to, seed * 100_003 + chunk, *state.arrays(), current,
            best_routes, best_rlen, best, *data.schedule(), *data.rules(), data.near,
            data.span_cost, prize_first,
        )  # fmt: skip
        iterations += CHUNK
        chunk += 1
        if on_best is not None and best < reported and time.time() - reported_at >= REPORT_S:
            reported, reported_at = best, time.time()
            on_best(_lists(best_routes, best_rlen))
    final = State(data, _lists(best_routes, best_rlen))
    filled = fill(*final.arrays(), *data.schedule(), *data.rules(), data.span_cost)
    best = final.objective(data)
    stats = {
        "rr_iterations": iterations,
        "rr_start": start_obj,
        "rr_best": best,
        "rr_filled": int(filled),
        "rr_met": met,
        "rr_children": children,
    }
    if best >= start_obj:
        return routes, stats
    return _lists(final.routes, final.rlen), stats


def _child(
    data: Arrays,
    mine: list[list[int]],
    my_objective: int,
    theirs: tuple[int, list[list[int]]],
    rng: np.random.Generator,
) -> tuple[State, int] | None:
    """Where a search goes on after a meeting: a child of its best and the best plan of the
    others (`elite.crossover`, left-out visits put back by `fill`), or None to go on as it is.
    A worker whose best is the better one takes only a child that beats it: with one or two
    routes a child is little more than the other plan, and a lead thrown away measured worse
    (docs/benchmarks.md)."""
    their_objective, their_routes = theirs
    routes = elite.crossover(mine, their_routes, data.group, data.twin, data.near, rng)
    state = State(data, routes)
    fill(*state.arrays(), *data.schedule(), *data.rules(), data.span_cost)
    objective = state.objective(data)
    if objective >= MANDATORY_PENALTY:  # a mandatory visit would be left out
        return None
    if their_objective >= my_objective and objective >= my_objective:
        return None
    return state, objective


# --- compiled once ---------------------------------------------------------------------------


def ready() -> bool:
    """Whether the kernel is compiled (in this process or in numba's cache beside this file):
    the first compilation takes several seconds, which a search must not wait for."""
    if iterate.signatures:
        return True
    try:  # numba's own index of cached builds; {} when the source changed since
        cache = getattr(iterate, "_cache", None)
        return bool(cache is not None and cache._cache_file._load_index())
    except Exception:  # any doubt means "not ready"
        return False


def compile_kernel() -> float:
    """Compile the kernel (and fill numba's cache) on a tiny problem; seconds it took."""
    started = time.perf_counter()
    time_m = np.array([[0, 5, 5], [5, 0, 5], [5, 5, 0]], dtype=np.int64)
    problem = RoutingProblem(
        time=(time_m,),
        service=(0, 1, 1),
        windows=((), ((0, 50),), ((0, 50),)),
        vehicles=(VehicleSpec(0, 0, (0, 100), breaks=(BreakSpec(10, 60, 5),)),),
        penalty=(None, 10, None),
    )
    improve(problem, [[1, 2]], until=time.time() + 0.01)
    return time.perf_counter() - started


# One marker per installed copy: two checkouts on one machine compile each their own.
_COMPILING = Path(tempfile.gettempdir()) / (
    "dynamobile-ruin-recreate-compiling-"
    + hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:12]
)


def compile_in_background() -> None:
    """Start compiling the kernel in a process of its own, unless one started in the last
    ten minutes; searches meanwhile run without ruin and recreate."""
    try:
        if _COMPILING.exists() and time.time() - _COMPILING.stat().st_mtime < 600:
            return
        _COMPILING.touch()
    except OSError:
        return
    log.info(
        "compilation de la recherche par destruction-reconstruction (une fois, en arrière-plan)"
    )
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    subprocess.Popen(  # our own module, no shell
        [sys.executable, "-m", "routing.ruin_recreate"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


if __name__ == "__main__":
    try:
        print(f"noyau compilé en {compile_kernel():.1f} s")
    finally:
        _COMPILING.unlink(missing_ok=True)
