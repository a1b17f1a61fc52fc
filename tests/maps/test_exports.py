"""GPX, iCalendar and GeoJSON exports."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import pytest

from maps.exports import plan_to_geojson, plan_to_gpx, plan_to_ics

GPX_XSD = Path(__file__).parent / "data" / "gpx-1.1.xsd"  # Topografix's published GPX 1.1 schema


def test_gpx_parses_with_one_track_per_tour(demo_plan):
    gpx = gpxpy.parse(plan_to_gpx(demo_plan))
    assert gpx.version == "1.1"
    assert len(gpx.tracks) == len(demo_plan.tours)
    assert len(gpx.waypoints) == 1 + sum(len(t.stops) for t in demo_plan.tours)
    names = [w.name for w in gpx.waypoints]
    assert "1. Place Saint-Léger" in names and "Dépôt : La Dynamo (gare)" in names
    first = demo_plan.tours[0]
    assert gpx.tracks[0].name == "Dynamobile bus — mardi 14 mai 2024"
    assert len(gpx.tracks[0].segments) == len(first.stops) + 1
    start = gpx.tracks[0].segments[0].points[0]
    assert (start.longitude, start.latitude) == pytest.approx(first.stops[0].geometry[0])
    assert gpx.copyright_author == "OpenStreetMap contributors"


def test_gpx_is_valid_against_the_xsd(demo_plan):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(GPX_XSD)))
    document = etree.fromstring(plan_to_gpx(demo_plan).encode("utf-8"))
    assert schema.validate(document), schema.error_log


def test_ics_events_have_paris_times(demo_plan):
    cal = icalendar.Calendar.from_ical(plan_to_ics(demo_plan))
    events = list(cal.walk("VEVENT"))
    stops = [(t, s) for t in demo_plan.tours for s in t.stops]
    assert len(events) == len(stops)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    for event, (_tour, stop) in zip(events, stops):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert start == stop.arrive and end == stop.leave
        assert start.tzinfo == ZoneInfo("Europe/Paris") or str(start.tzinfo) == "Europe/Paris"
        assert stop.name in str(event["SUMMARY"])
        assert stop.address in str(event["LOCATION"])
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_ics_local_time_is_written_not_utc(demo_plan):
    stop = demo_plan.tours[0].stops[0]
    text = plan_to_ics(demo_plan).decode()
    local = stop.arrive.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y%m%dT%H%M%S")
    assert f"DTSTART;TZID=Europe/Paris:{local}" in text


def test_geojson_feature_collection(demo_plan):
    data = json.loads(json.dumps(plan_to_geojson(demo_plan)))
    assert data["type"] == "FeatureCollection"
    roles = [f["properties"]["role"] for f in data["features"]]
    assert roles.count("tour") == len(demo_plan.tours)
    assert roles.count("stop") == sum(len(t.stops) for t in demo_plan.tours)
    assert roles.count("unassigned") == 1  # the other unassigned site has no coordinates
    lines = [f for f in data["features"] if f["properties"]["role"] == "tour"]
    assert all(
        f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) > 2
        for f in lines
    )
    first = lines[0]["geometry"]["coordinates"]
    assert first[0] == first[-1]  # depot to depot
