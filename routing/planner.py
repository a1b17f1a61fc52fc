"""Plan one day: scenario → street graphs → snapped sites → matrices → OR-Tools → `Plan`.

Sites that cannot be visited are sorted out before solving, each with a reason; the solver
then decides among the rest, and what it drops is reported with the time it would have cost.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from dynamobile.errors import InputError
from dynamobile.model import Scenario, Site, Vehicle
from dynamobile.plan import (
    CLOSED, NO_TIME, NO_VEHICLE, OUTSIDE_SHIFT, PLAN_VERSION, RECENT_VISIT, UNREACHABLE, WINDOW_TOO_SHORT,
    Depot, Plan, Tour, Unassigned,
)
from dynamobile.calendars import day_off_reason, opening, works_on
from dynamobile.windows import format_clock, french_window

from .geocoding import locate_depot, locate_sites
from .decode import RouteDay, cheapest_insertion_min, decode_tours
from .fairness import FAIR_SHARE, enforce_fairness
from .matrix import CsrGraph, to_csr, travel_matrices
from .optimiser import BreakSpec, RoutingProblem, SolveParams, Solution, VehicleSpec, VisitGroup, solve
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
    """A possible visit of ``site`` on one day, by one of ``vehicles`` (route indices)."""

    site: Site
    vehicles: list[int]
    starts: list[tuple[int, int]]  # allowed service-start intervals, seconds since period start
    day_index: int = 0


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

        spans = opening(scenario.calendar, site.windows, day)
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
            # A crew that would work this weekday but is off (public holiday, day off) says why.
            off = sorted({r for v in scenario.vehicles if site.allows(v.kind)
                          if (r := day_off_reason(scenario.calendar, v, day))})
            if off:
                skip(NO_VEHICLE, " ".join(off))
            else:
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


def _fits_alone(cand: _Candidate, vehicle: Vehicle, offset: int, t_out: int, t_back: int) -> bool:
    """Could the vehicle serve this site alone within its shift (ignoring the lunch break)?"""
    service = cand.site.service_min * 60
    earliest = offset + vehicle.shift_start_min * 60 + t_out + vehicle.setup_min * 60
    for a, b in cand.starts:
        start = max(a, earliest)
        if start <= b and start + service + vehicle.packup_min * 60 + t_back <= offset + vehicle.shift_end_min * 60:
            return True
    return False


DAY_S = 86_400
# When a site can't be visited on any day, the day whose reason is closest to a visit explains it.
_REASON_ORDER = (RECENT_VISIT, UNREACHABLE, OUTSIDE_SHIFT, WINDOW_TOO_SHORT, NO_VEHICLE, CLOSED)


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
) -> Plan:
    """Plan ``days`` consecutive days jointly: each vehicle-day is a route of one OR-Tools model.

    Each site has one candidate visit per day it can be served; at most ``target_visits`` of them
    are made, two visits are at least ``min_gap`` days apart, and missing visits cost the site's
    priority. With ``fair_days``, every neighbourhood (quartier) with a possible visit in any
    ``fair_days``-day stretch gets one there, when the model can hold it.
    """
    timings = timings if timings is not None else Timings()
    t0 = time.perf_counter()
    if networks is None:
        networks = load_networks(scenario)
    t1 = time.perf_counter()
    timings.graph_s += t1 - t0

    scenario = locate_scenario(scenario)
    snapped = snap_scenario(scenario, networks)
    period = [first_day + dt.timedelta(days=k) for k in range(days)]
    route_days = [RouteDay(v, day, k * DAY_S) for k, day in enumerate(period)
                  for v in scenario.vehicles if works_on(scenario.calendar, v, day)]
    copies, day_reasons = _candidates(scenario, period, route_days, snapped)
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
    copies = _feasible_alone(copies, route_days, times, position, day_reasons)
    index = [0] + [position[c.site.id] for c in copies]
    node_ids = {p: [snapped[p]["__depot__"].node] + [snapped[p][c.site.id].node for c in copies] for p in profiles}
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
        problem = _build_problem(copies, route_days, profiles, model_times, days)
        deadline = time.perf_counter() + params.time_limit_s
        solution = solve(problem, replace(params, time_limit_s=params.time_limit_s * (FAIR_SHARE if fair_days else 1)))
        if fair_days:
            solution, fairness = enforce_fairness(problem, solution, copies, fair_days, days, params, route_days,
                                                  model_times, deadline=deadline)
        sites = [None] + [c.site for c in copies]
        graphs = {p: networks[p].graph for p in profiles}
        tours = decode_tours(solution, route_days, sites, model_times, times, dists, node_ids, graphs)
    timings.solve_s += time.perf_counter() - t3

    unassigned = _unassigned(scenario, period, tours, copies, day_reasons, solution, route_days, model_times)
    return Plan(
        version=PLAN_VERSION, scenario=scenario.name, dates=tuple(period),
        depot=Depot(scenario.depot.name, scenario.depot.lat, scenario.depot.lon),
        tours=tuple(sorted(tours, key=lambda t: (t.date, t.vehicle))), unassigned=tuple(unassigned),
        streets=street_source_to_dict(scenario.streets, scenario.routing),
        stats=_stats(scenario, period, tours, timings, solution, params, fairness),
    )


def _candidates(scenario, period, route_days, snapped):
    """One candidate per (site, day) it can be served; the per-day reasons of the others."""
    copies: list[_Candidate] = []
    day_reasons: dict[str, list[Unassigned]] = {s.id: [] for s in scenario.sites}
    for k, day in enumerate(period):
        routes = [r for r, rd in enumerate(route_days) if rd.day == day]
        vehicles = [route_days[r].vehicle for r in routes]
        candidates, skipped = _classify(scenario, day, vehicles, snapped)
        for u in skipped:
            day_reasons[u.site].append(u)
        for c in candidates:
            site = c.site
            if site.last_visit and 0 <= (day - site.last_visit).days < site.min_gap:
                nxt = site.last_visit + dt.timedelta(days=site.min_gap)
                day_reasons[site.id].append(Unassigned(
                    site.id, site.name, RECENT_VISIT,
                    f"Visité le {site.last_visit:%d/%m/%Y} : pas de nouveau passage avant le {nxt:%d/%m/%Y} "
                    f"({site.min_gap} jours d'écart minimum).", day, None, site.lat, site.lon))
                continue
            copies.append(_Candidate(site, [routes[i] for i in c.vehicles],
                                     [(a + k * DAY_S, b + k * DAY_S) for a, b in c.starts], k))
    return copies, day_reasons


def _feasible_alone(copies, route_days, times, position, day_reasons):
    """Drop the copies no vehicle can serve alone within its shift (too far to be there in time)."""
    kept = []
    for c in copies:
        idx = position[c.site.id]
        ok = [r for r in c.vehicles
              if _fits_alone(c, route_days[r].vehicle, route_days[r].offset,
                             int(times[route_days[r].vehicle.profile][0, idx]), int(times[route_days[r].vehicle.profile][idx, 0]))]
        if ok:
            c.vehicles = ok
            kept.append(c)
        else:
            day = route_days[c.vehicles[0]].day
            day_reasons[c.site.id].append(Unassigned(
                c.site.id, c.site.name, UNREACHABLE,
                "Impossible d'y être pendant le créneau : trajet depuis le dépôt trop long pour les horaires de l'équipe.",
                day, None, c.site.lat, c.site.lon))
    return kept


def _build_problem(copies: list[_Candidate], route_days: list[RouteDay], profiles: list[str], times, days: int) -> RoutingProblem:
    specs = []
    for rd in route_days:
        v, off = rd.vehicle, rd.offset
        breaks = ()
        if v.lunch:
            breaks = (BreakSpec(off + v.lunch.earliest_min * 60, off + (v.lunch.latest_min - v.lunch.minutes) * 60,
                                v.lunch.minutes * 60),)
        specs.append(VehicleSpec(
            start=0, end=0, shift=(off + v.shift_start_min * 60, off + v.shift_end_min * 60),
            matrix=profiles.index(v.profile), setup=v.setup_min * 60, packup=v.packup_min * 60, breaks=breaks,
            max_drive=v.max_drive_min * 60 if v.max_drive_min is not None else None,
        ))
    by_site: dict[str, list[int]] = {}
    for node, c in enumerate(copies, start=1):
        by_site.setdefault(c.site.id, []).append(node)
    groups, at_most_one = [], []
    for nodes in by_site.values():
        site = copies[nodes[0] - 1].site
        groups.append(VisitGroup(tuple(nodes), site.target_visits(days), PRIORITY_PENALTY * site.priority))
        at_most_one += spacing_sets([(n, copies[n - 1].day_index) for n in nodes], site.min_gap)
    return RoutingProblem(
        time=tuple(times[p] for p in profiles),
        service=(0, *[c.site.service_min * 60 for c in copies]),
        windows=((), *[tuple(c.starts) for c in copies]),
        vehicles=tuple(specs),
        penalty=(None, *[PRIORITY_PENALTY * c.site.priority for c in copies]),
        allowed=(None, *[frozenset(c.vehicles) for c in copies]),
        span_cost=1, groups=tuple(groups), at_most_one=tuple(at_most_one),
    )


def spacing_sets(node_days: list[tuple[int, int]], min_gap: int) -> list[tuple[int, ...]]:
    """Sets of nodes of which at most one may be visited so that visits are ``min_gap`` days apart.

    One set per window of ``min_gap`` consecutive days (those that hold two nodes or more and are
    not inside another): two nodes less than ``min_gap`` days apart always share the window that
    starts on the earlier one, so this says the same as "not both" for every close pair, with a
    number of sets linear in the days instead of quadratic.
    """
    if min_gap <= 1:
        return []
    days = sorted({d for _, d in node_days})
    sets: list[tuple[int, ...]] = []
    for first in days:
        nodes = tuple(sorted(n for n, d in node_days if first <= d < first + min_gap))
        if len(nodes) > 1 and not (sets and set(nodes) <= set(sets[-1])):
            sets.append(nodes)
    return sets


def _unassigned(scenario, period, tours, copies, day_reasons, solution, route_days, times) -> list[Unassigned]:
    """Sites with no visit in the period, each once, with the reason closest to a visit."""
    visits = {s.site for t in tours for s in t.stops}
    single = len(period) == 1
    out = []
    for site in scenario.sites:
        if site.id in visits:
            continue
        nodes = [n for n, c in enumerate(copies, start=1) if c.site.id == site.id]
        if nodes and solution is not None:
            allowed = {n: copies[n - 1].vehicles for n in nodes}
            minutes = cheapest_insertion_min(solution, route_days, nodes, allowed, site, times)
            reason = "Pas assez de temps dans les tournées (créneaux et horaires déjà pris)"
            reason += f" : sa visite demanderait environ {minutes} min de plus (trajet, installation, présence, rangement)." if minutes else "."
            out.append(Unassigned(site.id, site.name, NO_TIME, reason, period[0] if single else None, minutes, site.lat, site.lon))
            continue
        reasons = day_reasons[site.id]
        best = min(reasons, key=lambda u: (_REASON_ORDER.index(u.code), u.date))
        if single:
            out.append(best)
        else:
            same = all(u.code == best.code and u.reason == best.reason for u in reasons)
            prefix = "Sur toute la période : " if same else f"Au mieux le {best.date:%d/%m} : "
            text = best.reason.replace(" ce jour-là", "") if same else best.reason
            out.append(replace(best, reason=prefix + text[0].lower() + text[1:], date=None))
    return out


def _stats(scenario, period, tours, timings, solution, params, fairness) -> dict:
    """Figures for reports: timings, service, per-site visits and per-neighbourhood coverage."""
    days = len(period)
    visits: dict[str, list[dt.date]] = {}
    for t in tours:
        for s in t.stops:
            visits.setdefault(s.site, []).append(t.date)
    quartiers: dict[str, dict] = {}
    for site in scenario.sites:
        q = quartiers.setdefault(site.quartier or "—", {"visits": 0, "priority_served": 0, "sites": 0, "last": None})
        q["sites"] += 1
        dates = sorted(visits.get(site.id, []))
        q["visits"] += len(dates)
        q["priority_served"] += site.priority * len(dates)
        last = dates[-1] if dates else site.last_visit
        if last and (q["last"] is None or last > q["last"]):
            q["last"] = last
    for q in quartiers.values():
        last = q.pop("last")
        q["last_visit"] = last.isoformat() if last else None
        q["days_since_last_visit"] = (period[-1] - last).days if last else None
    served = [s for t in tours for s in t.stops]
    return {
        "timings_s": {"graph": round(timings.graph_s, 3), "snap": round(timings.snap_s, 3),
                      "matrix": round(timings.matrix_s, 3), "solve": round(timings.solve_s, 3)},
        "days": days,
        "sites": len(scenario.sites),
        "sites_served": len({s.site for s in served}),
        "visits": len(served),
        "priority_served": sum(s.priority for s in served),
        "priority_total": sum(s.priority * s.target_visits(days) for s in scenario.sites),
        "hours_on_site": round(sum(s.service_s for s in served) / 3600, 2),
        "hours_driving": round(sum(t.drive_s for t in tours) / 3600, 2),
        "km": round(sum(t.distance_m for t in tours) / 1000, 2),
        "site_visits": {s.id: {"target": s.target_visits(days), "visits": len(visits.get(s.id, [])),
                               "dates": [d.isoformat() for d in sorted(visits.get(s.id, []))]} for s in scenario.sites},
        "quartiers": quartiers,
        "fairness": fairness,
        "objective": solution.objective if solution else 0,
        "solver_s": round(solution.wall_s, 3) if solution else 0.0,
        "time_limit_s": params.time_limit_s,
    }



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
            seconds, metres = travel_matrices(net.graph, [snapped[profile][x].node for x in ids], csr=net.csr)
            far = [i for i, x in enumerate(ids) if i and snapped[profile][x].distance_m > scenario.routing.snap_max_m]
            for m in (seconds, metres):
                m[far, :] = m[:, far] = -1
                np.fill_diagonal(m, 0)
            matrices[profile] = (seconds, metres)
        seconds, metres = matrices[profile]
        i, j = position[a], position[b]
        return int(seconds[i, j]), int(metres[i, j])

    return lookup
