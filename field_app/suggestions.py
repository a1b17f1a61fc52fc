"""Plan from what the agents saw: each site's recent visits, and the priority and service time
they suggest (issue 11, item 7).

The figures come from the records only, never from a guess:

- **visits**: the stops of a site (``Stop.site`` = the catalogue's code) on tours dated from
  ``today - weeks`` to ``today`` (both included, as the dashboard's default period) with a
  check-in, a check-out or an encounter; a planned stop where nothing was recorded is no visit.
- **people**: the people of the visits' encounters and +1s (`Interaction.people`).
- **time open**: per visit, first check-in → last check-out when both exist, else the planned
  opening (start → end): `reports.StopTimes.duration_min`, as the dashboard and the Coop sheet.
- **people per hour**: people ÷ hours open, over all the visits.

Suggested **priority** (1 to 5): the sites with at least `MIN_VISITS` visits are *comparable*;
with at least `MIN_SITES` of them, a site's priority is its quintile of people per hour among
them, ``1 + 5 × below // n`` (``below``: comparable sites with strictly fewer people per hour,
``n``: comparable sites), so the lowest gets 1, the top fifth 5, and equal rates the same.
Otherwise no priority (``None``) and the reason says why: « pas assez de visites » (fewer than
`MIN_VISITS`) or « pas assez de lieux comparables » (fewer than `MIN_SITES`).

Suggested **service time**: with at least `MIN_TIMED_VISITS` visits with both check-in and
check-out, the median of those durations rounded to `SERVICE_STEP_MIN` minutes (15 at least),
only when that median differs from the site's service time by `SERVICE_STEP_MIN` or more.

The one-line French reason of each states the numbers it was computed from. Tours carry no
organisation yet (one organisation today): a site's visits are the stops naming its code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import operator
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dynamobile.french import duration_fr, plural
from dynamobile.model import Scenario

from .models import AGE_COLUMNS, Interaction, Stop, StopEvent, Tour
from .scenario_rows import SiteRow

WEEKS = 12  # the period looked at, as the dashboard's
MIN_VISITS = 2  # visits for a site's people per hour to be compared
MIN_SITES = 5  # comparable sites for a quintile to mean something
MIN_TIMED_VISITS = 3  # visits with check-in and check-out for a service time
SERVICE_STEP_MIN = 15  # service times are rounded to this, and smaller differences not told
PRIORITY_LEVELS = 5


@dataclass(frozen=True)
class Visit:
    """One stop where the agents recorded something."""

    stop_id: int
    date: dt.date
    people: int
    open_min: int  # check-in → check-out, else the planned opening
    timed_min: int | None  # check-in → check-out, None without both


@dataclass(frozen=True)
class Suggestion:
    """What was seen at a site over its recent visits, and what it suggests (None: nothing)."""

    site: str
    visits: int
    people: int
    open_min: int
    priority: int | None
    service_min: int | None
    priority_reason: str
    service_reason: str
    current_priority: int
    current_service_min: int

    @property
    def people_per_hour(self) -> float | None:
        return self.people * 60 / self.open_min if self.open_min > 0 else None

    @property
    def changes(self) -> dict[str, int]:
        """The suggested values that differ from the site's: ``{"priority": 4}``."""
        changes = {}
        if self.priority is not None and self.priority != self.current_priority:
            changes["priority"] = self.priority
        if self.service_min is not None and self.service_min != self.current_service_min:
            changes["service_min"] = self.service_min
        return changes

    @property
    def reason(self) -> str:
        return " ; ".join(r for r in (self.priority_reason, self.service_reason) if r)

    @property
    def seen_fr(self) -> str:
        """``4 visites, 38 personnes, 9,5 personnes/h`` (« aucune visite »)."""
        if not self.visits:
            return "aucune visite"
        rate = self.people_per_hour
        per_hour = f", {per_hour_fr(rate)}" if rate is not None else ""
        return f"{plural(self.visits, 'visite')}, {plural(self.people, 'personne')}{per_hour}"

    @property
    def changes_fr(self) -> str:
        """``priorité 2 → 4, durée 60 → 75 min``."""
        words = []
        if "priority" in self.changes:
            words.append(f"priorité {self.current_priority} → {self.priority}")
        if "service_min" in self.changes:
            words.append(f"durée {self.current_service_min} → {self.service_min} min")
        return ", ".join(words)


