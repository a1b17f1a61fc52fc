"""Route sheets (PDF), GPX, ICS and GeoJSON of a published plan, for coordinators to download.

They are made from the plan.json kept when it was published (`PublishedPlan`), restricted to
the tours still published from it, with what coordinators changed since: edited times,
cancelled stops (marked « ANNULÉ » and kept in place, so the legs around them stay true) and
the agents assigned as the crew.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Callable
from urllib.parse import urlsplit

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import StreetDataError
from dynamobile.plan import Plan, Stop, Tour, plan_from_dict

from .models import PublishedPlan
from .models import Stop as StopRow
from .models import Tour as TourRow

log = logging.getLogger(__name__)

FORMATS = ("pdf", "gpx", "ics", "geojson", "zip")
LABELS = {
    "pdf": "Feuilles de route (PDF)",
    "gpx": "GPX",
    "ics": "ICS",
    "geojson": "GeoJSON",
    "zip": "Tout (zip)",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "gpx": "application/gpx+xml",
    "ics": "text/calendar; charset=utf-8",
    "geojson": "application/geo+json",
    "zip": "application/zip",
}
_SUFFIXES = {
    "pdf": "feuilles.pdf",
    "gpx": "itineraires.gpx",
    "ics": "agenda.ics",
    "geojson": "carte.geojson",
    "zip": "tournees.zip",
}
CANCELLED_PREFIX = "ANNULÉ — "
NO_QR_NOTE_WEB = (
    "QR code absent : indiquez l'adresse publique de l'application (DYNAMOBILE_PUBLIC_URL)"
)
_LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


@dataclasses.dataclass(frozen=True)
class Download:
    """One file to send: its name and bytes."""

    filename: str
    content_type: str
    data: bytes


def public_base_url(configured: str | None, request_root: str) -> str | None:
    """The address the sheets' QR codes open: the configured public URL, else the address this
    request came to; None when that is a loopback address, which no phone can open."""
    base = (configured or "").strip() or request_root
    host = urlsplit(base).hostname or ""
    if host in _LOOPBACK or host.startswith("127."):
        return None
    return base.rstrip("/")


def published_plan(session: Session, plan_id: int, *, day: dt.date | None = None) -> Plan | None:
    """The published plan ``plan_id`` as it stands (only its tours still published from it, on
    ``day`` if given, with coordinators' changes), or None if it has no such tour."""
    row = session.get(PublishedPlan, plan_id)
    if row is None:
        return None
    query = select(TourRow).where(TourRow.published_plan_id == plan_id)
    if day is not None:
        query = query.where(TourRow.date == day)
    rows = {(t.date, t.vehicle): t for t in session.scalars(query)}
    plan = plan_from_dict(json.loads(row.plan_json))
    tours = tuple(
        _as_published(tour, rows[(tour.date, tour.vehicle)])
        for tour in plan.tours
        if (tour.date, tour.vehicle) in rows
    )
    if not tours:
        return None
    dates = tuple(sorted({t.date for t in tours}))
    unassigned = tuple(u for u in plan.unassigned if u.date is None or u.date in dates)
    return dataclasses.replace(plan, dates=dates, tours=tours, unassigned=unassigned)


def _as_published(tour: Tour, row: TourRow) -> Tour:
    by_key: dict[tuple[str, int], StopRow] = {(s.site, s.occurrence): s for s in row.stops}
    seen: dict[str, int] = {}
    stops = []
    for stop in tour.stops:
        occurrence = seen.get(stop.site, 0)
        seen[stop.site] = occurrence + 1
        edited = by_key.get((stop.site, occurrence))
        stops.append(stop if edited is None else _as_edited(stop, edited))
    crew = tuple(agent.name for agent in row.agents) or tour.crew
    return dataclasses.replace(tour, stops=tuple(stops), crew=crew)


def _as_edited(stop: Stop, row: StopRow) -> Stop:
    changes: dict = {}
    if row.edited:
        changes = {
            "arrive": row.arrive,
            "setup_start": row.setup_start,
            "start": row.start,
            "end": row.end,
            "leave": row.leave,
        }
    if row.cancelled:
        changes["name"] = CANCELLED_PREFIX + stop.name
    return dataclasses.replace(stop, **changes) if changes else stop


def file_stem(plan: Plan) -> str:
    """``dynamobile-2026-11-28`` or ``dynamobile-2026-11-23-au-2026-11-29``."""
    first, last = min(plan.dates), max(plan.dates)
    return f"dynamobile-{first}" if first == last else f"dynamobile-{first}-au-{last}"


def _graphs(plan: Plan) -> dict[str, nx.MultiDiGraph]:
    """The plan's street graphs for the directions; none (sheets without turn-by-turn) if its
    street file is not on this server."""
    from maps.outputs import load_plan_graphs

    try:
        return load_plan_graphs(plan)
    except StreetDataError as exc:
        log.warning("feuilles de route sans indications détaillées : %s", exc)
        return {}


def _sheets_pdf(plan: Plan, graphs: dict[str, nx.MultiDiGraph], base_url: str | None) -> bytes:
    """Every tour's route sheet in one PDF, each starting on its own page."""
    from pypdf import PdfWriter

    from maps.sheets import render_sheet

    writer = PdfWriter()
    for tour in plan.tours:
        sheet = render_sheet(
            plan, tour, graph=graphs.get(tour.profile), base_url=base_url, no_qr_note=NO_QR_NOTE_WEB
        )
        writer.append(io.BytesIO(sheet))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def render(plan: Plan, fmt: str, *, base_url: str | None) -> Download:
    """The ``fmt`` file (one of FORMATS) of ``plan``; ``base_url`` as `public_base_url`."""
    from maps.exports import plan_to_geojson, plan_to_gpx, plan_to_ics

    stem = file_stem(plan)
    graphs: dict[str, nx.MultiDiGraph] = {}
    if fmt in ("pdf", "zip"):
        graphs = _graphs(plan)
    makers: dict[str, Callable[[], bytes]] = {
        "pdf": lambda: _sheets_pdf(plan, graphs, base_url),
        "gpx": lambda: plan_to_gpx(plan).encode(),
        "ics": lambda: plan_to_ics(plan),
        "geojson": lambda: json.dumps(plan_to_geojson(plan), ensure_ascii=False).encode(),
    }
    if fmt == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, make in makers.items():
                archive.writestr(f"{stem}-{_SUFFIXES[part]}", make())
        data = buffer.getvalue()
    else:
        data = makers[fmt]()
    return Download(f"{stem}-{_SUFFIXES[fmt]}", CONTENT_TYPES[fmt], data)


@dataclasses.dataclass(frozen=True)
class DownloadGroup:
    """The downloads offered for one day of one published plan on the Tournées page."""

    plan_id: int
    day: dt.date
    vehicles: tuple[str, ...]


def download_groups(tours: list[TourRow]) -> list[DownloadGroup]:
    """One group per (published plan, day) of ``tours``, by date; tours published before
    migration 0006 have no plan kept and get none."""
    groups: dict[tuple[int, dt.date], list[str]] = {}
    for tour in tours:
        if tour.published_plan_id is not None:
            groups.setdefault((tour.published_plan_id, tour.date), []).append(tour.vehicle_name)
    return [
        DownloadGroup(plan_id, day, tuple(names))
        for (plan_id, day), names in sorted(groups.items(), key=lambda item: item[0][::-1])
    ]
