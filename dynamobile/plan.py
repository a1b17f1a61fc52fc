"""The result of planning: tours of stops with times, and sites not visited with their reason.

`plan.json` is the JSON form of `Plan` (see README, "plan.json"); `plan_to_dict` and
`plan_from_dict` are exact inverses so that maps, exports and the field app read what the
planner wrote. `plan_from_dict` first checks the version and `plan.schema.json`, the one
definition of the format.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .errors import InputError
from .model import DEFAULT_COMMUNE, DEFAULT_INSEE, DEFAULT_POSTCODE

PLAN_VERSION = 1

# Reason codes for sites that are not in any tour.
CLOSED = "closed"
NO_VEHICLE = "no_vehicle"
UNREACHABLE = "unreachable"
WINDOW_TOO_SHORT = "window_too_short"
OUTSIDE_SHIFT = "outside_shift"
NO_TIME = "no_time"
RECENT_VISIT = "recent_visit"
REASON_CODES = (
    CLOSED,
    NO_VEHICLE,
    UNREACHABLE,
    WINDOW_TOO_SHORT,
    OUTSIDE_SHIFT,
    NO_TIME,
    RECENT_VISIT,
)


@dataclass(frozen=True)
class Stop:
    """A visit: arrive, set up (from ``setup_start``), open to the public [start, end], pack up, leave.

    ``drive_s`` and ``distance_m`` are those of the leg from the previous point (depot or stop);
    ``path`` lists the street-graph node ids of that leg and ``geometry`` its ``[lon, lat]`` points.
    """

    site: str
    name: str
    kind: str
    lat: float
    lon: float
    arrive: dt.datetime
    setup_start: dt.datetime
    start: dt.datetime
    end: dt.datetime
    leave: dt.datetime
    drive_s: int
    distance_m: int
    address: str = ""
    quartier: str = ""
    priority: int = 1
    path: tuple[int, ...] = ()
    geometry: tuple[tuple[float, float], ...] = ()
    insee: str = DEFAULT_INSEE  # the site's commune: INSEE code, postcode, name
    postcode: str = DEFAULT_POSTCODE
    commune: str = DEFAULT_COMMUNE

    @property
    def service_s(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class Break:
    """A crew break (lunch) taken between ``start`` and ``end``; ``after_stop`` is the index of
    the stop it follows (-1: before the first stop)."""

    start: dt.datetime
    end: dt.datetime
    after_stop: int
    label: str = "Pause déjeuner"


@dataclass(frozen=True)
class Tour:
    """One vehicle's day: depart from the depot at ``start``, back at ``end``."""

    vehicle: str
    vehicle_kind: str
    profile: str
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    stops: tuple[Stop, ...]
    breaks: tuple[Break, ...]
    distance_m: int
    drive_s: int
    return_drive_s: int
    return_distance_m: int
    return_path: tuple[int, ...] = ()
    return_geometry: tuple[tuple[float, float], ...] = ()
    vehicle_name: str = ""
    crew: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unassigned:
    """A site not visited, with a reason code (see REASON_CODES) and a French sentence."""

    site: str
    name: str
    code: str
    reason: str
    date: dt.date | None = None
    extra_min: int | None = None  # for NO_TIME: cheapest extra time its visit would need
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Depot:
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Plan:
    version: int
    scenario: str
    dates: tuple[dt.date, ...]
    depot: Depot
    tours: tuple[Tour, ...]
    unassigned: tuple[Unassigned, ...]
    streets: dict = field(default_factory=dict)  # street source and routing settings, see README
    timezone: str = "Europe/Paris"
    stats: dict = field(default_factory=dict)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def _stop_to_dict(stop: Stop) -> dict:
    return {
        "site": stop.site,
        "name": stop.name,
        "kind": stop.kind,
        "address": stop.address,
        "quartier": stop.quartier,
        "insee": stop.insee,
        "postcode": stop.postcode,
        "commune": stop.commune,
        "priority": stop.priority,
        "lat": stop.lat,
        "lon": stop.lon,
        "arrive": _iso(stop.arrive),
        "setup_start": _iso(stop.setup_start),
        "start": _iso(stop.start),
        "end": _iso(stop.end),
        "leave": _iso(stop.leave),
        "drive_s": stop.drive_s,
        "distance_m": stop.distance_m,
        "path": list(stop.path),
        "geometry": [list(p) for p in stop.geometry],
    }


