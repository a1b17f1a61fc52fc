"""Per-agent and per-site summaries of a period, and the points of the « Carte » of stops.

Built from the rows the « Rencontres » list shows (current records, same filters), plus what an
agent did at a stop that is not an encounter: check-ins (stops of tours dated in the period) and
invitation cards handed out in the period (with those of them redeemed since, whenever).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import reports, vocab
from .models import InvitationCard, Stop, StopEvent, Tour, User

AGENT, SITE = "agent", "lieu"  # the two ways to group, as in the URL (``par=``)


@dataclass
class Summary:
    """What happened for one agent or one site over the period."""

    key: str  # user name or site id
    label: str  # user name or site name
    records: int = 0  # current records: encounters and +1
    people: int = 0
    ages: Counter = field(default_factory=Counter)  # `reports.count_ages` codes
    invitations_given: int = 0
    invitations_redeemed: int = 0
    stops_checked_in: int = 0
    minutes_at_stop: list[int] = field(default_factory=list)  # one per stop with in and out

    @property
    def median_minutes(self) -> int | None:
        return round(statistics.median(self.minutes_at_stop)) if self.minutes_at_stop else None


@dataclass(frozen=True)
class Summaries:
    rows: list[Summary]
    age_columns: list[tuple[str, str]]  # (code, French label) of the bands shown
    total: Summary


def age_columns(counts: Counter) -> list[tuple[str, str]]:
    """The Coop's bands, then the first form's bands that fit none if any row has them."""
    columns = [(code, label) for code, label in vocab.TRANCHES_AGE.items()]
    columns[-1:-1] = [
        (code, f"{term.label} (ancien formulaire)")
        for code, term in vocab.V1_AGE_BANDS.items()
        if not term.coop and counts[code]
    ]
    return columns


def _keyer(by: str) -> Callable[[Stop, User], tuple[str, str]]:
    if by == AGENT:
        return lambda stop, user: (user.name, user.name)
    return lambda stop, user: (stop.site, stop.name)


def summarise(
    session: Session,
    rows: Sequence,
    *,
    by: str,
    first: dt.date,
    last: dt.date,
    agent: str = "",
    site: str = "",
) -> Summaries:
    """Summaries of (Interaction, Stop, Tour, User) ``rows`` grouped ``by`` AGENT or SITE; check-ins
    and invitations are read for the same period, agent and site."""
    key = _keyer(by)
    out: dict[str, Summary] = {}

    def summary(stop: Stop, user: User) -> Summary:
        k, label = key(stop, user)
        return out.setdefault(k, Summary(k, label))

    for interaction, stop, _tour, user in rows:
        s = summary(stop, user)
        s.records += 1
        s.people += interaction.people
        reports.count_ages(s.ages, interaction)
    _add_stop_events(session, summary, first=first, last=last, agent=agent, site=site, by=by)
    _add_invitations(session, summary, first=first, last=last, agent=agent, site=site)
    found = sorted(out.values(), key=lambda s: (-s.people, s.label))
    total = Summary("", "Total")
    for s in found:
        total.records += s.records
        total.people += s.people
        total.ages.update(s.ages)
        total.invitations_given += s.invitations_given
        total.invitations_redeemed += s.invitations_redeemed
        total.stops_checked_in += s.stops_checked_in
        total.minutes_at_stop += s.minutes_at_stop
    if by == AGENT:  # a stop visited by two agents is one stop, not two
        total.stops_checked_in, total.minutes_at_stop = _stop_totals(
            session, first=first, last=last, agent=agent, site=site
        )
    return Summaries(found, age_columns(total.ages), total)


def _events(session: Session, *, first: dt.date, last: dt.date, agent: str, site: str):
    query = (
        select(StopEvent, Stop, User)
        .join(Stop, StopEvent.stop_id == Stop.id)
        .join(Tour, Stop.tour_id == Tour.id)
        .join(User, StopEvent.user_id == User.id)
        .where(Tour.date >= first, Tour.date <= last)
    )
    if agent:
        query = query.where(User.name == agent)
    if site:
        query = query.where(Stop.site == site)
    return session.execute(query).all()


def _spans(events) -> dict[tuple, list[dt.datetime | None]]:
    """[first check-in, last check-out] per key of ``events`` (key, kind, at)."""
    spans: dict[tuple, list[dt.datetime | None]] = defaultdict(lambda: [None, None])
    for key, kind, at in events:
        span = spans[key]
        if kind == "checkin":
            span[0] = at if span[0] is None else min(span[0], at)
        else:
            span[1] = at if span[1] is None else max(span[1], at)
    return spans


def _minutes(span: list[dt.datetime | None]) -> int | None:
    checkin, checkout = span
    if checkin is None or checkout is None or checkout <= checkin:
        return None
    return round((checkout - checkin).total_seconds() / 60)


def _add_stop_events(session, summary, *, first, last, agent, site, by) -> None:
    """Stops checked in and time at each: per agent their own check-in/out, per site the team's."""
    rows = _events(session, first=first, last=last, agent=agent, site=site)
    owners = {}
    keyed = []
    for event, stop, user in rows:
        key = (stop.id, user.id) if by == AGENT else (stop.id,)
        owners[key] = (stop, user)
        keyed.append((key, event.kind, event.at))
    for key, span in _spans(keyed).items():
        s = summary(*owners[key])
        s.stops_checked_in += span[0] is not None
        minutes = _minutes(span)
        if minutes is not None:
            s.minutes_at_stop.append(minutes)


