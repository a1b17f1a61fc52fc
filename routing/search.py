"""The search: VROOM starts, OR-Tools searches side by side, then an insertion pass.

`solve` is what the planner, fairness rounds and the VRPTW benchmark call. Watched by a
`progress.Tracker`, every search runs in a helper process that reports its improving solutions,
so that this process stays free to report progress and to stop them all when asked.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import replace
from typing import Any

from dynamobile.errors import SolverError

from . import search_seed
from .optimiser import least_routes, read_routes, solve_one
from .problem import RoutingProblem, Solution, SolveParams
from .progress import Cancelled, Tracker
from .search_worker import Helper

log = logging.getLogger(__name__)

GROUPED_SEED_SHARE = 0.3  # of the budget to VROOM starts when visits come in groups (see `solve`)
WATCH_STEP_S = 0.05  # how often a watched solve looks at its helpers and its tracker
IN_PROCESS_INSERTION_S = 0.8  # a watched insertion pass this short runs here (no process start)
STOPPED_INSERTION_S = 0.7  # the insertion pass after a stop: the plan is due within 2 s


def solve(
    problem: RoutingProblem,
    params: SolveParams = SolveParams(),
    *,
    initial_routes: list[list[int]] | None = None,
    tracker: Tracker | None = None,
) -> Solution:
    """Solve with OR-Tools routing; raise SolverError if no solution is found.

    ``initial_routes`` (node lists per vehicle) replace the seed of ``params.initial``. With a
    ``tracker``, improving solutions are reported as found, and when it asks to stop the best
    solution so far is returned (`Cancelled` if there is none and no visit may be dropped).
    """
    if tracker is not None:
        tracker.new_search()
    started = time.perf_counter()
    insertion = (
        not params.insertion_only
        and params.insertion_share > 0
        and least_routes(problem) is not None
        and any(p is not None for p in (*problem.penalty, *problem.groups))
    )
    final_deadline = time.time() + params.time_limit_s
    deadline = final_deadline - (params.time_limit_s * params.insertion_share if insertion else 0.0)
    seed_s = 0.0
    if params.initial not in ("vroom", "none"):
        raise SolverError(f"point de départ inconnu : {params.initial!r}")
    seeds = [initial_routes] if initial_routes is not None else []
    workers = params.workers if params.time_limit_s >= params.parallel_min_s else 1
    # With visit groups (a site's alternative days), VROOM sees every alternative as a job of its
    # own and its starts lose much of their worth once the groups are enforced: worker 1 then
    # builds OR-Tools' own first solution from the start, beside the VROOM seeding, and VROOM
    # gets a smaller share of the time.
    # (Not in repeatable runs: they have no VROOM stage for it to run beside.)
    alternatives = any(len(group.nodes) > 1 for group in problem.groups)
    # With ruin and recreate, both workers start from VROOM: it makes the most of any start.
    own_start = (
        [1]
        if alternatives
        and workers > 1
        and initial_routes is None
        and not params.solution_limit
        and params.ruin_share <= 0
        else []
    )
    watched = tracker is not None
    # Where the workers meet and exchange routes (`routing.elite`); gone when the solve ends.
    meet = tempfile.TemporaryDirectory(prefix="dynamobile-pool-") if workers > 1 else None
    pool = meet.name if meet is not None else None

    def helper(worker: int, seed: list[list[int]] | None) -> Helper:
        request = (problem, params, worker, seed, deadline, watched, pool)
        return Helper(request, own_group=watched)

    helpers = [helper(w, None) for w in own_start]
    reported: dict[int, tuple[int, list[list[int]]]] = {}  # worker -> its best (objective, routes)
    try:
        # Repeatable runs (a solution limit) start from OR-Tools' own first solution only: VROOM's
        # start was seen to differ between two runs in one process (the test suite's), which
        # would break the promise of the same plan on every run.
        if initial_routes is None and params.initial == "vroom" and not params.solution_limit:
            options: dict[str, Any] = {
                "seconds": params.time_limit_s,
                "threads": 1 if own_start else max(1, params.workers),
                "share": GROUPED_SEED_SHARE if alternatives else params.seed_share,
            }
            if tracker is None:
                seeds = search_seed.vroom_seeds(problem, **options)
            else:
                seeds = _watched_seeds(problem, options, helpers, tracker, reported)
            seed_s = time.perf_counter() - started
    except BaseException:
        for h in helpers:
            h.close()
        if meet is not None:
            meet.cleanup()
        raise

    def seed_of(worker: int) -> list[list[int]] | None:
        # The best start for worker 0, the next for 1…; past the last, OR-Tools' own first solution
        # (two identical searches from one start would only duplicate the work).
        return seeds[worker] if worker < len(seeds) else None

    stopped = tracker is not None and tracker.stop_requested
    workers_here = [0] if tracker is None else []  # watched, worker 0 is a helper too
    if not stopped:
        helpers += [
            helper(w, seed_of(w)) for w in range(len(workers_here), workers) if w not in own_start
        ]
    results, errors = [], []
    try:
        for w in workers_here:
            try:
                results.append(solve_one(problem, params, w, seed_of(w), deadline, pool=pool))
            except SolverError as exc:
                errors.append(exc)
        if tracker is not None and not stopped:
            stopped = _watch(helpers, tracker, reported)
        for h in [] if stopped else helpers:
            try:
                results.append(h.result(timeout_s=max(5.0, deadline - time.time() + 30.0)))
            except SolverError as exc:
                errors.append(exc)
    finally:
        for h in helpers:
            h.close()
        if meet is not None:
            meet.cleanup()
    if stopped:
        assert tracker is not None  # only a tracker stops a search
        fallback = initial_routes if initial_routes is not None else seed_of(0)
        best = _best_so_far(problem, params, results, reported, fallback)
        if insertion and best.dropped:
            # A short pass here still adds the visits that fit as they stand (the audit's test).
            tracker.report()
            best = _insertion_pass(problem, params, best, time.time() + STOPPED_INSERTION_S, None)
            best.stats["stopped"] = True
        tracker.offer(best.objective, [r.visits for r in best.routes])
        return replace(best, wall_s=time.perf_counter() - started)
    if not results:
        raise errors[0]
    best = min(results, key=lambda s: (s.objective, s.stats["worker"]))
    if tracker is not None:
        tracker.offer(best.objective, [r.visits for r in best.routes])
    if insertion and best.dropped and not (tracker is not None and tracker.stop_requested):
        best = _insertion_pass(
            problem, params, best, max(final_deadline, time.time() + 0.2), tracker
        )
    best.stats.update(
        {
            "seed_s": round(seed_s, 3),
            "seeds": len(seeds),
            "objectives": [s.objective for s in sorted(results, key=lambda s: s.stats["worker"])],
        }
    )
    return replace(best, wall_s=time.perf_counter() - started)


def _insertion_pass(
    problem: RoutingProblem,
    params: SolveParams,
    best: Solution,
    until: float,
    tracker: Tracker | None,
) -> Solution:
    """``best`` with the dropped visits that fit inserted (see `SolveParams`), until ``until``."""
    insertion_params = replace(params, insertion_only=True)
    start = [list(r.visits) for r in best.routes]
    try:
        if tracker is None or until - time.time() <= IN_PROCESS_INSERTION_S:
            if tracker is not None:
                tracker.report()
            inserted: Solution | None = solve_one(problem, insertion_params, 0, start, until)
        else:
            inserted = _watched_insertion(problem, insertion_params, start, until, tracker)
    except SolverError:
        return best
    if inserted is None or inserted.objective >= best.objective:
        return best
    inserted.stats["worker"] = best.stats["worker"]
    inserted.stats["inserted_from"] = best.objective
    if tracker is not None:
        tracker.offer(inserted.objective, [r.visits for r in inserted.routes])
    return inserted


def _watch(
    helpers: list[Helper], tracker: Tracker, reported: dict, *, until_done: Helper | None = None
) -> bool:
    """Wait for the helpers (or only for ``until_done``), passing their improving solutions to
    ``tracker``; True if it asked to stop (the helpers are then stopped). ``reported[worker]``
    keeps each one's best (objective, routes)."""
    while True:
        running = until_done.running() if until_done is not None else False
        for h in helpers:
            if until_done is None:
                running = h.running() or running
            for objective, routes in h.progress():
                worker = h.worker
                if worker not in reported or objective < reported[worker][0]:
                    reported[worker] = (objective, routes)
                tracker.offer(objective, routes)
        if tracker.poll():
            for h in helpers:
                h.close()
            return True
        if not running:
            return False
        time.sleep(WATCH_STEP_S)


