"""Scenarios built in code on a street grid, for planner tests."""

from __future__ import annotations

from pathlib import Path

from dynamobile.model import Depot, Lunch, RoutingSettings, Scenario, Site, StreetSource, Vehicle
from dynamobile.windows import parse_clock_range, parse_days, parse_windows
from tests.osm_fixtures import grid_osm, grid_point


def site(
    site_id: str,
    row: int,
    col: int,
    *,
    windows: str = "mon-sun 08:00-18:00",
    service_min: int = 30,
    priority: int = 1,
    kinds: str | None = None,
    kind: str = "forecourt",
    quartier: str = "",
    every_days: int | None = None,
    visits: int | None = None,
    min_gap_days: int | None = None,
) -> Site:
    lat, lon = grid_point(row, col)
    return Site(
        id=site_id,
        name=f"Site {site_id}",
        kind=kind,
        lat=lat,
        lon=lon,
        service_min=service_min,
        windows=parse_windows(windows),
        priority=priority,
        quartier=quartier,
        vehicle_kinds=frozenset(kinds.split(",")) if kinds else None,
        every_days=every_days,
        visits=visits,
        min_gap_days=min_gap_days,
    )


def vehicle(
    vehicle_id: str = "van",
    *,
    kind: str = "van",
    profile: str = "drive",
    shift: str = "08:00-18:00",
    days: str = "mon-sun",
    setup_min: int = 10,
    packup_min: int = 5,
    lunch: str | None = None,
    lunch_min: int = 45,
    max_drive_min: int | None = None,
) -> Vehicle:
    start, end = parse_clock_range(shift)
    weekdays, _ = parse_days(days)
    brk = None
    if lunch:
        a, b = parse_clock_range(lunch)
        brk = Lunch(a, b, lunch_min)
    return Vehicle(
        id=vehicle_id,
        kind=kind,
        profile=profile,
        shift_start_min=start,
        shift_end_min=end,
        working_days=weekdays,
        setup_min=setup_min,
        packup_min=packup_min,
        lunch=brk,
        max_drive_min=max_drive_min,
    )


def grid_scenario(
    tmp_path: Path,
    sites,
    vehicles,
    *,
    rows: int = 6,
    cols: int = 6,
    tags=None,
    bike_speed_kph: float = 12.0,
) -> Scenario:
    osm = grid_osm(tmp_path / "grid.osm", rows, cols, tags=tags)
    lat, lon = grid_point(0, 0)
    return Scenario(
        name="test",
        depot=Depot("Dépôt", lat, lon),
        streets=StreetSource(osm_file=osm),
        vehicles=tuple(vehicles),
        sites=tuple(sites),
        routing=RoutingSettings(bike_speed_kph=bike_speed_kph),
    )
