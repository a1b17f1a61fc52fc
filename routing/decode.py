"""Turn solver routes (seconds since the period start) into tours of stops with local times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import networkx as nx
import numpy as np

from dynamobile.errors import InternalError
from dynamobile.model import Site, Vehicle
from dynamobile.plan import Break, Stop, Tour
from dynamobile.timeutil import local_datetime

from .matrix import fastest_path
from .problem import Solution


@dataclass(frozen=True)
class ProfileLegs:
    """What decoding needs of one vehicle profile, indexed by model node (0: the depot)."""

    graph: nx.MultiDiGraph
    street_nodes: list[int]  # the street node each model node is snapped to
    model_s: np.ndarray  # the model's travel times: whole minutes, rounded up
    exact_s: np.ndarray  # the streets' travel times
    distance_m: np.ndarray


@dataclass(frozen=True)
class RouteDay:
    """The vehicle and day of one solver route; ``offset`` is that day's start in model seconds."""

    vehicle: Vehicle
    day: dt.date
    offset: int


def place_break(
    leave: int, setup_start: int, drive: int, brk: tuple[int, int], lo: int, hi: int
) -> tuple[int, int]:
    """Lay out the drive and a break inside the gap [leave, setup_start) between two stops (seconds).

    Returns (arrive, break_start). The model guarantees the gap holds drive + break and that the
    break lies in it, so a stop (set-up → open → pack-up) is never split. Preferred, in order: the
    break before the drive (after pack-up, where the crew is), then on arrival before set-up,
    then, when the lunch window leaves no other choice, during the drive. Raises InternalError if
    the gap cannot hold the break.
    """
    bs, dur = brk
    lo, hi = max(lo, leave), min(hi, setup_start - dur)
    if lo > hi:
        # The model rules this out; reaching it is a bug, reported as one line rather than a traceback.
        raise InternalError(
            f"pause impossible à placer entre {leave} s et {setup_start} s (trajet {drive} s, "
            f"pause {dur} s) : plan incohérent, anomalie de Dynamobile à signaler"
        )
    # Before the drive: the break ends before leaving for the next stop.
    latest = min(hi, setup_start - drive - dur)
    if lo <= latest:
        t = min(max(bs, lo), latest)
        return t + dur + drive, t
    # On arrival, before set-up.
    if max(lo, leave + drive) <= hi:
        return leave + drive, min(max(bs, lo, leave + drive), hi)
    # During the drive (the gap holds drive + break).
    t = min(max(bs, lo), hi)
    return leave + drive + dur, t


def leg_geometry(
    G: nx.MultiDiGraph, a: int, b: int
) -> tuple[tuple[int, ...], tuple[tuple[float, float], ...]]:
    """Node ids and [lon, lat] points of the fastest path from a to b."""
    path = fastest_path(G, a, b)
    return tuple(int(n) for n in path), tuple(
        (float(G.nodes[n]["x"]), float(G.nodes[n]["y"])) for n in path
    )


