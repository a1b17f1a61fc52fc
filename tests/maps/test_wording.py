"""French wording helpers and leg geometry fallbacks."""

from __future__ import annotations

import dataclasses
import datetime as dt

from maps.french import date_fr, distance_fr, duration_fr, kind_fr, leg_fr, time_fr
from maps.legs import tour_legs


def test_french_dates_times_durations():
    assert date_fr(dt.date(2024, 5, 14)) == "mardi 14 mai 2024"
    assert date_fr(dt.date(2026, 8, 1)) == "samedi 1er août 2026"
    assert time_fr(dt.time(9, 5)) == "9h05"
    assert duration_fr(42) == "42 s"
    assert duration_fr(240) == "4 min"
    assert duration_fr(3900) == "1 h 05"
    assert duration_fr(31) == "31 s" and duration_fr(125) == "2 min"
    assert (
        distance_fr(44) == "40 m" and distance_fr(165) == "150 m" and distance_fr(1234) == "1,2 km"
    )
    assert (
        distance_fr(1020) == "1 km"
        and distance_fr(9980) == "10 km"
        and distance_fr(12_400) == "12 km"
    )
    assert leg_fr(165, 31) == "150 m, 31 s"  # one leg, one reading, on every output
    assert kind_fr("social_centre") == "centre social" and kind_fr("inconnu") == "inconnu"


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
