"""The interactive HTML map."""

from __future__ import annotations

import html
import itertools
import json
import re

import pytest

from dynamobile.french import time_fr
from maps.interactive import LEAFLET_DIR, plan_map, write_plan_map

VEHICLE_COLOURS = {"bus": "#0072B2", "fourgon": "#D55E00"}  # see test_one_colour_per_vehicle


def test_html_has_every_stop_depot_and_unassigned_reason(demo_plan, chambery_drive, tmp_path):
    path = write_plan_map(demo_plan, tmp_path / "plan.html", graphs={"drive": chambery_drive})
    html = path.read_text(encoding="utf-8")
    for tour in demo_plan.tours:
        for stop in tour.stops:
            assert stop.name in html
    assert "La Dynamo (gare)" in html
    assert (
        "Pas assez de temps dans la journée." in html
    )  # the located unassigned site, with its reason
    for layer in (
        "Tournées du mardi 14 mai 2024",
        "Tournées du mercredi 15 mai 2024",
        "Rues (véhicules)",
    ):
        assert json.dumps(layer)[1:-1] in html  # layer names are in the JS layer control
    assert "OpenStreetMap contributors" in html


def test_no_tiles_by_default_and_tiles_on_request(demo_plan):
    without = plan_map(demo_plan).get_root().render()
    assert "tile.openstreetmap.org" not in without
    assert "OpenStreetMap contributors" in without
    with_tiles = plan_map(demo_plan, tiles=True).get_root().render()
    assert "tile.openstreetmap.org" in with_tiles


def test_one_colour_per_vehicle(demo_plan):
    html = plan_map(demo_plan).get_root().render()
    assert html.count('"color": "#0072B2"') >= 2  # bus, on both days
    assert '"color": "#D55E00"' in html  # fourgon


def test_written_map_needs_no_network(demo_plan, chambery_drive, tmp_path):
    """Leaflet is embedded: no script or stylesheet is fetched from the internet."""
    path = write_plan_map(demo_plan, tmp_path / "plan.html", graphs={"drive": chambery_drive})
    page = path.read_text(encoding="utf-8")
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert not re.search(r'<link[^>]+href="https?://[^"]+\.css"', page)
    leaflet = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    assert leaflet[:2000] in page  # Leaflet itself is inline, not only folium's calls to it


def test_map_draws_every_tour_leg_and_stop(demo_plan, chambery_drive, tmp_path):
    """Each tour is drawn: one solid line per leg from the depot through its stops, a dashed way
    back, a marker on every stop whose popup gives its times."""
    page = write_plan_map(
        demo_plan, tmp_path / "plan.html", graphs={"drive": chambery_drive}
    ).read_text(encoding="utf-8")
    lines = [
        (json.loads(points), json.loads(options))
        for points, options in re.findall(
            r"L\.polyline\(\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\)", page, re.DOTALL
        )
    ]
    legs = [(points, options) for points, options in lines if options.get("weight") == 5]
    markers = [json.loads(m) for m in re.findall(r"L\.marker\(\s*(\[[^\]]*\])", page)]
    depot = [demo_plan.depot.lat, demo_plan.depot.lon]
    assert len(legs) == sum(len(tour.stops) + 1 for tour in demo_plan.tours)
    for tour in demo_plan.tours:
        colour = VEHICLE_COLOURS[tour.vehicle]
        places = [depot] + [[stop.lat, stop.lon] for stop in tour.stops] + [depot]
        for origin, destination in itertools.pairwise(places):
            assert any(
                options["color"] == colour
                and len(points) >= 2
                and points[0] == pytest.approx(origin, abs=1e-6)
                and points[-1] == pytest.approx(destination, abs=1e-6)
                for points, options in legs
            ), (tour.vehicle, tour.date, origin, destination)
        for i, stop in enumerate(tour.stops, start=1):
            assert any(m == pytest.approx([stop.lat, stop.lon], abs=1e-6) for m in markers)
            popup = f"<b>{i}. {html.escape(stop.name)}</b>"
            opening = f"Ouverture {time_fr(stop.start)}–{time_fr(stop.end)}"
            assert re.search(re.escape(popup) + r"(?:(?!</div>).)*" + re.escape(opening), page), (
                stop.name,
                opening,
            )
    returns = [points for points, options in legs if options.get("dashArray") == "8 6"]
    assert len(returns) == len(demo_plan.tours) and all(
        p[-1] == pytest.approx(depot, abs=1e-6) for p in returns
    )


def test_scale_bar_is_metric_only(demo_plan):
    page = plan_map(demo_plan).get_root().render()
    scales = re.findall(r"new L\.Control\.Scale\(\s*(\{.*?\})\s*\)", page, re.DOTALL)
    assert len(scales) == 1
    options = json.loads(re.sub(r",\s*\}$", "}", scales[0]))  # folium ends with a comma
    assert options == {"metric": True, "imperial": False}
    assert "L.control.scale()" not in page  # folium's own scale, with feet and miles
