"""Figures for the coordinator: people reached by week, place, age; planned vs actual times."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import vocab
from .models import Interaction, Stop, StopEvent, Tour, User
from .web import PARIS, paris


@dataclass
class Dashboard:
    first: dt.date
    last: dt.date
    people: int = 0
    encounters: int = 0
    first_visits: int = 0
    stops_with_activity: int = 0
    by_week: list[tuple[str, int]] = field(default_factory=list)
    by_quartier: list[tuple[str, int]] = field(default_factory=list)
    by_site: list[tuple[str, int]] = field(default_factory=list)
    by_age: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    equipment: list[tuple[str, int]] = field(default_factory=list)
    invitations: list[tuple[str, int]] = field(default_factory=list)


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(), PARIS)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), PARIS)
    return start, end


def interaction_rows(session: Session, first: dt.date | None = None, last: dt.date | None = None):
    """(Interaction, Stop, Tour, User) rows, oldest first, optionally between two Paris dates."""
    query = (select(Interaction, Stop, Tour, User)
             .join(Stop, Interaction.stop_id == Stop.id).join(Tour, Stop.tour_id == Tour.id)
             .join(User, Interaction.user_id == User.id).order_by(Interaction.at, Interaction.id))
    if first is not None and last is not None:
        start, end = _bounds(first, last)
        query = query.where(Interaction.at >= start, Interaction.at < end)
    return session.execute(query).all()


def _codes(value: str) -> list[str]:
    return value.split() if value else []


def _labelled(counter: Counter, labels: dict) -> list[tuple[str, int]]:
    return [(labels.get(code, code), n) for code, n in counter.most_common() if n]


def dashboard(session: Session, first: dt.date, last: dt.date) -> Dashboard:
    board = Dashboard(first, last)
    weeks: Counter = Counter()
    quartiers: Counter = Counter()
    sites: Counter = Counter()
    ages: Counter = Counter()
    topics: Counter = Counter()
    equipment: Counter = Counter()
    invitations: Counter = Counter()
    stops = set()
    for interaction, stop, _tour, _user in interaction_rows(session, first, last):
        people = interaction.people
        board.people += people
        board.encounters += interaction.source == "form"
        board.first_visits += people if interaction.visit == "first" else 0
        stops.add(stop.id)
        year, week, _ = paris(interaction.at).isocalendar()
        weeks[f"{year}-S{week:02d}"] += people
        quartiers[stop.quartier or "(non renseigné)"] += people
        sites[stop.name] += people
        for code, _label in vocab.AGE_BANDS:
            ages[code] += getattr(interaction, f"age_{code}")
        ages["unknown"] += interaction.age_unknown
        topics.update(_codes(interaction.topics))
        equipment.update(_codes(interaction.equipment))
        invitations.update(_codes(interaction.invitations))
    board.stops_with_activity = len(stops)
    board.by_week = sorted(weeks.items())
    board.by_quartier = quartiers.most_common()
    board.by_site = sites.most_common(12)
    board.by_age = [(label, ages[code]) for code, label in vocab.AGE_BANDS]
    if ages["unknown"]:
        board.by_age.append(("Non précisé", ages["unknown"]))
    board.topics = _labelled(topics, vocab.TOPICS)
    board.equipment = _labelled(equipment, vocab.EQUIPMENT)
    board.invitations = _labelled(invitations, vocab.INVITATIONS)
    return board


@dataclass(frozen=True)
class StopTimes:
    stop: Stop
    tour: Tour
    checkin: dt.datetime | None
    checkout: dt.datetime | None
    people: int

    @property
    def late_min(self) -> int | None:
        """Minutes between the planned opening and the first check-in (negative: early)."""
        if self.checkin is None:
            return None
        return round((self.checkin - self.stop.start).total_seconds() / 60)

    @property
    def duration_min(self) -> int:
        """Actual time on site if both check-in and check-out exist, else the planned opening."""
        if self.checkin and self.checkout and self.checkout > self.checkin:
            return round((self.checkout - self.checkin).total_seconds() / 60)
        return round((self.stop.end - self.stop.start).total_seconds() / 60)


def stop_times(session: Session, first: dt.date, last: dt.date) -> list[StopTimes]:
    """Planned and actual times of every stop of the tours between two dates."""
    pairs = session.execute(
        select(Stop, Tour).join(Tour, Stop.tour_id == Tour.id)
        .where(Tour.date >= first, Tour.date <= last).order_by(Tour.date, Tour.vehicle, Stop.position)
    ).all()
    ids = [stop.id for stop, _ in pairs]
    checkins: dict[int, dt.datetime] = {}
    checkouts: dict[int, dt.datetime] = {}
    people: Counter = Counter()
    if ids:
        for event in session.scalars(select(StopEvent).where(StopEvent.stop_id.in_(ids))):
            target = checkins if event.kind == "checkin" else checkouts
            current = target.get(event.stop_id)
            if event.kind == "checkin":
                target[event.stop_id] = event.at if current is None else min(current, event.at)
            else:
                target[event.stop_id] = event.at if current is None else max(current, event.at)
        for interaction in session.scalars(select(Interaction).where(Interaction.stop_id.in_(ids))):
            people[interaction.stop_id] += interaction.people
    return [StopTimes(stop, tour, checkins.get(stop.id), checkouts.get(stop.id), people[stop.id])
            for stop, tour in pairs if stop.in_plan or stop.id in checkins or people[stop.id]]