def _stop_totals(session, *, first, last, agent, site) -> tuple[int, list[int]]:
    rows = _events(session, first=first, last=last, agent=agent, site=site)
    spans = _spans(((stop.id,), event.kind, event.at) for event, stop, _ in rows)
    minutes = [m for m in map(_minutes, spans.values()) if m is not None]
    return sum(span[0] is not None for span in spans.values()), minutes


def _add_invitations(session, summary, *, first, last, agent, site) -> None:
    start, end = reports.bounds(first, last)
    query = (
        select(InvitationCard, Stop, User)
        .join(Stop, InvitationCard.stop_id == Stop.id)
        .join(User, InvitationCard.handed_out_by == User.id)
        .where(InvitationCard.handed_out_at >= start, InvitationCard.handed_out_at < end)
    )
    if agent:
        query = query.where(User.name == agent)
    if site:
        query = query.where(Stop.site == site)
    for card, stop, user in session.execute(query):
        s = summary(stop, user)
        s.invitations_given += 1
        s.invitations_redeemed += card.redeemed_at is not None


# --- the map -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePoint:
    """One site on the map: where it was last visited, and the people met there in the period."""

    site: str
    name: str
    quartier: str
    lat: float
    lon: float
    stops: int  # visits with at least one record
    records: int
    people: int

    def to_json(self) -> dict:
        return {
            "site": self.site,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "stops": self.stops,
            "people": self.people,
        }


def site_points(rows: Sequence) -> list[SitePoint]:
    """Sites of (Interaction, Stop, Tour, User) ``rows``, most people first."""
    latest: dict[str, Stop] = {}
    stops: dict[str, set[int]] = defaultdict(set)
    records: Counter = Counter()
    people: Counter = Counter()
    for interaction, stop, tour, _user in rows:
        seen = latest.get(stop.site)
        if seen is None or (tour.date, stop.id) > (seen.tour.date, seen.id):
            latest[stop.site] = stop
        stops[stop.site].add(stop.id)
        records[stop.site] += 1
        people[stop.site] += interaction.people
    points = [
        SitePoint(
            site,
            stop.name,
            stop.quartier,
            stop.lat,
            stop.lon,
            len(stops[site]),
            records[site],
            people[site],
        )
        for site, stop in latest.items()
    ]
    return sorted(points, key=lambda p: (-p.people, p.name))