def plan_to_dict(plan: Plan) -> dict:
    """The JSON-ready form of a plan (ISO 8601 times with their Europe/Paris offset)."""
    return {
        "version": plan.version,
        "scenario": plan.scenario,
        "timezone": plan.timezone,
        "dates": [d.isoformat() for d in plan.dates],
        "streets": plan.streets,
        "depot": {"name": plan.depot.name, "lat": plan.depot.lat, "lon": plan.depot.lon},
        "tours": [
            {
                "vehicle": t.vehicle,
                "vehicle_name": t.vehicle_name,
                "vehicle_kind": t.vehicle_kind,
                "profile": t.profile,
                "crew": list(t.crew),
                "date": t.date.isoformat(),
                "start": _iso(t.start),
                "end": _iso(t.end),
                "distance_m": t.distance_m,
                "drive_s": t.drive_s,
                "return_drive_s": t.return_drive_s,
                "return_distance_m": t.return_distance_m,
                "return_path": list(t.return_path),
                "return_geometry": [list(p) for p in t.return_geometry],
                "stops": [_stop_to_dict(s) for s in t.stops],
                "breaks": [
                    {
                        "start": _iso(b.start),
                        "end": _iso(b.end),
                        "after_stop": b.after_stop,
                        "label": b.label,
                    }
                    for b in t.breaks
                ],
            }
            for t in plan.tours
        ],
        "unassigned": [
            {
                "site": u.site,
                "name": u.name,
                "code": u.code,
                "reason": u.reason,
                "date": u.date.isoformat() if u.date else None,
                "extra_min": u.extra_min,
                "lat": u.lat,
                "lon": u.lon,
            }
            for u in plan.unassigned
        ],
        "stats": plan.stats,
    }


def _points(raw) -> tuple[tuple[float, float], ...]:
    return tuple((float(p[0]), float(p[1])) for p in raw or ())


@lru_cache(maxsize=1)
def _schema_validator():
    # jsonschema is imported here only: plan.schema.json is the one definition of the format.
    import jsonschema

    schema = json.loads(
        (resources.files(__package__) / "plan.schema.json").read_text(encoding="utf-8")
    )
    return jsonschema.Draft202012Validator(schema)


