"""Route sheets checked as a reader sees them (issue 13): rendered to pixels and text, on plans
made for real (the bundled demo and the pedestrian squares of central Chambéry) and on a 6-stop
tour built on the same streets."""

from __future__ import annotations

import datetime as dt
import io
import re

import icalendar
import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader
from shapely import affinity
from shapely.geometry import MultiLineString, Point, box

from maps.directions import ARRIVE, ROUNDABOUT, UTURN, directions, name_key
from maps.exports import plan_to_ics
from maps.legs import stop_walk
from maps.map_layout import text_width_pt
from maps.sheets import render_sheet
from maps.staticmap import (
    ROUTE_PT,
    STREET_LABEL_PT,
    layout_tour_map,
    render_tour_map,
)
from routing.snapping import haversine_m
from tests.maps.conftest import PLACES, build_plan, build_tour
from tests.parking_scenarios import planned_scenario

MM = 72 / 25.4  # points per millimetre
PRINT_MARGIN_MM = 7.0  # printers leave ~5 mm unprinted: nothing is drawn closer to the edge
SCALE = 1.0  # 72 dpi: enough to see where ink falls
SHEET_MAP = {"width_in": 104 / 25.4, "height_in": 66 / 25.4}

# Pedestrian squares of central Chambéry (tests/parking_scenarios.py): with PLACES, six stops.
SQUARES = (
    ("mache", "Place Maché", "forecourt", 45.565582, 5.917029, "place Maché, 73000 Chambéry"),
    ("mont-blanc", "Square du Mont-Blanc", "forecourt", 45.56578, 5.924576, ""),
    ("gilbert-durand", "Square Gilbert Durand", "forecourt", 45.566954, 5.917744, ""),
)


@pytest.fixture(scope="module", params=["demo", "squares"])
def planned(request, tmp_path_factory):
    """(plan, graphs by profile, sheet PDF per tour) of the demo or of the squares."""
    plan, graphs = planned_scenario(request.param, tmp_path_factory.mktemp("squares"))
    sheets = [
        render_sheet(plan, t, graph=graphs[t.profile], base_url="https://t.example")
        for t in plan.tours
    ]
    assert plan.tours
    return plan, graphs, sheets


@pytest.fixture(scope="module")
def six_stops(chambery_drive):
    """Six stops of central Chambéry with long legs (4.7 km) and a lunch break: one tour."""
    places = (PLACES[3], SQUARES[0], PLACES[1], SQUARES[1], PLACES[0], SQUARES[2])
    tour = build_tour(
        chambery_drive, places, vehicle="bus", day=dt.date(2024, 5, 16), lunch_after=2
    )
    return build_plan(chambery_drive, (tour,))


