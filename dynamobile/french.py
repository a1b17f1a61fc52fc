"""The French of every output: dates, times, durations, distances, counts, vehicle and site kinds.

The one home of these words: the terminal report, the eligibility reasons, the maps, sheets and
exports and the field app all take them from here, so a thing is spelt one way everywhere.
Hand-written rather than through ``locale`` so that output does not depend on the machine.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Noun:
    """A French noun and the definite article it takes: ``le``, ``la`` or ``l'``."""

    name: str
    article: str = "le"

    @property
    def with_article(self) -> str:
        """``le vélo-cargo``, ``l'école``."""
        return (
            f"{self.article}{self.name}"
            if self.article.endswith("'")
            else f"{self.article} {self.name}"
        )


# Keys are `dynamobile.model.VEHICLE_KINDS` and `SITE_KINDS` (a test holds them equal).
VEHICLE_KINDS_FR = {
    "bus": Noun("bus"),
    "van": Noun("fourgon"),
    "cargo_bike": Noun("vélo-cargo"),  # with a hyphen, as the dictionary has it
}
SITE_KINDS_FR = {
    "forecourt": Noun("parvis"),
    "market": Noun("marché"),
    "fete": Noun("fête", "la"),
    "school": Noun("école", "l'"),
    "social_centre": Noun("centre social"),
    "other": Noun("autre", "l'"),
}


def vehicle_kind_fr(kind: str, *, article: bool = False) -> str:
    """``vélo-cargo`` (``le vélo-cargo`` with ``article``); the code itself when unknown."""
    noun = VEHICLE_KINDS_FR.get(kind, Noun(kind))
    return noun.with_article if article else noun.name


def site_kind_fr(kind: str) -> str:
    """``centre social``; the code itself when unknown."""
    return SITE_KINDS_FR[kind].name if kind in SITE_KINDS_FR else kind


def vehicle_title_fr(name: str, kind: str) -> str:
    """A vehicle's name, followed by its kind unless the name already says it:
    ``Fourgon aménagé``, ``Le Dynamobile (bus)``."""
    kind_name = vehicle_kind_fr(kind) if kind else ""
    if not kind_name or _folded(kind_name) in _folded(name):
        return name
    return f"{name} ({kind_name})"


def _folded(text: str) -> str:
    """Lower case, without accents, hyphens as spaces: « Vélo-cargo » and « velo cargo » match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().replace("-", " ").split())


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``0 arrêt``, ``1 arrêt``, ``3 arrêts``: French keeps 0 and 1 singular. ``many`` is the
    plural when it is not the singular plus « s » (``plural(n, "bus", "bus")``)."""
    return f"{count} {singular if abs(count) < 2 else (many or singular + 's')}"


def date_fr(day: dt.date) -> str:
    """``mardi 14 mai 2024`` (``1er`` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]} {day.year}"


def day_month_fr(day: dt.date) -> str:
    """The short form, within a known period: ``mardi 02/03``."""
    return f"{_DAYS[day.weekday()]} {day.day:02d}/{day.month:02d}"


def day_short_fr(day: dt.date) -> str:
    """The shortest form, in lists of changes: ``sam. 28/11``."""
    return f"{_DAYS[day.weekday()][:3]}. {day.day:02d}/{day.month:02d}"


def time_fr(moment: dt.datetime | dt.time) -> str:
    """``9h30``, ``14h05``."""
    return f"{moment.hour}h{moment.minute:02d}"


def _half_up(value: float) -> int:
    """Round halves up, as people do (Python's `round` sends 2.5 to 2)."""
    return math.floor(value + 0.5)


def duration_fr(seconds: float) -> str:
    """``45 s``, ``4 min``, ``1 h 05``."""
    seconds = _half_up(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = _half_up(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"


def distance_fr(distance_m: float) -> str:
    """A distance rounded the way a driver reads it: ``30 m``, ``150 m``, ``1,2 km``, ``12 km``."""
    if distance_m < 100:
        return f"{max(10, _half_up(distance_m / 10.0) * 10)} m"
    if distance_m < 1000:
        rounded = _half_up(distance_m / 50.0) * 50
        return "1 km" if rounded >= 1000 else f"{rounded} m"
    tenths = _half_up(distance_m / 100.0)
    if tenths < 100:
        return f"{tenths // 10} km" if tenths % 10 == 0 else f"{tenths // 10},{tenths % 10} km"
    return f"{_half_up(distance_m / 1000)} km"


def leg_fr(distance_m: float, duration_s: float) -> str:
    """A leg's figures, the same on every output: ``150 m, 31 s``, ``1,2 km, 4 min``."""
    return f"{distance_fr(distance_m)}, {duration_fr(duration_s)}"


_COMPASS_POINTS = (
    "le nord",
    "le nord-est",
    "l'est",
    "le sud-est",
    "le sud",
    "le sud-ouest",
    "l'ouest",
    "le nord-ouest",
)


def compass_point_fr(bearing_deg: float) -> str:
    """The nearest of eight compass points to a bearing (0 = north): ``le nord-est``, ``l'est``."""
    return _COMPASS_POINTS[int((bearing_deg % 360 + 22.5) // 45) % 8]


def direction_fr(bearing_deg: float) -> str:
    """Which way to go: ``vers le nord-est``, ``vers l'ouest``."""
    return f"vers {compass_point_fr(bearing_deg)}"


def walk_fr(
    walk_m: int,
    direction: str,
    destination: str = "",
    *,
    straight: bool = False,
    depot: bool = False,
) -> str:
    """A walk to the stand, to the metre (a crew carrying equipment counts them):
    ``126 m à pied vers le nord-est jusqu'à Place Monge`` (``jusqu'au dépôt`` with ``depot``,
    nothing more without a destination); ``straight``: no path on foot is known, the distance
    is as the crow flies."""
    until = " jusqu'au dépôt" if depot else (f" jusqu'à {destination}" if destination else "")
    crow = " (à vol d'oiseau)" if straight else ""
    return f"{walk_m} m à pied {direction}{until}{crow}"


def street_fr(street: str) -> str:
    """A street's name, or ``rue sans nom`` for a way OSM does not name."""
    return street or "rue sans nom"


def parking_fr(street: str) -> str:
    """Where the vehicle parks: ``Stationner : rue de Boigne``."""
    return f"Stationner : {street_fr(street)}"


def vehicle_start_fr(street: str, walk_m: int, direction: str) -> str:
    """Where a tour's vehicle waits, seen from the depot: ``Véhicule : Rue du Laurier, 107 m à
    pied vers le sud-ouest``."""
    return f"Véhicule : {street_fr(street)}, {walk_m} m à pied {direction}"
