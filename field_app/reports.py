"""Figures for the coordinator: people reached by week, place, age; planned vs actual times."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import vocab
from .models import Interaction, Stop, StopEvent, Tour, User, age_column
from .web import PARIS, paris


@dataclass
class Dashboard:
    first: dt.date
    last: dt.date
    people: int = 0
    encounters: int = 0
    first_visits: int = 0
    returning: int = 0  # the Coop's « déjà accompagnés »
    stops_with_activity: int = 0
    by_week: list[tuple[str, int]] = field(default_factory=list)
    by_quartier: list[tuple[str, int]] = field(default_factory=list)
    by_site: list[tuple[str, int]] = field(default_factory=list)
    by_age: list[tuple[str, int]] = field(default_factory=list)
    by_genre: list[tuple[str, int]] = field(default_factory=list)
    by_statut: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    equipment: list[tuple[str, int]] = field(default_factory=list)
    invitations: list[tuple[str, int]] = field(default_factory=list)


def bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The Paris midnights that start ``first`` and end ``last``."""
    start = dt.datetime.combine(first, dt.time(), PARIS)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), PARIS)
    return start, end


def interaction_rows(
    session: Session,
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    tour_id: int | None = None,
):
    """(Interaction, Stop, Tour, User) rows, oldest first, optionally between two Paris dates or of
    one tour."""
    query = (
        select(Interaction, Stop, Tour, User)
        .join(Stop, Interaction.stop_id == Stop.id)
        .join(Tour, Stop.tour_id == Tour.id)
        .join(User, Interaction.user_id == User.id)
        .order_by(Interaction.at, Interaction.id)
    )
    if tour_id is not None:
        query = query.where(Stop.tour_id == tour_id)
    if first is not None and last is not None:
        start, end = bounds(first, last)
        query = query.where(Interaction.at >= start, Interaction.at < end)
    return session.execute(query).all()


def _codes(value: str) -> list[str]:
    return value.split() if value else []


def _labelled(counter: Counter, labels: dict) -> list[tuple[str, int]]:
    return [(labels.get(code, code), n) for code, n in counter.most_common() if n]


def count_ages(ages: Counter, interaction: Interaction) -> None:
    """Coop bands; the first form's bands inside one Coop band go there, the others apart."""
    if interaction.age_scheme == vocab.SCHEME_COOP:
        for code in vocab.TRANCHES_AGE:
            ages[code] += getattr(interaction, age_column(code))
        return
    for code, term in vocab.V1_AGE_BANDS.items():
        ages[term.coop or code] += getattr(interaction, age_column(code))
    ages[vocab.NON_COMMUNIQUE] += interaction.age_unknown


def _age_bars(ages: Counter) -> list[tuple[str, int]]:
    bars = [
        (label, ages[code])
        for code, label in vocab.TRANCHES_AGE.items()
        if code != vocab.NON_COMMUNIQUE
    ]
    bars += [
        (f"{term.label} (ancien formulaire)", ages[code])
        for code, term in vocab.V1_AGE_BANDS.items()
        if not term.coop and ages[code]
    ]
    if ages[vocab.NON_COMMUNIQUE]:
        bars.append((vocab.TRANCHES_AGE[vocab.NON_COMMUNIQUE], ages[vocab.NON_COMMUNIQUE]))
    return bars


def _topic_label(code: str) -> str:
    """Topics by Coop thématique, so both forms' records add up."""
    term = vocab.TOPICS.get(code)
    return vocab.THEMATIQUES[term.coop] if term and term.coop else vocab.label(vocab.TOPICS, code)


def dashboard(session: Session, first: dt.date, last: dt.date) -> Dashboard:
    board = Dashboard(first, last)
    weeks: Counter = Counter()
    quartiers: Counter = Counter()
    sites: Counter = Counter()
    ages: Counter = Counter()
    genres: Counter = Counter()
    statuts: Counter = Counter()
    topics: Counter = Counter()
    equipment: Counter = Counter()
    invitations: Counter = Counter()
    stops = set()
    for interaction, stop, _tour, _user in interaction_rows(session, first, last):
        people = interaction.people
        board.people += people
        board.encounters += interaction.source == "form"
        board.first_visits += people if interaction.visit == "first" else 0
        board.returning += people if interaction.visit == "returning" else 0
        stops.add(stop.id)
        year, week, _ = paris(interaction.at).isocalendar()
        weeks[f"{year}-S{week:02d}"] += people
        quartiers[stop.quartier or "(non renseigné)"] += people
        sites[stop.name] += people
        count_ages(ages, interaction)
        for code in vocab.GENRE_CODES:
            genres[vocab.GENRES[code]] += getattr(interaction, f"genre_{code}")
        for code in vocab.STATUT_CODES:
            statuts[vocab.STATUTS_SOCIAUX[code]] += getattr(interaction, f"statut_{code}")
        topics.update(_topic_label(code) for code in _codes(interaction.topics))
        equipment.update(
            vocab.label(vocab.EQUIPMENT, code) for code in _codes(interaction.equipment)
        )
        invitations.update(_codes(interaction.invitations))
    board.stops_with_activity = len(stops)
    board.by_week = sorted(weeks.items())
    board.by_quartier = quartiers.most_common()
    board.by_site = sites.most_common(12)
    board.by_age = _age_bars(ages)
    board.by_genre = [(label, n) for label, n in genres.most_common() if n]
    board.by_statut = [(label, n) for label, n in statuts.most_common() if n]
    board.topics = [(label, n) for label, n in topics.most_common() if n]
    board.equipment = [(label, n) for label, n in equipment.most_common() if n]
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
        select(Stop, Tour)
        .join(Tour, Stop.tour_id == Tour.id)
        .where(Tour.date >= first, Tour.date <= last)
        .order_by(Tour.date, Tour.vehicle, Stop.position)
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
    return [
        StopTimes(stop, tour, checkins.get(stop.id), checkouts.get(stop.id), people[stop.id])
        for stop, tour in pairs
        if stop.in_plan or stop.id in checkins or people[stop.id]
    ]
