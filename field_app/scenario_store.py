"""The scenario kept in the database: rows ↔ `dynamobile.model.Scenario`.

Functions take a session and never commit: the caller (a request, a CLI command) owns the
transaction. Reading goes through the same validation as the TOML+CSV files (window grammar,
kinds, lunch inside the shift), so a plan from the database and one from files agree.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError
from dynamobile.model import (
    Calendar,
    Depot,
    RoutingSettings,
    Scenario,
    Site,
    Vehicle,
    VehicleOption,
)
from dynamobile.scenario import parse_site_row, parse_vehicle_table, resolve_streets
from dynamobile.windows import DAY_NAMES, format_clock

from .scenario_rows import (
    DEFAULT_ORGANISATION_ID,
    DEFAULT_ORGANISATION_NAME,
    Organisation,
    ScenarioSettings,
    SiteRow,
    VehicleRow,
)


@dataclass(frozen=True)
class ImportSummary:
    """What `import_scenario` changed, for a one-line French report."""

    sites_added: int
    sites_updated: int
    sites_archived: int
    vehicles_added: int
    vehicles_updated: int
    vehicles_archived: int

    def text(self) -> str:
        return (
            f"Lieux : {self.sites_added} ajoutés, {self.sites_updated} mis à jour, "
            f"{self.sites_archived} archivés ; véhicules : {self.vehicles_added} ajoutés, "
            f"{self.vehicles_updated} mis à jour, {self.vehicles_archived} archivés."
        )


def default_organisation(session: Session) -> Organisation:
    """The one organisation of today's installs (created by migration 0004)."""
    organisation = session.get(Organisation, DEFAULT_ORGANISATION_ID)
    if organisation is None:  # a database emptied by hand: put it back
        organisation = Organisation(id=DEFAULT_ORGANISATION_ID, name=DEFAULT_ORGANISATION_NAME)
        session.add(organisation)
        session.flush()
    return organisation


# -- domain → rows ------------------------------------------------------------------------------


def _dates_text(dates: frozenset[dt.date]) -> str:
    return ",".join(d.isoformat() for d in sorted(dates))


def windows_text(site: Site) -> str:
    """The canonical window text of a site (reads back to the same windows)."""
    return "; ".join(str(w) for w in site.windows)


def site_values(site: Site) -> dict:
    """Column values of a site row (without organisation, position and archive flag)."""
    return {
        "code": site.id,
        "name": site.name,
        "kind": site.kind,
        "lat": site.lat,
        "lon": site.lon,
        "service_min": site.service_min,
        "windows": windows_text(site),
        "priority": site.priority,
        "address": site.address,
        "quartier": site.quartier,
        "vehicle_kinds": None
        if site.vehicle_kinds is None
        else ",".join(sorted(site.vehicle_kinds)),
        "notes": site.notes,
        "every_days": site.every_days,
        "visits": site.visits,
        "min_gap_days": site.min_gap_days,
        "last_visit": site.last_visit,
        "insee": site.insee,
        "postcode": site.postcode,
        "commune": site.commune,
        "park_lat": site.park_lat,
        "park_lon": site.park_lon,
    }


def vehicle_values(vehicle: Vehicle) -> dict:
    lunch = vehicle.lunch
    return {
        "code": vehicle.id,
        "name": vehicle.name,
        "kind": vehicle.kind,
        "profile": vehicle.profile,
        "shift_start_min": vehicle.shift_start_min,
        "shift_end_min": vehicle.shift_end_min,
        "working_days": ",".join(DAY_NAMES[d] for d in sorted(vehicle.working_days)),
        "setup_min": vehicle.setup_min,
        "packup_min": vehicle.packup_min,
        "lunch_earliest_min": lunch.earliest_min if lunch else None,
        "lunch_latest_min": lunch.latest_min if lunch else None,
        "lunch_minutes": lunch.minutes if lunch else None,
        "max_drive_min": vehicle.max_drive_min,
        "crew": json.dumps(list(vehicle.crew), ensure_ascii=False),
        "days_off": _dates_text(vehicle.days_off),
    }


def _option_dict(option: VehicleOption) -> dict:
    raw = {
        "id": option.id,
        "kind": option.kind,
        "profile": option.profile,
        "label": option.label,
        "count": option.count,
        "setup_min": option.setup_min,
        "packup_min": option.packup_min,
        "drive_speed_factor": option.drive_speed_factor,
        "bike_speed_kph": option.bike_speed_kph,
    }
    return {k: v for k, v in raw.items() if v is not None}


