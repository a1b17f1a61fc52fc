"""The coordinator's fleet and depot: vehicle forms checked by the scenario's own rules
(`dynamobile.scenario.parse_vehicle_table`: kinds, shift, lunch inside the shift…), the depot's
name, address and point. Functions take a session and never commit."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.french import vehicle_title_fr
from dynamobile.model import Vehicle
from dynamobile.osm_files import candidate_osm_paths
from dynamobile.scenario import DEFAULT_PROFILE, parse_coordinate, parse_vehicle_table
from dynamobile.windows import DAY_NAMES, FRENCH_DAY_NAMES, format_clock

from .catalogue import FormError, next_position, unique_code
from .scenario_rows import ScenarioSettings, VehicleRow
from .scenario_store import default_organisation, vehicle_values

DAY_CHOICES = tuple(zip(DAY_NAMES, FRENCH_DAY_NAMES, strict=True))
PROFILE_CHOICES = (("drive", "route (véhicule à moteur)"), ("bike", "vélo"))
VEHICLE_FIELDS = (
    "name",
    "kind",
    "profile",
    "shift_start",
    "shift_end",
    "setup_min",
    "packup_min",
    "lunch_start",
    "lunch_end",
    "lunch_minutes",
    "max_drive_min",
    "crew",
    "days_off",
)
_PROBLEM_RE = re.compile(r"^véhicule : champ (?P<field>[a-z_]+) : (?P<message>.*)$")


def vehicles(session: Session, organisation_id: int, *, archived: bool = False) -> list[VehicleRow]:
    return list(
        session.scalars(
            select(VehicleRow)
            .where(VehicleRow.organisation_id == organisation_id, VehicleRow.archived.is_(archived))
            .order_by(VehicleRow.position, VehicleRow.id)
        )
    )


def get_vehicle(session: Session, organisation_id: int, code: str) -> VehicleRow | None:
    return session.scalars(
        select(VehicleRow).where(
            VehicleRow.organisation_id == organisation_id, VehicleRow.code == code
        )
    ).one_or_none()


def vehicle_form_values(row: VehicleRow | None) -> dict:
    """The form's text of a vehicle (defaults for a new one); ``days`` is a list of codes."""
    if row is None:
        return {name: "" for name in VEHICLE_FIELDS} | {
            "kind": "van",
            "shift_start": "09:00",
            "shift_end": "17:00",
            "setup_min": "15",
            "packup_min": "15",
            "days": list(DAY_NAMES[1:6]),
        }

    def clock(minutes: int | None) -> str:
        return "" if minutes is None else format_clock(minutes)

    return {
        "name": row.name,
        "kind": row.kind,
        "profile": row.profile,
        "shift_start": clock(row.shift_start_min),
        "shift_end": clock(row.shift_end_min),
        "setup_min": str(row.setup_min),
        "packup_min": str(row.packup_min),
        "lunch_start": clock(row.lunch_earliest_min),
        "lunch_end": clock(row.lunch_latest_min),
        "lunch_minutes": "" if row.lunch_minutes is None else str(row.lunch_minutes),
        "max_drive_min": "" if row.max_drive_min is None else str(row.max_drive_min),
        "crew": ", ".join(json.loads(row.crew or "[]")),
        "days_off": ", ".join(d for d in row.days_off.split(",") if d),
        "days": [d for d in row.working_days.split(",") if d],
    }


def parse_vehicle_form(form, *, code: str) -> Vehicle:
    """A vehicle from a form; raises FormError with every wrong field."""
    text = {name: str(form.get(name, "") or "").strip() for name in VEHICLE_FIELDS}
    days = form.getlist("days") if hasattr(form, "getlist") else form.get("days", [])
    errors: dict[str, str] = {}
    table: dict = {"id": code, "kind": text["kind"], "name": text["name"]}
    if not text["name"]:
        errors["name"] = "nom obligatoire"
    table["profile"] = text["profile"] or DEFAULT_PROFILE.get(text["kind"], "drive")
    table["shift"] = f"{text['shift_start']}-{text['shift_end']}"
    if not days:
        errors["days"] = "cochez au moins un jour"
    else:
        table["days"] = ",".join(days)
    lunch = [text["lunch_start"], text["lunch_end"], text["lunch_minutes"]]
    if any(lunch):
        if not all(lunch):
            errors["lunch"] = "donnez le début, la fin de la plage et la durée, ou rien"
        elif not lunch[2].isdigit():
            errors["lunch"] = f"durée en minutes attendue (lu « {lunch[2]} »)"
        else:
            table["lunch"] = {"window": f"{lunch[0]}-{lunch[1]}", "minutes": int(lunch[2])}
    for key in ("setup_min", "packup_min", "max_drive_min"):
        if text[key]:
            try:
                table[key] = int(text[key])
            except ValueError:
                errors[key] = f"nombre entier de minutes attendu (lu « {text[key]} »)"
    table["crew"] = [c.strip() for c in text["crew"].split(",") if c.strip()]
    table["days_off"] = [d.strip() for d in text["days_off"].split(",") if d.strip()]
    problems: list[str] = []
    vehicle = parse_vehicle_table(table, "véhicule", problems)
    for problem in problems:
        m = _PROBLEM_RE.match(problem)
        field, message = (m.group("field"), m.group("message")) if m else ("form", problem)
        errors.setdefault(field, message)
    if errors or vehicle is None:
        raise FormError(errors or {"form": "véhicule invalide"})
    return vehicle


