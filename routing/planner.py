"""Plan a day or a period: scenario → street graphs → snapped sites → matrices → OR-Tools → `Plan`.

The stages live apart: `eligibility` (candidate visits and reasons), `season_model` (the
OR-Tools problem), `search` (solving), `decode` (tours), `explain` (why not visited),
`plan_stats` (figures). This module loads and snaps, and runs them in order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np

from dynamobile.calendars import works_on
from dynamobile.errors import InputError, InternalError
from dynamobile.model import Scenario, Site
from dynamobile.plan import PLAN_VERSION, Depot, Plan, Tour

from .decode import ProfileLegs, RouteDay, decode_tours
from .eligibility import DAY_S, candidates, feasible_alone
from .explain import unassigned_sites
from .fairness import FAIR_SHARE, enforce_fairness
from .geocoding import locate_depot, locate_sites
from .locks import Lock, check_choices, excluded_sites, pin_locks
from .matrix import CsrGraph, to_csr, travel_matrices
from .parking import load_walk_network, with_parking
from .plan_stats import plan_stats
from .problem import Solution, SolveParams
from .progress import Monitor, Tracker
from .search import solve
from .season_model import build_problem
from .snapping import NodeIndex, Snapped
from .streets import load_street_graph, street_source_to_dict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreetNetwork:
    """A profile's street graph with its snapping index and CSR form, built once per scenario."""

    profile: str
    graph: nx.MultiDiGraph
    index: NodeIndex
    csr: CsrGraph


def load_networks(scenario: Scenario) -> dict[str, StreetNetwork]:
    """The street network of every profile the scenario's vehicles use."""
    networks = {}
    for profile in sorted({v.profile for v in scenario.vehicles}):
        G = load_street_graph(scenario.streets, profile, settings=scenario.routing)
        networks[profile] = StreetNetwork(profile, G, NodeIndex(G), to_csr(G))
    return networks


@dataclass
class Timings:
    graph_s: float = 0.0
    snap_s: float = 0.0
    matrix_s: float = 0.0
    solve_s: float = 0.0


def locate_scenario(scenario: Scenario) -> Scenario:
    """The scenario with coordinates for every site and the depot (geocoded when online, cached)."""
    sites = locate_sites(scenario.sites, city_hint="Chambéry")
    depot = locate_depot(scenario.depot, city_hint="Chambéry")
    if sites is scenario.sites and depot is scenario.depot:
        return scenario
    return replace(scenario, sites=sites, depot=depot)


def _coordinates(lat: float | None, lon: float | None, name: str) -> tuple[float, float]:
    """A located point's coordinates (`locate_scenario` gives every point some)."""
    if lat is None or lon is None:
        raise InternalError(f"« {name} » sans coordonnées après géocodage")
    return lat, lon


# A site's own parking point farther than this from the streets its vehicles use is a typo.
PARK_SNAP_MAX_M = 100.0


def snap_scenario(
    scenario: Scenario, networks: dict[str, StreetNetwork]
) -> dict[str, dict[str, Snapped]]:
    """Snap depot ("__depot__") and sites per profile; far-off points are input errors.

    A site is snapped where its vehicle parks: its own parking point (``park_lat``,
    ``park_lon``) when it has one, else the site itself.
    """
    limit = scenario.routing.snap_max_m
    snapped: dict[str, dict[str, Snapped]] = {p: {} for p in networks}
    problems = []
    for profile, net in networks.items():
        snap = net.index.nearest(
            *_coordinates(scenario.depot.lat, scenario.depot.lon, scenario.depot.name)
        )
        if snap.distance_m > limit:
            problems.append(
                f"dépôt « {scenario.depot.name} » : à {snap.distance_m:.0f} m de la rue praticable la plus proche "
                f"(profil {profile}, limite {limit:.0f} m) — vérifiez ses coordonnées"
            )
        snapped[profile]["__depot__"] = snap
        for site in scenario.sites:
            snapped[profile][site.id] = net.index.nearest(
                *_coordinates(*site.park_point, site.name)
            )
    for site in scenario.sites:
        nearest = min(snapped[p][site.id].distance_m for p in networks)
        if site.has_own_parking:
            problem = _parking_problem(scenario, site, snapped, nearest=nearest)
            if problem:
                problems.append(problem)
        elif nearest > limit:
            problems.append(
                f"site {site.id} ({site.name}) : coordonnées ({site.lat}, {site.lon}) à {_distance_text(nearest)} "
                f"de toute rue du réseau (limite {limit:.0f} m) — vérifiez lat/lon"
            )
    if problems:
        raise InputError(problems)
    return snapped