def decode_tours(
    solution: Solution,
    route_days: list[RouteDay],
    sites: list[Site | None],
    legs: dict[str, ProfileLegs],
) -> list[Tour]:
    """Tours from solver routes. ``sites[i]`` is the site of node i (None for the depot);
    ``legs`` holds each profile's graph and matrices."""
    tours = []
    for route in solution.routes:
        if not route.visits:
            continue
        rd = route_days[route.vehicle]
        v, off = rd.vehicle, rd.offset

        def at(seconds: int, day: dt.date = rd.day, off: int = off) -> dt.datetime:
            return local_datetime(day, seconds - off)

        profile = legs[v.profile]
        m, exact, d = profile.model_s, profile.exact_s, profile.distance_m
        G, ids = profile.graph, profile.street_nodes
        lunch = v.lunch
        lo, hi = (
            (off + lunch.earliest_min * 60, off + (lunch.latest_min - lunch.minutes) * 60)
            if lunch
            else (0, 0)
        )
        pending = list(route.breaks)
        stops, breaks = [], []
        prev, leave = 0, route.depart
        for k, (node, start) in enumerate(zip(route.visits, route.service_start)):
            site = sites[node]
            if site is None:
                raise InternalError(f"le nœud {node} d'une tournée est le dépôt : plan incohérent")
            if site.lat is None or site.lon is None:
                # Sites are located (geocoded) before the matrices are built, so before decoding.
                raise InternalError(
                    f"site {site.id} sans coordonnées au décodage des tournées : "
                    "anomalie de Dynamobile à signaler"
                )
            drive = int(m[prev, node])
            arrive, setup_start = leave + drive, start - v.setup_min * 60
            for brk in list(pending):
                if brk[0] + brk[1] <= route.depart:
                    breaks.append(Break(at(brk[0]), at(brk[0] + brk[1]), -1))
                    pending.remove(brk)
                elif brk[0] < start:
                    arrive, bs = place_break(leave, setup_start, drive, brk, lo, hi)
                    breaks.append(Break(at(bs), at(bs + brk[1]), k - 1))
                    pending.remove(brk)
            path, geometry = leg_geometry(G, ids[prev], ids[node])
            end = start + site.service_min * 60
            stops.append(
                Stop(
                    site=site.id,
                    name=site.name,
                    kind=site.kind,
                    lat=site.lat,
                    lon=site.lon,
                    arrive=at(arrive),
                    setup_start=at(setup_start),
                    start=at(start),
                    end=at(end),
                    leave=at(end + v.packup_min * 60),
                    drive_s=int(exact[prev, node]),
                    distance_m=int(d[prev, node]),
                    address=site.address,
                    quartier=site.quartier,
                    priority=site.priority,
                    path=path,
                    geometry=geometry,
                    insee=site.insee,
                    postcode=site.postcode,
                    commune=site.commune,
                )
            )
            prev, leave = node, end + v.packup_min * 60
        back = int(m[prev, 0])
        arrive_home = leave + back
        for brk in pending:  # after the last stop: before or during the way back, or at the depot
            if brk[0] < route.arrive:
                arrive_home, bs = place_break(
                    leave, max(route.arrive, leave + back + brk[1]), back, brk, lo, hi
                )
            else:
                bs = brk[0]
            breaks.append(Break(at(bs), at(bs + brk[1]), len(stops) - 1))
        path, geometry = leg_geometry(G, ids[prev], ids[0])
        back_exact, back_m = int(exact[prev, 0]), int(d[prev, 0])
        tours.append(
            Tour(
                vehicle=v.id,
                vehicle_kind=v.kind,
                profile=v.profile,
                date=rd.day,
                start=at(route.depart),
                end=at(arrive_home),
                stops=tuple(stops),
                breaks=tuple(sorted(breaks, key=lambda b: b.start)),
                distance_m=sum(s.distance_m for s in stops) + back_m,
                drive_s=sum(s.drive_s for s in stops) + back_exact,
                return_drive_s=back_exact,
                return_distance_m=back_m,
                return_path=path,
                return_geometry=geometry,
                vehicle_name=v.name,
                crew=v.crew,
            )
        )
    return tours


def cheapest_insertion_min(
    solution: Solution,
    route_days: list[RouteDay],
    nodes: list[int],
    allowed: dict[int, list[int]],
    site: Site,
    times: dict[str, np.ndarray],
) -> int | None:
    """Minutes the cheapest insertion of any of ``nodes`` (copies of ``site``) would add to a route."""
    best = None
    for route in solution.routes:
        rd = route_days[route.vehicle]
        v, m = rd.vehicle, times[rd.vehicle.profile]
        on_site = (v.setup_min + site.service_min + v.packup_min) * 60
        seq = [0, *route.visits, 0]
        for node in nodes:
            if route.vehicle not in allowed[node]:
                continue
            for a, b in zip(seq, seq[1:]):
                extra = int(m[a, node] + on_site + m[node, b] - m[a, b])
                best = extra if best is None else min(best, extra)
    return round(best / 60) if best is not None else None
