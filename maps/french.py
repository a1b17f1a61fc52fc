"""French wording for maps, sheets and exports: dates, times, durations, distances, site kinds.

Hand-written rather than through ``locale`` so that output does not depend on the machine.
"""

from __future__ import annotations

import datetime as dt

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
KIND_FR = {
    "forecourt": "parvis",
    "market": "marché",
    "fete": "fête",
    "school": "école",
    "social_centre": "centre social",
    "other": "autre",
}
VEHICLE_KIND_FR = {"bus": "bus", "van": "fourgon", "cargo_bike": "vélo cargo"}


def date_fr(day: dt.date) -> str:
    """ "mardi 14 mai 2024" (1er for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]} {day.year}"


def time_fr(moment: dt.datetime | dt.time) -> str:
    """ "9h30", "14h05"."""
    return f"{moment.hour}h{moment.minute:02d}"


def duration_fr(seconds: float) -> str:
    """ "45 s", "4 min", "1 h 05"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def distance_fr(distance_m: float) -> str:
    """A distance rounded the way a driver reads it: "30 m", "150 m", "1,2 km", "12 km"."""
    if distance_m < 100:
        return f"{max(10, round(distance_m / 10.0) * 10)} m"
    if distance_m < 1000:
        rounded = round(distance_m / 50.0) * 50
        return "1 km" if rounded >= 1000 else f"{rounded} m"
    tenths = round(distance_m / 100.0)
    if tenths < 100:
        return f"{tenths // 10} km" if tenths % 10 == 0 else f"{tenths // 10},{tenths % 10} km"
    return f"{round(distance_m / 1000)} km"


def leg_fr(distance_m: float, duration_s: float) -> str:
    """A leg's figures, the same on every output: "150 m, 31 s", "1,2 km, 4 min"."""
    return f"{distance_fr(distance_m)}, {duration_fr(duration_s)}"


def kind_fr(kind: str) -> str:
    """French label of a site kind (the code itself when unknown)."""
    return KIND_FR.get(kind, kind)


def vehicle_kind_fr(kind: str) -> str:
    """French label of a vehicle kind (the code itself when unknown)."""
    return VEHICLE_KIND_FR.get(kind, kind)
