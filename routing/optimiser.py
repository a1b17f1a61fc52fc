"""The OR-Tools routing model: immutable problem data in, a `Solution` out.

Generic over what feeds it: the day planner (street matrices, opening windows, lunch breaks,
shifts, optional sites) and the VRPTW benchmark (Euclidean matrices, capacities, all customers
mandatory) build the same `RoutingProblem`. All quantities are integers (seconds, metres, or
any scaled unit the caller chooses). The only module that imports ortools.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
from google.protobuf import text_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from dynamobile.errors import SolverError

from .search_worker import Helper

BIG = 10**9  # travel time standing for "no path"
GROUPED_SEED_SHARE = 0.3  # of the budget to VROOM starts when visits come in groups (see `solve`)
# The moves of the insertion pass: insert a dropped visit, possibly after moving one visit or in
# place of one (then only if the objective falls: a higher priority in, a lower one out).
INSERTION_MOVES = frozenset({"use_make_active", "use_relocate_and_make_active", "use_swap_active", "use_relocate"})


@dataclass(frozen=True)
class BreakSpec:
    """A break of ``duration`` that must start within [earliest_start, latest_start]."""

    earliest_start: int
    latest_start: int
    duration: int


@dataclass(frozen=True)
class VehicleSpec:
    """One route: from node ``start`` to node ``end`` within ``shift``, using matrix ``matrix``."""

    start: int
    end: int
    shift: tuple[int, int]
    matrix: int = 0
    setup: int = 0  # added before each visit (after driving)
    packup: int = 0  # added after each visit (before driving)
    breaks: tuple[BreakSpec, ...] = ()
    max_drive: int | None = None
    capacity: int | None = None
    fixed_cost: int = 0


@dataclass(frozen=True)
class VisitGroup:
    """Alternative nodes of one site (e.g. one per day): at most ``max_visits`` are visited, and
    ``penalty`` is paid per visit short of ``max_visits``."""

    nodes: tuple[int, ...]
    max_visits: int
    penalty: int


@dataclass(frozen=True)
class RoutingProblem:
    """Nodes 0..n-1 (depots and visits); ``windows[i]`` are the allowed *service start* intervals.

    ``penalty[i]`` is the cost of not visiting i (None: mandatory; ignored for depots);
    ``allowed[i]`` the vehicles that may visit i (None: any). ``cost`` matrices price arcs
    (default: the time matrices).
    """

    time: tuple[np.ndarray, ...]
    service: tuple[int, ...]
    windows: tuple[tuple[tuple[int, int], ...], ...]
    vehicles: tuple[VehicleSpec, ...]
    penalty: tuple[int | None, ...] = ()
    allowed: tuple[frozenset[int] | None, ...] = ()
    demand: tuple[int, ...] = ()
    cost: tuple[np.ndarray, ...] = ()
    span_cost: int = 0  # per unit of route duration (limits waiting)
    groups: tuple[VisitGroup, ...] = ()  # nodes in a group take the group's penalty, not their own
    at_most_one: tuple[tuple[int, ...], ...] = ()  # sets with at most one visited node (visit spacing)

    @property
    def n_nodes(self) -> int:
        return len(self.service)

    @property
    def depots(self) -> frozenset[int]:
        return frozenset(v.start for v in self.vehicles) | frozenset(v.end for v in self.vehicles)


@dataclass(frozen=True)
class SolveParams:
    """Search settings. OR-Tools' routing search is deterministic: under a time limit the result
    depends on how far it got; ``solution_limit`` makes a run repeatable on any machine.

    ``initial`` picks the start: "vroom" (pyvroom if installed, else as "none": a few VROOM runs,
    see `search_seed.vroom_seeds`; OR-Tools re-checks each start against every rule of the model
    and ignores it if one is broken) or "none" (OR-Tools' ``first_solution``). ``workers`` searches
    run side by side, one process each, worker w from the w-th best start or, past the last,
    from ``first_solution`` (worker 0 with
    ``metaheuristic``, the others with ``helper_metaheuristic``); the best result wins, ties to
    the lowest worker. Below ``parallel_min_s`` one search only: starting a process would cost
    more than it brings. With ``solution_limit`` the run stays repeatable (one VROOM run, no
    clock-dependent choice). ``ortools_overrides[w]``: protobuf text merged into worker w's
    RoutingSearchParameters (experiments).

    When visits may be dropped, the last ``insertion_share`` of the time goes to an insertion
    pass from the best routes: a greedy descent whose moves only insert a dropped visit (after
    moving one visit, or in place of one), to its local optimum, so that no visit that fits as it
    stands is left out when the search is cut by the clock. ``insertion_only`` runs that pass.
    """

    time_limit_s: float = 5.0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None
    log_search: bool = False
    workers: int = 2
    initial: str = "vroom"
    helper_metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    parallel_min_s: float = 2.0
    gls_lambda: float = 0.1
    ortools_overrides: tuple[str, ...] = ()
    insertion_share: float = 0.1
    insertion_only: bool = False


@dataclass(frozen=True)
class Route:
    """A vehicle's visits in order, with service start times and break starts."""

    vehicle: int
    visits: tuple[int, ...]
    service_start: tuple[int, ...]
    depart: int
    arrive: int
    breaks: tuple[tuple[int, int], ...] = ()  # (start, duration)


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]
    dropped: tuple[int, ...]
    objective: int
    wall_s: float
    stats: dict = field(default_factory=dict)


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
    return np.array([0 if i in depots else vehicle.setup + problem.service[i] + vehicle.packup
                     for i in range(problem.n_nodes)], dtype=np.int64)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
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
    manager = pywrapcp.RoutingIndexManager(n, len(vehicles), [v.start for v in vehicles], [v.end for v in vehicles])
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
            m = np.where(problem.time[spec.matrix] < 0, BIG, problem.time[spec.matrix]).astype(np.int64)
            registered[key] = (_register_matrix(routing, m + visit[:, None]), [int(x) for x in visit])
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
        _restrict(time_dim.CumulVar(index), [(a - lead, b - lead) for a, b in _merged(problem.windows[node])])
    solver = routing.solver()
    for v, spec in enumerate(vehicles):
        shift = _clock_shift(problem, spec)
        time_dim.CumulVar(routing.Start(v)).SetRange(spec.shift[0] + shift, spec.shift[1] + shift)
        time_dim.CumulVar(routing.End(v)).SetRange(spec.shift[0] + shift, spec.shift[1] + shift)
        if problem.span_cost:
            time_dim.SetSpanCostCoefficientForVehicle(problem.span_cost, v)
        if spec.breaks:
            intervals = [
                solver.FixedDurationIntervalVar(b.earliest_start + shift, b.latest_start + shift, b.duration, False,
                                                f"pause {v}-{k}")
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
        routing.AddDimensionWithVehicleTransitAndCapacity([drive_ids[spec.matrix] for spec in vehicles], 0, caps,
                                                          True, "drive")

    # Capacity.
    if problem.demand and any(problem.demand):
        demand = [int(d) for d in problem.demand]
        caps = [spec.capacity if spec.capacity is not None else sum(demand) for spec in vehicles]
        routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitVector(demand), 0, caps, True, "load")

    # Optional visits: a visit group pays its penalty once per missing visit; spacing allows at
    # most one visit in each set (one set per window of a site's minimum gap), at no cost.
    grouped = set()
    for group in problem.groups:
        routing.AddDisjunction([manager.NodeToIndex(i) for i in group.nodes], int(group.penalty),
                               int(group.max_visits), routing.PENALIZE_PER_INACTIVE)
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


