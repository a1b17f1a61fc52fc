"""Independent feasibility checker for plans: every test's plan goes through it.

It re-derives every rule from the scenario, not from the optimiser's model: arrivals follow
drive times, each visit lies inside one opening window, shifts, breaks, vehicle kinds, and each
site is either visited once or listed as unassigned once per day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from .calendars import opening, works_on
from .errors import DynamobileError
from .model import Scenario
from .plan import REASON_CODES, Plan
from .timeutil import seconds_of_day

# (profile, from_site_or_None, to_site_or_None) -> (drive_s, distance_m); None is the depot.
TravelLookup = Callable[[str, str | None, str | None], tuple[int, int]]


class InfeasiblePlan(DynamobileError):
    """A plan breaks a rule; ``violations`` lists each broken rule in English."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("\n".join(violations))


def _overlaps(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> bool:
    return a0 < b1 and b0 < a1


def check_plan(plan: Plan, scenario: Scenario, *, travel: TravelLookup | None = None) -> list[str]:
    """All rule violations of ``plan`` (empty list: feasible)."""
    problems: list[str] = []
    sites = {s.id: s for s in scenario.sites}
    seen: Counter = Counter()
    for tour in plan.tours:
        where = f"tournée {tour.vehicle} du {tour.date}"
        try:
            vehicle = scenario.vehicle(tour.vehicle)
        except KeyError:
            problems.append(f"{where} : véhicule inconnu")
            continue
        if not works_on(scenario.calendar, vehicle, tour.date):
            problems.append(
                f"{where} : le véhicule ne roule pas ce jour-là (jour de semaine, jour férié ou congé)"
            )
        if (
            seconds_of_day(tour.start) < vehicle.shift_start_min * 60
            or seconds_of_day(tour.end) > vehicle.shift_end_min * 60
        ):
            problems.append(
                f"{where} : {tour.start.time()}-{tour.end.time()} hors des horaires de l'équipe"
            )
        if tour.start.date() != tour.date or tour.end.date() != tour.date:
            problems.append(f"{where} : déborde de sa date")
        # (start, end, label, leave of the previous stop for a drive) of on-site work and driving
        work: list[tuple[dt.datetime, dt.datetime, str, dt.datetime | None]] = []
        prev_leave, prev_site = tour.start, None
        for k, stop in enumerate(tour.stops):
            label = f"{where} arrêt {k + 1} ({stop.site})"
            seen[(tour.date, stop.site)] += 1
            site = sites.get(stop.site)
            if site is None:
                problems.append(f"{label} : lieu inconnu")
                continue
            if not site.allows(vehicle.kind):
                problems.append(f"{label} : véhicule de type {vehicle.kind} non autorisé")
            order = [prev_leave, stop.arrive, stop.setup_start, stop.start, stop.end, stop.leave]
            if any(a > b for a, b in zip(order, order[1:])):
                problems.append(f"{label} : horaires dans le désordre")
            if stop.arrive - prev_leave < dt.timedelta(seconds=stop.drive_s):
                problems.append(f"{label} : arrivée avant la fin du trajet de {stop.drive_s} s")
            if stop.start - stop.setup_start != dt.timedelta(minutes=vehicle.setup_min):
                problems.append(
                    f"{label} : installation de {stop.start - stop.setup_start} au lieu de {vehicle.setup_min} min "
                    "juste avant l'ouverture"
                )
            if stop.end - stop.start != dt.timedelta(minutes=site.service_min):
                problems.append(
                    f"{label} : présence de {stop.end - stop.start} au lieu de {site.service_min} min"
                )
            if stop.leave - stop.end < dt.timedelta(minutes=vehicle.packup_min):
                problems.append(f"{label} : rangement de moins de {vehicle.packup_min} min")
            start_s, end_s = seconds_of_day(stop.start), seconds_of_day(stop.end)
            if not any(
                a * 60 <= start_s and end_s <= b * 60
                for a, b in opening(scenario.calendar, site.windows, tour.date)
            ):
                problems.append(
                    f"{label} : présence {stop.start.time()}-{stop.end.time()} hors d'un créneau d'ouverture"
                )
            if travel is not None:
                drive_s, distance_m = travel(tour.profile, prev_site, stop.site)
                if (drive_s, distance_m) != (stop.drive_s, stop.distance_m):
                    problems.append(
                        f"{label} : trajet {stop.drive_s} s / {stop.distance_m} m, les rues donnent {drive_s} s / {distance_m} m"
                    )
            work.append(
                (
                    stop.arrive - dt.timedelta(seconds=stop.drive_s),
                    stop.arrive,
                    "le trajet",
                    prev_leave,
                )
            )
            # A stop is one block: set-up → open → pack-up, never split by a break.
            work.append((stop.setup_start, stop.leave, "l'arrêt (installation à rangement)", None))
            prev_leave, prev_site = stop.leave, stop.site
        if tour.end - prev_leave < dt.timedelta(seconds=tour.return_drive_s):
            problems.append(f"{where} : retour au dépôt avant la fin du trajet retour")
        if travel is not None and tour.stops:
            back = travel(tour.profile, prev_site, None)
            if back != (tour.return_drive_s, tour.return_distance_m):
                problems.append(f"{where} : trajet retour différent des rues {back}")
        if tour.drive_s != sum(s.drive_s for s in tour.stops) + tour.return_drive_s:
            problems.append(f"{where} : drive_s n'est pas la somme des trajets")
        if tour.distance_m != sum(s.distance_m for s in tour.stops) + tour.return_distance_m:
            problems.append(f"{where} : distance_m n'est pas la somme des trajets")
        if vehicle.max_drive_min is not None and tour.drive_s > vehicle.max_drive_min * 60:
            problems.append(
                f"{where} : {tour.drive_s} s de conduite, plus que {vehicle.max_drive_min} min"
            )
        problems += _check_breaks(tour, vehicle, work, where)
    for (day, site_id), count in seen.items():
        if count > 1:
            problems.append(f"lieu {site_id} visité {count} fois le {day}")
    problems += _check_coverage(plan, scenario, seen)
    return problems


def _check_breaks(tour, vehicle, work, where: str) -> list[str]:
    problems = []
    lunch = vehicle.lunch
    expected = 1 if lunch else 0
    if len(tour.breaks) != expected:
        problems.append(f"{where} : {len(tour.breaks)} pause(s) au lieu de {expected}")
    for brk in tour.breaks:
        if lunch is None:
            break
        if brk.end - brk.start != dt.timedelta(minutes=lunch.minutes):
            problems.append(
                f"{where} : pause de {brk.end - brk.start} au lieu de {lunch.minutes} min"
            )
        if (
            seconds_of_day(brk.start) < lunch.earliest_min * 60
            or seconds_of_day(brk.end) > lunch.latest_min * 60
        ):
            problems.append(f"{where} : pause {brk.start.time()}-{brk.end.time()} hors de sa plage")
        for start, end, label, prev_leave in work:
            if label == "le trajet":
                # A break inside a leg must leave room for the whole drive.
                if prev_leave <= brk.start < end and (end - prev_leave) - (brk.end - brk.start) < (
                    end - start
                ):
                    problems.append(
                        f"{where} : la pause de {brk.start.time()} ne laisse pas le temps du trajet"
                    )
            elif _overlaps(start, end, brk.start, brk.end):
                problems.append(
                    f"{where} : pause {brk.start.time()}-{brk.end.time()} pendant {label}"
                )
    return problems


def _check_coverage(plan: Plan, scenario: Scenario, seen: Counter) -> list[str]:
    """Each site is visited (at most its target, spaced by its minimum gap) or listed once as
    unassigned; a one-day plan dates its unassigned entries."""
    problems = []
    days = len(plan.dates)
    visit_days: dict[str, list[dt.date]] = {}
    for (day, site_id), count in seen.items():
        visit_days.setdefault(site_id, []).extend([day] * count)
    listed = Counter(u.site for u in plan.unassigned)
    for u in plan.unassigned:
        if u.code not in REASON_CODES or not u.reason:
            problems.append(f"lieu non visité {u.site} : motif inconnu {u.code!r}")
    for site in scenario.sites:
        dates = sorted(visit_days.get(site.id, []))
        if not dates and listed[site.id] != 1:
            problems.append(
                f"lieu {site.id} : 0 visite et {listed[site.id]} entrée(s) non visitée(s)"
            )
        if dates and listed[site.id]:
            problems.append(
                f"lieu {site.id} : {len(dates)} visite(s) et {listed[site.id]} entrée(s) non visitée(s)"
            )
        if len(dates) > site.target_visits(days):
            problems.append(
                f"lieu {site.id} : {len(dates)} visites, plus que l'objectif de {site.target_visits(days)}"
            )
        history = ([site.last_visit] if site.last_visit else []) + dates
        for a, b in zip(history, history[1:]):
            if (b - a).days < site.min_gap:
                problems.append(
                    f"lieu {site.id} : visites le {a} et le {b}, à moins de {site.min_gap} jours d'écart"
                )
    return problems


def assert_feasible(plan: Plan, scenario: Scenario, *, travel: TravelLookup | None = None) -> None:
    """Raise InfeasiblePlan listing every violation."""
    problems = check_plan(plan, scenario, travel=travel)
    if problems:
        raise InfeasiblePlan(problems)