_TYPES_FR = {
    "object": "objet",
    "array": "liste",
    "string": "texte",
    "integer": "entier",
    "number": "nombre",
    "boolean": "booléen",
    "null": "null",
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


def _schema_problem(error) -> str:
    """« where : what » in French for one jsonschema error (its JSON path, then the rule broken)."""
    where, rule, expected, value = (
        error.json_path,
        error.validator,
        error.validator_value,
        error.instance,
    )
    if rule == "required":
        missing = next((key for key in expected if key not in value), expected[0])
        return f"{where}.{missing} : champ manquant"
    if rule == "type":
        wanted = " ou ".join(
            _TYPES_FR.get(t, t) for t in ([expected] if isinstance(expected, str) else expected)
        )
        return f"{where} : {wanted} attendu (trouvé : {_TYPES_FR.get(_json_type(value), _json_type(value))})"
    shown = json.dumps(value, ensure_ascii=False)[:60]
    if rule == "const":
        return f"{where} : {shown} au lieu de {json.dumps(expected, ensure_ascii=False)}"
    if rule == "enum":
        return f"{where} : {shown} inconnu (attendu : {', '.join(map(str, expected))})"
    if rule == "pattern":
        formats = _schema_validator().schema["$defs"]
        form = {
            formats["time"]["pattern"]: "une heure AAAA-MM-JJTHH:MM:SS+HH:MM",
            formats["date"]["pattern"]: "une date AAAA-MM-JJ",
        }.get(expected, "au format attendu")
        return f"{where} : {shown} n'est pas {form}"
    bounds = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
    if rule in bounds:
        return f"{where} : {shown} doit être {bounds[rule]} {expected}"
    if rule == "minItems":
        return f"{where} : au moins {expected} élément(s) attendu(s)"
    if rule == "maxItems":
        return f"{where} : au plus {expected} élément(s) attendu(s)"
    if rule == "minLength":
        return f"{where} : texte vide"
    return f"{where} : valeur invalide"


def check_plan_dict(data) -> None:
    """Refuse a plan.json of another version, or one that does not match plan.schema.json.

    Raises InputError with one French line: the version found, or the JSON path of the most
    relevant problem.
    """
    version = data.get("version") if isinstance(data, dict) and "version" in data else PLAN_VERSION
    if type(version) is not int or version != PLAN_VERSION:
        raise InputError(
            f"plan.json : version {json.dumps(version, ensure_ascii=False)} inconnue "
            f"(attendu {PLAN_VERSION}) — replanifiez avec cette version de Dynamobile"
        )
    from jsonschema.exceptions import best_match

    error = best_match(_schema_validator().iter_errors(data))
    if error is not None:
        raise InputError(f"plan.json : plan illisible en {_schema_problem(error)}")


def plan_from_dict(data: dict) -> Plan:
    """Rebuild a `Plan` from `plan_to_dict` output.

    Raises InputError for another version or a document that does not match plan.schema.json
    (see `check_plan_dict`); a value the schema cannot judge (a date like 2024-02-30) still raises
    ValueError.
    """
    check_plan_dict(data)
    when = dt.datetime.fromisoformat
    tours = []
    for t in data["tours"]:
        stops = tuple(
            Stop(
                site=s["site"],
                name=s["name"],
                kind=s.get("kind", "other"),
                lat=float(s["lat"]),
                lon=float(s["lon"]),
                arrive=when(s["arrive"]),
                setup_start=when(s.get("setup_start", s["arrive"])),
                start=when(s["start"]),
                end=when(s["end"]),
                leave=when(s["leave"]),
                drive_s=int(s["drive_s"]),
                distance_m=int(s["distance_m"]),
                address=s.get("address", ""),
                quartier=s.get("quartier", ""),
                insee=s.get("insee", DEFAULT_INSEE),
                postcode=s.get("postcode", DEFAULT_POSTCODE),
                commune=s.get("commune", DEFAULT_COMMUNE),
                priority=int(s.get("priority", 1)),
                path=tuple(s.get("path", ())),
                geometry=_points(s.get("geometry")),
            )
            for s in t["stops"]
        )
        breaks = tuple(
            Break(
                when(b["start"]),
                when(b["end"]),
                int(b.get("after_stop", -1)),
                b.get("label", "Pause déjeuner"),
            )
            for b in t.get("breaks", ())
        )
        tours.append(
            Tour(
                vehicle=t["vehicle"],
                vehicle_kind=t.get("vehicle_kind", ""),
                profile=t.get("profile", "drive"),
                date=dt.date.fromisoformat(t["date"]),
                start=when(t["start"]),
                end=when(t["end"]),
                stops=stops,
                breaks=breaks,
                distance_m=int(t["distance_m"]),
                drive_s=int(t["drive_s"]),
                return_drive_s=int(t["return_drive_s"]),
                return_distance_m=int(t["return_distance_m"]),
                return_path=tuple(t.get("return_path", ())),
                return_geometry=_points(t.get("return_geometry")),
                vehicle_name=t.get("vehicle_name", ""),
                crew=tuple(t.get("crew", ())),
            )
        )
    unassigned = tuple(
        Unassigned(
            site=u["site"],
            name=u.get("name", u["site"]),
            code=u["code"],
            reason=u["reason"],
            date=dt.date.fromisoformat(u["date"]) if u.get("date") else None,
            extra_min=u.get("extra_min"),
            lat=u.get("lat"),
            lon=u.get("lon"),
        )
        for u in data.get("unassigned", ())
    )
    depot = data["depot"]
    return Plan(
        version=int(data["version"]),
        scenario=data.get("scenario", ""),
        dates=tuple(dt.date.fromisoformat(d) for d in data.get("dates", ())),
        depot=Depot(depot["name"], float(depot["lat"]), float(depot["lon"])),
        tours=tuple(tours),
        unassigned=unassigned,
        streets=dict(data.get("streets") or {}),
        timezone=data.get("timezone", "Europe/Paris"),
        stats=data.get("stats", {}),
    )
