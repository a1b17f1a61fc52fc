"""Solomon / Gehring–Homberger VRPTW instances: read, build a `RoutingProblem`, verify, benchmark.

DIMACS convention (distance-minimising): Euclidean distances and travel times are truncated to
one decimal, the objective is the total distance only. Everything is scaled by ``SCALE`` = 10, so
the model works on exact integers. Node ``i`` of the model is customer number ``i`` of the
``.sol`` files (VRPLIB node ``i + 1``); node 0 is the depot.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dynamobile.errors import InputError

from .problem import RoutingProblem, SolveParams, VehicleSpec
from .search import solve

SCALE = 10  # tenths: the DIMACS truncation makes every distance a multiple of 0.1


@dataclass(frozen=True)
class VrptwInstance:
    """A VRPTW instance in VRPLIB terms; node 0 is the depot. Times and loads as in the file."""

    name: str
    x: tuple[float, ...] = field(repr=False)
    y: tuple[float, ...] = field(repr=False)
    demand: tuple[int, ...] = field(repr=False)
    ready: tuple[float, ...] = field(repr=False)
    due: tuple[float, ...] = field(repr=False)
    service: tuple[float, ...] = field(repr=False)
    capacity: int = 0
    vehicles: int = 0

    @property
    def n_customers(self) -> int:
        return len(self.x) - 1


@dataclass(frozen=True)
class KnownSolution:
    """A ``.sol`` file: routes of customer numbers and the stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: float


@dataclass(frozen=True)
class Check:
    """What `verify` found: the recomputed distance (scaled integer) and every violation."""

    distance: int
    problems: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class BenchResult:
    """One instance solved and verified."""

    instance: str
    vehicles: int
    distance: float
    best_known: float | None
    seconds: float
    routes: tuple[tuple[int, ...], ...]
    problems: tuple[str, ...] = ()
    stats: dict = field(default_factory=dict)

    @property
    def gap_pct(self) -> float | None:
        if not self.best_known:
            return None
        return 100.0 * (self.distance - self.best_known) / self.best_known


# --- reading -------------------------------------------------------------------------------

_SECTIONS = (
    "NODE_COORD_SECTION",
    "DEMAND_SECTION",
    "TIME_WINDOW_SECTION",
    "SERVICE_TIME_SECTION",
    "DEPOT_SECTION",
)


def _read_text(path: Path) -> str:
    """The file's text, or an InputError naming it (instances and .sol files alike)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path} : lecture impossible ({exc.strerror or exc})") from exc


def read_instance(path: Path | str) -> VrptwInstance:
    """Parse a VRPLIB CVRPTW file (Solomon / Gehring–Homberger as published in PyVRP/Instances)."""
    path = Path(path)
    text = _read_text(path)
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line == "EOF":
            continue
        key = line.split()[0].rstrip(":")
        if key in _SECTIONS:
            current = key
            sections[current] = []
        elif current is None or (
            ":" in line and not line[0].isdigit() and not line.startswith("-")
        ):
            if ":" not in line:
                raise InputError(f"{path}, ligne {lineno} : en-tête illisible « {line} »")
            name, value = line.split(":", 1)
            header[name.strip().upper()] = value.strip()
            current = None
        else:
            sections[current].append(line.split())
    try:
        return _instance_from(path, header, sections)
    except (KeyError, ValueError, IndexError) as exc:
        raise InputError(f"{path} : instance VRPTW illisible ({exc})") from exc


def _instance_from(
    path: Path, header: dict[str, str], sections: dict[str, list[list[str]]]
) -> VrptwInstance:
    if header.get("EDGE_WEIGHT_TYPE", "EUC_2D") != "EUC_2D":
        raise ValueError(f"EDGE_WEIGHT_TYPE {header['EDGE_WEIGHT_TYPE']} non pris en charge")
    n = int(header["DIMENSION"])
    for name in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        if len(sections.get(name, ())) != n:
            raise ValueError(f"{name} : {len(sections.get(name, ()))} lignes pour DIMENSION {n}")
    depots = [int(r[0]) for r in sections.get("DEPOT_SECTION", [["1"]]) if int(r[0]) >= 0]
    if depots != [1]:
        raise ValueError(f"dépôt {depots} : seul le dépôt unique numéro 1 est pris en charge")

    def column(name: str, col: int, kind=float) -> tuple:
        rows = sorted(sections[name], key=lambda r: int(r[0]))
        if [int(r[0]) for r in rows] != list(range(1, n + 1)):
            raise ValueError(f"{name} : numéros de nœuds non contigus")
        return tuple(kind(r[col]) for r in rows)

    if "SERVICE_TIME_SECTION" in sections:
        service = column("SERVICE_TIME_SECTION", 1)
    else:
        service = (0.0,) + (float(header.get("SERVICE_TIME", 0)),) * (n - 1)
    demand = column("DEMAND_SECTION", 1, int)
    return VrptwInstance(
        name=header.get("NAME", path.stem),
        x=column("NODE_COORD_SECTION", 1),
        y=column("NODE_COORD_SECTION", 2),
        demand=demand,
        ready=column("TIME_WINDOW_SECTION", 1),
        due=column("TIME_WINDOW_SECTION", 2),
        service=(0.0,) + service[1:],
        capacity=int(header["CAPACITY"]),
        vehicles=int(header.get("VEHICLES", n - 1)),
    )


def read_solomon_text(path: Path | str) -> VrptwInstance:
    """Parse Solomon's original text layout (``VEHICLE`` / ``CUSTOMER`` table, customer 0 the
    depot), as written by bench/generate_vrptw.py ``--format solomon``."""
    path = Path(path)
    lines = [line.split() for line in _read_text(path).splitlines()]
    try:
        name = next(" ".join(w) for w in lines if w)
        at = next(i for i, w in enumerate(lines) if w[:2] == ["NUMBER", "CAPACITY"])
        vehicles, capacity = (int(v) for v in lines[at + 1][:2])
        start = next(i for i, w in enumerate(lines) if w[:2] == ["CUST", "NO."])
        rows = [[float(v) for v in w] for w in lines[start + 1 :] if w]
        if [int(r[0]) for r in rows] != list(range(len(rows))) or any(len(r) != 7 for r in rows):
            raise ValueError("tableau des clients : 7 colonnes, clients numérotés depuis 0")
    except (StopIteration, ValueError, IndexError) as exc:
        raise InputError(f"{path} : instance Solomon illisible ({exc})") from exc
    return VrptwInstance(
        name=name,
        x=tuple(r[1] for r in rows),
        y=tuple(r[2] for r in rows),
        demand=tuple(int(r[3]) for r in rows),
        ready=tuple(r[4] for r in rows),
        due=tuple(r[5] for r in rows),
        service=(0.0,) + tuple(r[6] for r in rows[1:]),
        capacity=capacity,
        vehicles=vehicles,
    )


def read_any(path: Path | str) -> VrptwInstance:
    """`read_solomon_text` if the file has Solomon's ``CUST NO.`` table, else `read_instance`."""
    if "CUST NO." in _read_text(Path(path)):
        return read_solomon_text(path)
    return read_instance(path)


