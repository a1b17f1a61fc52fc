"""Plan exports for other tools: GPX 1.1 (GPS units, apps), iCalendar (agendas), GeoJSON (GIS).

Each ``plan_to_*`` function is pure and returns text; ``write_*`` writes it to a file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy.gpx
import icalendar
import networkx as nx

from dynamobile.french import date_fr, distance_fr, duration_fr, plural, site_kind_fr, time_fr
from dynamobile.plan import Break, Plan, Stop, Tour
from dynamobile.report import breaks_by_place

from .legs import (
    ATTRIBUTION,
    ODBL_URL,
    Leg,
    Walk,
    place_text,
    stop_walk,
    tour_legs,
    tour_walks,
    vehicle_label,
)

ODBL_LICENSE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"


def _stop_summary(stop: Stop) -> str:
    return (
        f"arrivée {time_fr(stop.arrive)}, installation {time_fr(stop.setup_start)}, "
        f"ouverture {time_fr(stop.start)}–{time_fr(stop.end)}, départ {time_fr(stop.leave)}"
    )


def _graph_for(graphs: dict[str, nx.MultiDiGraph] | None, tour: Tour) -> nx.MultiDiGraph | None:
    return (graphs or {}).get(tour.profile)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two ``(lon, lat)`` points (equirectangular: legs are short)."""
    k = math.cos(math.radians((a[1] + b[1]) / 2.0))
    return math.hypot((b[0] - a[0]) * k, b[1] - a[1]) * 111_195.0


def _drive_window(tour: Tour, leg: Leg) -> tuple[dt.datetime, dt.datetime]:
    """When the vehicle is on ``leg``: from leaving its origin (``tour.start`` at the depot, or
    the end of a lunch taken before the leg) to the arrival (``tour.end`` back at the depot)."""
    between, _on_arrival = breaks_by_place(tour)
    if leg.is_return:
        depart, arrive = tour.stops[-1].leave, tour.end
    else:
        depart = tour.start if leg.index == 1 else tour.stops[leg.index - 2].leave
        arrive = tour.stops[leg.index - 1].arrive
    lunch = between.get(leg.index - 1)
    if lunch is not None:
        depart = max(depart, lunch.end)
    return min(depart, arrive), arrive


def _timed_points(
    geometry: tuple[tuple[float, float], ...], depart: dt.datetime, arrive: dt.datetime
) -> list[gpxpy.gpx.GPXTrackPoint]:
    """Track points along ``geometry`` with times from ``depart`` to ``arrive`` in proportion
    to the distance covered (whole seconds, UTC)."""
    steps = [0.0] + [_metres(a, b) for a, b in zip(geometry, geometry[1:])]
    covered = list(itertools.accumulate(steps))
    total, span = covered[-1], (arrive - depart).total_seconds()
    start = depart.astimezone(dt.UTC)
    return [
        gpxpy.gpx.GPXTrackPoint(
            lat,
            lon,
            time=start + dt.timedelta(seconds=round(span * (done / total if total else 1.0))),
        )
        for (lon, lat), done in zip(geometry, covered)
    ]