def _save_vehicle(row: VehicleRow, vehicle: Vehicle) -> None:
    for key, value in vehicle_values(vehicle).items():
        setattr(row, key, value)


def create_vehicle(session: Session, organisation_id: int, form) -> VehicleRow:
    code = unique_code(session, VehicleRow, organisation_id, str(form.get("name", "")))
    vehicle = parse_vehicle_form(form, code=code)
    default_organisation(session)
    row = VehicleRow(
        organisation_id=organisation_id,
        position=next_position(session, VehicleRow, organisation_id),
        archived=False,
    )
    _save_vehicle(row, vehicle)
    session.add(row)
    session.flush()
    return row


def update_vehicle(session: Session, row: VehicleRow, form) -> VehicleRow:
    vehicle = parse_vehicle_form(form, code=row.code)
    _save_vehicle(row, vehicle)
    session.flush()
    return row


def vehicle_table_row(row: VehicleRow) -> dict:
    days = set(row.working_days.split(","))
    lunch = (
        f"{row.lunch_minutes} min entre {format_clock(row.lunch_earliest_min or 0)} "
        f"et {format_clock(row.lunch_latest_min or 0)}"
        if row.lunch_minutes
        else "—"
    )
    return {
        "code": row.code,
        "title": vehicle_title_fr(row.name or row.code, row.kind),
        "shift": f"{format_clock(row.shift_start_min)}-{format_clock(row.shift_end_min)}",
        "days": ", ".join(fr for code, fr in DAY_CHOICES if code in days),
        "setup": f"{row.setup_min} / {row.packup_min} min",
        "lunch": lunch,
        "crew": ", ".join(json.loads(row.crew or "[]")),
    }


# -- depot --------------------------------------------------------------------------------------


def settings(session: Session, organisation_id: int) -> ScenarioSettings:
    """The organisation's scenario settings, created empty when none exist yet."""
    row = session.get(ScenarioSettings, organisation_id)
    if row is None:
        default_organisation(session)
        row = ScenarioSettings(organisation_id=organisation_id)
        session.add(row)
        session.flush()
    return row


def current_settings(session: Session, organisation_id: int) -> ScenarioSettings | None:
    return session.get(ScenarioSettings, organisation_id)


# Street files the planner reads (osmnx's XML reader: plain or bz2-compressed OSM XML).
OSM_SUFFIXES = (".osm", ".osm.bz2")


def osm_file_choices(current: str = "") -> list[tuple[str, str]]:
    """The street files a coordinator may choose, as (name, label): the OSM files of the shared
    data folders (``../shared/data/osm`` beside the checkout or the working directory, where a
    scenario's ``osm_file`` is looked for by name), ``$DYNAMOBILE_OSM_FILE``'s, and the current
    setting even when it is not found on this machine."""
    folders = dict.fromkeys(p.parent for p in candidate_osm_paths("x.osm", Path.cwd())[1:])
    names = {
        path.name
        for folder in folders
        if folder.is_dir()
        for path in folder.iterdir()
        if path.is_file() and path.name.endswith(OSM_SUFFIXES)
    }
    env = os.environ.get("DYNAMOBILE_OSM_FILE")
    if env and Path(env).is_file():
        names.add(Path(env).name)
    choices = [(name, name) for name in sorted(names)]
    if current and current not in names:
        choices.append((current, f"{current} (introuvable sur ce serveur)"))
    return choices


def depot_form_values(row: ScenarioSettings) -> dict[str, str]:
    env = os.environ.get("DYNAMOBILE_OSM_FILE")
    default_osm = Path(env).name if env and not (row.place or row.bbox) else ""
    return {
        "depot_name": row.depot_name or "",
        "depot_address": row.depot_address or "",
        "lat": "" if row.depot_lat is None else repr(row.depot_lat),
        "lon": "" if row.depot_lon is None else repr(row.depot_lon),
        "osm_file": row.osm_file or default_osm,
    }


def update_depot(session: Session, row: ScenarioSettings, form) -> ScenarioSettings:
    """Name, address and point of the depot, and the street file when the form has the field;
    raises FormError (nothing changed) on a wrong field. Like a scenario's ``[depot]``:
    coordinates, or an address to geocode, or both."""
    name = str(form.get("depot_name", "")).strip()
    address = str(form.get("depot_address", "")).strip()
    osm_file = str(form.get("osm_file", row.osm_file or "")).strip()
    errors: dict[str, str] = {}
    if not name:
        errors["depot_name"] = "nom obligatoire"
    if osm_file and osm_file not in {code for code, _ in osm_file_choices(row.osm_file or "")}:
        errors["osm_file"] = "fichier de rues inconnu : choisissez-en un dans la liste"
    point = {}
    for key, low, high, what in (("lat", -90, 90, "latitude"), ("lon", -180, 180, "longitude")):
        try:
            point[key] = parse_coordinate(str(form.get(key, "")), low, high, what)
        except ValueError as exc:
            errors[key] = "nombre attendu" if "could not convert" in str(exc) else str(exc)
    if not errors and (point["lat"] is None) != (point["lon"] is None):
        errors["lat"] = errors["lon"] = "donner les deux ou aucun"
    if not errors and point["lat"] is None and not address:
        errors["depot_address"] = "donnez une adresse ou placez le dépôt sur la carte"
    if errors:
        raise FormError(errors)
    row.depot_name, row.depot_address = name, address
    row.depot_lat, row.depot_lon = point["lat"], point["lon"]
    row.osm_file = osm_file
    session.flush()
    return row
