"""Drop audit: would a visit the plan left out have fitted in one of its tours?

Independent of the optimiser, like `dynamobile.check`: for every site with fewer visits than its
target, it tries the visit on every day of the plan, in the tour of every allowed vehicle working
that day (an empty tour if it stayed at the depot), at every position, and re-derives the
earliest timetable from the plan's travel data. Times are whole minutes since local midnight, as
the planner counts them: each leg is rounded up to the minute.

Rules re-derived here: the open period lies inside one opening interval of the day; a stop is
arrive (then wait) → set up → open → pack up → leave, with nothing in between; the tour leaves
the depot at or after the shift start and is back by its end; the lunch break, exactly one per
tour when the vehicle has one, lies inside its window, in a gap between two points (with the
drive) or at the depot, within the shift; the planned legs of a tour, depot legs included, stay
under the driving cap; a site's visits (and its last visit) are ``min_gap`` days apart, one a
day at most, and no more than its target.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from .calendars import opening, works_on
from .check import TravelLookup
from .errors import InternalError
from .french import day_month_fr
from .model import Scenario, Site, Vehicle
from .plan import EXCLUDED, Plan, Tour
from .windows import format_clock

log = logging.getLogger(__name__)

# Schedule states after leaving a point: index 0 before the lunch break, 1 after it. Each is
# None (impossible) or (leave_min, start_min of the audited visit or None if not yet placed).
_State = tuple[int, int | None] | None


@dataclass(frozen=True)
class Finding:
    """A visit left out that fitted: ``site`` on ``date`` in ``vehicle``'s tour, as its stop
    number ``position`` (0-based) between ``after`` and ``before`` (site ids; None: the depot),
    open from ``start_min`` to ``end_min``; ``message`` says it in French."""

    site: str
    date: dt.date
    vehicle: str
    position: int
    after: str | None
    before: str | None
    start_min: int
    end_min: int
    detour_min: int  # planned driving the visit adds to the tour
    message: str


@dataclass(frozen=True)
class _Point:
    """A stop to schedule: its site, allowed service-start intervals that day, and service."""

    site: str
    starts: tuple[tuple[int, int], ...]
    service_min: int


class _Legs:
    """Planned leg minutes (rounded up) per (profile, from, to); None where there is no route."""

    def __init__(self, travel: TravelLookup):
        self._travel = travel
        self._cache: dict[tuple[str, str | None, str | None], int | None] = {}

    def __call__(self, profile: str, a: str | None, b: str | None) -> int | None:
        key = (profile, a, b)
        if key not in self._cache:
            drive_s, _ = self._travel(profile, a, b)
            self._cache[key] = None if drive_s < 0 else -(-drive_s // 60)
        return self._cache[key]

    def routable(self, profile: str, a: str | None, b: str | None) -> int:
        """Minutes of a leg the audit already found a route for (raises InternalError if none)."""
        minutes = self(profile, a, b)
        if minutes is None:
            raise InternalError(
                f"audit : plus de trajet de {a or 'dépôt'} à {b or 'dépôt'} ({profile}) alors "
                "qu'il a été vérifié : anomalie de Dynamobile à signaler"
            )
        return minutes


def missing_visits(plan: Plan, scenario: Scenario) -> dict[str, int]:
    """Visits each site lacks to reach its target over the plan's days (sites lacking none left out)."""
    counts = _visit_days(plan)
    missing = {
        s.id: s.target_visits(len(plan.dates)) - len(counts.get(s.id, [])) for s in scenario.sites
    }
    return {site: n for site, n in missing.items() if n > 0}


