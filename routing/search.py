"""The search: VROOM starts, OR-Tools searches side by side, then an insertion pass.

`solve` is what the planner, fairness rounds and the VRPTW benchmark call.
"""

from __future__ import annotations

import time
from dataclasses import replace

from dynamobile.errors import SolverError

from . import search_seed
from .optimiser import all_optional, solve_one
from .problem import RoutingProblem, Solution, SolveParams
from .search_worker import Helper

GROUPED_SEED_SHARE = 0.3  # of the budget to VROOM starts when visits come in groups (see `solve`)


def solve(
    problem: RoutingProblem,
    params: SolveParams = SolveParams(),
    *,
    initial_routes: list[list[int]] | None = None,
) -> Solution:
    """Solve with OR-Tools routing; raise SolverError if no solution is found.

    ``initial_routes`` (node lists per vehicle) replace the seed of ``params.initial``.
    """
    started = time.perf_counter()
    insertion = (
        not params.insertion_only
        and params.insertion_share > 0
        and all_optional(problem)
        and any(problem.penalty or problem.groups)
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
    own_start = (
        [1]
        if alternatives and workers > 1 and initial_routes is None and not params.solution_limit
        else []
    )
    helpers = [Helper((problem, params, w, None, deadline)) for w in own_start]
    try:
        # Repeatable runs (a solution limit) start from OR-Tools' own first solution only: VROOM's
        # start was seen to differ between two runs in one process (the test suite's), which
        # would break the promise of the same plan on every run.
        if initial_routes is None and params.initial == "vroom" and not params.solution_limit:
            seeds = search_seed.vroom_seeds(
                problem,
                seconds=params.time_limit_s,
                threads=1 if own_start else max(1, params.workers),
                share=GROUPED_SEED_SHARE if own_start else None,
            )
            seed_s = time.perf_counter() - started
    except BaseException:
        for helper in helpers:
            helper.close()
        raise

    def seed_of(worker: int) -> list[list[int]] | None:
        # The best start for worker 0, the next for 1…; past the last, OR-Tools' own first solution
        # (two identical searches from one start would only duplicate the work).
        return seeds[worker] if worker < len(seeds) else None

    helpers += [
        Helper((problem, params, w, seed_of(w), deadline))
        for w in range(1, workers)
        if w not in own_start
    ]
    results, errors = [], []
    try:
        try:
            results.append(solve_one(problem, params, 0, seed_of(0), deadline))
        except SolverError as exc:
            errors.append(exc)
        for helper in helpers:
            try:
                results.append(helper.result(timeout_s=max(5.0, deadline - time.time() + 30.0)))
            except SolverError as exc:
                errors.append(exc)
    finally:
        for helper in helpers:
            helper.close()
    if not results:
        raise errors[0]
    best = min(results, key=lambda s: (s.objective, s.stats["worker"]))
    if insertion and best.dropped:
        try:
            inserted = solve_one(
                problem,
                replace(params, insertion_only=True),
                0,
                [list(r.visits) for r in best.routes],
                max(final_deadline, time.time() + 0.2),
            )
        except SolverError:
            inserted = None
        if inserted is not None and inserted.objective < best.objective:
            inserted.stats["worker"] = best.stats["worker"]
            inserted.stats["inserted_from"] = best.objective
            best = inserted
    best.stats.update(
        {
            "seed_s": round(seed_s, 3),
            "seeds": len(seeds),
            "objectives": [s.objective for s in sorted(results, key=lambda s: s.stats["worker"])],
        }
    )
    return replace(best, wall_s=time.perf_counter() - started)
