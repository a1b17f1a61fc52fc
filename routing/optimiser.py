"""The OR-Tools routing model of a `RoutingProblem` and one search on it (`solve_one`).

The only module that imports ortools. `routing.search.solve` orchestrates starts, parallel
searches and the final insertion pass around it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from google.protobuf import text_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from dynamobile.errors import SolverError

from .problem import BIG, Route, RoutingProblem, Solution, SolveParams, VehicleSpec

# The moves of the insertion pass: insert a dropped visit, possibly after moving one visit or in
# place of one (then only if the objective falls: a higher priority in, a lower one out).
INSERTION_MOVES = frozenset(
    {"use_make_active", "use_relocate_and_make_active", "use_swap_active", "use_relocate"}
)
REPORT_SHARE_INVERSE = 10  # ruin and recreate reports routes after 10× the last report's time
REPORT_MIN_S = 0.05  # between two reported solutions (`solve_one`): reading routes costs a few ms


def _int_table(matrix: np.ndarray) -> list[list[int]]:
    """A matrix as OR-Tools' ``RegisterTransitMatrix`` takes it ("no path" as BIG)."""
    return np.where(matrix < 0, BIG, matrix).astype(np.int64).tolist()


def _register_matrix(routing, matrix: np.ndarray) -> int:
    """Register a node-indexed table in C++: no call back into Python during the search, which
    makes local search several times faster than with the equivalent Python callback. OR-Tools
    copies the values, so the Python list (the big transient) is freed on return."""
    return routing.RegisterTransitMatrix(_int_table(matrix))


def _setup_lead(problem: RoutingProblem) -> int:
    """The longest set-up of the fleet (see `_clock_shift`)."""
    return max((v.setup for v in problem.vehicles), default=0)


def _clock_shift(problem: RoutingProblem, vehicle: VehicleSpec) -> int:
    """How far (≤ 0) the model's clock of ``vehicle`` runs from the real one: its set-up minus the
    fleet's longest. A visit's cumul is then its service start minus the longest set-up,
    whichever vehicle comes, so opening windows are exact; within a route every time is shifted
    alike, so shifts, breaks and drives are exact too."""
    return vehicle.setup - _setup_lead(problem)


def _visit_time(problem: RoutingProblem, vehicle: VehicleSpec) -> np.ndarray:
    """Per node: set-up, service and pack-up (from the cumul, the start of set-up); 0 at depots."""
    depots = problem.depots
    return np.array(
        [
            0 if i in depots else vehicle.setup + problem.service[i] + vehicle.packup
            for i in range(problem.n_nodes)
        ],
        dtype=np.int64,
    )


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _restrict(var, spans: list[tuple[int, int]]) -> None:
    """Limit an integer variable to the union of closed intervals ``spans`` (sorted, disjoint)."""
    var.SetRange(max(0, spans[0][0]), spans[-1][1])
    for (_, gap_start), (gap_end, _) in zip(spans, spans[1:]):
        if gap_end - gap_start > 1:
            var.RemoveInterval(gap_start + 1, gap_end - 1)


