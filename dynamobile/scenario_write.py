"""Write a scenario as files: ``scenario.toml`` and ``sites.csv``, in the format `load_scenario` reads.

The writer follows the reader field by field (README, "Scenario format"), so that
``load_scenario(write_scenario(s, d))`` equals ``s`` apart from ``source``. Windows are written in
their canonical form (``str(Window)``), shifts as ``HH:MM-HH:MM``, working days as ``mon,tue,…``.
The street file is written by name only: it is found again beside the scenario or in the shared
data folder, on any machine.
"""

from __future__ import annotations

import csv
from pathlib import Path

import tomli_w

from .model import (
    DEFAULT_COMMUNE,
    DEFAULT_INSEE,
    DEFAULT_POSTCODE,
    Scenario,
    Site,
    Vehicle,
    VehicleOption,
)
from .outputs import whole_output
from .scenario import OPTIONAL_COLUMNS, SITE_COLUMNS
from .windows import DAY_NAMES, format_clock

SCENARIO_FILE = "scenario.toml"
SITES_FILE = "sites.csv"
SCENARIO_NAMES = (SCENARIO_FILE, SITES_FILE)


def write_scenario(scenario: Scenario, out_dir: Path) -> Path:
    """Write ``scenario.toml`` and ``sites.csv`` into ``out_dir`` (created if needed), both or
    neither; return the TOML's path. Other files of ``out_dir`` are left alone.

    Raises
    ------
    OutputError
        If the folder or a file cannot be written.
    """
    out_dir = Path(out_dir)
    with whole_output(out_dir, replaces=SCENARIO_NAMES) as folder:
        folder.write(SITES_FILE, lambda path: _write_sites(scenario.sites, path))
        toml_path = folder.write(
            SCENARIO_FILE,
            lambda path: path.write_text(tomli_w.dumps(scenario_table(scenario)), encoding="utf-8"),
        )
    return toml_path


def scenario_table(scenario: Scenario) -> dict:
    """The TOML document of a scenario (sites excepted: they go to ``sites.csv``)."""
    table: dict = {"name": scenario.name, "sites": SITES_FILE}
    if scenario.notes:
        table["notes"] = scenario.notes
    if scenario.default_date is not None:
        table["demo_date"] = scenario.default_date.isoformat()
    depot = scenario.depot
    table["depot"] = {"name": depot.name}
    if depot.lat is not None and depot.lon is not None:
        table["depot"].update(lat=float(depot.lat), lon=float(depot.lon))
    if depot.address:
        table["depot"]["address"] = depot.address
    table["streets"] = _streets_table(scenario)
    table["vehicles"] = [_vehicle_table(v) for v in scenario.vehicles]
    calendar = scenario.calendar
    table["calendar"] = {"public_holidays": calendar.public_holidays}
    if calendar.school_zone is not None:  # None (unknown) cannot be written: the default applies
        table["calendar"]["school_zone"] = calendar.school_zone
    if calendar.days_off:
        table["calendar"]["days_off"] = _dates(calendar.days_off)
    if scenario.options:
        table["options"] = [_option_table(o) for o in scenario.options]
    return table


def _streets_table(scenario: Scenario) -> dict:
    streets, routing = scenario.streets, scenario.routing
    table: dict = {}
    if streets.osm_file is not None:
        table["osm_file"] = Path(streets.osm_file).name
    elif streets.place:
        table["place"] = streets.place
    elif streets.bbox:
        table["bbox"] = [float(b) for b in streets.bbox]
    table.update(
        bike_speed_kph=float(routing.bike_speed_kph),
        snap_max_m=float(routing.snap_max_m),
        drive_speed_factor=float(routing.drive_speed_factor),
    )
    return table


def _dates(dates) -> list[str]:
    return [d.isoformat() for d in sorted(dates)]


def _vehicle_table(vehicle: Vehicle) -> dict:
    table: dict = {"id": vehicle.id}
    if vehicle.name:
        table["name"] = vehicle.name
    table.update(
        kind=vehicle.kind,
        profile=vehicle.profile,
        shift=f"{format_clock(vehicle.shift_start_min)}-{format_clock(vehicle.shift_end_min)}",
        days=",".join(DAY_NAMES[d] for d in sorted(vehicle.working_days)),
        setup_min=vehicle.setup_min,
        packup_min=vehicle.packup_min,
    )
    if vehicle.lunch is not None:
        lunch = vehicle.lunch
        table["lunch"] = {
            "window": f"{format_clock(lunch.earliest_min)}-{format_clock(lunch.latest_min)}",
            "minutes": lunch.minutes,
        }
    if vehicle.max_drive_min is not None:
        table["max_drive_min"] = vehicle.max_drive_min
    if vehicle.crew:
        table["crew"] = list(vehicle.crew)
    if vehicle.days_off:
        table["days_off"] = _dates(vehicle.days_off)
    return table


def _option_table(option: VehicleOption) -> dict:
    table = {
        "id": option.id,
        "label": option.label,
        "kind": option.kind,
        "profile": option.profile,
        "count": option.count,
        "setup_min": option.setup_min,
        "packup_min": option.packup_min,
    }
    if option.drive_speed_factor is not None:
        table["drive_speed_factor"] = float(option.drive_speed_factor)
    if option.bike_speed_kph is not None:
        table["bike_speed_kph"] = float(option.bike_speed_kph)
    return table


def site_row(site: Site) -> dict[str, str]:
    """A site as a row of ``sites.csv`` (column → cell text)."""

    def cell(value) -> str:
        return "" if value is None else str(value)

    default_commune = (site.insee, site.postcode, site.commune) == (
        DEFAULT_INSEE,
        DEFAULT_POSTCODE,
        DEFAULT_COMMUNE,
    )
    return {
        "id": site.id,
        "name": site.name,
        "kind": site.kind,
        "lat": "" if site.lat is None else repr(float(site.lat)),
        "lon": "" if site.lon is None else repr(float(site.lon)),
        "service_min": str(site.service_min),
        "windows": "; ".join(str(w) for w in site.windows),
        "priority": str(site.priority),
        "address": site.address,
        "quartier": site.quartier,
        "vehicles": ",".join(sorted(site.vehicle_kinds)) if site.vehicle_kinds else "",
        "notes": site.notes,
        "every_days": cell(site.every_days),
        "visits": cell(site.visits),
        "min_gap_days": cell(site.min_gap_days),
        "last_visit": "" if site.last_visit is None else site.last_visit.isoformat(),
        "insee": "" if default_commune else site.insee,
        "postcode": "" if default_commune else site.postcode,
        "commune": "" if default_commune else site.commune,
        "park_lat": "" if site.park_lat is None else repr(float(site.park_lat)),
        "park_lon": "" if site.park_lon is None else repr(float(site.park_lon)),
    }


def _write_sites(sites, path: Path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*SITE_COLUMNS, *OPTIONAL_COLUMNS])
        writer.writeheader()
        writer.writerows(site_row(s) for s in sites)
