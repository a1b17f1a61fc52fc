"""Ruin and recreate (SISR) over a `RoutingProblem`, compiled with numba: an escape from the
local optima where OR-Tools' one-node moves stall.

Slack Induction by String Removals (Christiaens & Vanden Berghe, 2020): remove a few strings
of visits that are close to each other, over adjacent routes, put them back greedily (with
blinks), accept the result by simulated annealing. Made prize-aware: a visit that may be
dropped is put back only where its added cost is below its penalty, the unserved ones near
the ruined area are offered too, and one recreate order puts the most valuable first.

The kernel knows windows (several per visit), set-up/service/pack-up, shifts, capacities,
driving limits, allowed vehicles, fixed costs, visit groups and spacing sets; a vehicle with
breaks has its route checked by a schedule that places each break greedily. It only proposes
routes: OR-Tools loads them with ``ReadAssignmentFromRoutes`` (every rule of the model checked,
the exact objective) and searches on (see `routing.optimiser.solve_one`).
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from .problem import BIG, BreakSpec, RoutingProblem, VehicleSpec

log = logging.getLogger(__name__)

INF = np.int64(2**60)
MANDATORY_PENALTY = 10**12  # a mandatory visit left out: worse than any plan that serves it
CHUNK = 500  # iterations between two looks at the clock
REPORT_S = 0.25  # between two improving routes reported (`improve`'s ``on_best``)
AVG_REMOVED = 10.0  # SISR's c̄: visits removed per ruin, on average
MAX_STRING = 10  # SISR's L^max
SPLIT_RATE = 0.5
SPLIT_DEPTH = 0.01
BLINK_RATE = 0.01
NEAR_UNSERVED = 20  # unserved visits among the seed's nearest offered to the recreate
T_START = 1.0  # start/end temperatures, in average arc costs of the start
T_END = 0.01
CYCLES = 1  # the temperature falls this many times, each time from the best routes so far


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
    n_sets: int
    near: np.ndarray  # [n, k] visits by closeness
    span_cost: int


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
        len(problem.at_most_one),
        near,
        int(problem.span_cost),
    )


# --- schedule of one route -------------------------------------------------------------------


@njit(cache=True)
def _first_start(node, arrival, setup, win_ptr, win_a, win_b):
    """Earliest cumul (start of set-up) at or after ``arrival`` in ``node``'s windows; INF if none."""
    for k in range(win_ptr[node], win_ptr[node + 1]):
        if arrival <= win_b[k] - setup:
            return max(arrival, win_a[k] - setup)
    return INF


@njit(cache=True)
def _last_start(node, bound, setup, win_ptr, win_a, win_b):
    """Latest cumul at or before ``bound`` in ``node``'s windows; -INF if none."""
    for k in range(win_ptr[node + 1] - 1, win_ptr[node] - 1, -1):
        if win_a[k] - setup <= bound:
            return min(bound, win_b[k] - setup)
    return -INF


@njit(cache=True)
def _simulate(v, seq, length, tm, veh, brk, service, win_ptr, win_a, win_b):
    """Arrival at the end depot of the visits ``seq[:length]`` by vehicle ``v`` leaving at the
    start of its shift, breaks taken greedily (when free, or when later would be too late);
    INF if the route breaks a window, a break or the shift."""
    m, start, end, s0, s1, setup, packup = (
        veh[v, 0],
        veh[v, 1],
        veh[v, 2],
        veh[v, 3],
        veh[v, 4],
        veh[v, 5],
        veh[v, 6],
    )
    cur = s0
    loc = start
    b = 0
    n_b = brk.shape[1]
    for i in range(length + 1):
        nxt = seq[i] if i < length else end
        travel = tm[m, loc, nxt]
        while b < n_b and brk[v, b, 1] >= 0:
            es, ls, dur = brk[v, b, 0], brk[v, b, 1], brk[v, b, 2]
            arrival = cur + travel
            if i < length:
                st = _first_start(nxt, arrival, setup, win_ptr, win_a, win_b)
                after = st + setup + service[nxt] + packup if st < INF else INF
            else:
                st = arrival
                after = arrival
            bs = max(cur, es)
            if bs > ls:
                return INF
            arrival_b = bs + dur + travel
            st_b = (
                _first_start(nxt, arrival_b, setup, win_ptr, win_a, win_b)
                if i < length
                else arrival_b
            )
            if i == length or st_b == st or max(after, es) > ls:
                cur = bs + dur
                b += 1
            else:
                break
        arrival = cur + travel
        if i == length:
            return arrival if arrival <= s1 else INF
        st = _first_start(nxt, arrival, setup, win_ptr, win_a, win_b)
        if st >= INF:
            return INF
        cur = st + setup + service[nxt] + packup
        loc = nxt
    return INF