def _build_model(problem: RoutingProblem):
    """The OR-Tools model of ``problem``: (manager, routing, time dimension).

    Every table is registered once per distinct content (a month plan has one route per
    vehicle-day but only a few distinct matrices)."""
    n, vehicles = problem.n_nodes, problem.vehicles
    manager = pywrapcp.RoutingIndexManager(
        n, len(vehicles), [v.start for v in vehicles], [v.end for v in vehicles]
    )
    routing = pywrapcp.RoutingModel(manager)

    # Arc costs, one evaluator per distinct cost matrix.
    cost_matrices = problem.cost or problem.time
    cost_ids: dict[int, int] = {}
    for v, spec in enumerate(vehicles):
        if spec.matrix not in cost_ids:
            cost_ids[spec.matrix] = _register_matrix(routing, cost_matrices[spec.matrix])
        routing.SetArcCostEvaluatorOfVehicle(cost_ids[spec.matrix], v)
        if spec.fixed_cost:
            routing.SetFixedCostOfVehicle(spec.fixed_cost, v)

    # Time: cumul = start of set-up at a visit, departure/arrival at depots, each vehicle on its
    # own clock (`_clock_shift`) so that a visit's cumul is its service start minus the fleet's
    # longest set-up whoever comes. The transit from i to j is i's set-up, service and pack-up,
    # then the drive. A break may not overlap a node's visit (OR-Tools' node visit transit, from
    # the cumul to the end of pack-up), so a stop is never split: breaks fall between stops, on
    # arrival before set-up, or at the depot.
    transit_ids, visit_times, registered = [], [], {}
    for spec in vehicles:
        key = (spec.matrix, spec.setup, spec.packup)
        if key not in registered:
            visit = _visit_time(problem, spec)
            m = np.where(problem.time[spec.matrix] < 0, BIG, problem.time[spec.matrix]).astype(
                np.int64
            )
            registered[key] = (
                _register_matrix(routing, m + visit[:, None]),
                [int(x) for x in visit],
            )
        transit_ids.append(registered[key][0])
        visit_times.append(registered[key][1])
    horizon = max(
        [spec.shift[1] for spec in vehicles] + [b for ws in problem.windows for _, b in ws] + [0]
    )
    routing.AddDimensionWithVehicleTransits(transit_ids, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    depots = problem.depots
    lead = _setup_lead(problem)
    for node in range(n):
        if node in depots:
            continue
        index = manager.NodeToIndex(node)
        if not problem.windows[node]:
            raise SolverError(f"nœud {node} sans créneau")
        _restrict(
            time_dim.CumulVar(index),
            [(a - lead, b - lead) for a, b in _merged(problem.windows[node])],
        )
    solver = routing.solver()
    for v, spec in enumerate(vehicles):
        shift = _clock_shift(problem, spec)
        time_dim.CumulVar(routing.Start(v)).SetRange(spec.shift[0] + shift, spec.shift[1] + shift)
        time_dim.CumulVar(routing.End(v)).SetRange(spec.shift[0] + shift, spec.shift[1] + shift)
        if problem.span_cost:
            time_dim.SetSpanCostCoefficientForVehicle(problem.span_cost, v)
        if spec.breaks:
            intervals = [
                solver.FixedDurationIntervalVar(
                    b.earliest_start + shift,
                    b.latest_start + shift,
                    b.duration,
                    False,
                    f"pause {v}-{k}",
                )
                for k, b in enumerate(spec.breaks)
            ]
            time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit_times[v])
    for v in range(len(vehicles)):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    # Driving time limit: one table per distinct time matrix.
    if any(spec.max_drive is not None for spec in vehicles):
        drive_ids: dict[int, int] = {}
        for spec in vehicles:
            if spec.matrix not in drive_ids:
                drive_ids[spec.matrix] = _register_matrix(routing, problem.time[spec.matrix])
        caps = [spec.max_drive if spec.max_drive is not None else horizon * 2 for spec in vehicles]
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [drive_ids[spec.matrix] for spec in vehicles], 0, caps, True, "drive"
        )

    # Capacity.
    if problem.demand and any(problem.demand):
        demand = [int(d) for d in problem.demand]
        caps = [spec.capacity if spec.capacity is not None else sum(demand) for spec in vehicles]
        routing.AddDimensionWithVehicleCapacity(
            routing.RegisterUnaryTransitVector(demand), 0, caps, True, "load"
        )

    # Optional visits: a visit group pays its penalty once per missing visit; spacing allows at
    # most one visit in each set (one set per window of a site's minimum gap), at no cost.
    grouped: set[int] = set()
    for group in problem.groups:
        routing.AddDisjunction(
            [manager.NodeToIndex(i) for i in group.nodes],
            int(group.penalty),
            int(group.max_visits),
            routing.PENALIZE_PER_INACTIVE,
        )
        grouped.update(group.nodes)
    for nodes in problem.at_most_one:
        routing.AddDisjunction([manager.NodeToIndex(i) for i in nodes], 0, 1)
    for node in range(n):
        if node in depots:
            continue
        index = manager.NodeToIndex(node)
        penalty = problem.penalty[node] if problem.penalty else None
        if penalty is not None and node not in grouped:
            routing.AddDisjunction([index], int(penalty))
        allowed = problem.allowed[node] if problem.allowed else None
        if allowed is not None:
            routing.VehicleVar(index).SetValues([-1, *sorted(allowed)])

    return manager, routing, time_dim


def all_optional(problem: RoutingProblem) -> bool:
    """Whether every visit node has a drop penalty (its own or its group's)."""
    grouped = {i for g in problem.groups for i in g.nodes}
    return all(
        i in problem.depots or i in grouped or (problem.penalty and problem.penalty[i] is not None)
        for i in range(problem.n_nodes)
    )


def least_routes(problem: RoutingProblem) -> list[list[int]] | None:
    """The smallest solution to start from when every visit may be dropped but the pinned ones
    (mandatory, one allowed vehicle: a coordinator's locks): each route with its pinned visits
    by opening time; None if some mandatory visit may go in several routes (or no route)."""
    grouped = {i for g in problem.groups for i in g.nodes}
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    for i in range(problem.n_nodes):
        if i in problem.depots or i in grouped:
            continue
        if problem.penalty and problem.penalty[i] is not None:
            continue
        allowed = problem.allowed[i] if problem.allowed else None
        if allowed is None or len(allowed) != 1:
            return None
        routes[next(iter(allowed))].append(i)
    for route in routes:
        route.sort(key=lambda i: min(problem.windows[i], default=(0, 0)))
    return routes


