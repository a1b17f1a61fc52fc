"""Database rows of the planning scenario: organisation, depot and settings, sites, vehicles.

Rows only; `field_app.scenario_store` converts them to and from `dynamobile.model.Scenario`.
Every row belongs to an organisation (one default organisation today), so hosting several
tiers-lieux later needs no data migration. Sites and vehicles are archived, never deleted: past
tours and records name them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime, utcnow

DEFAULT_ORGANISATION_ID = 1
DEFAULT_ORGANISATION_NAME = "La Dynamo"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScenarioSettings(Base):
    """One per organisation: the scenario's name, depot, street source, speeds and calendar."""

    __tablename__ = "scenario_settings"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    depot_name: Mapped[str] = mapped_column(String(200), default="")
    depot_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    depot_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    depot_address: Mapped[str] = mapped_column(String(300), default="")
    # Street source: an OSM file name (resolved like a scenario's `osm_file`), or a place, or a bbox.
    osm_file: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    bbox: Mapped[str] = mapped_column(String(120), default="")  # "west,south,east,north"
    bike_speed_kph: Mapped[float] = mapped_column(Float, default=12.0)
    snap_max_m: Mapped[float] = mapped_column(Float, default=300.0)
    drive_speed_factor: Mapped[float] = mapped_column(Float, default=1.0)
    public_holidays: Mapped[str] = mapped_column(String(10), default="off")
    school_zone: Mapped[str] = mapped_column(String(20), default="A")  # "" when unknown
    days_off: Mapped[str] = mapped_column(Text, default="")  # ISO dates, comma-separated
    default_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    options_json: Mapped[str] = mapped_column(Text, default="[]")  # fleets for `compare`
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SiteRow(Base):
    """A site of the catalogue; ``code`` is the scenario's site id (stable, used by plans)."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("organisation_id", "code", name="uq_sites_org_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    service_min: Mapped[int] = mapped_column(Integer)
    windows: Mapped[str] = mapped_column(Text)  # canonical window text, as `Window.__str__` writes
    priority: Mapped[int] = mapped_column(Integer, default=1)
    address: Mapped[str] = mapped_column(String(300), default="")
    quartier: Mapped[str] = mapped_column(String(200), default="")
    vehicle_kinds: Mapped[str | None] = mapped_column(String(100), nullable=True)  # None: any
    notes: Mapped[str] = mapped_column(Text, default="")
    every_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    visits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_gap_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_visit: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    insee: Mapped[str] = mapped_column(String(10))
    postcode: Mapped[str] = mapped_column(String(10))
    commune: Mapped[str] = mapped_column(String(200))
    # Where the vehicle parks when not at the street nearest the site (both or neither).
    park_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    park_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the catalogue
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VehicleRow(Base):
    """A vehicle of the fleet with its crew's shift; ``code`` is the scenario's vehicle id."""

    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("organisation_id", "code", name="uq_vehicles_org_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(30))
    profile: Mapped[str] = mapped_column(String(20))
    shift_start_min: Mapped[int] = mapped_column(Integer)
    shift_end_min: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[str] = mapped_column(String(60))  # "tue,wed,thu,fri,sat"
    setup_min: Mapped[int] = mapped_column(Integer, default=0)
    packup_min: Mapped[int] = mapped_column(Integer, default=0)
    lunch_earliest_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lunch_latest_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lunch_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_drive_min: Mapped[int | None] = mapped_column(Integer, nullable=True)
    crew: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of names
    days_off: Mapped[str] = mapped_column(Text, default="")  # ISO dates, comma-separated
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
