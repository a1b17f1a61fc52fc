"""Where the vehicle parks for each published stop, read from the plan.json kept at publishing.

Stop rows carry no parking columns: the published plan (`PublishedPlan`) already holds each
stop's `Parking`, so the phone's cards and `GET /api/stops` read it from there, matched like
`publishing.import_plan` matches stops (tour by date and vehicle, stop by site and n-th visit).
Plans made before parking points, and tours published before plans were kept, have none.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dynamobile.errors import InputError
from dynamobile.plan import plan_from_dict
from maps.legs import Walk, stop_walk

from .models import PublishedPlan
from .models import Stop as StopRow
from .models import Tour as TourRow

log = logging.getLogger(__name__)

_Key = tuple[dt.date, str, str, int]  # tour date, vehicle, site, n-th visit of the site
# Published plans never change (a new plan is a new row): their parkings are read once per
# content, and only a few plans are current at a time.
_CACHE: dict[str, dict[_Key, Walk]] = {}
_CACHE_MAX = 16
_CACHE_LOCK = threading.Lock()  # waitress serves with several threads


@dataclass(frozen=True)
class StopParking:
    """What the crew is told at a stop: « Stationner : Rue X, puis 126 m à pied vers le nord »."""

    street: str
    walk_m: int
    direction: str
    text: str

    def to_dict(self) -> dict:
        return {
            "street": self.street,
            "walk_m": self.walk_m,
            "direction": self.direction,
            "text": self.text,
        }


def _walks(row: PublishedPlan) -> dict[_Key, Walk]:
    cached = _CACHE.get(row.content_sha256)
    if cached is not None:
        return cached
    try:
        plan = plan_from_dict(json.loads(row.plan_json))
    except (InputError, ValueError):  # never lose the phone's page over a walk
        log.warning("published plan %s unreadable: no parking shown", row.id, exc_info=True)
        return {}
    found: dict[_Key, Walk] = {}
    for tour in plan.tours:
        seen: dict[str, int] = {}
        for stop in tour.stops:
            occurrence = seen.get(stop.site, 0)
            seen[stop.site] = occurrence + 1
            walk = stop_walk(stop, occurrence)
            if walk is not None:
                found[(tour.date, tour.vehicle, stop.site, occurrence)] = walk
    with _CACHE_LOCK:
        while len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[row.content_sha256] = found
    return found


def _shown(walk: Walk) -> StopParking:
    # The sentence of the printed sheet (`Walk.short`), so that paper and phone agree.
    p = walk.parking
    return StopParking(p.street, p.walk_m, p.direction, walk.short)


def stop_parkings(session: Session, stops: Iterable[StopRow]) -> dict[int, StopParking]:
    """The walk worth telling (over `dynamobile.plan.WALK_SHOWN_M`) of each of ``stops`` that
    has one, by stop id."""
    out: dict[int, StopParking] = {}
    plans: dict[int, dict[_Key, Walk]] = {}
    for stop in stops:
        tour: TourRow = stop.tour
        if tour.published_plan_id is None:
            continue
        if tour.published_plan_id not in plans:
            row = session.get(PublishedPlan, tour.published_plan_id)
            plans[tour.published_plan_id] = {} if row is None else _walks(row)
        walk = plans[tour.published_plan_id].get(
            (tour.date, tour.vehicle, stop.site, stop.occurrence)
        )
        if walk is not None:
            out[stop.id] = _shown(walk)
    return out
