"""The interactive HTML map."""

from __future__ import annotations

import json

from maps.interactive import plan_map, write_plan_map


def test_html_has_every_stop_depot_and_unassigned_reason(demo_plan, chambery_drive, tmp_path):
    path = write_plan_map(demo_plan, tmp_path / "plan.html", graphs={"drive": chambery_drive})
    html = path.read_text(encoding="utf-8")
    for tour in demo_plan.tours:
        for stop in tour.stops:
            assert stop.name in html
    assert "La Dynamo (gare)" in html
    assert "Pas assez de temps dans la journée." in html  # the located unassigned site, with its reason
    for layer in ("Tournées du mardi 14 mai 2024", "Tournées du mercredi 15 mai 2024", "Rues (véhicules)"):
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
    import re

    path = write_plan_map(demo_plan, tmp_path / "plan.html", graphs={"drive": chambery_drive})
    page = path.read_text(encoding="utf-8")
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert not re.search(r'<link[^>]+href="https?://[^"]+\.css"', page)
    assert 'window.L=t' in page or "L.map(" in page
