"""Which site can be visited on which day by which vehicle, and why not: candidate visits and
the French reasons of the others (closed, window too short, no vehicle, unreachable, outside the
shift, recent visit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dynamobile.calendars import day_off_reason, opening
from dynamobile.french import vehicle_kind_fr
from dynamobile.model import Scenario, Site, Vehicle
from dynamobile.plan import (
    CLOSED,
    NO_VEHICLE,
    OUTSIDE_SHIFT,
    RECENT_VISIT,
    UNREACHABLE,
    WINDOW_TOO_SHORT,
    Unassigned,
)
from dynamobile.windows import format_clock, french_window

from .snapping import Snapped

DAY_S = 86_400


@dataclass
class Candidate:
    """A possible visit of ``site`` on one day, by one of ``vehicles`` (route indices)."""

    site: Site
    vehicles: list[int]
    starts: list[tuple[int, int]]  # allowed service-start intervals, seconds since period start
    day_index: int = 0


def _classify(
    scenario: Scenario,
    day: dt.date,
    vehicles: list[Vehicle],
    snapped: dict[str, dict[str, Snapped]],
) -> tuple[list[Candidate], list[Unassigned]]:
    """Sort sites into candidates for the solver and sites that cannot be visited that day."""
    limit = scenario.routing.snap_max_m
    candidates, unassigned = [], []
    for site in scenario.sites:

        def skip(code: str, reason: str, site: Site = site) -> None:
            unassigned.append(
                Unassigned(site.id, site.name, code, reason, day, None, site.lat, site.lon)
            )

        spans = opening(scenario.calendar, site.windows, day)
        if not spans:
            listed = "; ".join(french_window(w) for w in site.windows)
            skip(CLOSED, f"Fermé ce jour-là (créneaux : {listed}).")
            continue
        starts = [
            (a * 60, b * 60 - site.service_min * 60) for a, b in spans if b - a >= site.service_min
        ]
        if not starts:
            shown = ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in spans)
            skip(
                WINDOW_TOO_SHORT,
                f"Créneau du jour trop court ({shown}) pour la présence prévue de {site.service_min} min.",
            )
            continue
        allowed = [i for i, v in enumerate(vehicles) if site.allows(v.kind)]
        if not allowed:
            kinds = ", ".join(
                vehicle_kind_fr(k, article=True) for k in sorted(site.vehicle_kinds or ())
            )
            # A crew that would work this weekday but is off (public holiday, day off) says why.
            off = sorted(
                {
                    r
                    for v in scenario.vehicles
                    if site.allows(v.kind)
                    if (r := day_off_reason(scenario.calendar, v, day))
                }
            )
            if off:
                skip(NO_VEHICLE, " ".join(off))
            else:
                skip(
                    NO_VEHICLE,
                    f"Aucun véhicule autorisé ici ({kinds}) ne circule ce jour-là."
                    if kinds
                    else "Aucun véhicule ne circule ce jour-là.",
                )
            continue
        reachable = [
            i for i in allowed if snapped[vehicles[i].profile][site.id].distance_m <= limit
        ]
        if not reachable:
            detail = ", ".join(
                f"{vehicle_kind_fr(vehicles[i].kind, article=True)} à {snapped[vehicles[i].profile][site.id].distance_m:.0f} m"
                for i in allowed[:3]
            )
            skip(
                UNREACHABLE,
                f"Injoignable par les rues : trop loin d'une voie praticable ({detail}, limite {limit:.0f} m).",
            )
            continue
        in_shift = [
            i
            for i in reachable
            if any(
                a < vehicles[i].shift_end_min * 60
                and b + site.service_min * 60 > vehicles[i].shift_start_min * 60
                for a, b in starts
            )
        ]
        if not in_shift:
            shifts = ", ".join(
                sorted(
                    {
                        f"{format_clock(vehicles[i].shift_start_min)}-{format_clock(vehicles[i].shift_end_min)}"
                        for i in reachable
                    }
                )
            )
            shown = ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in spans)
            skip(
                OUTSIDE_SHIFT,
                f"Ouvert seulement en dehors des horaires de l'équipe (ouvert {shown}, équipe {shifts}).",
            )
            continue
        candidates.append(Candidate(site, in_shift, starts))
    return candidates, unassigned


def _fits_alone(cand: Candidate, vehicle: Vehicle, offset: int, t_out: int, t_back: int) -> bool:
    """Could the vehicle serve this site alone within its shift (ignoring the lunch break)?"""
    service = cand.site.service_min * 60
    earliest = offset + vehicle.shift_start_min * 60 + t_out + vehicle.setup_min * 60
    for a, b in cand.starts:
        start = max(a, earliest)
        if (
            start <= b
            and start + service + vehicle.packup_min * 60 + t_back
            <= offset + vehicle.shift_end_min * 60
        ):
            return True
    return False


def candidates(scenario, period, route_days, snapped):
    """One candidate per (site, day) it can be served; the per-day reasons of the others."""
    copies: list[Candidate] = []
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
                day_reasons[site.id].append(
                    Unassigned(
                        site.id,
                        site.name,
                        RECENT_VISIT,
                        f"Visité le {site.last_visit:%d/%m/%Y} : pas de nouveau passage avant le {nxt:%d/%m/%Y} "
                        f"({site.min_gap} jours d'écart minimum).",
                        day,
                        None,
                        site.lat,
                        site.lon,
                    )
                )
                continue
            copies.append(
                Candidate(
                    site,
                    [routes[i] for i in c.vehicles],
                    [(a + k * DAY_S, b + k * DAY_S) for a, b in c.starts],
                    k,
                )
            )
    return copies, day_reasons


def feasible_alone(copies, route_days, times, position, day_reasons):
    """Drop the copies no vehicle can serve alone within its shift (too far to be there in time)."""
    kept = []
    for c in copies:
        idx = position[c.site.id]
        ok = [
            r
            for r in c.vehicles
            if _fits_alone(
                c,
                route_days[r].vehicle,
                route_days[r].offset,
                int(times[route_days[r].vehicle.profile][0, idx]),
                int(times[route_days[r].vehicle.profile][idx, 0]),
            )
        ]
        if ok:
            c.vehicles = ok
            kept.append(c)
        else:
            day = route_days[c.vehicles[0]].day
            day_reasons[c.site.id].append(
                Unassigned(
                    c.site.id,
                    c.site.name,
                    UNREACHABLE,
                    "Impossible d'y être pendant le créneau : trajet depuis le dépôt trop long pour les horaires de l'équipe.",
                    day,
                    None,
                    c.site.lat,
                    c.site.lon,
                )
            )
    return kept
