"""Coordinates for sites known only by address: geocoded once when online, then cached."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from pathlib import Path

from dynamobile.errors import StreetDataError
from dynamobile.model import Depot, Site

from . import streets

log = logging.getLogger(__name__)


def _cache_file() -> Path:
    root = Path(os.environ.get("DYNAMOBILE_CACHE") or Path.home() / ".cache" / "dynamobile")
    root.mkdir(parents=True, exist_ok=True)
    return root / "geocode.json"


def locate_depot(depot: Depot, *, city_hint: str = "") -> Depot:
    """The depot with coordinates, geocoding its address if needed."""
    if depot.lat is not None and depot.lon is not None:
        return depot
    probe = Site(
        id="__depot__",
        name=depot.name,
        kind="other",
        lat=None,
        lon=None,
        service_min=1,
        windows=(),
        address=depot.address,
    )
    located = locate_sites((probe,), city_hint=city_hint)[0]
    return replace(depot, lat=located.lat, lon=located.lon)


def locate_sites(sites: tuple[Site, ...], *, city_hint: str = "") -> tuple[Site, ...]:
    """Fill in lat/lon of sites that lack them; errors name every site that could not be placed."""
    missing = [s for s in sites if not s.has_coordinates]
    if not missing:
        return sites
    cache_path = _cache_file()
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    located, problems = {}, []
    for site in missing:
        if not site.address:
            problems.append(f"{site.name} : ni coordonnées ni adresse")
            continue
        query = (
            site.address
            if not city_hint or city_hint.lower() in site.address.lower()
            else f"{site.address}, {city_hint}"
        )
        if query not in cache:
            try:
                cache[query] = list(streets.geocode(query))
            except StreetDataError as exc:
                problems.append(f"site {site.id} ({site.name}) : pas de coordonnées, {exc}")
                continue
        lat, lon = cache[query]
        located[site.id] = replace(
            site,
            lat=float(lat),
            lon=float(lon),
            notes=(site.notes + " [coordonnées géocodées]").strip(),
        )
    cache_path.write_text(json.dumps(cache, ensure_ascii=False, indent=1))
    if problems:
        raise StreetDataError("\n".join(problems))
    return tuple(located.get(s.id, s) for s in sites)
