"""The OR-Tools routing model: immutable problem data in, a `Solution` out.

Generic over what feeds it: the day planner (street matrices, opening windows, lunch breaks,
shifts, optional sites) and the VRPTW benchmark (Euclidean matrices, capacities, all customers
mandatory) build the same `RoutingProblem`. All quantities are integers (seconds, metres, or
any scaled unit the caller chooses). The only module that imports ortools.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dynamobile.errors import SolverError

BIG = 10**9  # travel time standing for "no path"


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
    exclusive: tuple[tuple[int, int], ...] = ()  # pairs of nodes never both visited (visit spacing)

    @property
    def n_nodes(self) -> int:
        return len(self.service)

    @property
    def depots(self) -> frozenset[int]:
        return frozenset(v.start for v in self.vehicles) | frozenset(v.end for v in self.vehicles)


@dataclass(frozen=True)
class SolveParams:
    """Search settings. OR-Tools' routing search is deterministic: under a time limit the result
    depends on how far it got; ``solution_limit`` makes a run repeatable on any machine."""

    time_limit_s: float = 5.0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None
    log_search: bool = False


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


def _time(problem: RoutingProblem, m: int, i: int, j: int) -> int:
    value = int(problem.time[m][i, j])
    return BIG if value < 0 else value


def _transit_callback(problem: RoutingProblem, manager, vehicle: VehicleSpec):
    depots = problem.depots
    matrix = problem.time[vehicle.matrix]
    m = np.where(matrix < 0, BIG, matrix).astype(np.int64)
    n = problem.n_nodes
    on_site = np.array([0 if i in depots else problem.service[i] + vehicle.packup for i in range(n)], dtype=np.int64)
    before = np.array([0 if j in depots else vehicle.setup for j in range(n)], dtype=np.int64)
    table = (m + on_site[:, None] + before[None, :]).tolist()

    def transit(from_index: int, to_index: int) -> int:
        return table[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    return transit, on_site


def _matrix_callback(matrix: np.ndarray, manager):
    table = np.where(matrix < 0, BIG, matrix).astype(np.int64).tolist()

    def cost(from_index: int, to_index: int) -> int:
        return table[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)]

    return cost


def solve(problem: RoutingProblem, params: SolveParams = SolveParams(), *, initial_routes: list[list[int]] | None = None) -> Solution:
    """Solve with OR-Tools routing; raise SolverError if no solution is found."""
    started = time.perf_counter()
    n, vehicles = problem.n_nodes, problem.vehicles
    manager = pywrapcp.RoutingIndexManager(n, len(vehicles), [v.start for v in vehicles], [v.end for v in vehicles])
    routing = pywrapcp.RoutingModel(manager)
    keep_alive = []  # callbacks must outlive the solve

    # Arc costs, one evaluator per distinct cost matrix.
    cost_matrices = problem.cost or problem.time
    cost_ids = {}
    for v, spec in enumerate(vehicles):
        if spec.matrix not in cost_ids:
            cb = _matrix_callback(cost_matrices[spec.matrix], manager)
            keep_alive.append(cb)
            cost_ids[spec.matrix] = routing.RegisterTransitCallback(cb)
        routing.SetArcCostEvaluatorOfVehicle(cost_ids[spec.matrix], v)
        if spec.fixed_cost:
            routing.SetFixedCostOfVehicle(spec.fixed_cost, v)

    # Time: cumul = service start at visits, departure/arrival at depots.
    transit_ids, visit_transits, registered = [], [], {}
    for spec in vehicles:
        key = (spec.matrix, spec.setup, spec.packup)
        if key not in registered:
            cb, on_site = _transit_callback(problem, manager, spec)
            keep_alive.append(cb)
            registered[key] = (routing.RegisterTransitCallback(cb), [int(x) for x in on_site])
        transit_ids.append(registered[key][0])
        visit_transits.append(registered[key][1])
    horizon = max(
        [spec.shift[1] for spec in vehicles] + [b for ws in problem.windows for _, b in ws] + [0]
    )
    routing.AddDimensionWithVehicleTransits(transit_ids, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    depots = problem.depots
    for node in range(n):
        if node in depots:
            continue
        index = manager.NodeToIndex(node)
        spans = sorted(problem.windows[node])
        if not spans:
            raise SolverError(f"nœud {node} sans créneau")
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(spans[0][0], spans[-1][1])
        for (_, gap_start), (gap_end, _) in zip(spans, spans[1:]):
            if gap_end - gap_start > 1:
                cumul.RemoveInterval(gap_start + 1, gap_end - 1)
    solver = routing.solver()
    for v, spec in enumerate(vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(*spec.shift)
        time_dim.CumulVar(routing.End(v)).SetRange(*spec.shift)
        if problem.span_cost:
            time_dim.SetSpanCostCoefficientForVehicle(problem.span_cost, v)
        if spec.breaks:
            intervals = [
                solver.FixedDurationIntervalVar(b.earliest_start, b.latest_start, b.duration, False, f"pause {v}-{k}")
                for k, b in enumerate(spec.breaks)
            ]
            time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit_transits[v])
    for v in range(len(vehicles)):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    # Driving time limit.
    if any(spec.max_drive is not None for spec in vehicles):
        drive_ids = []
        for spec in vehicles:
            cb = _matrix_callback(problem.time[spec.matrix], manager)
            keep_alive.append(cb)
            drive_ids.append(routing.RegisterTransitCallback(cb))
        caps = [spec.max_drive if spec.max_drive is not None else horizon * 2 for spec in vehicles]
        routing.AddDimensionWithVehicleTransitAndCapacity(drive_ids, 0, caps, True, "drive")

    # Capacity.
    if problem.demand and any(problem.demand):
        demand = list(problem.demand)

        def load(from_index: int) -> int:
            return demand[manager.IndexToNode(from_index)]

        keep_alive.append(load)
        caps = [spec.capacity if spec.capacity is not None else sum(demand) for spec in vehicles]
        routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitCallback(load), 0, caps, True, "load")

    # Optional visits, visit groups and spacing, vehicle compatibility.
    grouped = set()
    for group in problem.groups:
        routing.AddDisjunction([manager.NodeToIndex(i) for i in group.nodes], int(group.penalty), int(group.max_visits))
        grouped.update(group.nodes)
    for a, b in problem.exclusive:
        solver.Add(routing.ActiveVar(manager.NodeToIndex(a)) + routing.ActiveVar(manager.NodeToIndex(b)) <= 1)
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

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, params.first_solution)
    search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic)
    search.time_limit.FromMilliseconds(max(1, int(params.time_limit_s * 1000)))
    if params.solution_limit:
        search.solution_limit = params.solution_limit
    search.log_search = params.log_search

    if initial_routes:
        routing.CloseModelWithParameters(search)
        initial = routing.ReadAssignmentFromRoutes(initial_routes, True)
        assignment = routing.SolveFromAssignmentWithParameters(initial, search) if initial else routing.SolveWithParameters(search)
    else:
        assignment = routing.SolveWithParameters(search)
    if assignment is None:
        raise SolverError("aucune solution trouvée par l'optimiseur dans le temps imparti")

    routes, visited = [], set()
    break_values: dict[int, list[tuple[int, int]]] = {}
    intervals = assignment.IntervalVarContainer()
    for k in range(intervals.Size()):
        element = intervals.Element(k)
        if element.PerformedValue():
            v = int(element.Var().Name().split(" ")[1].split("-")[0])
            break_values.setdefault(v, []).append((element.StartValue(), element.DurationValue()))
    for v in range(len(vehicles)):
        index = routing.Start(v)
        depart = assignment.Value(time_dim.CumulVar(index))
        visits, starts = [], []
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visits.append(node)
            starts.append(assignment.Value(time_dim.CumulVar(index)))
            visited.add(node)
            index = assignment.Value(routing.NextVar(index))
        arrive = assignment.Value(time_dim.CumulVar(index))
        routes.append(Route(v, tuple(visits), tuple(starts), depart, arrive, tuple(sorted(break_values.get(v, ())))))
    dropped = tuple(i for i in range(n) if i not in depots and i not in visited)
    return Solution(
        tuple(routes), dropped, int(assignment.ObjectiveValue()), time.perf_counter() - started,
        {"status": int(routing.status())},
    )