def audit_plan(plan: Plan, scenario: Scenario, travel: TravelLookup) -> list[Finding]:
    """Every missing visit that would have fitted in the plan's tours, at most one per site and
    day (the one adding the least driving), sorted by date."""
    legs = _Legs(travel)
    visits = _visit_days(plan)
    tours: dict[tuple[str, dt.date], list[Tour]] = {}
    for planned in plan.tours:
        tours.setdefault((planned.vehicle, planned.date), []).append(planned)
    prefixes: dict[tuple[str, dt.date, int], tuple | None] = {}
    findings = []
    # A site the coordinator left out of the run is not a missed visit.
    excluded = {u.site for u in plan.unassigned if u.code == EXCLUDED}
    for order, site in enumerate(scenario.sites):
        dates = visits.get(site.id, [])
        if site.id in excluded or len(dates) >= site.target_visits(len(plan.dates)):
            continue
        history = dates + ([site.last_visit] if site.last_visit else [])
        for day in plan.dates:
            if any(abs((day - d).days) < max(site.min_gap, 1) for d in history):
                continue
            point = _point(scenario, site, day)
            if point is None:
                continue
            best = None
            for vehicle in scenario.vehicles:
                if not site.allows(vehicle.kind) or not works_on(scenario.calendar, vehicle, day):
                    continue
                for k, tour in enumerate(tours.get((vehicle.id, day)) or [None]):
                    key = (vehicle.id, day, k)
                    if key not in prefixes:
                        prefixes[key] = _prefix(scenario, vehicle, day, tour, legs)
                    fit = _best_insertion(vehicle, point, prefixes[key], legs)
                    if fit is not None and (best is None or fit[0] < best[0]):
                        best = (*fit, vehicle, tour)
            if best is not None:
                findings.append((day, order, _finding(site, day, *best)))
    return [f for _, _, f in sorted(findings, key=lambda x: (x[0], x[1]))]


def _visit_days(plan: Plan) -> dict[str, list[dt.date]]:
    days: dict[str, list[dt.date]] = {}
    for tour in plan.tours:
        for stop in tour.stops:
            days.setdefault(stop.site, []).append(tour.date)
    return days


def _point(scenario: Scenario, site: Site, day: dt.date) -> _Point | None:
    """The site as a stop on ``day`` (None if no opening interval holds its service)."""
    spans = opening(scenario.calendar, site.windows, day)
    starts = tuple((a, b - site.service_min) for a, b in spans if b - a >= site.service_min)
    return _Point(site.id, starts, site.service_min) if starts else None


def _prefix(scenario: Scenario, vehicle: Vehicle, day: dt.date, tour: Tour | None, legs: _Legs):
    """The tour's points, its planned driving and the schedule states after leaving each point
    (index 0: the depot); None if the tour does not hold under the audit's rules."""
    prefix = _rederive(scenario, vehicle, day, tour, legs)
    if prefix is None and tour is not None:
        # Where the checker is looser than these rules, a plan it accepts may still not hold
        # here: the audit cannot speak for such a tour, and says so.
        log.warning(
            "audit: the tour of %s on %s does not hold under the audit's rules; not tried",
            vehicle.id,
            day,
        )
    return prefix


def _rederive(scenario: Scenario, vehicle: Vehicle, day: dt.date, tour: Tour | None, legs: _Legs):
    points = []
    for stop in tour.stops if tour else ():
        site = next((s for s in scenario.sites if s.id == stop.site), None)
        point = _point(scenario, site, day) if site else None
        if point is None:
            return None
        points.append(point)
    ids = [None] + [p.site for p in points] + [None]
    maybe_drive = [legs(vehicle.profile, a, b) for a, b in zip(ids, ids[1:])]
    drive = [d for d in maybe_drive if d is not None]
    if len(drive) < len(maybe_drive):
        return None
    states: list[list[_State]] = [[(vehicle.shift_start_min, None), None]]
    for point, leg in zip(points, drive):
        states.append(_visit(vehicle, _gap(vehicle, states[-1], leg), point, False))
    back = _gap(vehicle, states[-1], drive[-1])[1 if vehicle.lunch else 0]
    if back is None or back[0] > vehicle.shift_end_min:
        return None
    return points, sum(drive), states