def read_solution(path: Path | str) -> KnownSolution:
    """Parse a ``.sol`` file (``Route #k: c1 c2 ...`` lines and ``Cost X``)."""
    path = Path(path)
    text = _read_text(path)
    routes, cost = [], None
    for line in text.splitlines():
        if m := re.match(r"\s*Route\s*#\d+\s*:(.*)", line):
            routes.append(tuple(int(c) for c in m.group(1).split()))
        elif m := re.match(r"\s*Cost\s+([0-9.eE+-]+)", line):
            cost = float(m.group(1))
    if cost is None:
        raise InputError(f"{path} : ligne « Cost » absente")
    return KnownSolution(tuple(r for r in routes if r), cost)


# --- model ---------------------------------------------------------------------------------


def distance_matrix(instance: VrptwInstance, *, scale: int = SCALE) -> np.ndarray:
    """Euclidean distances, truncated to 1/scale and expressed as integers (DIMACS convention)."""
    xy = np.column_stack([instance.x, instance.y])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    # The small epsilon keeps exact tenths (e.g. 5.0 stored as 4.999…) from truncating down.
    return np.floor(d * scale + 1e-7).astype(np.int64)


def _scaled(value: float, scale: int) -> int:
    scaled = value * scale
    if abs(scaled - round(scaled)) > 1e-6:
        raise InputError(f"valeur {value} non multiple de 1/{scale}")
    return round(scaled)


def build_problem(
    instance: VrptwInstance, *, scale: int = SCALE, vehicles: int | None = None
) -> RoutingProblem:
    """The instance as a `RoutingProblem`: every customer mandatory, cost = total distance."""
    matrix = distance_matrix(instance, scale=scale)
    shift = (_scaled(instance.ready[0], scale), _scaled(instance.due[0], scale))
    fleet = vehicles if vehicles is not None else instance.vehicles
    spec = VehicleSpec(start=0, end=0, shift=shift, capacity=instance.capacity)
    windows = ((),) + tuple(
        ((_scaled(a, scale), _scaled(b, scale)),)
        for a, b in zip(instance.ready[1:], instance.due[1:])
    )
    return RoutingProblem(
        time=(matrix,),
        service=tuple(_scaled(s, scale) for s in instance.service),
        windows=windows,
        vehicles=(spec,) * fleet,
        demand=instance.demand,
        cost=(matrix,),
    )


PRIZE_PER_DEMAND = 200  # tenths of distance per unit of demand (issue 16's prize benchmark)


def prizes(instance: VrptwInstance, *, prize_per_demand: int = PRIZE_PER_DEMAND) -> tuple[int, ...]:
    """Each node's prize in model units (tenths): demand × ``prize_per_demand``; 0 at the depot."""
    return (0,) + tuple(int(d) * prize_per_demand for d in instance.demand[1:])


