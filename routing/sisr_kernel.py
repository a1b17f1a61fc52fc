"""The compiled kernel of ruin and recreate (see `routing.ruin_recreate`, which drives it):
schedules of one route, cheapest insertion, string removal, one SISR step with annealing
acceptance, and the final fill. Flat int64 arrays in, state updated in place; numba's
``nopython`` mode, cached beside this file.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

INF = np.int64(2**60)
# SISR's parameters (Christiaens & Vanden Berghe, 2020). numba freezes module globals when it
# compiles: changing one at run time changes nothing until the kernel is compiled again.
AVG_REMOVED = 10.0  # c̄: visits removed per ruin, on average
MAX_STRING = 10  # L^max
SPLIT_RATE = 0.5
SPLIT_DEPTH = 0.01
BLINK_RATE = 0.01
NEAR_UNSERVED = 20  # unserved visits among the ruin's nearest offered to the recreate
ROUTE_RUIN_RATE = 0.05  # share of ruins that empty the seed's whole route
NEAR_EACH = 3  # after a whole-route ruin, unserved visits offered near each removed one


# --- schedule of one route -------------------------------------------------------------------


@njit(cache=True)
def _vehicle(veh, v):
    """Vehicle ``v``'s matrix, start and end nodes, shift start and end, set-up and pack-up."""
    return veh[v, 0], veh[v, 1], veh[v, 2], veh[v, 3], veh[v, 4], veh[v, 5], veh[v, 6]


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
    m, start, end, s0, s1, setup, packup = _vehicle(veh, v)
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
def recompute(
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
    m, start, end, s0, s1, setup, packup = _vehicle(veh, v)
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
    m, start, end, s0, s1, setup, packup = _vehicle(veh, v)
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
    allowed, group, group_max, group_pen, set_ptr, set_ids, twin, span_cost, scratch,
):  # fmt: skip
    """Put ``u`` where it adds least, if its group and spacing sets allow it and it adds less
    than its penalty; whether it was put. Of identical empty vehicles only the first is tried
    (``twin[v]``: the last vehicle before ``v`` that is identical, -1 if none)."""
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
        if not allowed[v, u] or (rlen[v] == 0 and twin[v] >= 0 and rlen[twin[v]] == 0):
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
    if not recompute(
        best_v, routes, rlen, early, late, rstat, tm, cm, veh, brk, service, demand,
        win_ptr, win_a, win_b, span_cost,
    ):  # fmt: skip
        for i in range(best_p, length):
            routes[best_v, i] = routes[best_v, i + 1]
        rlen[best_v] = length
        recompute(
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
def fill(
    routes, rlen, early, late, rstat, where, group_count, set_count,
    tm, cm, veh, brk, service, demand, win_ptr, win_a, win_b,
    allowed, group, group_max, group_pen, set_ptr, set_ids, twin, span_cost,
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
                allowed, group, group_max, group_pen, set_ptr, set_ids, twin, span_cost, scratch,
            ):  # fmt: skip
                changed = True
                added += 1
    return added


@njit(cache=True)
def _offer_near(node, limit, near, group, where, offered, candidates, n_cand):
    """Add to ``candidates[:n_cand]`` up to ``limit`` unserved visits nearest ``node`` not yet
    offered; the new count."""
    extra = 0
    for j in range(near.shape[1]):
        if extra >= limit:
            break
        c = near[node, j]
        if group[c] >= 0 and where[c] < 0 and not offered[c]:
            candidates[n_cand] = c
            offered[c] = True
            n_cand += 1
            extra += 1
    return n_cand


@njit(cache=True)
def _copy_held(rlen, routes, early, late, to_routes, to_early, to_late):
    """Copy the routes and their schedules, only as far as each route goes (the rest of the
    rows is never read)."""
    for v in range(rlen.shape[0]):
        length = rlen[v]
        to_routes[v, :length] = routes[v, :length]
        to_early[v, :length] = early[v, :length]
        to_late[v, :length] = late[v, :length]


@njit(cache=True)
def iterate(
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
    twin,
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
        _copy_held(rlen, routes, early, late, c_routes, c_early, c_late)
        c_rlen[:] = rlen
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
        whole = False
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
                # a route is ruined once, unless there are fewer routes than strings
                if v < 0 or (touched[v] and ruined < used):
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
                if j < 0 and np.random.random() < ROUTE_RUIN_RATE:
                    card = length  # the whole route: where one vehicle must change its
                    strings = 1  # whole course (few long routes, prizes)
                    whole = True
                elif card < length and np.random.random() < SPLIT_RATE:
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
                    recompute(
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
        n_cand = _offer_near(
            anchor, NEAR_UNSERVED, near, group, c_where, offered, candidates, n_cand
        )
        if whole:
            for i in range(n_removed):
                n_cand = _offer_near(
                    removed[i], NEAR_EACH, near, group, c_where, offered, candidates, n_cand
                )
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
                allowed, group, group_max, group_pen, set_ptr, set_ids, twin, span_cost, scratch,
            )  # fmt: skip
        # accept
        total = 0
        for v in range(n_veh):
            total += c_rstat[v, 0]
        for g in range(group_max.shape[0]):
            total += group_pen[g] * max(0, group_max[g] - c_gc[g])
        if total < current - temperature * math.log(np.random.random()):
            current = total
            _copy_held(c_rlen, c_routes, c_early, c_late, routes, early, late)
            rlen[:] = c_rlen
            rstat[:, :] = c_rstat
            where[:] = c_where
            group_count[:] = c_gc
            set_count[:] = c_sc
            if total < best:
                best = total
                for v in range(n_veh):
                    best_routes[v, : c_rlen[v]] = c_routes[v, : c_rlen[v]]
                best_rlen[:] = c_rlen
    return current, best
