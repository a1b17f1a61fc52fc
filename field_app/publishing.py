"""Publishing: turn a `Plan` into tour and stop rows, assign agents, edit stops.

Re-importing updates rows in place, matched on natural keys: a tour by (date, vehicle), a stop
by (tour, site, n-th visit of that site). Times a coordinator edited and cancellations are kept.
A stop that a new import drops is deleted if nothing was logged there, else kept and marked
``in_plan=False`` (its records must not be lost).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError
from dynamobile.plan import Plan, plan_from_dict, plan_to_dict

from .models import PublishedPlan, Record, Stop, Tour, TourAgent, User, utcnow


@dataclass
class ImportSummary:
    tours_created: int = 0
    tours_updated: int = 0
    stops_created: int = 0
    stops_updated: int = 0
    stops_removed: int = 0

    def message(self) -> str:
        return (
            f"Plan importé : {self.tours_created} tournée(s) créée(s), {self.tours_updated} mise(s) à jour ; "
            f"{self.stops_created} arrêt(s) créé(s), {self.stops_updated} mis à jour, "
            f"{self.stops_removed} retiré(s)."
        )


def parse_plan(raw: bytes | str, *, source: str = "plan.json") -> Plan:
    """A `Plan` from plan.json text; raises InputError naming the file on any problem."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{source} : JSON invalide ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{source} : un objet JSON est attendu")
    try:
        plan = plan_from_dict(data)
    except KeyError as exc:
        raise InputError(f"{source} : champ manquant {exc}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{source} : valeur invalide ({exc})") from None
    _check_sites(plan, source)
    return plan


def _check_sites(plan: Plan, source: str) -> None:
    """Every stop names its site: stops are matched on it when a plan is published again."""
    problems = [
        f"{source} : tournée {tour.vehicle} du {tour.date}, arrêt n°{position + 1} ({stop.name or 'sans nom'}) : "
        "champ site vide (identifiant du lieu attendu)"
        for tour in plan.tours
        for position, stop in enumerate(tour.stops)
        if not isinstance(stop.site, str) or not stop.site.strip()
    ]
    if problems:
        raise InputError(problems)


def read_plan_file(path: str | Path) -> Plan:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path} : lecture impossible ({exc.strerror})") from None
    return parse_plan(raw, source=str(path))


def _check_aware(plan: Plan) -> None:
    for tour in plan.tours:
        for stop in tour.stops:
            for when in (stop.arrive, stop.setup_start, stop.start, stop.end, stop.leave):
                if when.tzinfo is None:
                    raise InputError(
                        f"tournée {tour.vehicle} du {tour.date}, arrêt {stop.site} : "
                        "heure sans fuseau horaire"
                    )


