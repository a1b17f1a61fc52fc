"""Domain values of a scenario: sites, vehicles, depot, street source.

Units are in the names: ``_min`` minutes, ``_s`` seconds, ``_m`` metres, ``_kph``; times of day
are minutes since local midnight (Europe/Paris).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from .windows import Window

SITE_KINDS = ("forecourt", "market", "fete", "school", "social_centre", "other")
VEHICLE_KINDS = ("bus", "van", "cargo_bike")
PROFILES = ("drive", "bike")
TIMEZONE = "Europe/Paris"
# The scenarios' commune, the place of a site whose CSV row names none: INSEE code, postcode,
# name (Chambéry: INSEE 73065, postcode 73000). Activity reports (the Coop's CRA) need all three.
DEFAULT_INSEE, DEFAULT_POSTCODE, DEFAULT_COMMUNE = "73065", "73000", "Chambéry"


@dataclass(frozen=True)
class Site:
    """A place the Dynamobile may stop at."""

    id: str
    name: str
    kind: str
    lat: float | None
    lon: float | None
    service_min: int
    windows: tuple[Window, ...]
    priority: int = 1
    address: str = ""
    quartier: str = ""
    vehicle_kinds: frozenset[str] | None = None  # None: any vehicle kind may serve it
    notes: str = ""
    every_days: int | None = None  # target frequency: one visit every N days
    visits: int | None = None  # or: target number of visits per planned period
    min_gap_days: int | None = None  # minimum days between two visits
    last_visit: dt.date | None = None  # history, for spacing and "days since last visit"
    insee: str = DEFAULT_INSEE  # the commune the site is in: INSEE code, postcode, name
    postcode: str = DEFAULT_POSTCODE
    commune: str = DEFAULT_COMMUNE
    # Where the vehicle parks, when not at the street nearest the stand (both or neither).
    park_lat: float | None = None
    park_lon: float | None = None

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def has_own_parking(self) -> bool:
        return self.park_lat is not None and self.park_lon is not None

    @property
    def park_point(self) -> tuple[float | None, float | None]:
        """Where the vehicle parks: the site's own parking point, else the stand itself."""
        if self.park_lat is not None and self.park_lon is not None:
            return self.park_lat, self.park_lon
        return self.lat, self.lon

    def allows(self, vehicle_kind: str) -> bool:
        return self.vehicle_kinds is None or vehicle_kind in self.vehicle_kinds

    def target_visits(self, days: int) -> int:
        """Visits wanted over a period of ``days`` days (default: one)."""
        if self.visits is not None:
            return self.visits
        if self.every_days:
            return max(1, math.ceil(days / self.every_days))
        return 1

    @property
    def min_gap(self) -> int:
        """Minimum days between two visits (default: 70 % of ``every_days``, else 1)."""
        if self.min_gap_days is not None:
            return self.min_gap_days
        if self.every_days:
            return max(1, math.ceil(0.7 * self.every_days))
        return 1


@dataclass(frozen=True)
class Lunch:
    """A lunch break of ``minutes`` that must start and end inside [earliest_min, latest_min]."""

    earliest_min: int
    latest_min: int
    minutes: int


@dataclass(frozen=True)
class Vehicle:
    """A vehicle with its crew's shift; setup and pack-up happen at every stop."""

    id: str
    kind: str
    profile: str
    shift_start_min: int
    shift_end_min: int
    working_days: frozenset[int]
    setup_min: int = 0
    packup_min: int = 0
    lunch: Lunch | None = None
    max_drive_min: int | None = None
    name: str = ""
    crew: tuple[str, ...] = ()
    days_off: frozenset[dt.date] = frozenset()  # this crew's days off (the team's are in Calendar)

    def works_on(self, day: dt.date) -> bool:
        """Weekday rule only; `dynamobile.calendars.works_on` adds public holidays and days off."""
        return day.weekday() in self.working_days


@dataclass(frozen=True)
class VehicleOption:
    """A fleet the city might choose, for `dynamobile compare`: ``count`` vehicles of one kind,
    with its own setup times and speeds; shifts, days and breaks come from the scenario's vehicles."""

    id: str
    kind: str
    profile: str
    label: str = ""
    count: int = 1
    setup_min: int = 0
    packup_min: int = 0
    drive_speed_factor: float | None = None  # replaces the scenario's, for motor vehicles
    bike_speed_kph: float | None = None  # replaces the scenario's, for cargo bikes


@dataclass(frozen=True)
class Depot:
    """Where tours start and end; known by coordinates, or by an address geocoded when online."""

    name: str
    lat: float | None
    lon: float | None
    address: str = ""


@dataclass(frozen=True)
class StreetSource:
    """Where streets come from: an OSM XML file, or a place name / bbox downloaded with osmnx."""

    osm_file: Path | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north

    def describe(self) -> str:
        if self.osm_file:
            return f"fichier OSM {self.osm_file}"
        if self.place:
            return f"téléchargement OSM « {self.place} »"
        return f"téléchargement OSM bbox {self.bbox}"


@dataclass(frozen=True)
class RoutingSettings:
    """Street-network settings shared by all vehicles of a scenario."""

    bike_speed_kph: float = 12.0
    snap_max_m: float = 300.0
    drive_speed_factor: float = 1.0  # <1 to account for urban congestion on osmnx's speeds


@dataclass(frozen=True)
class Calendar:
    """Days off and school holidays of a scenario (see `dynamobile.calendars` for the lookups)."""

    public_holidays: str = "off"  # "off": no tour on French public holidays; "work"
    school_zone: str | None = "A"  # French school-holiday zone (Chambéry: A); None: unknown
    days_off: frozenset[dt.date] = frozenset()  # team days off: no tour by any vehicle


@dataclass(frozen=True)
class Scenario:
    """Everything the planner needs: depot, streets, vehicles and sites."""

    name: str
    depot: Depot
    streets: StreetSource
    vehicles: tuple[Vehicle, ...]
    sites: tuple[Site, ...]
    routing: RoutingSettings = field(default_factory=RoutingSettings)
    source: Path | None = None
    notes: str = ""
    default_date: dt.date | None = None  # the day `dynamobile demo` plans
    options: tuple[VehicleOption, ...] = ()  # fleets to compare
    calendar: Calendar = field(default_factory=Calendar)

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)

    def vehicle(self, vehicle_id: str) -> Vehicle:
        for vehicle in self.vehicles:
            if vehicle.id == vehicle_id:
                return vehicle
        raise KeyError(vehicle_id)