def _all_optional(problem: RoutingProblem) -> bool:
    """Whether every visit node has a drop penalty (its own or its group's)."""
    grouped = {i for g in problem.groups for i in g.nodes}
    return all(i in problem.depots or i in grouped or (problem.penalty and problem.penalty[i] is not None)
               for i in range(problem.n_nodes))


def _solve_one(problem: RoutingProblem, params: SolveParams, worker: int,
               initial_routes: list[list[int]] | None, deadline: float) -> Solution:
    """One search (one process, until ``deadline`` on the ``time.time()`` clock): build the model,
    start from ``initial_routes`` if OR-Tools accepts them."""
    started = time.perf_counter()
    manager, routing, time_dim = _build_model(problem)
    search = _search_parameters(params, worker, max(0.01, deadline - time.time()), problem)
    seeded = False
    if initial_routes:
        routing.CloseModelWithParameters(search)
        initial = routing.ReadAssignmentFromRoutes(initial_routes, True)
        seeded = initial is not None
        assignment = routing.SolveFromAssignmentWithParameters(initial, search) if seeded else routing.SolveWithParameters(search)
    else:
        assignment = routing.SolveWithParameters(search)
    if assignment is None and _all_optional(problem):
        # Every visit may be dropped, so "no visit at all" is a solution: improve from there
        # rather than fail when the first-solution heuristic ran out of time.
        routing.CloseModelWithParameters(search)
        empty = routing.ReadAssignmentFromRoutes([[] for _ in problem.vehicles], True)
        if empty is not None:
            search = _search_parameters(params, worker, max(1.0, deadline - time.time()), problem)
            assignment = routing.SolveFromAssignmentWithParameters(empty, search) or empty
    if assignment is None:
        raise SolverError("aucune solution trouvée par l'optimiseur dans le temps imparti")
    solution = _read_solution(problem, manager, routing, time_dim, assignment, started)
    solution.stats.update({"worker": worker, "seeded": seeded})
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
                (element.StartValue() - _clock_shift(problem, vehicles[v]), element.DurationValue()))
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
        routes.append(Route(v, tuple(visits), tuple(starts), depart, arrive, tuple(sorted(break_values.get(v, ())))))
    dropped = tuple(i for i in range(n) if i not in depots and i not in visited)
    return Solution(
        tuple(routes), dropped, int(assignment.ObjectiveValue()), time.perf_counter() - started,
        {"status": int(routing.status())},
    )