def _parking_problem(
    scenario: Scenario, site: Site, snapped: dict[str, dict[str, Snapped]], *, nearest: float
) -> str:
    """The French message for a site's own parking point off its vehicles' streets, or ""."""
    limit = min(scenario.routing.snap_max_m, PARK_SNAP_MAX_M)
    profiles = {v.profile for v in scenario.vehicles if site.allows(v.kind)} & set(snapped)
    if profiles:
        nearest = min(snapped[p][site.id].distance_m for p in profiles)
    if nearest <= limit:
        return ""
    return (
        f"site {site.id} ({site.name}) : point de stationnement ({site.park_lat}, {site.park_lon}) "
        f"à {_distance_text(nearest)} de la rue praticable la plus proche (limite {limit:.0f} m) "
        "— vérifiez park_lat/park_lon"
    )


def _distance_text(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 10_000 else f"{metres / 1000:.0f} km"


def plan_day(scenario: Scenario, day: dt.date, **options) -> Plan:
    """Plan one day: every site ends up in a tour or in ``unassigned`` (dated that day)."""
    return plan_period(scenario, day, 1, **options)


def plan_period(
    scenario: Scenario,
    first_day: dt.date,
    days: int,
    *,
    params: SolveParams = SolveParams(),
    networks: dict[str, StreetNetwork] | None = None,
    timings: Timings | None = None,
    fair_days: int | None = None,
    monitor: Monitor | None = None,
    locks: Sequence[Lock] = (),
    exclude: Collection[str] = (),
) -> Plan:
    """Plan ``days`` consecutive days jointly: each vehicle-day is a route of one OR-Tools model.

    Each site has one candidate visit per day it can be served; at most ``target_visits`` of them
    are made, two visits are at least ``min_gap`` days apart, and missing visits cost the site's
    priority. With ``fair_days``, every neighbourhood (quartier) with a possible visit in any
    ``fair_days``-day stretch gets one there, when the model can hold it.

    ``monitor`` watches the run (see `routing.progress.Monitor`): a stop asked during the
    optimisation ends it with the best plan found so far; asked before, it raises `Cancelled`.

    ``locks`` are visits that must be made (site, day, vehicle); ``exclude`` sites are left out
    (unassigned, reason « excluded »). A lock that cannot hold is an `InputError` naming it,
    raised before the optimisation.
    """
    period = [first_day + dt.timedelta(days=k) for k in range(days)]
    check_choices(scenario, period, locks, exclude)
    full_scenario = scenario
    if exclude:
        scenario = replace(scenario, sites=tuple(s for s in scenario.sites if s.id not in exclude))
    timings = timings if timings is not None else Timings()
    t0 = time.perf_counter()
    tracker = Tracker(monitor, started=t0) if monitor is not None else None
    if tracker is not None:
        tracker.enter("streets")
    if networks is None:
        networks = load_networks(scenario)
    t1 = time.perf_counter()
    timings.graph_s += t1 - t0
    if tracker is not None:
        tracker.enter("matrices")

    scenario = locate_scenario(scenario)
    snapped = snap_scenario(scenario, networks)
    route_days = [
        RouteDay(v, day, k * DAY_S)
        for k, day in enumerate(period)
        for v in scenario.vehicles
        if works_on(scenario.calendar, v, day)
    ]
    copies, day_reasons = candidates(scenario, period, route_days, snapped)
    t2 = time.perf_counter()
    timings.snap_s += t2 - t1

    # Matrices over the depot and the distinct candidate sites, then expanded to one node per copy.
    profiles = sorted({rd.vehicle.profile for rd in route_days})
    site_ids = list(dict.fromkeys(c.site.id for c in copies))
    position = {sid: i + 1 for i, sid in enumerate(site_ids)}
    times, dists = {}, {}
    for p in profiles:
        nodes = [snapped[p]["__depot__"].node] + [snapped[p][sid].node for sid in site_ids]
        times[p], dists[p] = travel_matrices(networks[p].graph, nodes, csr=networks[p].csr)
    copies = feasible_alone(copies, route_days, times, position, day_reasons)
    copies, pins = pin_locks(copies, route_days, period, locks, day_reasons)
    index = [0] + [position[c.site.id] for c in copies]
    node_ids = {
        p: [snapped[p]["__depot__"].node] + [snapped[p][c.site.id].node for c in copies]
        for p in profiles
    }
    times = {p: times[p][np.ix_(index, index)] for p in profiles}
    dists = {p: dists[p][np.ix_(index, index)] for p in profiles}
    t3 = time.perf_counter()
    timings.matrix_s += t3 - t2

    # The model counts whole minutes of driving (rounded up) so that timetables read cleanly.
    model_times = {p: np.where(times[p] < 0, -1, -(-times[p] // 60) * 60) for p in profiles}
    tours: list[Tour] = []
    solution: Solution | None = None
    fairness: dict = {}
    if copies and route_days:
        problem = build_problem(copies, route_days, profiles, model_times, days, pins=pins)
        deadline = time.perf_counter() + params.time_limit_s
        watch: dict[str, Any] = {}  # unwatched, `solve` is called as it always was
        if tracker is not None:
            tracker.set_goal(problem)
            tracker.enter("optimisation", deadline=deadline)
            watch["tracker"] = tracker
        solution = solve(
            problem,
            replace(params, time_limit_s=params.time_limit_s * (FAIR_SHARE if fair_days else 1)),
            **watch,
        )
        if fair_days:
            solution, fairness = enforce_fairness(
                problem,
                solution,
                copies,
                fair_days,
                days,
                params,
                route_days,
                model_times,
                deadline=deadline,
                tracker=tracker,
            )
        sites = [None] + [c.site for c in copies]
        legs = {
            p: ProfileLegs(networks[p].graph, node_ids[p], model_times[p], times[p], dists[p])
            for p in profiles
        }
        tours = decode_tours(solution, route_days, sites, legs)
        tours = with_parking(
            tours,
            {p: networks[p].graph for p in profiles},
            load_walk_network(scenario.streets, scenario.routing),
            {s.id: s for s in scenario.sites},
            _coordinates(scenario.depot.lat, scenario.depot.lon, scenario.depot.name),
        )
    timings.solve_s += time.perf_counter() - t3

    unassigned = unassigned_sites(
        scenario, period, tours, copies, day_reasons, solution, route_days, model_times
    ) + excluded_sites(full_scenario, exclude)
    if tracker is not None:
        tracker.enter("done")
    return Plan(
        version=PLAN_VERSION,
        scenario=scenario.name,
        dates=tuple(period),
        depot=Depot(
            scenario.depot.name,
            *_coordinates(scenario.depot.lat, scenario.depot.lon, scenario.depot.name),
        ),
        tours=tuple(sorted(tours, key=lambda t: (t.date, t.vehicle))),
        unassigned=tuple(unassigned),
        streets=street_source_to_dict(scenario.streets, scenario.routing),
        stats=plan_stats(scenario, period, tours, timings, solution, params, fairness),
    )


def travel_lookup(scenario: Scenario, networks: dict[str, StreetNetwork]):
    """A `dynamobile.check.TravelLookup` on the scenario's streets (site id or None for the depot).

    Each profile's matrix over the depot and every site is computed once, on first use. A site
    farther than ``snap_max_m`` from a profile's streets is unreachable (-1, -1) on that profile,
    as for the planner.
    """
    scenario = locate_scenario(scenario)
    snapped = snap_scenario(scenario, networks)
    ids = ["__depot__"] + [s.id for s in scenario.sites]
    position = {None: 0} | {sid: i for i, sid in enumerate(ids) if i}
    matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def lookup(profile: str, a: str | None, b: str | None) -> tuple[int, int]:
        if profile not in matrices:
            net = networks[profile]
            seconds, metres = travel_matrices(
                net.graph, [snapped[profile][x].node for x in ids], csr=net.csr
            )
            far = [
                i
                for i, x in enumerate(ids)
                if i and snapped[profile][x].distance_m > scenario.routing.snap_max_m
            ]
            for m in (seconds, metres):
                m[far, :] = m[:, far] = -1
                np.fill_diagonal(m, 0)
            matrices[profile] = (seconds, metres)
        seconds, metres = matrices[profile]
        i, j = position[a], position[b]
        return int(seconds[i, j]), int(metres[i, j])

    return lookup
