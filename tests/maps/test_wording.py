"""Leg geometry fallbacks (the French wording is tested in tests/core/test_french.py)."""

from __future__ import annotations

import dataclasses

from maps.legs import tour_legs


def test_legs_cover_the_tour_and_fall_back_without_geometry(demo_plan, chambery_drive):
    tour = demo_plan.tours[0]
    legs = tour_legs(demo_plan, tour)
    assert [leg.destination for leg in legs] == [s.name for s in tour.stops] + [
        demo_plan.depot.name
    ]
    assert legs[-1].is_return and legs[0].origin == demo_plan.depot.name
    bare_stop = dataclasses.replace(tour.stops[0], geometry=())
    bare = dataclasses.replace(tour, stops=(bare_stop,), return_geometry=(), return_path=())
    rebuilt = tour_legs(demo_plan, bare, graph=chambery_drive)
    assert rebuilt[0].geometry == tour.stops[0].geometry  # from the path's nodes on the graph
    assert rebuilt[1].geometry == (
        (bare_stop.lon, bare_stop.lat),
        (demo_plan.depot.lon, demo_plan.depot.lat),
    )


def test_place_text_drops_what_the_name_already_says():
    from maps.legs import place_text

    assert place_text("Place Monge", "place Monge, 73000 Chambéry") == "Place Monge, 73000 Chambéry"
    # Case, accents, hyphens and apostrophes do not make a part new.
    assert (
        place_text("Place de l'Hôtel-de-Ville", "PLACE DE L’HOTEL DE VILLE, 73000 Chambéry")
        == "Place de l'Hôtel-de-Ville, 73000 Chambéry"
    )
    assert (
        place_text("Marché des Halles", "rue de Maistre, 73000 Chambéry")
        == "Marché des Halles, rue de Maistre, 73000 Chambéry"
    )
    # Only whole words count: « Place Mon » is not said by « Place Monge ».
    assert place_text("Place Monge", "place Mon, 73000") == "Place Monge, place Mon, 73000"
    assert place_text("Dépôt", "") == "Dépôt"