def _watched_seeds(
    problem: RoutingProblem,
    options: dict,
    helpers: list[Helper],
    tracker: Tracker,
    reported: dict,
) -> list[list[list[int]]]:
    """`search_seed.vroom_seeds` in a helper process, so that a stop request need not wait for
    VROOM (``helpers`` already searching are watched meanwhile); [] if stopped."""
    seeder = Helper(("seeds", problem, options), own_group=True)
    try:
        if _watch([seeder, *helpers], tracker, reported, until_done=seeder):
            return []
        return seeder.result(timeout_s=30.0)
    except SolverError as exc:  # a start is optional, as in `search_seed.vroom_seeds`
        log.info("pas de tournées de départ de VROOM : %s", exc)
        return []
    finally:
        seeder.close()


def _watched_insertion(
    problem: RoutingProblem,
    params: SolveParams,
    start: list[list[int]],
    until: float,
    tracker: Tracker,
) -> Solution | None:
    """The insertion pass in a helper; when stopped, its best routes so far (None if none)."""
    h = Helper((problem, params, 0, start, until, True), own_group=True)
    reported: dict = {}
    try:
        if _watch([h], tracker, reported):
            routes = reported.get(0)
            return read_routes(problem, params, routes[1]) if routes else None
        return h.result(timeout_s=max(5.0, until - time.time() + 30.0))
    finally:
        h.close()


def _best_so_far(
    problem: RoutingProblem,
    params: SolveParams,
    results: list[Solution],
    reported: dict,
    fallback: list[list[int]] | None,
) -> Solution:
    """The best solution of a stopped search, read back from its routes; else the start given or,
    when every visit may be dropped, no visit at all."""
    candidates: list[tuple[int, int, Solution | list[list[int]]]] = [
        (s.objective, s.stats["worker"], s) for s in results
    ]
    candidates += [(objective, w, routes) for w, (objective, routes) in reported.items()]
    candidates.sort(key=lambda item: (item[0], item[1]))
    tries = [routes for _, _, routes in candidates]
    if fallback is not None:
        tries.append(fallback)
    least = least_routes(problem)
    if least is not None:
        tries.append(least)
    for found in tries:
        solution = found if isinstance(found, Solution) else read_routes(problem, params, found)
        if solution is not None:
            solution.stats["stopped"] = True
            return solution
    raise Cancelled()
