"""Plan exports for other tools: GPX 1.1 (GPS units, apps), iCalendar (agendas), GeoJSON (GIS).

Each ``plan_to_*`` function is pure and returns text; ``write_*`` writes it to a file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy.gpx
import icalendar
import networkx as nx

from dynamobile.french import date_fr, distance_fr, duration_fr, plural, site_kind_fr, time_fr
from dynamobile.plan import Plan, Stop, Tour

from .legs import ATTRIBUTION, ODBL_URL, tour_legs, vehicle_label

ODBL_LICENSE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"


def _stop_summary(stop: Stop) -> str:
    return (
        f"arrivée {time_fr(stop.arrive)}, installation {time_fr(stop.setup_start)}, "
        f"ouverture {time_fr(stop.start)}–{time_fr(stop.end)}, départ {time_fr(stop.leave)}"
    )


def _graph_for(graphs: dict[str, nx.MultiDiGraph] | None, tour: Tour) -> nx.MultiDiGraph | None:
    return (graphs or {}).get(tour.profile)


def plan_to_gpx(plan: Plan, *, graphs: dict[str, nx.MultiDiGraph] | None = None) -> str:
    """GPX 1.1: the depot and every stop as waypoints, one track per tour (one segment per leg)."""
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
    for tour in plan.tours:
        label = f"{vehicle_label(tour)} — {date_fr(tour.date)}"
        for i, stop in enumerate(tour.stops, start=1):
            gpx.waypoints.append(
                gpxpy.gpx.GPXWaypoint(
                    stop.lat,
                    stop.lon,
                    time=stop.arrive.astimezone(dt.UTC),
                    name=f"{i}. {stop.name}",
                    comment=stop.address or None,
                    description=f"{label} : {_stop_summary(stop)}",
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
            segment.points.extend(gpxpy.gpx.GPXTrackPoint(lat, lon) for lon, lat in leg.geometry)
            track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def plan_to_ics(plan: Plan, *, stamp: dt.datetime | None = None) -> bytes:
    """iCalendar: one event per stop from arrival to departure, times in ``plan.timezone``.

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
    for tour in plan.tours:
        for i, stop in enumerate(tour.stops, start=1):
            event = icalendar.Event()
            event.add("uid", f"{tour.date.isoformat()}-{tour.vehicle}-{i}-{stop.site}@dynamobile")
            event.add("dtstamp", stamp)
            event.add("dtstart", stop.arrive.astimezone(tz))
            event.add("dtend", stop.leave.astimezone(tz))
            event.add("summary", f"{stop.name} — {vehicle_label(tour)}")
            event.add("location", ", ".join(x for x in (stop.name, stop.address) if x))
            event.add("geo", (stop.lat, stop.lon))
            event.add("categories", [site_kind_fr(stop.kind)])
            crew = f"\nÉquipage : {', '.join(tour.crew)}" if tour.crew else ""
            event.add(
                "description",
                f"Arrêt {i} de la tournée du {date_fr(tour.date)} : {_stop_summary(stop)}.{crew}",
            )
            cal.add_component(event)
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