def import_plan(session: Session, plan: Plan) -> ImportSummary:
    """Create or update the plan's tours and stops (idempotent: same plan, same rows)."""
    _check_aware(plan)
    summary = ImportSummary()
    published = _keep_published(session, plan)
    for planned in plan.tours:
        tour = session.scalars(
            select(Tour).where(Tour.date == planned.date, Tour.vehicle == planned.vehicle)
        ).first()
        if tour is None:
            tour = Tour(date=planned.date, vehicle=planned.vehicle, stops=[])
            session.add(tour)
            summary.tours_created += 1
        else:
            summary.tours_updated += 1
        tour.vehicle_name = planned.vehicle_name or planned.vehicle
        tour.vehicle_kind = planned.vehicle_kind
        tour.scenario = plan.scenario
        tour.start, tour.end = planned.start, planned.end
        tour.imported_at = utcnow()
        tour.published_plan_id = published.id
        session.flush()

        existing = {(s.site, s.occurrence): s for s in tour.stops}
        seen: dict[str, int] = {}
        kept = set()
        for position, planned_stop in enumerate(planned.stops):
            occurrence = seen.get(planned_stop.site, 0)
            seen[planned_stop.site] = occurrence + 1
            key = (planned_stop.site, occurrence)
            kept.add(key)
            stop = existing.get(key)
            if stop is None:
                stop = Stop(
                    tour=tour,
                    site=planned_stop.site,
                    occurrence=occurrence,
                    edited=False,
                    cancelled=False,
                )
                session.add(stop)
                summary.stops_created += 1
            else:
                summary.stops_updated += 1
            stop.position = position
            stop.in_plan = True
            stop.name, stop.kind = planned_stop.name, planned_stop.kind
            stop.address, stop.quartier = planned_stop.address, planned_stop.quartier
            stop.insee, stop.postcode, stop.commune = (
                planned_stop.insee,
                planned_stop.postcode,
                planned_stop.commune,
            )
            stop.lat, stop.lon = planned_stop.lat, planned_stop.lon
            if not stop.edited:
                stop.arrive, stop.setup_start = planned_stop.arrive, planned_stop.setup_start
                stop.start, stop.end, stop.leave = (
                    planned_stop.start,
                    planned_stop.end,
                    planned_stop.leave,
                )
        for key, stop in existing.items():
            if key in kept or not stop.in_plan:
                continue
            summary.stops_removed += 1
            if session.scalar(select(exists().where(Record.stop_id == stop.id))):
                stop.in_plan = False
                stop.position = 1000 + stop.position
            else:
                tour.stops.remove(stop)
        session.flush()
    session.execute(
        delete(PublishedPlan).where(~exists().where(Tour.published_plan_id == PublishedPlan.id)),
        execution_options={"synchronize_session": False},
    )
    return summary


def _keep_published(session: Session, plan: Plan) -> PublishedPlan:
    """The `PublishedPlan` row of ``plan``: the same one when the same plan is published again."""
    text = json.dumps(plan_to_dict(plan), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    row = session.scalars(
        select(PublishedPlan).where(PublishedPlan.content_sha256 == digest)
    ).first()
    if row is None:
        row = PublishedPlan(
            scenario=plan.scenario[:200],
            first_date=min(plan.dates),
            last_date=max(plan.dates),
            content_sha256=digest,
            plan_json=text,
        )
        session.add(row)
        session.flush()
    return row


def assign_agents(session: Session, tour: Tour, user_ids: list[int]) -> None:
    """Make exactly these agents the tour's crew (raises InputError on an unknown or non-agent id)."""
    users = list(session.scalars(select(User).where(User.id.in_(user_ids)))) if user_ids else []
    if len(users) != len(set(user_ids)) or any(u.role != "agent" for u in users):
        raise InputError("agent inconnu")
    tour.agents = sorted(users, key=lambda u: u.name)
    session.flush()


def edit_stop(
    session: Session, stop: Stop, *, start: dt.datetime, end: dt.datetime, cancelled: bool
) -> None:
    """Change a stop's opening hours (arrive/leave move with them) or cancel it."""
    if end <= start:
        raise InputError("l'heure de fin doit être après l'heure de début")
    if (start, end) != (stop.start, stop.end):
        setup = stop.start - stop.setup_start
        before, after = stop.start - stop.arrive, stop.leave - stop.end
        stop.start, stop.end = start, end
        stop.setup_start, stop.arrive, stop.leave = start - setup, start - before, end + after
        stop.edited = True
    stop.cancelled = cancelled
    session.flush()


def tours_for_user(session: Session, user: User, *, first: dt.date, last: dt.date) -> list[Tour]:
    """Tours between two dates that this user may see: all for a coordinator, assigned ones for an agent."""
    query = (
        select(Tour).where(Tour.date >= first, Tour.date <= last).order_by(Tour.date, Tour.vehicle)
    )
    if user.role != "coordinator":
        query = query.join(TourAgent, TourAgent.tour_id == Tour.id).where(
            TourAgent.user_id == user.id
        )
    return list(session.scalars(query))


def can_access_tour(session: Session, user: User, tour_id: int) -> bool:
    if user.role == "coordinator":
        return True
    return session.get(TourAgent, (tour_id, user.id)) is not None