def _search_parameters(params: SolveParams, worker: int, time_limit_s: float, problem: RoutingProblem):
    """Worker 0 runs ``metaheuristic``, the others ``helper_metaheuristic`` (different searches
    from the same start find different improvements)."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    if problem.span_cost and any(v.breaks for v in problem.vehicles):
        # OR-Tools 9.15's LP/MIP scheduling of breaks with a span cost rejects feasible routes at
        # random (the demo day's best routes: 1 read in 2 failed), which threw good starts away
        # and stranded the search; the model's finalizers place cumuls and breaks without it.
        search.disable_scheduling_beware_this_may_degrade_performance = True
    search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, params.first_solution)
    name = params.metaheuristic if worker == 0 else params.helper_metaheuristic
    search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, name)
    if params.insertion_only:
        search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        operators = search.local_search_operators
        for f in operators.DESCRIPTOR.fields:
            if f.name.startswith("use_"):
                setattr(operators, f.name, optional_boolean_pb2.BOOL_TRUE if f.name in INSERTION_MOVES
                        else optional_boolean_pb2.BOOL_FALSE)
    search.guided_local_search_lambda_coefficient = params.gls_lambda
    if worker < len(params.ortools_overrides) and params.ortools_overrides[worker]:
        text_format.Merge(params.ortools_overrides[worker], search)
    search.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if params.solution_limit:
        search.solution_limit = params.solution_limit
    search.log_search = params.log_search
    return search


def solve(problem: RoutingProblem, params: SolveParams = SolveParams(), *, initial_routes: list[list[int]] | None = None) -> Solution:
    """Solve with OR-Tools routing; raise SolverError if no solution is found.

    ``initial_routes`` (node lists per vehicle) replace the seed of ``params.initial``.
    """
    started = time.perf_counter()
    insertion = (not params.insertion_only and params.insertion_share > 0 and _all_optional(problem)
                 and any(problem.penalty or problem.groups))
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
    own_start = [1] if problem.groups and workers > 1 and initial_routes is None else []
    helpers = [Helper((problem, params, w, None, deadline)) for w in own_start]
    try:
        if initial_routes is None and params.initial == "vroom":
            from . import search_seed

            seeds = search_seed.vroom_seeds(
                problem, seconds=params.time_limit_s, threads=1 if own_start else max(1, params.workers),
                repeatable=params.solution_limit is not None, share=GROUPED_SEED_SHARE if own_start else None)
            seed_s = time.perf_counter() - started
    except BaseException:
        for helper in helpers:
            helper.close()
        raise

    def seed_of(worker: int) -> list[list[int]] | None:
        # The best start for worker 0, the next for 1…; past the last, OR-Tools' own first solution
        # (two identical searches from one start would only duplicate the work).
        return seeds[worker] if worker < len(seeds) else None

    helpers += [Helper((problem, params, w, seed_of(w), deadline)) for w in range(1, workers) if w not in own_start]
    results, errors = [], []
    try:
        try:
            results.append(_solve_one(problem, params, 0, seed_of(0), deadline))
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
            inserted = _solve_one(problem, replace(params, insertion_only=True), 0,
                                  [list(r.visits) for r in best.routes], max(final_deadline, time.time() + 0.2))
        except SolverError:
            inserted = None
        if inserted is not None and inserted.objective < best.objective:
            inserted.stats["worker"] = best.stats["worker"]
            inserted.stats["inserted_from"] = best.objective
            best = inserted
    best.stats.update({
        "seed_s": round(seed_s, 3), "seeds": len(seeds),
        "objectives": [s.objective for s in sorted(results, key=lambda s: s.stats["worker"])],
    })
    return replace(best, wall_s=time.perf_counter() - started)