def _gap(vehicle: Vehicle, states: Sequence[_State], leg: int) -> list[_State]:
    """Earliest times the next point can be reached, per break state, driving ``leg`` minutes
    and, from state 0, taking the lunch break in this gap."""
    before, after = states
    ready = [
        None if before is None else (before[0] + leg, before[1]),
        None if after is None else (after[0] + leg, after[1]),
    ]
    lunch = vehicle.lunch
    if lunch is not None and before is not None:
        leave, placed = before
        if max(leave, lunch.earliest_min) + lunch.minutes <= lunch.latest_min:
            # The break starts as early as allowed, before or during the drive.
            with_break = (max(leave + leg, lunch.earliest_min) + lunch.minutes, placed)
            if ready[1] is None or with_break[0] < ready[1][0]:
                ready[1] = with_break
    return ready


def _visit(vehicle: Vehicle, ready: Sequence[_State], point: _Point, audited: bool) -> list[_State]:
    """States after serving ``point`` from the times it can be reached (set up on arrival)."""
    out: list[_State] = []
    for state in ready:
        if state is None:
            out.append(None)
            continue
        earliest = state[0] + vehicle.setup_min
        start = next((max(earliest, a) for a, b in point.starts if max(earliest, a) <= b), None)
        if start is None:
            out.append(None)
            continue
        leave = start + point.service_min + vehicle.packup_min
        out.append(
            (leave, start if audited else state[1]) if leave <= vehicle.shift_end_min else None
        )
    return out


def _best_insertion(vehicle: Vehicle, point: _Point, prefix, legs: _Legs):
    """(detour_min, position, start_min) of the insertion adding the least driving, or None."""
    if prefix is None:
        return None
    points, drive_min, states = prefix
    ids = [None] + [p.site for p in points] + [None]
    best = None
    for position in range(len(points) + 1):
        if states[position] == [None, None]:
            break
        a, b = ids[position], ids[position + 1]
        into, out_of = legs(vehicle.profile, a, point.site), legs(vehicle.profile, point.site, b)
        if into is None or out_of is None:
            continue
        # a → b is a leg of the tour, routable since `_rederive` accepted it.
        detour = into + out_of - legs.routable(vehicle.profile, a, b)
        if vehicle.max_drive_min is not None and drive_min + detour > vehicle.max_drive_min:
            continue
        if best is not None and detour >= best[0]:
            continue
        start = _schedule_from(
            vehicle,
            states[position],
            [point, *points[position:]],
            [a, point.site, *ids[position + 1 :]],
            legs,
        )
        if start is not None:
            best = (detour, position, start)
    return best


def _schedule_from(
    vehicle: Vehicle, states: list[_State], points: list[_Point], ids: list, legs: _Legs
) -> int | None:
    """Start of the audited visit (``points[0]``) if the rest of the tour still holds, else None.
    Every leg is routable: those to and from the audited visit were checked, the others are the
    tour's own."""
    for k, point in enumerate(points):
        leg = legs.routable(vehicle.profile, ids[k], ids[k + 1])
        states = _visit(vehicle, _gap(vehicle, states, leg), point, k == 0)
        if states == [None, None]:
            return None
    back = _gap(vehicle, states, legs.routable(vehicle.profile, ids[-2], None))
    final = back[1] if vehicle.lunch is not None else back[0]
    if final is None or final[0] > vehicle.shift_end_min:
        return None
    return final[1]


def _finding(
    site: Site,
    day: dt.date,
    detour: int,
    position: int,
    start: int,
    vehicle: Vehicle,
    tour: Tour | None,
) -> Finding:
    stops = tour.stops if tour else ()
    after = stops[position - 1] if position > 0 else None
    before = stops[position] if position < len(stops) else None
    name = vehicle.name or vehicle.id
    if stops:
        where = (
            f"la tournée de {name} entre {after.name if after else 'le départ du dépôt'} "
            f"et {before.name if before else 'le retour au dépôt'}"
        )
    else:
        where = f"une tournée vide de {name}"
    end = start + site.service_min
    message = (
        f"{site.name} tenait le {day_month_fr(day)} dans {where} "
        f"(présence {format_clock(start)}-{format_clock(end)})."
    )
    return Finding(
        site.id,
        day,
        vehicle.id,
        position,
        after.site if after else None,
        before.site if before else None,
        start,
        end,
        detour,
        message,
    )
