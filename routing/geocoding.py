"""Coordinates for sites known only by address: geocoded once when online, then cached."""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
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


_LOOKUPS = threading.BoundedSemaphore(2)  # Nominatim asks for one request a second at most


def geocode_address(
    address: str, *, city_hint: str = "", timeout_s: float = 10.0
) -> tuple[float, float]:
    """(lat, lon) of one typed address (the web app's « Localiser l'adresse »).

    The query is built and cached exactly as in `locate_sites` (``"ADDRESS, CITY"`` unless the
    address names the city; ``{query: [lat, lon]}`` in ``geocode.json``), so an address already
    geocoded is answered offline. Otherwise osmnx's Nominatim geocoder is asked in a thread and
    waited for at most ``timeout_s`` seconds (a late answer is still cached); at most two such
    lookups run at once. Raises StreetDataError: empty address, offline, unknown, too slow.
    """
    address = address.strip()
    if not address:
        raise StreetDataError("adresse vide")
    query = (
        address
        if not city_hint or city_hint.lower() in address.lower()
        else f"{address}, {city_hint}"
    )
    cache_path = _cache_file()

    def cached() -> dict:
        try:
            return json.loads(cache_path.read_text()) if cache_path.exists() else {}
        except (OSError, ValueError):  # being written by another process: as if empty
            return {}

    point = cached().get(query)
    if point is not None:
        return float(point[0]), float(point[1])
    if not _LOOKUPS.acquire(blocking=False):
        raise StreetDataError(f"géocodage de « {query} » : trop de recherches en cours")
    answers: queue.Queue = queue.Queue(maxsize=1)

    def lookup() -> None:
        try:
            lat, lon = streets.geocode(query)
            try:
                cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
            except (OSError, ValueError):  # being rewritten elsewhere: keep it, skip caching
                cache = None
            if cache is not None:
                cache[query] = [float(lat), float(lon)]
                scratch = cache_path.with_name(
                    f"{cache_path.name}.{os.getpid()}.{threading.get_ident()}"
                )
                scratch.write_text(json.dumps(cache, ensure_ascii=False, indent=1))
                scratch.replace(cache_path)  # readers never see half a file
            answers.put((float(lat), float(lon)))
        except Exception as exc:  # reported to the waiting request
            answers.put(exc)
        finally:
            _LOOKUPS.release()

    threading.Thread(target=lookup, name="geocode", daemon=True).start()
    try:
        answer = answers.get(timeout=timeout_s)
    except queue.Empty:
        raise StreetDataError(
            f"géocodage de « {query} » : pas de réponse en {timeout_s:g} s"
        ) from None
    if isinstance(answer, StreetDataError):
        raise answer
    if isinstance(answer, Exception):
        raise StreetDataError(f"géocodage impossible pour « {query} » : {answer}") from answer
    return answer
