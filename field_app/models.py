"""Database rows of the field app (SQLAlchemy 2.0). Rows only: conversions live in services.

Times are stored as naive UTC (`UTCDateTime`) so SQLite and PostgreSQL behave the same, and
come back as aware UTC datetimes; views convert them to Europe/Paris.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from . import vocab


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # see vocab.ROLES
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Copied into the session cookie at login; raising it (logout, password reset, deactivation)
    # ends every session of the user at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginFailure(Base):
    """One failed login, counted per (user name, address) and per address (``key``) within a window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class TourAgent(Base):
    __tablename__ = "tour_agents"

    tour_id: Mapped[int] = mapped_column(
        ForeignKey("tours.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Tour(Base):
    """One vehicle's day from an imported plan; (date, vehicle) is its natural key."""

    __tablename__ = "tours"
    __table_args__ = (UniqueConstraint("date", "vehicle", name="uq_tours_date_vehicle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    vehicle: Mapped[str] = mapped_column(String(80))
    vehicle_name: Mapped[str] = mapped_column(String(200), default="")
    vehicle_kind: Mapped[str] = mapped_column(String(80), default="")
    scenario: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # published_plans.id of the plan this tour was last published from (migration 0006; None
    # for tours published before it): its route sheets and exports are made from that plan.
    published_plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)

    stops: Mapped[list[Stop]] = relationship(
        back_populates="tour", order_by="Stop.position", cascade="all, delete-orphan"
    )
    agents: Mapped[list[User]] = relationship(secondary="tour_agents", order_by="User.name")


class Stop(Base):
    """A visit of a site; (tour, site, occurrence) is its natural key across re-imports."""

    __tablename__ = "stops"
    __table_args__ = (UniqueConstraint("tour_id", "site", "occurrence", name="uq_stops_tour_site"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tours.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    site: Mapped[str] = mapped_column(String(80))
    occurrence: Mapped[int] = mapped_column(
        Integer, default=0
    )  # n-th visit of that site in the tour
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    quartier: Mapped[str] = mapped_column(String(120), default="")
    # The commune, from the scenario's sites (migration 0002 gave older stops Chambéry's).
    insee: Mapped[str] = mapped_column(String(5), default="73065", server_default="73065")
    postcode: Mapped[str] = mapped_column(String(5), default="73000", server_default="73000")
    commune: Mapped[str] = mapped_column(String(120), default="Chambéry", server_default="Chambéry")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    arrive: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    setup_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    leave: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)  # times changed by a coordinator
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    in_plan: Mapped[bool] = mapped_column(Boolean, default=True)  # False: dropped by a later import
    # What a coordinator adds to the stop's collective CRA: Coop thématique codes (space-separated)
    # and workshop level (vocab.NIVEAUX, "" if not given). Re-imports keep them.
    cra_thematiques: Mapped[str] = mapped_column(String(600), default="", server_default="")
    cra_niveau: Mapped[str] = mapped_column(String(20), default="", server_default="")

    tour: Mapped[Tour] = relationship(back_populates="stops")


class Record(Base):
    """The sync ledger: one row per client-generated UUID, with the hash of its content."""

    __tablename__ = "records"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), index=True)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of what the client sent
    content_sha256: Mapped[str] = mapped_column(String(64))
    client_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Corrections (migration 0007): a record may replace an earlier one (a corrected encounter,
    # or ``kind`` "void": a deletion). The earlier row stays here, with its content, for audit;
    # its ``interactions`` row is removed, so every count reads the current version only.
    replaces: Mapped[str | None] = mapped_column(String(36), nullable=True)
    superseded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StopEvent(Base):
    """A check-in or check-out at a stop, with an optional GPS position."""

    __tablename__ = "stop_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"), unique=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))  # checkin | checkout
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)