def build_prize_problem(
    instance: VrptwInstance,
    vehicles: int,
    *,
    prize_per_demand: int = PRIZE_PER_DEMAND,
    scale: int = SCALE,
) -> RoutingProblem:
    """The instance as a prize-collecting `RoutingProblem` (issue 16): every customer optional.

    Not visiting customer i costs its prize (`prizes`), ``vehicles`` routes without capacity, the
    depot's window as the shift, windows and service times as in the file, arc cost = distance
    (DIMACS truncation, in 1/scale). Objective = distance + prizes left.
    """
    mandatory = build_problem(instance, scale=scale, vehicles=vehicles)
    spec = VehicleSpec(start=0, end=0, shift=mandatory.vehicles[0].shift)
    prize = prizes(instance, prize_per_demand=prize_per_demand)
    penalty: tuple[int | None, ...] = (None, *prize[1:])
    return RoutingProblem(
        time=mandatory.time,
        service=mandatory.service,
        windows=mandatory.windows,
        vehicles=(spec,) * vehicles,
        penalty=penalty,
        cost=mandatory.cost,
    )


# --- verification --------------------------------------------------------------------------


def verify(
    instance: VrptwInstance, routes, *, cost: float | None = None, scale: int = SCALE
) -> Check:
    """Check routes (lists of customer numbers) against the instance itself, not the model.

    Every customer exactly once, at most ``instance.vehicles`` routes, load within capacity,
    service started by each due time (waiting allowed), back at the depot by its due time.
    ``cost``, if given, must equal the recomputed distance (to 1/scale).
    """
    matrix = distance_matrix(instance, scale=scale)
    n = instance.n_customers
    problems: list[str] = []
    seen: dict[int, int] = {}
    total = 0
    routes = [list(r) for r in routes if len(r)]
    if len(routes) > instance.vehicles:
        problems.append(f"{len(routes)} tournées pour {instance.vehicles} véhicules")
    depot_due = _scaled(instance.due[0], scale)
    for k, route in enumerate(routes, start=1):
        bad = [c for c in route if not (isinstance(c, (int, np.integer)) and 1 <= c <= n)]
        if bad:
            problems.append(f"tournée {k} : clients inconnus {bad}")
            continue
        load, clock, prev = 0, _scaled(instance.ready[0], scale), 0
        for c in route:
            if c in seen:
                problems.append(f"client {c} servi deux fois (tournées {seen[c]} et {k})")
            seen[c] = k
            load += instance.demand[c]
            total += int(matrix[prev, c])
            arrival = clock + int(matrix[prev, c])
            start = max(arrival, _scaled(instance.ready[c], scale))
            if start > _scaled(instance.due[c], scale):
                problems.append(
                    f"tournée {k} : client {c} servi à {start / scale:g} après sa fermeture "
                    f"{instance.due[c]:g}"
                )
            clock = start + _scaled(instance.service[c], scale)
            prev = c
        total += int(matrix[prev, 0])
        back = clock + int(matrix[prev, 0])
        if back > depot_due:
            problems.append(
                f"tournée {k} : retour au dépôt à {back / scale:g} après {instance.due[0]:g}"
            )
        if load > instance.capacity:
            problems.append(f"tournée {k} : charge {load} > capacité {instance.capacity}")
    missing = sorted(set(range(1, n + 1)) - set(seen))
    if missing:
        problems.append(f"clients non servis : {missing}")
    if cost is not None and abs(cost * scale - total) > 0.5:
        problems.append(f"coût annoncé {cost:g} ≠ distance recalculée {total / scale:g}")
    return Check(total, tuple(problems))


# --- benchmark -----------------------------------------------------------------------------


def solve_instance(
    instance: VrptwInstance,
    params: SolveParams,
    *,
    best_known: float | None = None,
    scale: int = SCALE,
) -> BenchResult:
    """Solve with the planner's optimiser, then verify the routes independently."""
    problem = build_problem(instance, scale=scale)
    started = time.perf_counter()
    solution = solve(problem, params)
    seconds = time.perf_counter() - started
    routes = tuple(tuple(int(c) for c in r.visits) for r in solution.routes if r.visits)
    problems = list(verify(instance, routes, cost=solution.objective / scale, scale=scale).problems)
    if solution.dropped:
        problems.append(f"clients abandonnés par l'optimiseur : {list(solution.dropped)}")
    distance = verify(instance, routes, scale=scale).distance / scale
    return BenchResult(
        instance.name,
        len(routes),
        distance,
        best_known,
        seconds,
        routes,
        tuple(problems),
        dict(solution.stats),
    )


def best_known_for(path: Path | str) -> float | None:
    """The cost of the ``.sol`` file beside an instance, if there is one."""
    sol = Path(path).with_suffix(".sol")
    return read_solution(sol).cost if sol.exists() else None


def truncated(instance: VrptwInstance, n_customers: int) -> VrptwInstance:
    """The depot and the first ``n_customers`` customers (small instances for tests)."""
    k = n_customers + 1
    return VrptwInstance(
        f"{instance.name}-{n_customers}",
        instance.x[:k],
        instance.y[:k],
        instance.demand[:k],
        instance.ready[:k],
        instance.due[:k],
        instance.service[:k],
        instance.capacity,
        min(instance.vehicles, n_customers),
    )
