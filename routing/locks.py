"""A coordinator's choices for a run: locked visits (this site, this day, this vehicle) and
excluded sites. Light to import (the web app's job parameters hold `Lock`s). Checked against the scenario and the candidate visits before solving, so that a
lock that cannot hold is an input error naming it, never a visit silently dropped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dynamobile.errors import InputError
from dynamobile.model import Scenario
from dynamobile.plan import EXCLUDED, Unassigned

if TYPE_CHECKING:  # the web app imports `Lock` without the planner's heavy modules
    from .decode import RouteDay
    from .eligibility import Candidate

EXCLUDED_REASON = "Exclu de ce calcul par la coordination."


@dataclass(frozen=True)
class Lock:
    """``site`` must be visited on ``date`` by ``vehicle`` (ids of the scenario)."""

    site: str
    date: dt.date
    vehicle: str

    def label(self) -> str:
        return f"verrou {self.site} le {self.date:%d/%m/%Y} ({self.vehicle})"


def check_choices(
    scenario: Scenario, period: Sequence[dt.date], locks: Sequence[Lock], exclude: Collection[str]
) -> None:
    """Raise InputError for locks and exclusions that name nothing or contradict each other."""
    sites = {s.id: s for s in scenario.sites}
    vehicles = {v.id for v in scenario.vehicles}
    problems = [f"exclusion {sid} : lieu inconnu" for sid in sorted(exclude) if sid not in sites]
    seen: dict[str, list[dt.date]] = {}
    for lock in locks:
        where = lock.label()
        if lock.site not in sites:
            problems.append(f"{where} : lieu inconnu")
        elif lock.site in exclude:
            problems.append(f"{where} : ce lieu est aussi exclu du calcul")
        if lock.vehicle not in vehicles:
            problems.append(f"{where} : véhicule inconnu")
        if lock.date not in period:
            problems.append(
                f"{where} : jour hors de la période ({period[0]:%d/%m/%Y} – {period[-1]:%d/%m/%Y})"
            )
        if lock.site in sites:
            site = sites[lock.site]
            for other in seen.get(lock.site, []):
                if other == lock.date:
                    problems.append(f"{where} : ce lieu est déjà verrouillé ce jour-là")
                elif abs((other - lock.date).days) < site.min_gap:
                    problems.append(
                        f"{where} : moins de {site.min_gap} jours après son verrou du {other:%d/%m/%Y}"
                    )
            seen.setdefault(lock.site, []).append(lock.date)
            target = site.target_visits(len(period))
            if len(seen[lock.site]) == target + 1:
                problems.append(
                    f"{where} : plus de verrous que les {target} visite(s) prévue(s) de ce lieu sur la période"
                )
    if problems:
        raise InputError(problems)


def excluded_sites(scenario: Scenario, exclude: Collection[str]) -> list[Unassigned]:
    """The unassigned entries of the excluded sites (undated: the whole period)."""
    return [
        Unassigned(s.id, s.name, EXCLUDED, EXCLUDED_REASON, None, None, s.lat, s.lon)
        for s in scenario.sites
        if s.id in exclude
    ]


def pin_locks(
    copies: list[Candidate],
    route_days: Sequence[RouteDay],
    period: Sequence[dt.date],
    locks: Sequence[Lock],
    day_reasons: dict[str, list[Unassigned]],
) -> tuple[list[Candidate], dict[int, int]]:
    """The candidate visits without those a lock rules out (the site's other visits too close to
    a locked day), and the locked ones: {node (1-based, as in the model): route}.

    Raises InputError naming every lock with no candidate visit that day and vehicle, with the
    reason the site could not be visited."""
    problems = []
    wanted: dict[tuple[str, int], int] = {}  # (site, day index) -> route
    for lock in locks:
        day = period.index(lock.date)
        route = next(
            (
                r
                for r, rd in enumerate(route_days)
                if rd.day == lock.date and rd.vehicle.id == lock.vehicle
            ),
            None,
        )
        copy = next((c for c in copies if c.site.id == lock.site and c.day_index == day), None)
        if route is None:
            problems.append(f"{lock.label()} : ce véhicule ne circule pas ce jour-là")
        elif copy is None:
            why = [u.reason for u in day_reasons.get(lock.site, []) if u.date == lock.date]
            problems.append(
                f"{lock.label()} : visite impossible ce jour-là"
                + (f" — {why[0][0].lower()}{why[0][1:]}" if why else "")
            )
        elif route not in copy.vehicles:
            problems.append(
                f"{lock.label()} : ce véhicule ne peut pas y aller ce jour-là"
                " (type de véhicule non autorisé, ou trajet trop long pour ses horaires)"
            )
        else:
            wanted[(lock.site, day)] = route
    if problems:
        raise InputError(problems)
    locked_days: dict[str, list[int]] = {}
    for site_id, day in wanted:
        locked_days.setdefault(site_id, []).append(day)
    kept: list[Candidate] = []
    pins: dict[int, int] = {}
    for c in copies:
        days = locked_days.get(c.site.id)
        if days is None:
            kept.append(c)
            continue
        route = wanted.get((c.site.id, c.day_index))
        if route is not None:
            c.vehicles = [route]
            kept.append(c)
            pins[len(kept)] = route
        elif len(days) < c.site.target_visits(len(period)) and all(
            abs(c.day_index - d) >= max(c.site.min_gap, 1) for d in days
        ):
            kept.append(c)
    return kept, pins
