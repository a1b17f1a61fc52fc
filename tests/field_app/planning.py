"""Small plans built in code for the field-app tests (dates relative to today, Europe/Paris)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from dynamobile.french import direction_fr
from dynamobile.plan import PLAN_VERSION, Depot, Parking, Plan, Stop, Tour

PARIS = ZoneInfo("Europe/Paris")

SITES = {
    "halles": ("Les Halles", "marché", 45.5660, 5.9208, "Place de Genève", "Centre-ville"),
    "curial": (
        "Carré Curial",
        "place",
        45.5680,
        5.9240,
        "Place François Mitterrand",
        "Centre-ville",
    ),
    "demangeat": (
        "Place Demangeat",
        "marché",
        45.5860,
        5.9150,
        "Rue Demangeat",
        "Hauts-de-Chambéry",
    ),
    "combes": (
        "Centre commercial des Combes",
        "commerce",
        45.5890,
        5.9120,
        "Rue des Combes",
        "Hauts-de-Chambéry",
    ),
    "scarabee": (
        "Le Scarabée",
        "centre social",
        45.5875,
        5.9170,
        "Avenue d'Annecy",
        "Hauts-de-Chambéry",
    ),
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS)


def make_stop(site: str, day: dt.date, start_h: int, hours: int = 2) -> Stop:
    name, kind, lat, lon, address, quartier = SITES[site]
    return Stop(
        site=site,
        name=name,
        kind=kind,
        lat=lat,
        lon=lon,
        arrive=at(day, start_h - 1, 30),
        setup_start=at(day, start_h - 1, 40),
        start=at(day, start_h),
        end=at(day, start_h + hours),
        leave=at(day, start_h + hours, 15),
        drive_s=600,
        distance_m=3000,
        address=address,
        quartier=quartier,
    )


def make_tour(vehicle: str, day: dt.date, sites: list[str], first_hour: int = 9) -> Tour:
    stops = tuple(make_stop(site, day, first_hour + 3 * i) for i, site in enumerate(sites))
    return Tour(
        vehicle=vehicle,
        vehicle_kind="van",
        profile="drive",
        date=day,
        start=at(day, 8),
        end=at(day, 18),
        stops=stops,
        breaks=(),
        distance_m=12000,
        drive_s=2400,
        return_drive_s=600,
        return_distance_m=3000,
        vehicle_name=f"Dynamobile {vehicle}",
    )


def make_plan(day: dt.date | None = None, tours: list[Tour] | None = None) -> Plan:
    day = day or dt.datetime.now(PARIS).date()
    if tours is None:
        tours = [
            make_tour("van-1", day, ["halles", "curial", "scarabee"]),
            make_tour("van-2", day, ["demangeat", "combes"]),
        ]
    return Plan(
        version=PLAN_VERSION,
        scenario="test",
        dates=(day,),
        depot=Depot("La Dynamo", 45.57, 5.92),
        tours=tuple(tours),
        unassigned=(),
    )


def parked(stop: Stop, *, street: str, south_m: int) -> Stop:
    """``stop`` with its vehicle parked ``south_m`` metres south of the stand (a walk north)."""
    lat = stop.lat - south_m / 111_195
    parking = Parking(
        lat=lat,
        lon=stop.lon,
        walk_m=south_m,
        bearing_deg=0,
        direction=direction_fr(0),
        street=street,
        walk_geometry=((stop.lon, lat), (stop.lon, stop.lat)),
    )
    return dataclasses.replace(stop, parking=parking)


def parked_plan(day: dt.date | None = None) -> Plan:
    """`make_plan` with van-1's first stop parked 122 m away (a walk told to the crew) and its
    second 20 m away (not worth telling); the other stops have no parking (older plans)."""
    plan = make_plan(day)
    van1 = plan.tours[0]
    stops = (
        parked(van1.stops[0], street="Rue de Boigne", south_m=122),
        parked(van1.stops[1], street="Rue Croix-d'Or", south_m=20),
        *van1.stops[2:],
    )
    return dataclasses.replace(
        plan, tours=(dataclasses.replace(van1, stops=stops), *plan.tours[1:])
    )