class Interaction(Base):
    """Anonymous counts and categories of one encounter (``source`` form) or one +1 (tally)."""

    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_uuid: Mapped[str] = mapped_column(ForeignKey("records.uuid"), unique=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(10))  # form | tally
    # Which age bands the row counts in: "v1" the first form's (rows from before migration 0002
    # included; never rewritten), "coop" the Coop's. See vocab.SCHEME_*.
    age_scheme: Mapped[str] = mapped_column(String(8), server_default="v1")
    # The first form's bands.
    age_0_11: Mapped[int] = mapped_column(Integer, default=0)
    age_12_17: Mapped[int] = mapped_column(Integer, default=0)
    age_18_25: Mapped[int] = mapped_column(Integer, default=0)
    age_26_59: Mapped[int] = mapped_column(Integer, default=0)
    age_60_plus: Mapped[int] = mapped_column(Integer, default=0)
    # The Coop's bands (vocab.TRANCHES_AGE); its « non communiqué » is ``age_unknown``.
    age_moins_de_douze: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_douze_dix_huit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_dix_huit_vingt_quatre: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_vingt_cinq_trente_neuf: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_quarante_cinquante_neuf: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_soixante_soixante_neuf: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_soixante_dix_plus: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    age_unknown: Mapped[int] = mapped_column(Integer, default=0)
    # Optional counts (Coop form only); whoever is not counted is « non communiqué ».
    genre_feminin: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    genre_masculin: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    statut_scolarise: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    statut_sans_emploi: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    statut_en_emploi: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    statut_retraite: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Multi-valued categories: space-separated codes from vocab (codes contain no spaces).
    topics: Mapped[str] = mapped_column(String(300), default="")
    equipment: Mapped[str] = mapped_column(String(300), default="")
    invitations: Mapped[str] = mapped_column(String(300), default="")
    visit: Mapped[str] = mapped_column(String(10), default="unknown")  # vocab.VISITS
    note: Mapped[str] = mapped_column(String(280), default="")

    @property
    def people(self) -> int:
        return sum(getattr(self, column) for column in AGE_COLUMNS)


def age_column(code: str) -> str:
    """The `Interaction` column of an age band code (either form's)."""
    return "age_unknown" if code == vocab.NON_COMMUNIQUE else f"age_{code}"


AGE_COLUMNS = tuple(age_column(code) for code in (*vocab.V1_AGE_BANDS, *vocab.TRANCHES_AGE))

# queued → running → done | failed | cancelled; running → cancelling → cancelled;
# queued → cancelled; failed | cancelled → queued (retry).
JOB_STATES = ("queued", "running", "cancelling", "done", "failed", "cancelled")
ACTIVE_STATES = ("running", "cancelling")


class PlanJob(Base):
    """One « plan this period » request: its parameters, its progress and its result."""

    __tablename__ = "plan_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # organisations.id (migration 0004); a plain column so that the two revisions stay independent.
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # users.id
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    params: Mapped[dict] = mapped_column(JSON)  # {"from", "days", "seconds", "fairness"}
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    stage: Mapped[str] = mapped_column(String(20), default="")
    message: Mapped[str] = mapped_column(String(500), default="")  # French, shown as is
    elapsed_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    remaining_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    visits: Mapped[int | None] = mapped_column(Integer, nullable=True)  # best plan so far
    visits_wanted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    priority_share: Mapped[float | None] = mapped_column(Float, nullable=True)  # 0..1, best so far
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who runs it ("host:pid:boot") and when it last said so: a worker that died leaves both.
    worker: Mapped[str] = mapped_column(String(200), default="")
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    plan_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    task_id: Mapped[str] = mapped_column(String(64), default="")  # Huey's


class PublishedPlan(Base):
    """A plan.json as it was published: the route sheets and exports are made from it again.

    Stop rows keep neither the streets nor the legs' paths, so they cannot rebuild a sheet. A
    plan published twice unchanged is one row; rows no tour points to any more are deleted.
    """

    __tablename__ = "published_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    scenario: Mapped[str] = mapped_column(String(200), default="")
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date] = mapped_column(Date)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    plan_json: Mapped[str] = mapped_column(Text)


class InvitationCard(Base):
    """One invitation card (issue 12 item 7): a short anonymous code, printed in a series for a
    tour, handed out at a stop and entered at La Dynamo's reception. A code names a card, never a
    person. A card handed out « sans code » is a row without code: counted, never redeemed."""

    __tablename__ = "invitation_cards"
    __table_args__ = (UniqueConstraint("code", name="uq_invitation_cards_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    # The tour whose series the card was printed for (the stop's tour for a card « sans code »).
    tour_id: Mapped[int] = mapped_column(ForeignKey("tours.id", ondelete="CASCADE"), index=True)
    series: Mapped[int] = mapped_column(Integer, default=0)  # 1, 2… per tour; 0 « sans code »
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("stops.id"), nullable=True, index=True)
    handed_out_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, nullable=True, index=True
    )
    handed_out_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    handout_record: Mapped[str | None] = mapped_column(String(36), nullable=True)  # records.uuid
    redeemed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    redeemed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
