"""Plan one day: scenario → street graphs → snapped sites → matrices → OR-Tools → `Plan`.

Sites that cannot be visited are sorted out before solving, each with a reason; the solver
then decides among the rest, and what it drops is reported with the time it would have cost.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np

from dynamobile.errors import InputError
from dynamobile.model import Scenario, Site, Vehicle
from dynamobile.plan import (
    CLOSED, NO_TIME, NO_VEHICLE, OUTSIDE_SHIFT, PLAN_VERSION, UNREACHABLE, WINDOW_TOO_SHORT,
    Break, Depot, Plan, Stop, Tour, Unassigned,
)
from dynamobile.timeutil import local_datetime
from dynamobile.windows import format_clock, french_window, windows_on

from .geocoding import locate_depot, locate_sites
from .matrix import CsrGraph, fastest_path, to_csr, travel_matrices
from .optimiser import BreakSpec, RoutingProblem, SolveParams, Solution, VehicleSpec, solve
from .snapping import NodeIndex, Snapped
from .streets import load_street_graph, street_source_to_dict

log = logging.getLogger(__name__)

PRIORITY_PENALTY = 1_000_000  # per priority point: serving always beats saving time
KIND_LABELS = {"bus": "le bus", "van": "le fourgon", "cargo_bike": "le vélo-cargo"}


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
class _Candidate:
    site: Site
    vehicles: list[int]  # indices into the day's vehicles
    starts: list[tuple[int, int]]  # allowed service-start intervals, seconds


@dataclass
class Timings:
    graph_s: float = 0.0
    snap_s: float = 0.0
    matrix_s: float = 0.0
    solve_s: float = 0.0
    extra: dict = field(default_factory=dict)


def locate_scenario(scenario: Scenario) -> Scenario:
    """The scenario with coordinates for every site and the depot (geocoded when online, cached)."""
    sites = locate_sites(scenario.sites, city_hint="Chambéry")
    depot = locate_depot(scenario.depot, city_hint="Chambéry")
    if sites is scenario.sites and depot is scenario.depot:
        return scenario
    return replace(scenario, sites=sites, depot=depot)


def snap_scenario(scenario: Scenario, networks: dict[str, StreetNetwork]) -> dict[str, dict[str, Snapped]]:
    """Snap depot ("__depot__") and sites per profile; far-off points are input errors."""
    limit = scenario.routing.snap_max_m
    snapped: dict[str, dict[str, Snapped]] = {p: {} for p in networks}
    problems = []
    for profile, net in networks.items():
        snap = net.index.nearest(scenario.depot.lat, scenario.depot.lon)
        if snap.distance_m > limit:
            problems.append(
                f"dépôt « {scenario.depot.name} » : à {snap.distance_m:.0f} m de la rue praticable la plus proche "
                f"(profil {profile}, limite {limit:.0f} m) — vérifiez ses coordonnées"
            )
        snapped[profile]["__depot__"] = snap
        for site in scenario.sites:
            snapped[profile][site.id] = net.index.nearest(site.lat, site.lon)
    for site in scenario.sites:
        nearest = min(snapped[p][site.id].distance_m for p in networks)
        if nearest > limit:
            problems.append(
                f"site {site.id} ({site.name}) : coordonnées ({site.lat}, {site.lon}) à {_distance_text(nearest)} "
                f"de toute rue du réseau (limite {limit:.0f} m) — vérifiez lat/lon"
            )
    if problems:
        raise InputError(problems)
    return snapped


def _distance_text(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 10_000 else f"{metres / 1000:.0f} km"


def _classify(
    scenario: Scenario, day: dt.date, vehicles: list[Vehicle], snapped: dict[str, dict[str, Snapped]],
) -> tuple[list[_Candidate], list[Unassigned]]:
    """Sort sites into candidates for the solver and sites that cannot be visited that day."""
    limit = scenario.routing.snap_max_m
    candidates, unassigned = [], []
    for site in scenario.sites:
        def skip(code: str, reason: str) -> None:
            unassigned.append(Unassigned(site.id, site.name, code, reason, day, None, site.lat, site.lon))

        spans = windows_on(site.windows, day)
        if not spans:
            listed = "; ".join(french_window(w) for w in site.windows)
            skip(CLOSED, f"Fermé ce jour-là (créneaux : {listed}).")
            continue
        starts = [(a * 60, b * 60 - site.service_min * 60) for a, b in spans if b - a >= site.service_min]
        if not starts:
            shown = ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in spans)
            skip(WINDOW_TOO_SHORT, f"Créneau du jour trop court ({shown}) pour la présence prévue de {site.service_min} min.")
            continue
        allowed = [i for i, v in enumerate(vehicles) if site.allows(v.kind)]
        if not allowed:
            kinds = ", ".join(KIND_LABELS.get(k, k) for k in sorted(site.vehicle_kinds or ()))
            skip(NO_VEHICLE, f"Aucun véhicule autorisé ici ({kinds}) ne circule ce jour-là." if kinds
                 else "Aucun véhicule ne circule ce jour-là.")
            continue
        reachable = [i for i in allowed if snapped[vehicles[i].profile][site.id].distance_m <= limit]
        if not reachable:
            detail = ", ".join(
                f"{KIND_LABELS.get(vehicles[i].kind, vehicles[i].kind)} à {snapped[vehicles[i].profile][site.id].distance_m:.0f} m"
                for i in allowed[:3]
            )
            skip(UNREACHABLE, f"Injoignable par les rues : trop loin d'une voie praticable ({detail}, limite {limit:.0f} m).")
            continue
        in_shift = [
            i for i in reachable
            if any(a < vehicles[i].shift_end_min * 60 and b + site.service_min * 60 > vehicles[i].shift_start_min * 60
                   for a, b in starts)
        ]
        if not in_shift:
            shifts = ", ".join(sorted({f"{format_clock(vehicles[i].shift_start_min)}-{format_clock(vehicles[i].shift_end_min)}" for i in reachable}))
            shown = ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in spans)
            skip(OUTSIDE_SHIFT, f"Ouvert seulement en dehors des horaires de l'équipe (ouvert {shown}, équipe {shifts}).")
            continue
        candidates.append(_Candidate(site, in_shift, starts))
    return candidates, unassigned


def _fits_alone(cand: _Candidate, vehicle: Vehicle, t_out: int, t_back: int) -> bool:
    """Could the vehicle serve this site alone within its shift (ignoring the lunch break)?"""
    service = cand.site.service_min * 60
    earliest = vehicle.shift_start_min * 60 + t_out + vehicle.setup_min * 60
    for a, b in cand.starts:
        start = max(a, earliest)
        if start <= b and start + service + vehicle.packup_min * 60 + t_back <= vehicle.shift_end_min * 60:
            return True
    return False


def _place_break(leave: int, start: int, drive: int, setup: int, brk: tuple[int, int], lo: int, hi: int):
    """Lay out drive, setup and a break inside the gap [leave, start) (seconds).

    Returns (arrive, setup_start, break_start). OR-Tools guarantees the gap holds drive + setup +
    break; we keep its break start when possible, and never overlap the break with driving or work.
    """
    bs, dur = brk
    latest = min(hi, start - setup - dur)
    t = min(max(bs, leave, lo), latest)
    if t >= max(leave, lo):
        arrive = leave + drive if t >= leave + drive else leave + drive + dur
        return arrive, start - setup, t
    # Setup right on arrival, break between setup and opening.
    arrive = leave + drive
    t = max(bs, arrive + setup, lo)
    if t + dur <= start and t <= hi:
        return arrive, arrive, t
    raise ValueError("pause impossible à placer")  # guarded by the feasibility checker in tests


def _leg_geometry(G: nx.MultiDiGraph, a: int, b: int) -> tuple[tuple[int, ...], tuple[tuple[float, float], ...]]:
    path = fastest_path(G, a, b)
    return tuple(int(n) for n in path), tuple((float(G.nodes[n]["x"]), float(G.nodes[n]["y"])) for n in path)


def plan_day(
    scenario: Scenario,
    day: dt.date,
    *,
    params: SolveParams = SolveParams(),
    networks: dict[str, StreetNetwork] | None = None,
    timings: Timings | None = None,
) -> Plan:
    """Plan ``day`` for the scenario's vehicles; every site ends up in a tour or in ``unassigned``."""
    timings = timings if timings is not None else Timings()
    t0 = time.perf_counter()
    if networks is None:
        networks = load_networks(scenario)
    t1 = time.perf_counter()
    timings.graph_s += t1 - t0

    scenario = locate_scenario(scenario)
    snapped = snap_scenario(scenario, networks)
    vehicles = [v for v in scenario.vehicles if v.works_on(day)]
    candidates, unassigned = _classify(scenario, day, vehicles, snapped)
    t2 = time.perf_counter()
    timings.snap_s += t2 - t1

    # Node 0 is the depot, 1..k the candidate sites; one matrix per profile over the same indices.
    profiles = sorted({v.profile for v in vehicles})
    node_ids = {p: [snapped[p]["__depot__"].node] + [snapped[p][c.site.id].node for c in candidates] for p in profiles}
    times, dists = {}, {}
    for p in profiles:
        times[p], dists[p] = travel_matrices(networks[p].graph, node_ids[p], csr=networks[p].csr)
    t3 = time.perf_counter()
    timings.matrix_s += t3 - t2

    # Sites no vehicle can serve alone in its shift are not worth the solver's time.
    kept = []
    for idx, c in enumerate(candidates, start=1):
        ok = [
            i for i in c.vehicles
            if _fits_alone(c, vehicles[i], int(times[vehicles[i].profile][0, idx]), int(times[vehicles[i].profile][idx, 0]))
        ]
        if ok:
            c.vehicles = ok
            kept.append((idx, c))
        else:
            unassigned.append(Unassigned(
                c.site.id, c.site.name, UNREACHABLE,
                "Impossible d'y être pendant le créneau : trajet depuis le dépôt trop long pour les horaires de l'équipe.",
                day, None, c.site.lat, c.site.lon,
            ))
    order = [0] + [idx for idx, _ in kept]
    candidates = [c for _, c in kept]
    for p in profiles:
        times[p] = times[p][np.ix_(order, order)]
        dists[p] = dists[p][np.ix_(order, order)]
        node_ids[p] = [node_ids[p][i] for i in order]

    # The model counts whole minutes of driving (rounded up) so that timetables read cleanly.
    model_times = {p: np.where(times[p] < 0, -1, -(-times[p] // 60) * 60) for p in profiles}
    tours: list[Tour] = []
    solution: Solution | None = None
    if candidates and vehicles:
        problem = _build_problem(candidates, vehicles, profiles, model_times)
        solution = solve(problem, params)
        tours = _decode(solution, day, vehicles, candidates, model_times, times, dists, node_ids, networks)
        unassigned += _dropped(solution, day, vehicles, candidates, model_times)
    timings.solve_s += time.perf_counter() - t3

    order_ids = {s.id: i for i, s in enumerate(scenario.sites)}
    unassigned.sort(key=lambda u: order_ids.get(u.site, 0))
    served = [s for t in tours for s in t.stops]
    stats = {
        "timings_s": {"graph": round(timings.graph_s, 3), "snap": round(timings.snap_s, 3),
                      "matrix": round(timings.matrix_s, 3), "solve": round(timings.solve_s, 3)},
        "sites": len(scenario.sites),
        "served": len(served),
        "priority_served": sum(s.priority for s in served),
        "priority_total": sum(s.priority for s in scenario.sites),
        "objective": solution.objective if solution else 0,
        "solver_s": round(solution.wall_s, 3) if solution else 0.0,
        "time_limit_s": params.time_limit_s,
    }
    return Plan(
        version=PLAN_VERSION, scenario=scenario.name, dates=(day,),
        depot=Depot(scenario.depot.name, scenario.depot.lat, scenario.depot.lon),
        tours=tuple(tours), unassigned=tuple(unassigned),
        streets=street_source_to_dict(scenario.streets, scenario.routing), stats=stats,
    )


def _build_problem(candidates: list[_Candidate], vehicles: list[Vehicle], profiles: list[str], times) -> RoutingProblem:
    specs = []
    for v in vehicles:
        breaks = ()
        if v.lunch:
            breaks = (BreakSpec(v.lunch.earliest_min * 60, (v.lunch.latest_min - v.lunch.minutes) * 60, v.lunch.minutes * 60),)
        specs.append(VehicleSpec(
            start=0, end=0, shift=(v.shift_start_min * 60, v.shift_end_min * 60), matrix=profiles.index(v.profile),
            setup=v.setup_min * 60, packup=v.packup_min * 60, breaks=breaks,
            max_drive=v.max_drive_min * 60 if v.max_drive_min is not None else None,
        ))
    return RoutingProblem(
        time=tuple(times[p] for p in profiles),
        service=(0, *[c.site.service_min * 60 for c in candidates]),
        windows=((), *[tuple(c.starts) for c in candidates]),
        vehicles=tuple(specs),
        penalty=(None, *[PRIORITY_PENALTY * c.site.priority for c in candidates]),
        allowed=(None, *[frozenset(c.vehicles) for c in candidates]),
        span_cost=1,
    )


def _decode(solution, day, vehicles, candidates, times, exact_times, dists, node_ids, networks) -> list[Tour]:
    """Turn solver routes into tours; ``times`` are the model's (minutes), ``exact_times`` the streets'."""
    tours = []
    at = lambda seconds: local_datetime(day, seconds)  # noqa: E731
    for route in solution.routes:
        if not route.visits:
            continue
        v = vehicles[route.vehicle]
        m, exact, d = times[v.profile], exact_times[v.profile], dists[v.profile]
        G, ids = networks[v.profile].graph, node_ids[v.profile]
        lunch = v.lunch
        lo, hi = (lunch.earliest_min * 60, (lunch.latest_min - lunch.minutes) * 60) if lunch else (0, 0)
        pending = list(route.breaks)
        stops, breaks = [], []
        prev, leave = 0, route.depart
        for k, (node, start) in enumerate(zip(route.visits, route.service_start)):
            site = candidates[node - 1].site
            drive = int(m[prev, node])
            arrive, setup_start = leave + drive, start - v.setup_min * 60
            for brk in list(pending):
                if brk[0] + brk[1] <= route.depart:
                    breaks.append(Break(at(brk[0]), at(brk[0] + brk[1]), -1))
                    pending.remove(brk)
                elif brk[0] < start:
                    arrive, setup_start, bs = _place_break(leave, start, drive, v.setup_min * 60, brk, lo, hi)
                    breaks.append(Break(at(bs), at(bs + brk[1]), k - 1))
                    pending.remove(brk)
            path, geometry = _leg_geometry(G, ids[prev], ids[node])
            end = start + site.service_min * 60
            stops.append(Stop(
                site=site.id, name=site.name, kind=site.kind, lat=site.lat, lon=site.lon,
                arrive=at(arrive), setup_start=at(setup_start), start=at(start), end=at(end),
                leave=at(end + v.packup_min * 60), drive_s=int(exact[prev, node]), distance_m=int(d[prev, node]),
                address=site.address, quartier=site.quartier, priority=site.priority, path=path, geometry=geometry,
            ))
            prev, leave = node, end + v.packup_min * 60
        back = int(m[prev, 0])
        back_exact = int(exact[prev, 0])
        arrive_home = leave + back
        for brk in pending:  # after the last stop: on the way back, or at the depot
            if brk[0] < route.arrive:
                arrive_home, _, bs = _place_break(leave, max(route.arrive, leave + back + brk[1]), back, 0, brk, lo, hi)
            else:
                bs = brk[0]
            breaks.append(Break(at(bs), at(bs + brk[1]), len(stops) - 1))
        path, geometry = _leg_geometry(G, ids[prev], ids[0])
        legs_drive = sum(s.drive_s for s in stops)
        legs_dist = sum(s.distance_m for s in stops)
        tours.append(Tour(
            vehicle=v.id, vehicle_kind=v.kind, profile=v.profile, date=day,
            start=at(route.depart), end=at(arrive_home),
            stops=tuple(stops), breaks=tuple(sorted(breaks, key=lambda b: b.start)),
            distance_m=legs_dist + int(d[prev, 0]), drive_s=legs_drive + back_exact,
            return_drive_s=back_exact, return_distance_m=int(d[prev, 0]), return_path=path, return_geometry=geometry,
            vehicle_name=v.name, crew=v.crew,
        ))
    return tours


def _dropped(solution, day, vehicles, candidates, times) -> list[Unassigned]:
    """Sites the solver left out, with the cheapest extra time their visit would have needed."""
    out = []
    for node in solution.dropped:
        site = candidates[node - 1].site
        best = None
        for route in solution.routes:
            v = vehicles[route.vehicle]
            if route.vehicle not in candidates[node - 1].vehicles:
                continue
            m = times[v.profile]
            seq = [0, *route.visits, 0]
            on_site = v.setup_min * 60 + site.service_min * 60 + v.packup_min * 60
            for a, b in zip(seq, seq[1:]):
                extra = int(m[a, node] + on_site + m[node, b] - m[a, b])
                best = extra if best is None else min(best, extra)
        minutes = round(best / 60) if best is not None else None
        reason = "Pas assez de temps dans les tournées du jour (créneaux et horaires déjà pris)"
        reason += f" : sa visite demanderait environ {minutes} min de plus (trajet, installation, présence, rangement)." if minutes else "."
        out.append(Unassigned(site.id, site.name, NO_TIME, reason, day, minutes, site.lat, site.lon))
    return out


def travel_lookup(scenario: Scenario, networks: dict[str, StreetNetwork]):
    """A `dynamobile.check.TravelLookup` on the scenario's streets (site id or None for the depot)."""
    scenario = locate_scenario(scenario)
    snapped = snap_scenario(scenario, networks)
    cache: dict[tuple[str, str | None, str | None], tuple[int, int]] = {}

    def lookup(profile: str, a: str | None, b: str | None) -> tuple[int, int]:
        key = (profile, a, b)
        if key not in cache:
            nodes = [snapped[profile][x or "__depot__"].node for x in (a, b)]
            seconds, metres = travel_matrices(networks[profile].graph, nodes, csr=networks[profile].csr)
            cache[key] = (int(seconds[0, 1]), int(metres[0, 1]))
        return cache[key]

    return lookup
