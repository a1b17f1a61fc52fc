"""Every output a crew reads says where the vehicle parks and how far the stand is on foot
(issue 13), on plans made for real: the bundled demo and pedestrian squares of central
Chambéry."""

from __future__ import annotations

import html
import io
import json
import re

import gpxpy
import icalendar
import pytest
from pypdf import PdfReader

from dynamobile.french import direction_fr
from maps.exports import plan_to_geojson, plan_to_gpx, plan_to_ics
from maps.interactive import write_plan_map
from maps.sheets import render_sheet
from routing.snapping import haversine_m
from tests.parking_scenarios import planned_scenario


@pytest.fixture(scope="module", params=["demo", "squares"])
def planned(request, tmp_path_factory):
    """(plan, graphs by profile) of the demo or of the squares."""
    return planned_scenario(request.param, tmp_path_factory.mktemp("squares"))


def _far_stops(tour):
    """(number, stop) of the stops whose vehicle parks more than 30 m from the stand."""
    for i, stop in enumerate(tour.stops, start=1):
        p = stop.parking
        assert p is not None
        if haversine_m(p.lat, p.lon, stop.lat, stop.lon) > 30:
            yield i, stop


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_the_sheet_says_where_to_park_and_the_walk(planned):
    plan, graphs = planned
    shown = 0
    for tour in plan.tours:
        text = _text(render_sheet(plan, tour, graph=graphs[tour.profile]))
        for _, stop in _far_stops(tour):
            p = stop.parking
            walk = f"{p.walk_m} m à pied {p.direction}"
            # in the timetable, under the stop's name
            assert f"Stationner : {p.street}, puis {walk}" in text
            # and where the leg's directions arrive
            assert f"Arrivée : {p.street} — puis {walk} jusqu'à {stop.name}" in text
            assert f"Arrivée : {stop.name}" not in text
            shown += 1
        home = tour.depot_parking
        if (
            home is not None
            and haversine_m(home.lat, home.lon, plan.depot.lat, plan.depot.lon) > 30
        ):
            away = direction_fr((home.bearing_deg + 180) % 360)
            assert f"Véhicule : {home.street}, {home.walk_m} m à pied {away}" in text
            assert f"{home.walk_m} m à pied {home.direction} jusqu'au dépôt" in text
    assert shown >= 1


def test_gpx_has_a_waypoint_where_the_vehicle_parks(planned):
    plan, graphs = planned
    gpx = gpxpy.parse(plan_to_gpx(plan, graphs=graphs))
    parking = {w.name: w for w in gpx.waypoints if w.type == "stationnement"}
    for tour in plan.tours:
        for i, stop in _far_stops(tour):
            point = parking[f"{i}. Stationnement : {stop.name}"]
            assert (point.latitude, point.longitude) == pytest.approx(
                (stop.parking.lat, stop.parking.lon)
            )
            assert f"{stop.parking.walk_m} m à pied {stop.parking.direction}" in point.description
            site = next(w for w in gpx.waypoints if w.name == f"{i}. {stop.name}")
            assert (site.latitude, site.longitude) == pytest.approx((stop.lat, stop.lon))
            assert f"Stationner : {stop.parking.street}" in site.description


def test_the_calendar_event_of_a_stop_gives_the_walk(planned):
    plan, _ = planned
    events = icalendar.Calendar.from_ical(plan_to_ics(plan)).walk("VEVENT")
    described = {str(e["summary"]): str(e["description"]) for e in events}
    for tour in plan.tours:
        for _, stop in _far_stops(tour):
            p = stop.parking
            walk = f"{p.walk_m} m à pied {p.direction} jusqu'à {stop.name}"
            text = described[f"{stop.name} — {tour.vehicle_name or tour.vehicle}"]
            assert f"Stationner : {p.street} — puis {walk}." in text


def test_geojson_has_the_parking_point_and_the_walk(planned):
    plan, graphs = planned
    features = plan_to_geojson(plan, graphs=graphs)["features"]
    json.dumps(features)  # JSON-ready
    for tour in plan.tours:
        for _, stop in _far_stops(tour):
            mine = [
                f
                for f in features
                if f["properties"].get("site") == stop.site
                and f["properties"].get("date") == tour.date.isoformat()
            ]
            roles = {f["properties"]["role"]: f for f in mine}
            assert roles["parking"]["geometry"]["coordinates"] == [
                stop.parking.lon,
                stop.parking.lat,
            ]
            assert roles["walk"]["geometry"]["type"] == "LineString"
            assert roles["walk"]["properties"]["walk_m"] == stop.parking.walk_m
            assert roles["stop"]["properties"]["parking_street"] == stop.parking.street
            assert roles["stop"]["properties"]["walk_direction"] == stop.parking.direction


def test_the_map_shows_parking_markers_walks_and_where_tours_start(planned, tmp_path):
    plan, graphs = planned
    page = write_plan_map(plan, tmp_path / "plan.html", graphs=graphs).read_text(encoding="utf-8")
    for tour in plan.tours:
        for i, stop in _far_stops(tour):
            assert (
                f"Stationnement de l&#x27;arrêt {i}" in page
                or f"Stationnement de l'arrêt {i}" in page
            )
            assert html.escape(f"{stop.parking.walk_m} m à pied {stop.parking.direction}") in page
    if any(t.depot_parking and t.depot_parking.shown for t in plan.tours):
        assert "Départ et retour des tournées" in page
    assert '"dashArray": "4 6"' in page  # the walks, dashed
