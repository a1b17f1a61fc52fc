"""Route sheets: pages, text, French wording, offline rendering."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from maps.directions import directions
from maps.sheets import render_sheet, sheet_filename, tour_url


def _pages(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _route_streets(graph, tour) -> set[str]:
    names = set()
    for stop in tour.stops:
        names |= {s.street for s in directions(graph, stop.path) if s.street}
    return names


def test_sheet_lists_stops_streets_times_and_credit(demo_plan, chambery_drive):
    tour = demo_plan.tours[0]
    pages = _pages(render_sheet(demo_plan, tour, graph=chambery_drive))
    text = " ".join(pages)
    assert "Feuille de route — Dynamobile bus" in text
    assert "Mardi 14 mai 2024" in text
    assert "Camille, Yanis" in text
    for stop in tour.stops:
        assert stop.name in text
        assert f"{stop.start.hour}h{stop.start.minute:02d}" in text
    for street in _route_streets(chambery_drive, tour):
        # The type word follows its article in lower case (« dans la rue Saint-Antoine »).
        assert street[0].lower() + street[1:] in text or street in text
    assert "Pause déjeuner" in text
    assert all("© OpenStreetMap contributors" in page for page in pages)
    assert f"page 1/{len(pages)}" in pages[0]


def test_long_tour_flows_onto_more_pages(long_plan, chambery_drive):
    tour = long_plan.tours[0]
    pages = _pages(render_sheet(long_plan, tour, graph=chambery_drive))
    assert len(pages) >= 2
    assert f"page 2/{len(pages)}" in pages[1]
    text = " ".join(pages)
    assert all(stop.name in text for stop in tour.stops)
    # The last leg's directions are on a later page than the map and timetable.
    assert "Retour : de Halte numéro 14 au dépôt" in " ".join(pages[1:])
    # Every leg is there once, in order, whatever page or column it lands in.
    titles = re.findall(r"(Trajet \d+|Retour) :", text)
    assert titles == [f"Trajet {i}" for i in range(1, 15)] + ["Retour"]


def test_short_tours_fit_one_page(demo_plan, chambery_drive):
    """Up to a few stops: header, map, timetable and every leg's directions on one A4 page."""
    for tour in demo_plan.tours:
        pdf = render_sheet(demo_plan, tour, graph=chambery_drive, base_url="https://t.example")
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1, (tour.vehicle, tour.date)
        width, height = (float(x) for x in reader.pages[0].mediabox[2:])
        assert (round(width), round(height)) == (595, 842)  # A4 portrait
        (text,) = _pages(pdf)
        assert "page 1/1" in text and "Horaires" in text and "Itinéraire" in text
        assert f"Retour : de {tour.stops[-1].name} au dépôt" in text
        for i in range(1, len(tour.stops) + 1):
            assert f"Trajet {i} :" in text
        # Directions are in two columns: each step of a leg is still in order in the text.
        steps = directions(chambery_drive, tour.stops[0].path, destination=tour.stops[0].name)
        positions = [text.find(" ".join(step.text.split())) for step in steps]
        assert -1 not in positions and positions == sorted(positions)


def test_timetable_does_not_repeat_the_place_in_its_address(demo_plan, chambery_drive):
    text = _pages(render_sheet(demo_plan, demo_plan.tours[1], graph=chambery_drive))[0]
    assert "Place Monge" in text and "place Monge, 73000" not in text
    assert "centre social, 73000 Chambéry" in text


def test_first_page_has_header_timetable_and_directions_start(demo_plan, chambery_drive):
    pages = _pages(render_sheet(demo_plan, demo_plan.tours[1], graph=chambery_drive))
    assert "Horaires" in pages[0] and "Itinéraire" in pages[0]
    assert "Trajet 1 : du dépôt à Place Monge" in pages[0]
    assert "Départ du dépôt" in pages[0] and "Dépôt : La Dynamo (gare)" in pages[0]


def test_sheet_without_graph_still_renders(demo_plan):
    text = " ".join(_pages(render_sheet(demo_plan, demo_plan.tours[1])))
    assert "Indications détaillées indisponibles" in text
    assert "Place Monge" in text


def test_tour_url_and_file_name(demo_plan):
    tour = demo_plan.tours[0]
    assert (
        tour_url(tour, base_url="https://terrain.example")
        == "https://terrain.example/tours/bus/2024-05-14"
    )
    assert tour_url(
        tour, base_url="https://dynamo.example/", template="{base_url}/t?v={vehicle}&d={date}"
    ) == ("https://dynamo.example/t?v=bus&d=2024-05-14")
    assert sheet_filename(tour) == "sheet-bus-2024-05-14.pdf"


def _links(pdf: bytes) -> list[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return [a.get_object()["/A"]["/URI"] for a in page.get("/Annots") or []]


def test_qr_code_opens_the_public_address_and_is_never_localhost(demo_plan):
    tour = demo_plan.tours[1]
    pdf = render_sheet(demo_plan, tour, base_url="https://terrain.example/")
    assert _links(pdf) == ["https://terrain.example/tours/fourgon/2024-05-14"]
    assert "Ouvrir la tournée dans l'application" in _pages(pdf)[0]
    # No address given: no QR code at all, and the sheet says how to get one.
    bare = render_sheet(demo_plan, tour)
    assert _links(bare) == []
    text = _pages(bare)[0]
    assert "QR code absent : indiquez --url (adresse publique de l'application)" in text
    assert "localhost" not in text