def plan_to_gpx(plan: Plan, *, graphs: dict[str, nx.MultiDiGraph] | None = None) -> str:
    """GPX 1.1: the depot and every stop as waypoints, one track per tour (one segment per leg).

    Where the vehicle parks away from a stand or the depot (see `Parking.shown`), the parking
    point is a waypoint of its own (type « stationnement »), the walk in its description.

    Track points carry times: each leg from leaving its origin (after a lunch taken on the way)
    to the arrival, in proportion to the distance along its geometry.
    """
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Dynamobile"
    gpx.name = f"Tournées Dynamobile — {plan.scenario}" if plan.scenario else "Tournées Dynamobile"
    gpx.description = f"Rues : {ATTRIBUTION}"
    gpx.copyright_author = "OpenStreetMap contributors"
    gpx.copyright_license = ODBL_LICENSE_URL
    gpx.link, gpx.link_text = ODBL_URL, ATTRIBUTION
    gpx.waypoints.append(
        gpxpy.gpx.GPXWaypoint(
            plan.depot.lat,
            plan.depot.lon,
            name=f"Dépôt : {plan.depot.name}",
            symbol="Flag",
            type="dépôt",
        )
    )
    depot_points: set[tuple[float, float]] = set()
    for tour in plan.tours:
        label = f"{vehicle_label(tour)} — {date_fr(tour.date)}"
        for walk in tour_walks(plan, tour):
            if walk.index == 0:
                point = (walk.parking.lat, walk.parking.lon)
                if point in depot_points:
                    continue  # every tour of this vehicle profile starts there: one waypoint
                depot_points.add(point)
            gpx.waypoints.append(_parking_waypoint(walk, tour, label))
        for i, stop in enumerate(tour.stops, start=1):
            on_foot = stop_walk(stop, i)
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    stop.lat,
                    stop.lon,
                    time=stop.arrive.astimezone(dt.UTC),
                    name=f"{i}. {stop.name}",
                    comment=stop.address or None,
                    description=f"{label} : {_stop_summary(stop)}"
                    + (f". {on_foot.text}" if on_foot else ""),
                    type=site_kind_fr(stop.kind),
                )
            )
        track = gpxpy.gpx.GPXTrack(
            name=label,
            description=(
                f"{plural(len(tour.stops), 'arrêt')}, {distance_fr(tour.distance_m)}, {duration_fr(tour.drive_s)} de route"
            ),
        )
        # gpxpy declares GPXTrack.type as None (unannotated `self.type = None`); it holds a string.
        track.type = tour.vehicle_kind or None  # type: ignore[assignment]
        for leg in tour_legs(plan, tour, graph=_graph_for(graphs, tour)):
            segment = gpxpy.gpx.GPXTrackSegment()
            segment.points.extend(_timed_points(leg.geometry, *_drive_window(tour, leg)))
            track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def _parking_waypoint(walk: Walk, tour: Tour, label: str) -> gpxpy.gpx.GPXWaypoint:
    """Where the vehicle parks, apart from the stand (or the depot) it serves."""
    if walk.index == 0:
        name = f"Départ des tournées : {walk.parking.street or walk.destination}"
        description = f"{vehicle_label(tour)} : {walk.text}"
    else:
        stop = tour.stops[walk.index - 1]
        name = f"{walk.index}. Stationnement : {stop.name}"
        description = f"{label} : {walk.text}"
    return gpxpy.gpx.GPXWaypoint(
        walk.parking.lat,
        walk.parking.lon,
        name=name,
        description=description,
        symbol="Parking Area",
        type="stationnement",
    )


def _break_place(plan: Plan, tour: Tour, b: Break) -> tuple[str, float, float, str]:
    """(place, lat, lon, when) of a break: the stop it is taken at or after, else the depot."""
    between, on_arrival = breaks_by_place(tour)
    depot = (place_text(plan.depot.name, ""), plan.depot.lat, plan.depot.lon)
    for k, other in on_arrival.items():
        if other is b:
            stop = tour.stops[k]
            where = f"à l'arrêt {k + 1} ({stop.name}), avant l'installation"
            return place_text(stop.name, stop.address), stop.lat, stop.lon, where
    for k, other in between.items():
        if other is b and k > 0:
            stop = tour.stops[k - 1]
            after = f"après l'arrêt {k} ({stop.name})"
            where = f"{after}, avant l'arrêt {k + 1}" if k < len(tour.stops) else after
            return place_text(stop.name, stop.address), stop.lat, stop.lon, where
    return (*depot, f"au dépôt ({plan.depot.name})")