def decimal_fr(value: float) -> str:
    """``9,5``: one decimal, French comma."""
    return f"{value:.1f}".replace(".", ",")


def per_hour_fr(rate: float) -> str:
    """``9,5 personnes/h``, ``1,5 personne/h`` (French keeps below 2 singular)."""
    return f"{decimal_fr(rate)} {'personne' if round(rate, 1) < 2 else 'personnes'}/h"


def recent_visits(session: Session, *, first: dt.date, last: dt.date) -> dict[str, list[Visit]]:
    """The visits of every site (by code) on tours dated ``first`` to ``last``, oldest first."""
    in_period = (
        select(Stop.id)
        .join(Tour, Stop.tour_id == Tour.id)
        .where(Tour.date >= first, Tour.date <= last)
    )
    firsts: dict[int, dt.datetime] = {}
    lasts: dict[int, dt.datetime] = {}
    for stop_id, kind, earliest, latest in session.execute(
        select(StopEvent.stop_id, StopEvent.kind, func.min(StopEvent.at), func.max(StopEvent.at))
        .where(StopEvent.stop_id.in_(in_period))
        .group_by(StopEvent.stop_id, StopEvent.kind)
    ):
        if kind == "checkin":
            firsts[stop_id] = earliest
        else:
            lasts[stop_id] = latest
    people_of = reduce(operator.add, (getattr(Interaction, c) for c in AGE_COLUMNS))
    people: dict[int, int] = {}
    for counted_stop, total in session.execute(
        select(Interaction.stop_id, func.sum(people_of))
        .where(Interaction.stop_id.in_(in_period))
        .group_by(Interaction.stop_id)
    ):
        people[cast(int, counted_stop)] = int(cast(int, total) or 0)  # a SQL sum: int or Decimal
    visits: dict[str, list[Visit]] = defaultdict(list)
    # Columns, not rows: the Lieux page asks this on every load, and hundreds of ORM objects
    # per request were most of its cost (and of its garbage-collection pauses).
    for stop_id, site, start, end, date in session.execute(
        select(Stop.id, Stop.site, Stop.start, Stop.end, Tour.date)
        .join(Tour, Stop.tour_id == Tour.id)
        .where(Tour.date >= first, Tour.date <= last)
        .order_by(Tour.date, Stop.start, Stop.id)
    ):
        if stop_id not in firsts and stop_id not in lasts and stop_id not in people:
            continue
        checkin, checkout = firsts.get(stop_id), lasts.get(stop_id)
        timed_min: int | None = None
        if checkin is not None and checkout is not None and checkout > checkin:
            open_min = timed_min = _minutes(checkout - checkin)
        else:
            open_min = _minutes(end - start)
        visits[site].append(Visit(stop_id, date, people.get(stop_id, 0), open_min, timed_min))
    return dict(visits)


def _minutes(span: dt.timedelta) -> int:
    """Whole minutes, rounded as `reports.StopTimes.duration_min` does."""
    return round(span.total_seconds() / 60)


def site_suggestions(
    session: Session, organisation_id: int, *, today: dt.date, weeks: int = WEEKS
) -> dict[str, Suggestion]:
    """Every active site's figures and suggestions (by code), from the tours of the last
    ``weeks`` weeks up to ``today``; the rule is in the module's docstring."""
    rows = session.scalars(
        select(SiteRow)
        .where(SiteRow.organisation_id == organisation_id, SiteRow.archived.is_(False))
        .order_by(SiteRow.position, SiteRow.id)
    ).all()
    visits = recent_visits(session, first=today - dt.timedelta(weeks=weeks), last=today)
    return suggest({row.code: (row.priority, row.service_min) for row in rows}, visits, weeks=weeks)