@njit(cache=True)
def _recompute(
    v,
    routes,
    rlen,
    early,
    late,
    rstat,
    tm,
    cm,
    veh,
    brk,
    service,
    demand,
    win_ptr,
    win_a,
    win_b,
    span_cost,
):
    """Schedule, cost, load and drive of route ``v`` into ``early``/``late``/``rstat``
    (cost incl. fixed and span, load, drive); False if it breaks a rule."""
    length = rlen[v]
    m, start, end, s0, s1, setup, packup = (
        veh[v, 0],
        veh[v, 1],
        veh[v, 2],
        veh[v, 3],
        veh[v, 4],
        veh[v, 5],
        veh[v, 6],
    )
    if length == 0:
        rstat[v, 0] = 0
        rstat[v, 1] = 0
        rstat[v, 2] = 0
        return True
    cost = veh[v, 9]
    load = 0
    drive = 0
    loc = start
    for i in range(length):
        u = routes[v, i]
        cost += cm[m, loc, u]
        drive += tm[m, loc, u]
        load += demand[u]
        loc = u
    cost += cm[m, loc, end]
    drive += tm[m, loc, end]
    if load > veh[v, 7] or drive > veh[v, 8]:
        return False
    if veh[v, 10]:
        arrival = _simulate(v, routes[v], length, tm, veh, brk, service, win_ptr, win_a, win_b)
        if arrival >= INF:
            return False
        cost += span_cost * (arrival - s0)
    else:
        cur = s0
        loc = start
        for i in range(length):
            u = routes[v, i]
            st = _first_start(u, cur + tm[m, loc, u], setup, win_ptr, win_a, win_b)
            if st >= INF:
                return False
            early[v, i] = st
            cur = st + setup + service[u] + packup
            loc = u
        if cur + tm[m, loc, end] > s1:
            return False
        bound = s1 - tm[m, loc, end]
        for i in range(length - 1, -1, -1):
            u = routes[v, i]
            lt = _last_start(u, bound - setup - service[u] - packup, setup, win_ptr, win_a, win_b)
            late[v, i] = lt
            if i > 0:
                bound = lt - tm[m, routes[v, i - 1], u]
        if span_cost:
            depart = max(s0, late[v, 0] - tm[m, start, routes[v, 0]])
            cur = depart
            loc = start
            for i in range(length):
                u = routes[v, i]
                cur = (
                    _first_start(u, cur + tm[m, loc, u], setup, win_ptr, win_a, win_b)
                    + setup
                    + service[u]
                    + packup
                )
                loc = u
            cost += span_cost * (cur + tm[m, loc, end] - depart)
    rstat[v, 0] = cost
    rstat[v, 1] = load
    rstat[v, 2] = drive
    return True