def plan_to_ics(
    plan: Plan,
    *,
    stamp: dt.datetime | None = None,
    departures: bool = True,
    breaks: bool = True,
) -> bytes:
    """iCalendar: per tour, in time order, the departure from the depot (until the first
    arrival), one event per stop from arrival to departure and the lunch breaks; times in
    ``plan.timezone``. ``departures`` and ``breaks`` leave those events out when false.

    ``stamp`` is the DTSTAMP (UTC, now by default; fix it for reproducible files).
    """
    tz = ZoneInfo(plan.timezone)
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//La Dynamo//Dynamobile//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Dynamobile — {plan.scenario}" if plan.scenario else "Dynamobile")
    cal.add("x-wr-timezone", plan.timezone)

    def event(
        uid: str,
        start: dt.datetime,
        end: dt.datetime,
        summary: str,
        place: tuple[str, float, float],
        category: str,
        description: str,
    ) -> icalendar.Event:
        ev = icalendar.Event()
        ev.add("uid", f"{uid}@dynamobile")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start.astimezone(tz))
        ev.add("dtend", max(start, end).astimezone(tz))
        ev.add("summary", summary)
        ev.add("location", place[0])
        ev.add("geo", (place[1], place[2]))
        ev.add("categories", [category])
        ev.add("description", description)
        return ev

    for tour in plan.tours:
        key = f"{tour.date.isoformat()}-{tour.vehicle}"
        label = vehicle_label(tour)
        crew = f"\nÉquipage : {', '.join(tour.crew)}" if tour.crew else ""
        events: list[icalendar.Event] = []
        if departures:
            first = tour.stops[0]
            before_first = [b.start for b in tour.breaks if tour.start <= b.start < first.arrive]
            events.append(
                event(
                    f"{key}-depart",
                    tour.start,
                    min([first.arrive, *before_first]),
                    f"Départ du dépôt — {label}",
                    (place_text(plan.depot.name, ""), plan.depot.lat, plan.depot.lon),
                    "départ",
                    f"Départ du dépôt ({plan.depot.name}) à {time_fr(tour.start)} vers l'arrêt 1 "
                    f"({first.name}, arrivée {time_fr(first.arrive)}) ; retour au dépôt à "
                    f"{time_fr(tour.end)}. {plural(len(tour.stops), 'arrêt')}, "
                    f"{distance_fr(tour.distance_m)}, {duration_fr(tour.drive_s)} de route.{crew}",
                )
            )
        for i, stop in enumerate(tour.stops, start=1):
            events.append(
                event(
                    f"{key}-{i}-{stop.site}",
                    stop.arrive,
                    stop.leave,
                    f"{stop.name} — {label}",
                    (place_text(stop.name, stop.address), stop.lat, stop.lon),
                    site_kind_fr(stop.kind),
                    f"Arrêt {i} de la tournée du {date_fr(tour.date)} : {_stop_summary(stop)}."
                    f"{_walk_sentence(stop_walk(stop, i))}{crew}",
                )
            )
        if breaks:
            for n, b in enumerate(tour.breaks, start=1):
                place, lat, lon, where = _break_place(plan, tour, b)
                events.append(
                    event(
                        f"{key}-pause-{n}",
                        b.start,
                        b.end,
                        f"{b.label} — {label}",
                        (place, lat, lon),
                        "pause",
                        f"{b.label} de {time_fr(b.start)} à {time_fr(b.end)}, {where}.{crew}",
                    )
                )
        for ev in sorted(events, key=lambda e: (e.decoded("dtstart"), e.decoded("dtend"))):
            cal.add_component(ev)
    days = [t.date for t in plan.tours] or [stamp.date()]
    # A VTIMEZONE covering the plan's years only, not icalendar's default 1970–2038 list.
    cal.add_missing_timezones(
        first_date=dt.date(min(days).year, 1, 1), last_date=dt.date(max(days).year + 1, 1, 1)
    )
    return cal.to_ical()


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def plan_to_geojson(plan: Plan, *, graphs: dict[str, nx.MultiDiGraph] | None = None) -> dict:
    """A FeatureCollection: a LineString per tour, a Point per stop, the depot and located unassigned sites."""
    features: list[dict] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [plan.depot.lon, plan.depot.lat]},
            "properties": {"role": "depot", "name": plan.depot.name},
        }
    ]
    for tour in plan.tours:
        features += _walk_features(plan, tour)
        line: list[list[float]] = []
        for leg in tour_legs(plan, tour, graph=_graph_for(graphs, tour)):
            points = [list(p) for p in leg.geometry]
            line.extend(points[1:] if line and points and line[-1] == points[0] else points)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "role": "tour",
                    "vehicle": tour.vehicle,
                    "vehicle_name": vehicle_label(tour),
                    "date": tour.date.isoformat(),
                    "start": _iso(tour.start),
                    "end": _iso(tour.end),
                    "stops": len(tour.stops),
                    "distance_m": tour.distance_m,
                    "drive_s": tour.drive_s,
                },
            }
        )
        for i, stop in enumerate(tour.stops, start=1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                    "properties": {
                        "role": "stop",
                        "vehicle": tour.vehicle,
                        "date": tour.date.isoformat(),
                        "order": i,
                        "site": stop.site,
                        "name": stop.name,
                        "kind": stop.kind,
                        "address": stop.address,
                        "arrive": _iso(stop.arrive),
                        "setup_start": _iso(stop.setup_start),
                        "start": _iso(stop.start),
                        "end": _iso(stop.end),
                        "leave": _iso(stop.leave),
                        "service_s": stop.service_s,
                        **_parking_properties(stop_walk(stop, i)),
                    },
                }
            )
    for u in plan.unassigned:
        if u.lat is None or u.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [u.lon, u.lat]},
                "properties": {
                    "role": "unassigned",
                    "site": u.site,
                    "name": u.name,
                    "code": u.code,
                    "reason": u.reason,
                    "date": u.date.isoformat() if u.date else None,
                },
            }
        )
    return {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}