def solve_one(
    problem: RoutingProblem,
    params: SolveParams,
    worker: int,
    initial_routes: list[list[int]] | None,
    deadline: float,
    *,
    on_solution: Callable[[int, list[list[int]]], None] | None = None,
    pool: str | None = None,
) -> Solution:
    """One search (one process, until ``deadline`` on the ``time.time()`` clock): build the model,
    start from ``initial_routes`` if OR-Tools accepts them.

    ``on_solution(objective, routes)`` is called at each solution better than the last one
    reported (at most every ``REPORT_MIN_S``; the last one may be left out). ``pool``: the
    directory where the workers of one solve meet (`routing.elite`)."""
    started = time.perf_counter()
    manager, routing, time_dim = _build_model(problem)
    if on_solution is not None:
        _report_solutions(manager, routing, on_solution)
    search = _search_parameters(params, worker, max(0.01, deadline - time.time()), problem)
    seeded = False
    ruin_stats: dict = {}
    ruin = _ruin(params)
    start = initial_routes
    if not start and ruin:
        start = least_routes(problem)  # every visit optional: ruin and recreate builds from none
    if start:
        routing.CloseModelWithParameters(search)
        initial = None
        if ruin:
            improved, ruin_stats = _ruin_and_recreate(
                problem, params, worker, start, deadline, routing, on_solution, pool
            )
            if improved is not start:
                initial = routing.ReadAssignmentFromRoutes(improved, True)
                ruin_stats["rr_accepted"] = initial is not None
            search = _search_parameters(params, worker, max(0.01, deadline - time.time()), problem)
        if initial is None:
            initial = routing.ReadAssignmentFromRoutes(start, True)
        seeded = initial is not None
        # A search that runs out of time before it has restored its start (a large model after a
        # long ruin and recreate) fails: the start is then the answer.
        assignment = (
            routing.SolveFromAssignmentWithParameters(initial, search) or initial
            if seeded
            else routing.SolveWithParameters(search)
        )
    else:
        assignment = routing.SolveWithParameters(search)
    least = least_routes(problem) if assignment is None else None
    if least is not None:
        # Every visit may be dropped (but the locked ones), so "no other visit" is a solution:
        # improve from there rather than fail when the first-solution heuristic ran out of time.
        routing.CloseModelWithParameters(search)
        empty = routing.ReadAssignmentFromRoutes(least, True)
        if empty is not None:
            search = _search_parameters(params, worker, max(1.0, deadline - time.time()), problem)
            assignment = routing.SolveFromAssignmentWithParameters(empty, search) or empty
    if assignment is None:
        raise SolverError("aucune solution trouvée par l'optimiseur dans le temps imparti")
    solution = _read_solution(problem, manager, routing, time_dim, assignment, started)
    solution.stats.update({"worker": worker, "seeded": seeded, **ruin_stats})
    return solution


def _ruin(params: SolveParams) -> bool:
    """Whether this search starts with ruin and recreate: not in repeatable runs (it is
    clock-bound), and not before its kernel is compiled (then compiled in the background)."""
    if params.ruin_share <= 0 or params.insertion_only or params.solution_limit:
        return False
    from . import ruin_recreate

    if ruin_recreate.ready():
        return True
    ruin_recreate.compile_in_background()
    return False


def _ruin_and_recreate(problem, params, worker, start, deadline, routing, on_solution, pool):
    """`ruin_recreate.improve` for ``params.ruin_share`` of the time left; its improving routes
    are passed to ``on_solution`` with the model's own objective (routes it refuses are not)."""
    from . import elite, ruin_recreate

    last = {"at": 0.0, "took": 0.0}

    def report(routes: list[list[int]]) -> None:
        # Reading routes costs 0.15 s on a 1,300-node season model: at most a tenth of the time.
        if time.perf_counter() - last["at"] < REPORT_SHARE_INVERSE * last["took"]:
            return
        began = time.perf_counter()
        checked = routing.ReadAssignmentFromRoutes(routes, True)
        last["at"], last["took"] = time.perf_counter(), time.perf_counter() - began
        if checked is not None:
            on_solution(int(checked.ObjectiveValue()), routes)

    until = time.time() + params.ruin_share * max(0.0, deadline - time.time())
    return ruin_recreate.improve(
        problem,
        start,
        until=until,
        seed=worker + 1,
        on_best=report if on_solution is not None else None,
        pool=elite.Pool(pool, worker) if pool is not None else None,
        heat=elite.HOT if pool is not None and worker % 2 else 1.0,
    )


