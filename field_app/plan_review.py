"""The review of a job's plan on « Planifier »: a timetable per tour, the sites not visited with
their reasons, the map's data, the changes against the published tours, and the parameters of a
re-plan with the coordinator's locks and exclusions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.french import date_fr, vehicle_title_fr
from dynamobile.plan import EXCLUDED, Plan
from dynamobile.report import REASON_LABELS
from dynamobile.timeutil import PARIS
from maps.legs import Walk, tour_walks

from .models import PlanJob, Stop, Tour
from .plan_diff import Change, Visit, diff_visits
from .publishing import parse_plan


@dataclass(frozen=True)
class StopRow:
    """One line of a tour's timetable; ``lock`` the value of its lock box (a JSON list)."""

    arrive: str
    start: str
    end: str
    leave: str
    site: str
    name: str
    quartier: str
    lock: str
    locked: bool
    excluded: bool


@dataclass(frozen=True)
class TourView:
    date: dt.date
    day_fr: str
    vehicle: str
    title: str
    depart: str
    back: str
    stops: tuple[StopRow, ...]
    breaks: str = ""  # « pause 12:10-12:55 »


@dataclass(frozen=True)
class UnassignedRow:
    site: str
    name: str
    label: str
    reason: str
    excluded: bool


@dataclass(frozen=True)
class Review:
    job_id: int
    tours: tuple[TourView, ...]
    unassigned: tuple[UnassignedRow, ...]
    changes: tuple[Change, ...]
    published_visits: int
    map_data: dict
    locks: int
    excluded: int


def _hm(moment: dt.datetime) -> str:
    return moment.astimezone(PARIS).strftime("%H:%M")


def lock_value(site: str, date: dt.date, vehicle: str) -> str:
    """The value of a stop's lock box: read back by `replan_body`."""
    return json.dumps([site, date.isoformat(), vehicle], ensure_ascii=False)


def planned_visits(plan: Plan) -> list[Visit]:
    return [Visit(s.site, t.date, t.vehicle, s.start) for t in plan.tours for s in t.stops]


def published_visits(session: Session, dates: Sequence[dt.date]) -> tuple[list[Visit], dict]:
    """The published visits on ``dates`` (stops still in the last published plan) and the
    sites' names."""
    rows = session.execute(
        select(Stop.site, Stop.name, Tour.date, Tour.vehicle, Stop.start)
        .join(Tour, Stop.tour_id == Tour.id)
        .where(Tour.date.in_(list(dates)), Stop.in_plan.is_(True))
    ).all()
    visits = [Visit(site, date, vehicle, start) for site, _, date, vehicle, start in rows]
    return visits, {site: name for site, name, *_ in rows}


def _point(lon: float, lat: float) -> list[float]:
    return [round(lat, 6), round(lon, 6)]


def _walk_data(walk: Walk, tour_label: str) -> dict:
    """Where the vehicle parks (a « P ») and the walk to the stand or the depot (dashed)."""
    where = "Départ et retour" if walk.index == 0 else f"Stationnement de l'arrêt {walk.index}"
    return {
        "n": walk.index,
        "lat": round(walk.parking.lat, 6),
        "lon": round(walk.parking.lon, 6),
        "label": f"{tour_label} — {where} : {walk.text}",
        "line": [_point(lon, lat) for lon, lat in walk.geometry],
    }


def _map_data(plan: Plan) -> dict:
    """Tours as lines (the street geometry when the plan has it), their stops as points, and
    the walks worth telling from where the vehicle parks (`maps.legs.tour_walks`)."""
    depot = _point(plan.depot.lon, plan.depot.lat)
    tours = []
    for tour in plan.tours:
        label = f"{date_fr(tour.date)}, {vehicle_title_fr(tour.vehicle_name or tour.vehicle, tour.vehicle_kind)}"
        walks = tour_walks(plan, tour)
        walked = {walk.index for walk in walks}
        home = depot
        if 0 in walked and tour.depot_parking is not None:  # the vehicle waits away from the depot
            home = _point(tour.depot_parking.lon, tour.depot_parking.lat)
        line = [home]
        stops = []
        for n, stop in enumerate(tour.stops, start=1):
            line += [_point(lon, lat) for lon, lat in stop.geometry]
            # The vehicle stops where it parks; the stand is reached on foot (dashed line).
            if n in walked and stop.parking is not None:
                line.append(_point(stop.parking.lon, stop.parking.lat))
            else:
                line.append(_point(stop.lon, stop.lat))
            stops.append(
                {
                    "n": n,
                    "lat": round(stop.lat, 6),
                    "lon": round(stop.lon, 6),
                    "label": f"{stop.name} — {_hm(stop.start)}-{_hm(stop.end)}",
                }
            )
        line += [_point(lon, lat) for lon, lat in tour.return_geometry]
        line.append(home)
        tours.append(
            {
                "label": label,
                "line": line,
                "stops": stops,
                "walks": [_walk_data(walk, label) for walk in walks],
            }
        )
    return {"depot": {"name": plan.depot.name, "lat": depot[0], "lon": depot[1]}, "tours": tours}


def review(session: Session, job: PlanJob) -> Review | None:
    """The review of the job's plan (None when it has none)."""
    if job.plan_json is None:
        return None
    plan = parse_plan(job.plan_json, source=f"calcul n°{job.id}")
    params = job.params or {}
    locked = {
        (lock["site"], lock["date"], lock["vehicle"]) for lock in params.get("locks", ()) or ()
    }
    excluded = set(params.get("exclude", ()) or ())
    tours = tuple(
        TourView(
            tour.date,
            date_fr(tour.date),
            tour.vehicle,
            vehicle_title_fr(tour.vehicle_name or tour.vehicle, tour.vehicle_kind),
            _hm(tour.start),
            _hm(tour.end),
            tuple(
                StopRow(
                    _hm(stop.arrive),
                    _hm(stop.start),
                    _hm(stop.end),
                    _hm(stop.leave),
                    stop.site,
                    stop.name,
                    stop.quartier,
                    lock_value(stop.site, tour.date, tour.vehicle),
                    (stop.site, tour.date.isoformat(), tour.vehicle) in locked,
                    stop.site in excluded,
                )
                for stop in tour.stops
            ),
            ", ".join(f"pause {_hm(b.start)}-{_hm(b.end)}" for b in tour.breaks),
        )
        for tour in plan.tours
    )
    unassigned = tuple(
        UnassignedRow(
            u.site, u.name, REASON_LABELS.get(u.code, u.code), u.reason, u.code == EXCLUDED
        )
        for u in plan.unassigned
    )
    before, names = published_visits(session, plan.dates)
    names |= {s.site: s.name for t in plan.tours for s in t.stops}
    changes = diff_visits(before, planned_visits(plan), names=names)
    return Review(
        job.id,
        tours,
        unassigned,
        tuple(changes),
        len(before),
        _map_data(plan),
        len(locked),
        len(excluded),
    )


def replan_body(params: dict, locks: Sequence[str], exclude: Sequence[str]) -> dict:
    """The API body of a re-plan: the job's parameters with the ticked locks (values of
    `lock_value`) and exclusions, for `plan_jobs.parse_params` to check."""
    read = []
    for value in locks:
        try:
            site, date, vehicle = json.loads(value)
        except (ValueError, TypeError):
            site = date = vehicle = None  # parse_params names the bad lock
        read.append({"site": site, "date": date, "vehicle": vehicle})
    body = {k: v for k, v in params.items() if k not in ("locks", "exclude")}
    return body | {"locks": read, "exclude": list(dict.fromkeys(exclude))}
