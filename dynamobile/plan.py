"""The result of planning: tours of stops with times, and sites not visited with their reason.

`plan.json` is the JSON form of `Plan` (see README, "plan.json"). The dataclasses below are its
one definition: their field types (with the constraints in `Annotated`) drive the writer
(`plan_to_dict`), the reader (`plan_from_dict`, which refuses another version and names the first
bad field in French) and the JSON Schema (`dynamobile.plan_schema`, committed as plan.schema.json), all
through pydantic, so that the three cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from typing_extensions import TypedDict  # pydantic needs it for TypedDicts before Python 3.12

from .errors import InputError
from .model import DEFAULT_COMMUNE, DEFAULT_INSEE, DEFAULT_POSTCODE, PROFILES, VEHICLE_KINDS

PLAN_VERSION = 1
TIMEZONE = "Europe/Paris"

# Reason codes for sites that are not in any tour.
CLOSED = "closed"
NO_VEHICLE = "no_vehicle"
UNREACHABLE = "unreachable"
WINDOW_TOO_SHORT = "window_too_short"
OUTSIDE_SHIFT = "outside_shift"
NO_TIME = "no_time"
RECENT_VISIT = "recent_visit"
EXCLUDED = "excluded"  # left out of this run by the coordinator
REASON_CODES = (
    CLOSED,
    NO_VEHICLE,
    UNREACHABLE,
    WINDOW_TOO_SHORT,
    OUTSIDE_SHIFT,
    NO_TIME,
    RECENT_VISIT,
    EXCLUDED,
)

TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:60]


def _read_time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return value
    if isinstance(value, str) and re.fullmatch(TIME_PATTERN, value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "plan_time", "{shown} : cette heure n'existe pas", {"shown": _shown(value)}
            ) from None
    raise PydanticCustomError(
        "plan_time",
        "{shown} n'est pas une heure AAAA-MM-JJTHH:MM:SS+HH:MM",
        {"shown": _shown(value)},
    )


def _read_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "plan_date", "{shown} : cette date n'existe pas", {"shown": _shown(value)}
            ) from None
    raise PydanticCustomError(
        "plan_date", "{shown} n'est pas une date AAAA-MM-JJ", {"shown": _shown(value)}
    )


def _one_of(*allowed: str) -> Callable[[str], str]:
    """A check that a text is one of ``allowed`` (its JSON Schema is given beside it)."""

    def check(value: str) -> str:
        if value in allowed:
            return value
        if len(allowed) == 1:
            raise PydanticCustomError(
                "plan_const",
                "{shown} au lieu de {expected}",
                {"shown": _shown(value), "expected": _shown(allowed[0])},
            )
        raise PydanticCustomError(
            "plan_enum",
            "{shown} inconnu (attendu : {expected})",
            {"shown": _shown(value), "expected": ", ".join(allowed)},
        )

    return check


# ISO 8601 with the Europe/Paris offset, to the second, e.g. 2026-11-28T09:30:00+01:00.
Time = Annotated[
    dt.datetime,
    PlainValidator(_read_time),
    PlainSerializer(lambda t: t.isoformat(timespec="seconds"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIME_PATTERN}),
]
Date = Annotated[
    dt.date,
    PlainValidator(_read_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
Seconds = Annotated[int, Field(ge=0, description="seconds")]
Metres = Annotated[int, Field(ge=0, description="metres")]
LonLat = tuple[float, float]  # WGS84 degrees, [lon, lat] as in GeoJSON
VehicleKind = Annotated[
    str,
    AfterValidator(_one_of(*VEHICLE_KINDS)),
    WithJsonSchema({"type": "string", "enum": list(VEHICLE_KINDS)}),
]
Profile = Annotated[
    str,
    AfterValidator(_one_of(*PROFILES)),
    WithJsonSchema({"type": "string", "enum": list(PROFILES)}),
]
ReasonCode = Annotated[
    str,
    AfterValidator(_one_of(*REASON_CODES)),
    WithJsonSchema({"type": "string", "enum": list(REASON_CODES)}),
]
Timezone = Annotated[
    str, AfterValidator(_one_of(TIMEZONE)), WithJsonSchema({"type": "string", "const": TIMEZONE})
]
Version = Annotated[int, WithJsonSchema({"type": "integer", "const": PLAN_VERSION})]


# A walk longer than this between where the vehicle parks and the stand is shown to the crew.
WALK_SHOWN_M = 30


@dataclass(frozen=True)
class Parking:
    """Where the vehicle parks (a node of its profile's streets) and the walk from there to the
    stand: ``walk_m`` on foot, first heading ``direction`` (French, « vers le nord-est »,
    from ``bearing_deg``), along ``walk_geometry`` ([lon, lat], parking first). ``straight``:
    the street data has no path on foot, so the geometry is a straight line. ``own``: the site's
    own parking point (``park_lat``/``park_lon``) rather than the street nearest the stand."""

    lat: float
    lon: float
    walk_m: Metres
    bearing_deg: Annotated[int, Field(ge=0, lt=360)]
    direction: str
    street: str = ""
    walk_geometry: tuple[LonLat, ...] = ()
    straight: bool = False
    own: bool = False

    @property
    def shown(self) -> bool:
        """Whether the crew is told to walk (more than `WALK_SHOWN_M`)."""
        return self.walk_m > WALK_SHOWN_M


@dataclass(frozen=True)
class Stop:
    """A visit: arrive, set up (from ``setup_start``), open to the public [start, end], pack up, leave.

    ``drive_s`` and ``distance_m`` are those of the leg from the previous point (depot or stop);
    ``path`` lists the street-graph node ids of that leg and ``geometry`` its ``[lon, lat]`` points.
    """

    site: str
    name: str
    kind: Annotated[
        str,
        Field(
            description="Site kind; the planner writes forecourt, market, fete, school, "
            "social_centre or other, readers show any other kind as it is."
        ),
    ]
    lat: float
    lon: float
    arrive: Time
    setup_start: Time
    start: Time
    end: Time
    leave: Time
    drive_s: Seconds
    distance_m: Metres
    address: str = ""
    quartier: str = ""
    priority: Annotated[int, Field(ge=1)] = 1
    path: tuple[int, ...] = ()
    geometry: tuple[LonLat, ...] = ()
    # the site's commune: INSEE code, postcode, name
    insee: Annotated[str, Field(pattern=r"^(\d{5}|2[AB]\d{3})$")] = DEFAULT_INSEE
    postcode: Annotated[str, Field(pattern=r"^\d{5}$")] = DEFAULT_POSTCODE
    commune: str = DEFAULT_COMMUNE
    parking: Parking | None = None  # absent from plans made before parking points

    @property
    def service_s(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class Break:
    """A crew break (lunch) taken between ``start`` and ``end``; ``after_stop`` is the index of
    the stop it follows (-1: before the first stop)."""

    start: Time
    end: Time
    after_stop: Annotated[int, Field(ge=-1)]
    label: str = "Pause déjeuner"


@dataclass(frozen=True)
class Tour:
    """One vehicle's day: depart from the depot at ``start``, back at ``end``."""

    vehicle: str
    vehicle_kind: VehicleKind
    profile: Profile
    date: Date
    start: Time
    end: Time
    stops: Annotated[tuple[Stop, ...], Field(min_length=1)]
    breaks: tuple[Break, ...]
    distance_m: Metres
    drive_s: Seconds
    return_drive_s: Seconds
    return_distance_m: Metres
    return_path: tuple[int, ...] = ()
    return_geometry: tuple[LonLat, ...] = ()
    vehicle_name: str = ""
    crew: tuple[str, ...] = ()
    # Where the tour starts and ends on the vehicle's streets, and the walk to the depot itself.
    depot_parking: Parking | None = None


@dataclass(frozen=True)
class Unassigned:
    """A site not visited, with a reason code (see REASON_CODES) and a French sentence."""

    site: str
    name: str
    code: ReasonCode
    reason: Annotated[str, Field(min_length=1)]
    date: Date | None = None
    extra_min: int | None = None  # for NO_TIME: cheapest extra time its visit would need
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Depot:
    name: str
    lat: float
    lon: float


class Streets(TypedDict, total=False):
    """The street source and routing settings the planner used, so that maps and sheets reload the
    same graphs; empty for a plan built without streets (then `dynamobile sheets` needs
    --osm-file). An OSM file is recorded by name and content (sha256) and looked for beside the
    plan, then in ../shared/data/osm; plans of older versions of Dynamobile give its absolute path
    instead, without sha256."""

    osm_file: str | None
    osm_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None
    place: str | None
    bbox: tuple[float, float, float, float] | None  # west, south, east, north
    bike_speed_kph: Annotated[float, Field(gt=0)]
    drive_speed_factor: Annotated[float, Field(gt=0)]
    snap_max_m: Annotated[float, Field(gt=0)]
    description: str


@dataclass(frozen=True)
class Plan:
    version: Version
    scenario: str
    dates: Annotated[tuple[Date, ...], Field(min_length=1)]
    depot: Depot
    tours: tuple[Tour, ...]
    unassigned: tuple[Unassigned, ...]
    streets: Streets = field(default_factory=Streets)  # see README
    timezone: Timezone = TIMEZONE
    stats: dict[str, Any] = field(default_factory=dict)


_PLAN = TypeAdapter(Plan)


def plan_to_dict(plan: Plan) -> dict:
    """The JSON-ready form of a plan (ISO 8601 times with their Europe/Paris offset)."""
    return _PLAN.dump_python(plan, mode="json")


_TYPES_FR = {
    "object": "objet",
    "array": "liste",
    "string": "texte",
    "integer": "entier",
    "number": "nombre",
    "boolean": "booléen",
    "null": "null",
}
# pydantic's error types for a value of the wrong JSON type, and the type that was expected.
_EXPECTED = {
    "int_type": "integer",
    "int_from_float": "integer",
    "int_parsing": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "string_type": "string",
    "bool_type": "boolean",
    "list_type": "array",
    "tuple_type": "array",
    "dict_type": "object",
    "dataclass_type": "object",
    "model_type": "object",
}


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for name, kind in (
        ("integer", int),
        ("number", float),
        ("string", str),
        ("array", list),
        ("object", dict),
    ):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _json_path(loc: tuple) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _problem(error: ErrorDetails) -> str:
    """« where : what » in French for one pydantic error (its JSON path, then the rule broken)."""
    where, kind, value, ctx = (
        _json_path(error["loc"]),
        error["type"],
        error.get("input"),
        error.get("ctx") or {},
    )
    if kind.startswith("plan_"):  # our own checks, already French
        return f"{where} : {error['msg']}"
    if kind == "missing":
        return f"{where} : {'élément' if isinstance(error['loc'][-1], int) else 'champ'} manquant"
    if kind in _EXPECTED:
        found = _json_type(value)
        return f"{where} : {_TYPES_FR[_EXPECTED[kind]]} attendu (trouvé : {_TYPES_FR.get(found, found)})"
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"{where} : {_shown(value)} doit être {sign} {ctx.get(key)}"
    if kind == "too_short":
        return f"{where} : au moins {ctx.get('min_length')} élément(s) attendu(s)"
    if kind == "too_long":
        return f"{where} : au plus {ctx.get('max_length')} élément(s) attendu(s)"
    if kind == "string_too_short":
        return f"{where} : texte vide"
    if kind == "string_pattern_mismatch":
        return f"{where} : {_shown(value)} n'est pas au format attendu"
    if kind == "finite_number":
        return f"{where} : nombre fini attendu"
    return f"{where} : valeur invalide"


def _check_version(data: Any) -> None:
    version = data.get("version") if isinstance(data, dict) and "version" in data else PLAN_VERSION
    if type(version) is not int or version != PLAN_VERSION:
        raise InputError(
            f"plan.json : version {json.dumps(version, ensure_ascii=False)} inconnue "
            f"(attendu {PLAN_VERSION}) — replanifiez avec cette version de Dynamobile"
        )


def plan_from_dict(data: Any) -> Plan:
    """Rebuild a `Plan` from `plan_to_dict` output (a parsed plan.json).

    Raises
    ------
    InputError
        With one French line: for another version, the version found; else the JSON path of the
        first field that does not match the format, and why.
    """
    _check_version(data)
    try:
        # JSON mode, strict: "600" is not an integer, and lists stand for tuples.
        return _PLAN.validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise InputError(f"plan.json : plan illisible en {_problem(exc.errors()[0])}") from None


def check_plan_dict(data: Any) -> None:
    """Refuse a plan.json of another version, or one that does not match the format.

    Raises InputError as `plan_from_dict` does.
    """
    plan_from_dict(data)
