"""The optimiser's value types: immutable problem data in, a `Solution` out, search settings.

Generic over what feeds it: the day planner (street matrices, opening windows, lunch breaks,
shifts, optional sites) and the VRPTW benchmark (Euclidean matrices, capacities, all customers
mandatory) build the same `RoutingProblem`. All quantities are integers (seconds, metres, or
any scaled unit the caller chooses). No solver is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    at_most_one: tuple[
        tuple[int, ...], ...
    ] = ()  # sets with at most one visited node (visit spacing)

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
    more than it brings. With ``solution_limit`` the run stays repeatable (no clock-dependent
    choice and no VROOM start: OR-Tools alone is). ``ortools_overrides[w]``: protobuf text
    merged into worker w's
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
    ruin_share: float = 0.8
    seed_share: float | None = 0.15


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