def settings_values(scenario: Scenario) -> dict:
    streets = scenario.streets
    return {
        "name": scenario.name,
        "notes": scenario.notes,
        "depot_name": scenario.depot.name,
        "depot_lat": scenario.depot.lat,
        "depot_lon": scenario.depot.lon,
        "depot_address": scenario.depot.address,
        # The file's name only: it is found again like a scenario's `osm_file`, on any machine.
        "osm_file": streets.osm_file.name if streets.osm_file else "",
        "place": streets.place or "",
        "bbox": ",".join(repr(b) for b in streets.bbox) if streets.bbox else "",
        "bike_speed_kph": scenario.routing.bike_speed_kph,
        "snap_max_m": scenario.routing.snap_max_m,
        "drive_speed_factor": scenario.routing.drive_speed_factor,
        "public_holidays": scenario.calendar.public_holidays,
        "school_zone": scenario.calendar.school_zone or "",
        "days_off": _dates_text(scenario.calendar.days_off),
        "default_date": scenario.default_date,
        "options_json": json.dumps([_option_dict(o) for o in scenario.options], ensure_ascii=False),
    }


def import_scenario(session: Session, organisation_id: int, scenario: Scenario) -> ImportSummary:
    """Make the organisation's scenario equal ``scenario``: rows updated by code, new ones
    added, those absent archived (kept for the history of past tours)."""
    settings = session.get(ScenarioSettings, organisation_id)
    if settings is None:
        settings = ScenarioSettings(organisation_id=organisation_id)
        session.add(settings)
    for key, value in settings_values(scenario).items():
        setattr(settings, key, value)
    sites = _sync_rows(session, SiteRow, organisation_id, [site_values(s) for s in scenario.sites])
    vehicles = _sync_rows(
        session, VehicleRow, organisation_id, [vehicle_values(v) for v in scenario.vehicles]
    )
    session.flush()
    return ImportSummary(*sites, *vehicles)


def _sync_rows(
    session: Session,
    model: type[SiteRow] | type[VehicleRow],
    organisation_id: int,
    values: list[dict],
) -> tuple[int, int, int]:
    query = select(model).where(model.organisation_id == organisation_id)
    rows: list[Any] = list(session.scalars(query))  # SiteRow or VehicleRow, by ``model``
    existing = {row.code: row for row in rows}
    added = updated = archived = 0
    for position, row_values in enumerate(values):
        row = existing.pop(row_values["code"], None)
        if row is None:
            row = model(organisation_id=organisation_id)
            session.add(row)
            added += 1
        elif row.archived or any(getattr(row, k) != v for k, v in row_values.items()):
            updated += 1  # unchanged rows are not counted (nor is a new position alone)
        for key, value in row_values.items():
            setattr(row, key, value)
        row.position, row.archived = position, False
    for row in existing.values():
        if not row.archived:
            row.archived = True
            archived += 1
    return added, updated, archived


# -- rows → domain ------------------------------------------------------------------------------


def _dates(text: str, where: str, problems: list[str]) -> frozenset[dt.date]:
    dates = set()
    for item in filter(None, (t.strip() for t in text.split(","))):
        try:
            dates.add(dt.date.fromisoformat(item))
        except ValueError:
            problems.append(f"{where} : date AAAA-MM-JJ attendue (lu « {item} »)")
    return frozenset(dates)


def _text(value) -> str:
    return "" if value is None else str(value)


def site_from_row(row: SiteRow) -> Site:
    """A site row as a `Site`, through the CSV row parser (kinds, coordinates, windows,
    priority, frequency: the files' rules); raises InputError naming the site and field."""
    fields = {
        "id": row.code,
        "name": row.name,
        "kind": row.kind,
        "lat": _text(row.lat),
        "lon": _text(row.lon),
        "service_min": _text(row.service_min),
        "windows": row.windows,
        "priority": _text(row.priority),
        "address": row.address,
        "quartier": row.quartier,
        "vehicles": _text(row.vehicle_kinds),
        "notes": row.notes,
        "every_days": _text(row.every_days),
        "visits": _text(row.visits),
        "min_gap_days": _text(row.min_gap_days),
        "last_visit": row.last_visit.isoformat() if row.last_visit else "",
        "insee": row.insee,
        "postcode": row.postcode,
        "commune": row.commune,
        "park_lat": _text(row.park_lat),
        "park_lon": _text(row.park_lon),
    }
    try:
        return parse_site_row(fields)
    except ValueError as exc:
        raise InputError(f"lieu « {row.name or row.code} » : {exc}") from None