def _walk_sentence(walk: Walk | None) -> str:
    return f"\n{walk.text}." if walk else ""


def _parking_properties(walk: Walk | None) -> dict:
    """What a stop's GeoJSON properties say of the walk from its parking (nothing if none)."""
    if walk is None:
        return {}
    p = walk.parking
    return {
        "parking": [p.lon, p.lat],
        "parking_street": p.street,
        "walk_m": p.walk_m,
        "walk_direction": p.direction,
        "walk_straight": p.straight,
        "walk": walk.text,
    }


def _walk_features(plan: Plan, tour: Tour) -> list[dict]:
    """A Point where the vehicle parks and a LineString of the walk, for each walk worth saying."""
    features = []
    for walk in tour_walks(plan, tour):
        common = {
            "vehicle": tour.vehicle,
            "date": tour.date.isoformat(),
            "order": walk.index,  # 0: the depot
            "site": tour.stops[walk.index - 1].site if walk.index else None,
            "name": walk.destination,
        }
        properties = _parking_properties(walk)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [walk.parking.lon, walk.parking.lat]},
                "properties": {"role": "depot_parking" if walk.index == 0 else "parking"}
                | common
                | properties,
            }
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in walk.geometry]},
                "properties": {"role": "walk"} | common | properties,
            }
        )
    return features


def write_gpx(plan: Plan, path: Path, **options) -> Path:
    """Write `plan_to_gpx` to ``path``."""
    Path(path).write_text(plan_to_gpx(plan, **options), encoding="utf-8")
    return Path(path)


def write_ics(plan: Plan, path: Path, **options) -> Path:
    """Write `plan_to_ics` to ``path``."""
    Path(path).write_bytes(plan_to_ics(plan, **options))
    return Path(path)


def write_geojson(plan: Plan, path: Path, **options) -> Path:
    """Write `plan_to_geojson` to ``path`` (UTF-8, French names unescaped)."""
    Path(path).write_text(
        json.dumps(plan_to_geojson(plan, **options), ensure_ascii=False), encoding="utf-8"
    )
    return Path(path)