def _texts(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _grey_pages(pdf: bytes) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(pdf)
    return [
        np.asarray(page.render(scale=SCALE, grayscale=True).to_pil().convert("L")) for page in doc
    ]


def _ink_inside_margins(page: np.ndarray) -> bool:
    """Every non-white pixel lies inside the printable area."""
    m = int(PRINT_MARGIN_MM * MM * SCALE)
    ink = page < 245
    inner = np.zeros_like(ink)
    inner[m:-m, m:-m] = True
    return ink.any() and not (ink & ~inner).any()


def _in_order(text: str, needles: list[str]) -> bool:
    positions, start = [], 0
    for needle in needles:
        at = text.find(needle, start)
        if at < 0:
            return False
        positions.append(at)
        start = at + len(needle)
    return True


def _route_streets(graph, tour) -> set[str]:
    return {
        i.street
        for leg in tour_legs_paths(tour)
        for i in directions(graph, leg)
        if i.street and i.kind != ARRIVE
    }


def tour_legs_paths(tour) -> list[tuple[int, ...]]:
    return [s.path for s in tour.stops] + [tour.return_path]


def test_each_sheet_reads_right(planned):
    """Pages, stops in time order, the route's streets, ink within the margins."""
    plan, graphs, sheets = planned
    for tour, pdf in zip(plan.tours, sheets):
        texts = _texts(pdf)
        if len(tour.stops) <= 4:
            assert len(texts) == 1, (tour.vehicle, len(texts))
        # A longer tour (the squares' 5 stops, each with a walk) may go on to page 2, under
        # its name.
        assert len(texts) <= 2
        for page in texts[1:]:
            assert f"Feuille de route — {tour.vehicle_name or tour.vehicle} ·" in page
        text = " ".join(texts)
        arrivals = [s.arrive for s in tour.stops]
        assert arrivals == sorted(arrivals)
        # The timetable's rows: depot, stops in the order of their times, return.
        rows = ["Départ du dépôt"] + [s.name for s in tour.stops] + ["Retour au dépôt"]
        assert _in_order(text, rows), rows
        for stop in tour.stops:
            assert f"{stop.start.hour}h{stop.start.minute:02d}" in text
        for street in _route_streets(graphs[tour.profile], tour):
            assert street in text or street[0].lower() + street[1:] in text, street
        for page in _grey_pages(pdf):
            assert _ink_inside_margins(page)


def test_calendar_events_are_in_time_order(planned):
    plan, _, _ = planned
    events = icalendar.Calendar.from_ical(plan_to_ics(plan)).walk("VEVENT")
    for tour in plan.tours:
        prefix = f"{tour.date.isoformat()}-{tour.vehicle}-"
        spans = [
            (e["dtstart"].dt, e["dtend"].dt) for e in events if str(e["uid"]).startswith(prefix)
        ]
        assert len(spans) >= len(tour.stops) + 1  # the departure and every stop
        assert spans == sorted(spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), spans
    for tour in plan.tours:
        times = [tour.start]
        for s in tour.stops:
            times += [s.arrive, s.setup_start, s.start, s.end, s.leave]
        assert times + [tour.end] == sorted(times + [tour.end])


def test_every_far_parking_shows_its_walk_on_sheet_and_map(planned):
    plan, graphs, sheets = planned
    for tour, pdf in zip(plan.tours, sheets):
        text = " ".join(_texts(pdf))
        lay = layout_tour_map(plan, tour, graph=graphs[tour.profile], **SHEET_MAP)
        far = 0
        for i, stop in enumerate(tour.stops, start=1):
            p = stop.parking
            if p is None or haversine_m(p.lat, p.lon, stop.lat, stop.lon) <= 30:
                continue
            far += 1
            walk = stop_walk(stop, i)
            assert walk is not None
            assert f"Stationner : {p.street}, puis {p.walk_m} m à pied" in text
            assert f"jusqu'à {stop.name}" in text
        parkings = [m for m in lay.markers if m.kind == "parking"]
        depot_far = tour.depot_parking is not None and tour.depot_parking.shown
        shown = sum(stop_walk(s, i) is not None for i, s in enumerate(tour.stops, start=1))
        assert shown >= far  # every stop parked > 30 m away, and those walking further
        assert len(parkings) == shown + depot_far
        assert len(lay.walks) >= shown + depot_far


def test_no_instruction_repeats_the_street_it_is_on(planned):
    plan, graphs, _ = planned
    for tour in plan.tours:
        for path in tour_legs_paths(tour):
            steps = [
                s
                for s in directions(graphs[tour.profile], path)
                if s.kind not in (ARRIVE, UTURN, ROUNDABOUT)
            ]
            for a, b in zip(steps, steps[1:]):
                assert not (a.street and name_key(a.street) == name_key(b.street)), (a, b)


def test_six_stop_tour_fits_one_page(six_stops, chambery_drive):
    tour = six_stops.tours[0]
    assert len(tour.stops) == 6 and tour.distance_m > 4000
    pdf = render_sheet(six_stops, tour, graph=chambery_drive, base_url="https://t.example")
    (text,) = _texts(pdf)
    assert "page 1/1" in text and "Retour : de Square Gilbert Durand au dépôt" in text
    assert _in_order(text, [f"Trajet {i} :" for i in range(1, 7)] + ["Retour :"])
    (page,) = _grey_pages(pdf)
    assert _ink_inside_margins(page)


def test_a_longer_tour_continues_under_its_name(long_plan, chambery_drive):
    pages = _texts(render_sheet(long_plan, long_plan.tours[0], graph=chambery_drive))
    assert len(pages) >= 2
    for page in pages[1:]:
        assert "Feuille de route — Dynamobile bus · jeudi 16 mai 2024 (suite)" in page
    for page in _grey_pages(render_sheet(long_plan, long_plan.tours[0], graph=chambery_drive)):
        assert _ink_inside_margins(page)


def _pixel(lay, point, shape) -> tuple[int, int]:
    x0, x1, y0, y1 = lay.frame
    h, w = shape
    return int((point[1] - y0) / (y1 - y0) * -h + h), int((point[0] - x0) / (x1 - x0) * w)


def test_map_route_stands_out_in_grey(six_stops, chambery_drive):
    """Printed in grey, the route is far darker than the streets around it."""
    plan, tour = six_stops, six_stops.tours[0]
    png = render_tour_map(plan, tour, graph=chambery_drive, **SHEET_MAP)
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L")).astype(int)
    lay = layout_tour_map(plan, tour, graph=chambery_drive, **SHEET_MAP)
    route = MultiLineString([line for _, line in lay.legs]).buffer(12 * lay.m_per_pt)

    def sample(points) -> list[int]:
        values = []
        for p in points:
            r, c = _pixel(lay, p, grey.shape)
            if 2 <= r < grey.shape[0] - 2 and 2 <= c < grey.shape[1] - 2:
                values.append(int(grey[r - 1 : r + 2, c - 1 : c + 2].min()))
        return values

    on_route = sample(
        ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        for _, line in lay.legs
        for a, b in zip(line, line[1:])
    )
    streets = sample(
        ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        for a, b, _ in lay.streets
        if not route.contains(Point((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
    )
    assert np.median(on_route) < 60
    assert np.median(streets) > 170
    assert np.median(streets) - np.median(on_route) > 120


def test_map_marks_stay_off_the_route_and_each_other(planned, six_stops, chambery_drive):
    plan, graphs, _ = planned
    cases = [(plan, t, graphs[t.profile]) for t in plan.tours]
    cases.append((six_stops, six_stops.tours[0], chambery_drive))
    for plan_, tour, graph in cases:
        lay = layout_tour_map(plan_, tour, graph=graph, **SHEET_MAP)
        m = lay.m_per_pt
        route = MultiLineString([line for _, line in lay.legs]).buffer(ROUTE_PT / 2 * m)
        stops = [k for k in lay.markers if k.kind == "stop"]
        assert [k.text for k in stops] == [str(i) for i in range(1, len(tour.stops) + 1)]
        for marker in lay.markers:
            disc = Point(marker.centre).buffer(marker.radius_pt * m)
            assert not disc.intersects(route), (tour.vehicle, marker)
        shapes = []
        for label in lay.street_labels:
            w = text_width_pt(label.text, STREET_LABEL_PT, italic=True) * m
            h = STREET_LABEL_PT * m
            shape = affinity.rotate(
                box(label.x - w / 2, label.y - h / 2, label.x + w / 2, label.y + h / 2),
                label.angle_deg,
                origin=(label.x, label.y),
            )
            assert not shape.intersects(route), label
            assert not any(shape.intersects(s) for s in shapes), label
            shapes.append(shape)
        texts = [label.text for label in lay.street_labels]
        assert len(texts) == len({name_key(t) for t in texts})  # once each
        assert texts, tour.vehicle