def vehicle_from_row(row: VehicleRow) -> Vehicle:
    """A vehicle row as a `Vehicle`, through the scenario's vehicle rules (kind, profile, shift,
    lunch inside the shift…); raises InputError naming the vehicle."""
    table: dict = {
        "id": row.code,
        "name": row.name,
        "kind": row.kind,
        "profile": row.profile,
        "shift": f"{format_clock(row.shift_start_min)}-{format_clock(row.shift_end_min)}",
        "days": row.working_days,
        "setup_min": row.setup_min,
        "packup_min": row.packup_min,
        "crew": json.loads(row.crew or "[]"),
        "days_off": [d for d in row.days_off.split(",") if d],
    }
    if row.lunch_minutes is not None:
        earliest, latest = row.lunch_earliest_min or 0, row.lunch_latest_min or 0
        table["lunch"] = {
            "window": f"{format_clock(earliest)}-{format_clock(latest)}",
            "minutes": row.lunch_minutes,
        }
    if row.max_drive_min is not None:
        table["max_drive_min"] = row.max_drive_min
    problems: list[str] = []
    vehicle = parse_vehicle_table(table, f"véhicule « {row.name or row.code} »", problems)
    if vehicle is None or problems:
        raise InputError(problems)
    return vehicle


def _streets_table(settings: ScenarioSettings) -> dict:
    table: dict = {}
    if settings.osm_file:
        table["osm_file"] = settings.osm_file
    if settings.place:
        table["place"] = settings.place
    if settings.bbox:
        table["bbox"] = [float(b) for b in settings.bbox.split(",")]
    return table


def active_sites(session: Session, organisation_id: int) -> list[SiteRow]:
    return list(
        session.scalars(
            select(SiteRow)
            .where(SiteRow.organisation_id == organisation_id, SiteRow.archived.is_(False))
            .order_by(SiteRow.position, SiteRow.id)
        )
    )


def active_vehicles(session: Session, organisation_id: int) -> list[VehicleRow]:
    return list(
        session.scalars(
            select(VehicleRow)
            .where(VehicleRow.organisation_id == organisation_id, VehicleRow.archived.is_(False))
            .order_by(VehicleRow.position, VehicleRow.id)
        )
    )


def scenario_from_db(
    session: Session,
    organisation_id: int,
    *,
    base: Path | None = None,
    osm_file: Path | None = None,
) -> Scenario:
    """The organisation's scenario (archived sites and vehicles left out); raises InputError
    listing every problem. The OSM file is ``osm_file`` if given, else looked for like a
    scenario's: $DYNAMOBILE_OSM_FILE, beside ``base`` (default: the current folder), then in the
    shared data folder."""
    settings = session.get(ScenarioSettings, organisation_id)
    if settings is None:
        raise InputError(
            "aucun scénario dans la base : importez-en un (dynamobile scenario import) "
            "ou renseignez le dépôt, les véhicules et les lieux"
        )
    problems: list[str] = []
    sites, vehicles = [], []
    for row in active_sites(session, organisation_id):
        try:
            sites.append(site_from_row(row))
        except InputError as exc:
            problems.extend(exc.problems)
    for vrow in active_vehicles(session, organisation_id):
        try:
            vehicles.append(vehicle_from_row(vrow))
        except InputError as exc:
            problems.extend(exc.problems)
    if not vehicles:
        problems.append("aucun véhicule actif")
    if not sites:
        problems.append("aucun lieu actif")
    if not settings.depot_name:
        problems.append("dépôt : nom manquant")
    if settings.depot_lat is None and not settings.depot_address:
        problems.append("dépôt : ni coordonnées ni adresse")
    streets = None
    try:
        streets = resolve_streets(_streets_table(settings), base or Path.cwd(), osm_file=osm_file)
    except InputError as exc:
        problems.extend(f"rues : {p}" for p in exc.problems)
    calendar = Calendar(
        public_holidays=settings.public_holidays,
        school_zone=settings.school_zone or None,
        days_off=_dates(settings.days_off, "calendrier : jours de fermeture", problems),
    )
    if problems:
        raise InputError(problems)
    assert streets is not None
    return Scenario(
        name=settings.name,
        depot=Depot(
            settings.depot_name, settings.depot_lat, settings.depot_lon, settings.depot_address
        ),
        streets=streets,
        vehicles=tuple(vehicles),
        sites=tuple(sites),
        routing=RoutingSettings(
            bike_speed_kph=settings.bike_speed_kph,
            snap_max_m=settings.snap_max_m,
            drive_speed_factor=settings.drive_speed_factor,
        ),
        notes=settings.notes,
        default_date=settings.default_date,
        options=tuple(VehicleOption(**o) for o in json.loads(settings.options_json or "[]")),
        calendar=calendar,
    )