def suggest(
    sites: Mapping[str, tuple[int, int]], visits: Mapping[str, list[Visit]], *, weeks: int
) -> dict[str, Suggestion]:
    """The suggestions of ``sites`` (code → current priority, service minutes) from their visits."""
    totals = {}
    for code in sites:
        seen = visits.get(code, [])
        totals[code] = (len(seen), sum(v.people for v in seen), sum(v.open_min for v in seen))
    rates = {
        code: people * 60 / open_min
        for code, (n, people, open_min) in totals.items()
        if n >= MIN_VISITS and open_min > 0
    }
    median = statistics.median(rates.values()) if rates else None
    suggestions = {}
    for code, (priority, service_min) in sites.items():
        n, people, open_min = totals[code]
        new_priority, priority_reason = _priority(n, people, open_min, rates, median, weeks)
        new_service, service_reason = _service(visits.get(code, []), service_min, n)
        suggestions[code] = Suggestion(
            code,
            n,
            people,
            open_min,
            new_priority,
            new_service,
            priority_reason,
            service_reason,
            priority,
            service_min,
        )
    return suggestions


def _priority(
    n: int, people: int, open_min: int, rates: dict[str, float], median: float | None, weeks: int
) -> tuple[int | None, str]:
    if n < MIN_VISITS:
        return None, (
            f"pas assez de visites : {plural(n, 'visite')} en {weeks} semaines, "
            f"il en faut {MIN_VISITS}"
        )
    if open_min <= 0 or median is None:
        return None, f"{plural(n, 'visite')} sans durée d'ouverture"
    rate = people * 60 / open_min
    seen = (
        f"{plural(n, 'visite')}, {plural(people, 'personne')} en {duration_fr(open_min * 60)} "
        f"d'ouverture : {per_hour_fr(rate)}"
    )
    if len(rates) < MIN_SITES:
        return None, (
            f"{seen} ; pas assez de lieux comparables pour une priorité : {len(rates)} avec "
            f"{MIN_VISITS} visites ou plus, il en faut {MIN_SITES}"
        )
    below = sum(other < rate for other in rates.values())
    priority = 1 + PRIORITY_LEVELS * below // len(rates)
    return priority, (
        f"{seen} ; {below} des {len(rates)} lieux comparables font moins "
        f"(médiane {per_hour_fr(median)}) → priorité {priority}"
    )


def _service(visits: list[Visit], service_min: int, n: int) -> tuple[int | None, str]:
    timed = [v.timed_min for v in visits if v.timed_min is not None]
    if n < MIN_VISITS:
        return None, ""  # the priority's reason already says there is too little
    if len(timed) < MIN_TIMED_VISITS:
        return None, (
            f"durée : {plural(len(timed), 'visite pointée', 'visites pointées')} "
            f"(arrivée et départ), il en faut {MIN_TIMED_VISITS}"
        )
    median = statistics.median(timed)
    seen = (
        f"durée constatée : médiane {duration_fr(median * 60)} sur "
        f"{plural(len(timed), 'visite pointée', 'visites pointées')}"
    )
    if abs(median - service_min) < SERVICE_STEP_MIN:
        return None, f"{seen}, proche des {service_min} min prévues"
    rounded = max(SERVICE_STEP_MIN, math.floor(median / SERVICE_STEP_MIN + 0.5) * SERVICE_STEP_MIN)
    return rounded, f"{seen} (prévu {service_min} min) → {rounded} min"


def apply_suggestion(session: Session, row: SiteRow, suggestion: Suggestion) -> dict[str, int]:
    """Set the suggested priority and service time on a site row (flushed, not committed);
    returns what changed."""
    changes = suggestion.changes
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    return changes


def apply_suggestions(scenario: Scenario, suggestions: Mapping[str, Suggestion]) -> Scenario:
    """A copy of ``scenario`` with each suggested priority and service time in place."""
    sites = []
    for site in scenario.sites:
        suggestion = suggestions.get(site.id)
        if suggestion is None:
            sites.append(site)
            continue
        sites.append(
            dataclasses.replace(
                site,
                priority=site.priority if suggestion.priority is None else suggestion.priority,
                service_min=site.service_min
                if suggestion.service_min is None
                else suggestion.service_min,
            )
        )
    return dataclasses.replace(scenario, sites=tuple(sites))
