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


def test_gpx_track_points_are_timed_from_departure_to_return(demo_plan):
    gpx = gpxpy.parse(plan_to_gpx(demo_plan))
    for track, tour in zip(gpx.tracks, demo_plan.tours, strict=True):
        points = [p for segment in track.segments for p in segment.points]
        times = [p.time for p in points]
        assert all(t is not None for t in times)
        assert times[0] == tour.start and times[-1] == tour.end
        assert all(a <= b for a, b in zip(times, times[1:])), "times go back"
        assert len(set(times)) > len(track.segments)  # interpolated inside legs, not per leg
        for segment, stop in zip(track.segments, tour.stops):
            assert segment.points[-1].time == stop.arrive  # each leg ends on its arrival
        # A lunch between two stops keeps the vehicle still: the next leg starts after it.
        for b in tour.breaks:
            nxt = track.segments[b.after_stop + 1]
            assert nxt.points[0].time >= b.end
    assert "<time>2024-05-14T07:00:00Z</time>" in plan_to_gpx(demo_plan)  # 9h00 Paris, in UTC


def test_gpx_is_valid_against_the_xsd(demo_plan):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(GPX_XSD)))
    document = etree.fromstring(plan_to_gpx(demo_plan).encode("utf-8"))
    assert schema.validate(document), schema.error_log


def _events(plan) -> list:
    return list(icalendar.Calendar.from_ical(plan_to_ics(plan)).walk("VEVENT"))


def _category(event) -> str:
    return str(event["CATEGORIES"].cats[0])


def test_ics_events_have_paris_times(demo_plan):
    cal = icalendar.Calendar.from_ical(plan_to_ics(demo_plan))
    events = [e for e in cal.walk("VEVENT") if _category(e) not in ("départ", "pause")]
    stops = [(t, s) for t in demo_plan.tours for s in t.stops]
    assert len(events) == len(stops)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    for event, (_tour, stop) in zip(events, stops):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert start == stop.arrive and end == stop.leave
        assert start.tzinfo == ZoneInfo("Europe/Paris") or str(start.tzinfo) == "Europe/Paris"
        assert stop.name in str(event["SUMMARY"])
    all_events = list(cal.walk("VEVENT"))
    assert len({str(e["UID"]) for e in all_events}) == len(all_events)


def test_ics_has_a_departure_and_the_lunch_of_each_tour_in_time_order(demo_plan):
    events = _events(demo_plan)
    assert any(t.breaks for t in demo_plan.tours) and not all(t.breaks for t in demo_plan.tours)
    for tour in demo_plan.tours:
        mine = [e for e in events if str(e["UID"]).startswith(f"{tour.date}-{tour.vehicle}-")]
        starts = [e.decoded("DTSTART") for e in mine]
        assert starts == sorted(starts)  # the calendar reads in time order
        departures = [e for e in mine if _category(e) == "départ"]
        assert len(departures) == 1
        (departure,) = departures
        assert departure.decoded("DTSTART") == tour.start
        assert departure.decoded("DTEND") == tour.stops[0].arrive
        assert departure["DTSTART"].params["TZID"] == "Europe/Paris"
        assert str(departure["LOCATION"]) == demo_plan.depot.name
        assert "Départ du dépôt" in str(departure["SUMMARY"])
        lunches = [e for e in mine if _category(e) == "pause"]
        assert len(lunches) == len(tour.breaks)
        for event, b in zip(lunches, tour.breaks):
            assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (b.start, b.end)
            assert "Pause déjeuner" in str(event["SUMMARY"])
            # Taken after its stop, where the crew is: that stop's place.
            assert str(event["LOCATION"]).startswith(tour.stops[b.after_stop].name)
    # A tour with one lunch: departure, stops and lunch, nothing else.
    first = demo_plan.tours[0]
    assert len(first.breaks) == 1
    mine = [e for e in events if str(e["UID"]).startswith(f"{first.date}-{first.vehicle}-")]
    assert len(mine) == 1 + len(first.stops) + 1
    without = icalendar.Calendar.from_ical(plan_to_ics(demo_plan, departures=False, breaks=False))
    assert len(list(without.walk("VEVENT"))) == sum(len(t.stops) for t in demo_plan.tours)


def test_ics_location_does_not_repeat_the_place(demo_plan):
    for event in _events(demo_plan):
        location = str(event["LOCATION"])
        parts = [p.strip().casefold() for p in location.split(",")]
        assert len(parts) == len(set(parts)), location
    monge = next(e for e in _events(demo_plan) if str(e["SUMMARY"]).startswith("Place Monge"))
    # « Place Monge » with the address « place Monge, 73000 Chambéry »
    assert str(monge["LOCATION"]) == "Place Monge, 73000 Chambéry"
    halles = next(e for e in _events(demo_plan) if "Halles" in str(e["SUMMARY"]))
    assert str(halles["LOCATION"]) == "Marché des Halles, rue de Maistre, 73000 Chambéry"


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