def _report_solutions(manager, routing, on_solution) -> None:
    """Call ``on_solution(objective, routes)`` at improving solutions of the coming search."""
    best_objective: int | None = None
    reported_at = float("-inf")

    def at_solution() -> None:
        nonlocal best_objective, reported_at
        objective = routing.CostVar().Value()
        now = time.perf_counter()
        if best_objective is not None and (
            objective >= best_objective or now - reported_at < REPORT_MIN_S
        ):
            return
        routes = []
        for v in range(routing.vehicles()):
            route, index = [], routing.NextVar(routing.Start(v)).Value()
            while not routing.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = routing.NextVar(index).Value()
            routes.append(route)
        best_objective, reported_at = objective, now
        on_solution(objective, routes)

    routing.AddAtSolutionCallback(at_solution)


def read_routes(
    problem: RoutingProblem, params: SolveParams, routes: list[list[int]], worker: int = 0
) -> Solution | None:
    """The `Solution` of given routes (times, breaks, objective), or None if OR-Tools refuses them.

    How a search cut short is turned back into a plan: its best routes came from this model."""
    started = time.perf_counter()
    manager, routing, time_dim = _build_model(problem)
    routing.CloseModelWithParameters(_search_parameters(params, worker, 1.0, problem))
    assignment = routing.ReadAssignmentFromRoutes(routes, True)
    if assignment is None:
        return None
    solution = _read_solution(problem, manager, routing, time_dim, assignment, started)
    solution.stats.update({"worker": worker, "seeded": False})
    return solution


def _read_solution(problem, manager, routing, time_dim, assignment, started: float) -> Solution:
    n, vehicles, depots = problem.n_nodes, problem.vehicles, problem.depots
    lead = _setup_lead(problem)
    routes, visited = [], set()
    break_values: dict[int, list[tuple[int, int]]] = {}
    intervals = assignment.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        if element.PerformedValue():
            v = int(element.Var().Name().split(" ")[1].split("-")[0])
            break_values.setdefault(v, []).append(
                (element.StartValue() - _clock_shift(problem, vehicles[v]), element.DurationValue())
            )
    for v in range(len(vehicles)):
        shift = _clock_shift(problem, vehicles[v])
        index = routing.Start(v)
        depart = assignment.Value(time_dim.CumulVar(index)) - shift
        visits, starts = [], []
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visits.append(node)
            starts.append(assignment.Value(time_dim.CumulVar(index)) + lead)
            visited.add(node)
            index = assignment.Value(routing.NextVar(index))
        arrive = assignment.Value(time_dim.CumulVar(index)) - shift
        routes.append(
            Route(
                v,
                tuple(visits),
                tuple(starts),
                depart,
                arrive,
                tuple(sorted(break_values.get(v, ()))),
            )
        )
    dropped = tuple(i for i in range(n) if i not in depots and i not in visited)
    return Solution(
        tuple(routes),
        dropped,
        int(assignment.ObjectiveValue()),
        time.perf_counter() - started,
        {"status": int(routing.status())},
    )


def _search_parameters(
    params: SolveParams, worker: int, time_limit_s: float, problem: RoutingProblem
):
    """Worker 0 runs ``metaheuristic``, the others ``helper_metaheuristic`` (different searches
    from the same start find different improvements)."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    if problem.span_cost and any(v.breaks for v in problem.vehicles):
        # OR-Tools 9.15's LP/MIP scheduling of breaks with a span cost rejects feasible routes at
        # random (the demo day's best routes: 1 read in 2 failed), which threw good starts away
        # and stranded the search; the model's finalizers place cumuls and breaks without it.
        search.disable_scheduling_beware_this_may_degrade_performance = True
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, params.first_solution
    )
    name = params.metaheuristic if worker == 0 else params.helper_metaheuristic
    search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, name)
    if params.insertion_only:
        search.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
        operators = search.local_search_operators
        for f in operators.DESCRIPTOR.fields:
            if f.name.startswith("use_"):
                setattr(
                    operators,
                    f.name,
                    optional_boolean_pb2.BOOL_TRUE
                    if f.name in INSERTION_MOVES
                    else optional_boolean_pb2.BOOL_FALSE,
                )
    search.guided_local_search_lambda_coefficient = params.gls_lambda
    if worker < len(params.ortools_overrides) and params.ortools_overrides[worker]:
        text_format.Merge(params.ortools_overrides[worker], search)
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit:
        search.solution_limit = params.solution_limit
        # Repeatable runs: no sub-search may be cut by the clock either (LNS moves are, by
        # default after 100 ms, which depends on the machine's load).
        search.lns_time_limit.FromSeconds(max(1, int(time_limit_s)))
    search.log_search = params.log_search
    return search