@njit(cache=True)
def _insertion(
    u,
    v,
    routes,
    rlen,
    early,
    late,
    rstat,
    tm,
    cm,
    veh,
    brk,
    service,
    demand,
    win_ptr,
    win_a,
    win_b,
    blink,
    scratch,
):
    """Cheapest feasible position of ``u`` in route ``v``: (added arc cost, position), or
    (INF, -1). Each position is skipped with probability ``blink``."""
    length = rlen[v]
    m, start, end, s0, s1, setup, packup = (
        veh[v, 0],
        veh[v, 1],
        veh[v, 2],
        veh[v, 3],
        veh[v, 4],
        veh[v, 5],
        veh[v, 6],
    )
    if rstat[v, 1] + demand[u] > veh[v, 7]:
        return INF, -1
    best = INF
    best_p = -1
    dur_u = setup + service[u] + packup
    for p in range(length + 1):
        if blink > 0.0 and np.random.random() < blink:
            continue
        prev = start if p == 0 else routes[v, p - 1]
        nxt = end if p == length else routes[v, p]
        delta = cm[m, prev, u] + cm[m, u, nxt] - cm[m, prev, nxt]
        if delta >= best:
            continue
        if rstat[v, 2] + tm[m, prev, u] + tm[m, u, nxt] - tm[m, prev, nxt] > veh[v, 8]:
            continue
        if veh[v, 10]:
            for i in range(p):
                scratch[i] = routes[v, i]
            scratch[p] = u
            for i in range(p, length):
                scratch[i + 1] = routes[v, i]
            if (
                _simulate(v, scratch, length + 1, tm, veh, brk, service, win_ptr, win_a, win_b)
                >= INF
            ):
                continue
        else:
            ready = s0 if p == 0 else early[v, p - 1] + setup + service[prev] + packup
            st = _first_start(u, ready + tm[m, prev, u], setup, win_ptr, win_a, win_b)
            if st >= INF:
                continue
            arrival = st + dur_u + tm[m, u, nxt]
            if p == length:
                if arrival > s1:
                    continue
            elif _first_start(nxt, arrival, setup, win_ptr, win_a, win_b) > late[v, p]:
                continue
        best = delta
        best_p = p
    if best_p >= 0 and length == 0:
        best += veh[v, 9]
    return best, best_p


# --- one ruin and recreate -------------------------------------------------------------------


@njit(cache=True)
def _remove_string(
    v,
    first,
    count,
    keep_from,
    keep_count,
    routes,
    rlen,
    where,
    removed,
    n_removed,
    group_count,
    set_count,
    group,
    set_ptr,
    set_ids,
):
    """Remove ``count`` visits of route ``v`` from position ``first`` on, except the
    ``keep_count`` starting at position ``keep_from`` (split string)."""
    length = rlen[v]
    w = 0
    for i in range(length):
        u = routes[v, i]
        inside = first <= i < first + count + keep_count and not (
            keep_from <= i < keep_from + keep_count
        )
        if inside:
            removed[n_removed] = u
            n_removed += 1
            where[u] = -1
            group_count[group[u]] -= 1
            for k in range(set_ptr[u], set_ptr[u + 1]):
                set_count[set_ids[k]] -= 1
        else:
            routes[v, w] = u
            w += 1
    rlen[v] = w
    return n_removed


@njit(cache=True)
def _insert_one(
    u, blink, routes, rlen, early, late, rstat, where, group_count, set_count,
    tm, cm, veh, brk, service, demand, win_ptr, win_a, win_b,
    allowed, group, group_max, group_pen, set_ptr, set_ids, span_cost, scratch,
):  # fmt: skip
    """Put ``u`` where it adds least, if its group and spacing sets allow it and it adds less
    than its penalty; whether it was put."""
    g = group[u]
    if g < 0 or where[u] >= 0 or group_count[g] >= group_max[g]:
        return False
    for k in range(set_ptr[u], set_ptr[u + 1]):
        if set_count[set_ids[k]] > 0:
            return False
    best_delta = INF
    best_v = -1
    best_p = -1
    for v in range(routes.shape[0]):
        if not allowed[v, u]:
            continue
        delta, p = _insertion(
            u, v, routes, rlen, early, late, rstat, tm, cm, veh, brk, service, demand,
            win_ptr, win_a, win_b, blink, scratch,
        )  # fmt: skip
        if p >= 0 and delta < best_delta:
            best_delta = delta
            best_v = v
            best_p = p
    if best_v < 0 or best_delta >= group_pen[g]:
        return False
    length = rlen[best_v]
    for i in range(length, best_p, -1):
        routes[best_v, i] = routes[best_v, i - 1]
    routes[best_v, best_p] = u
    rlen[best_v] = length + 1
    if not _recompute(
        best_v, routes, rlen, early, late, rstat, tm, cm, veh, brk, service, demand,
        win_ptr, win_a, win_b, span_cost,
    ):  # fmt: skip
        for i in range(best_p, length):
            routes[best_v, i] = routes[best_v, i + 1]
        rlen[best_v] = length
        _recompute(
            best_v, routes, rlen, early, late, rstat, tm, cm, veh, brk, service, demand,
            win_ptr, win_a, win_b, span_cost,
        )  # fmt: skip
        return False
    where[u] = best_v
    group_count[g] += 1
    for k in range(set_ptr[u], set_ptr[u + 1]):
        set_count[set_ids[k]] += 1
    return True


@njit(cache=True)
def _fill(
    routes, rlen, early, late, rstat, where, group_count, set_count,
    tm, cm, veh, brk, service, demand, win_ptr, win_a, win_b,
    allowed, group, group_max, group_pen, set_ptr, set_ids, span_cost,
):  # fmt: skip
    """Insert every unserved visit that fits and pays for itself, most valuable first, until
    none does: the search's answer never leaves out a visit that fits as it stands."""
    n = service.shape[0]
    scratch = np.zeros(n + 2, dtype=np.int64)
    keys = np.zeros(n, dtype=np.float64)
    for u in range(n):
        keys[u] = -group_pen[group[u]] if group[u] >= 0 else 0.0
    order = np.argsort(keys)
    added = 0
    changed = True
    while changed:
        changed = False
        for oi in range(n):
            u = order[oi]
            if _insert_one(
                u, 0.0, routes, rlen, early, late, rstat, where, group_count, set_count,
                tm, cm, veh, brk, service, demand, win_ptr, win_a, win_b,
                allowed, group, group_max, group_pen, set_ptr, set_ids, span_cost, scratch,
            ):  # fmt: skip
                changed = True
                added += 1
    return added


@njit(cache=True)
def _iterate(
    iterations,
    temp_from,
    temp_to,
    seed,
    routes,
    rlen,
    early,
    late,
    rstat,
    where,
    group_count,
    set_count,
    objective,
    best_routes,
    best_rlen,
    best_obj,
    tm,
    cm,
    veh,
    brk,
    service,
    demand,
    win_ptr,
    win_a,
    win_b,
    allowed,
    group,
    group_max,
    group_pen,
    set_ptr,
    set_ids,
    near,
    span_cost,
    prize_first,
):
    """``iterations`` SISR steps from the current state (updated in place, with the best found);
    the temperature falls geometrically from ``temp_from`` to ``temp_to``. Returns the current
    and the best objectives."""
    np.random.seed(seed)
    n_veh = routes.shape[0]
    n = service.shape[0]
    # working copies
    c_routes = routes.copy()
    c_rlen = rlen.copy()
    c_early = early.copy()
    c_late = late.copy()
    c_rstat = rstat.copy()
    c_where = where.copy()
    c_gc = group_count.copy()
    c_sc = set_count.copy()
    removed = np.zeros(n, dtype=np.int64)
    candidates = np.zeros(n, dtype=np.int64)
    keys = np.zeros(n, dtype=np.float64)
    scratch = np.zeros(n + 2, dtype=np.int64)
    touched = np.zeros(n_veh, dtype=np.bool_)
    offered = np.zeros(n, dtype=np.bool_)
    current = objective
    best = best_obj
    ratio = temp_to / temp_from if temp_from > 0 else 1.0
    for it in range(iterations):
        temperature = temp_from * ratio ** (it / max(1, iterations))
        c_routes[:, :] = routes
        c_rlen[:] = rlen
        c_early[:, :] = early
        c_late[:, :] = late
        c_rstat[:, :] = rstat
        c_where[:] = where
        c_gc[:] = group_count
        c_sc[:] = set_count
        touched[:] = False
        # ruin
        used = 0
        served = 0
        for v in range(n_veh):
            if c_rlen[v] > 0:
                used += 1
                served += c_rlen[v]
        n_removed = 0
        seed_node = -1
        if served > 0:
            k = np.random.randint(0, served)
            for v in range(n_veh):
                if k < c_rlen[v]:
                    seed_node = c_routes[v, k]
                    break
                k -= c_rlen[v]
            avg_len = served / used
            l_max = min(float(MAX_STRING), avg_len)
            k_max = 4.0 * AVG_REMOVED / (1.0 + l_max) - 1.0
            strings = int(np.random.random() * k_max) + 1
            ruined = 0
            for j in range(-1, near.shape[1]):
                if ruined >= strings:
                    break
                c = seed_node if j < 0 else near[seed_node, j]
                v = c_where[c]
                if v < 0 or touched[v]:
                    continue
                touched[v] = True
                ruined += 1
                length = c_rlen[v]
                pos = 0
                for i in range(length):
                    if c_routes[v, i] == c:
                        pos = i
                card = int(np.random.random() * min(float(length), l_max)) + 1
                keep = 0
                if card < length and np.random.random() < SPLIT_RATE:
                    keep = 1
                    while card + keep < length and np.random.random() > SPLIT_DEPTH:
                        keep += 1
                span = card + keep
                lo = max(0, pos - span + 1)
                hi = min(pos, length - span)
                first = lo + int(np.random.random() * (hi - lo + 1))
                keep_from = first + int(np.random.random() * (card + 1)) if keep else -1
                n_removed = _remove_string(
                    v,
                    first,
                    card,
                    keep_from,
                    keep,
                    c_routes,
                    c_rlen,
                    c_where,
                    removed,
                    n_removed,
                    c_gc,
                    c_sc,
                    group,
                    set_ptr,
                    set_ids,
                )
            for v in range(n_veh):
                if touched[v]:
                    _recompute(
                        v,
                        c_routes,
                        c_rlen,
                        c_early,
                        c_late,
                        c_rstat,
                        tm,
                        cm,
                        veh,
                        brk,
                        service,
                        demand,
                        win_ptr,
                        win_a,
                        win_b,
                        span_cost,
                    )
        # what to put back: the removed, and unserved visits near the ruin
        n_cand = 0
        offered[:] = False
        for i in range(n_removed):
            candidates[n_cand] = removed[i]
            offered[removed[i]] = True
            n_cand += 1
        anchor = seed_node if seed_node >= 0 else np.random.randint(0, n)
        extra = 0
        for j in range(near.shape[1]):
            if extra >= NEAR_UNSERVED:
                break
            c = near[anchor, j]
            if group[c] >= 0 and c_where[c] < 0 and not offered[c]:
                candidates[n_cand] = c
                offered[c] = True
                n_cand += 1
                extra += 1
        # order
        r = np.random.random()
        for i in range(n_cand):
            u = candidates[i]
            if prize_first and r < 0.4:
                keys[i] = -group_pen[group[u]] * (1.0 + 0.2 * np.random.random())
            elif r < 0.6:
                keys[i] = np.random.random()
            elif r < 0.8:
                keys[i] = -demand[u] - np.random.random()
            elif r < 0.95:
                keys[i] = -cm[veh[0, 0], veh[0, 1], u] - np.random.random()
            else:
                keys[i] = cm[veh[0, 0], veh[0, 1], u] + np.random.random()
        order = np.argsort(keys[:n_cand])
        # recreate
        for oi in range(n_cand):
            _insert_one(
                candidates[order[oi]], BLINK_RATE, c_routes, c_rlen, c_early, c_late, c_rstat,
                c_where, c_gc, c_sc, tm, cm, veh, brk, service, demand, win_ptr, win_a, win_b,
                allowed, group, group_max, group_pen, set_ptr, set_ids, span_cost, scratch,
            )  # fmt: skip
        # accept
        total = 0
        for v in range(n_veh):
            total += c_rstat[v, 0]
        for g in range(group_max.shape[0]):
            total += group_pen[g] * max(0, group_max[g] - c_gc[g])
        if total < current - temperature * math.log(np.random.random()):
            current = total
            routes[:, :] = c_routes
            rlen[:] = c_rlen
            early[:, :] = c_early
            late[:, :] = c_late
            rstat[:, :] = c_rstat
            where[:] = c_where
            group_count[:] = c_gc
            set_count[:] = c_sc
            if total < best:
                best = total
                best_routes[:, :] = c_routes
                best_rlen[:] = c_rlen
    return current, best


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
        return bool(
            _recompute(
                v,
                self.routes,
                self.rlen,
                self.early,
                self.late,
                self.rstat,
                data.time,
                data.cost,
                data.veh,
                data.brk,
                data.service,
                data.demand,
                data.win_ptr,
                data.win_a,
                data.win_b,
                data.span_cost,
            )
        )

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
) -> tuple[list[list[int]], dict]:
    """Better routes than ``routes`` (node lists per vehicle) by ruin and recreate until
    ``until`` (``time.time()`` clock); the routes themselves if nothing better is found.
    Also returns figures (iterations, objectives by the kernel's reckoning).
    ``on_best(routes)`` is called with improving routes, at most every `REPORT_S`."""
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
    began = time.time()
    total = max(1e-3, until - began)
    iterations, chunk, cycle = 0, 0, 0
    reported, reported_at = start_obj, time.time()
    while iterations == 0 or time.time() < until:  # one chunk at least
        done = min(0.999, (time.time() - began) / total) * CYCLES
        if int(done) > cycle:
            cycle = int(done)
            state = State(data, [list(r[:k]) for r, k in zip(best_routes, best_rlen)])
            current = state.objective(data)
        done -= int(done)
        after = min(1.0, done + 0.02 * CYCLES)
        t_from = scale * T_START * (T_END / T_START) ** done
        t_to = scale * T_START * (T_END / T_START) ** after
        current, best = _iterate(
            CHUNK,
            t_from,
            t_to,
            seed * 100_003 + chunk,
            state.routes,
            state.rlen,
            state.early,
            state.late,
            state.rstat,
            state.where,
            state.group_count,
            state.set_count,
            current,
            best_routes,
            best_rlen,
            best,
            data.time,
            data.cost,
            data.veh,
            data.brk,
            data.service,
            data.demand,
            data.win_ptr,
            data.win_a,
            data.win_b,
            data.allowed,
            data.group,
            data.group_max,
            data.group_pen,
            data.set_ptr,
            data.set_ids,
            data.near,
            data.span_cost,
            prize_first,
        )
        iterations += CHUNK
        chunk += 1
        if on_best is not None and best < reported and time.time() - reported_at >= REPORT_S:
            reported, reported_at = best, time.time()
            on_best(_lists(best_routes, best_rlen))
    final = State(data, _lists(best_routes, best_rlen))
    filled = _fill(
        final.routes, final.rlen, final.early, final.late, final.rstat, final.where,
        final.group_count, final.set_count, data.time, data.cost, data.veh, data.brk,
        data.service, data.demand, data.win_ptr, data.win_a, data.win_b, data.allowed,
        data.group, data.group_max, data.group_pen, data.set_ptr, data.set_ids, data.span_cost,
    )  # fmt: skip
    best = final.objective(data)
    stats = {
        "rr_iterations": iterations,
        "rr_start": start_obj,
        "rr_best": best,
        "rr_filled": int(filled),
    }
    if best >= start_obj:
        return routes, stats
    return _lists(final.routes, final.rlen), stats


# --- compiled once ---------------------------------------------------------------------------


def ready() -> bool:
    """Whether the kernel is compiled (in this process or in numba's cache beside this file):
    the first compilation takes several seconds, which a search must not wait for."""
    if _iterate.signatures:
        return True
    try:  # numba's own index of cached builds; {} when the source changed since
        cache = getattr(_iterate, "_cache", None)
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


_COMPILING = Path(tempfile.gettempdir()) / "dynamobile-ruin-recreate-compiling"


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
