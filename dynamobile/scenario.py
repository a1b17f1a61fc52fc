"""Load and validate a scenario: a TOML file (depot, streets, vehicles) and a sites CSV.

Every problem is reported with its file, row and field; all of them at once, so a coordinator
fixes a file in one go. See README, "Scenario format".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tomllib
from pathlib import Path

from .calendars import PUBLIC_HOLIDAY_MODES, SCHOOL_ZONES
from .errors import InputError
from .model import (
    DEFAULT_COMMUNE,
    DEFAULT_INSEE,
    DEFAULT_POSTCODE,
    PROFILES,
    SITE_KINDS,
    VEHICLE_KINDS,
    Calendar,
    Depot,
    Lunch,
    RoutingSettings,
    Scenario,
    Site,
    StreetSource,
    Vehicle,
    VehicleOption,
)
from .osm_files import candidate_osm_paths
from .windows import WindowSyntaxError, format_clock, parse_clock_range, parse_days, parse_windows

SITE_COLUMNS = ("id", "name", "kind", "lat", "lon", "service_min", "windows", "priority")
OPTIONAL_COLUMNS = (
    "address",
    "quartier",
    "vehicles",
    "notes",
    "every_days",
    "visits",
    "min_gap_days",
    "last_visit",
    "insee",
    "postcode",
    "commune",
    "park_lat",
    "park_lon",
)
DEFAULT_PROFILE = {"bus": "drive", "van": "drive", "cargo_bike": "bike"}
CALENDAR_KEYS = ("public_holidays", "school_zone", "days_off")


def parse_coordinate(raw: str, low: float, high: float, what: str) -> float | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    value = float(raw)  # ValueError reported by the caller
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} hors limites ({value})")
    return value


def _positive_int(raw: str, field: str, *, minimum: int = 0) -> int:
    if not str(raw).strip():
        raise ValueError(f"{field} vide (entier ≥ {minimum} attendu)")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{field} doit être un entier (lu « {raw} »)") from None
    if value < minimum:
        raise ValueError(f"{field} doit être au moins {minimum} (lu {value})")
    return value


def parse_site_row(row: dict[str, str]) -> Site:
    """One CSV row to a `Site`; raises ValueError('field: message')."""

    def field_error(name: str, exc: Exception) -> ValueError:
        return ValueError(f"champ {name} : {exc}")

    site_id = (row.get("id") or "").strip()
    if not site_id:
        raise ValueError("champ id : vide")
    name = (row.get("name") or "").strip() or site_id
    kind = (row.get("kind") or "").strip().lower()
    if kind not in SITE_KINDS:
        raise ValueError(f"champ kind : « {kind} » inconnu (attendu {', '.join(SITE_KINDS)})")
    try:
        lat = parse_coordinate(row.get("lat") or "", -90, 90, "latitude")
    except ValueError as exc:
        raise field_error("lat", exc) from None
    try:
        lon = parse_coordinate(row.get("lon") or "", -180, 180, "longitude")
    except ValueError as exc:
        raise field_error("lon", exc) from None
    if (lat is None) != (lon is None):
        raise ValueError("champs lat/lon : donner les deux ou aucun")
    park_lat, park_lon = _parse_parking(row)
    address = (row.get("address") or "").strip()
    if lat is None and not address:
        raise ValueError("champs lat/lon : vides et pas d'adresse à géocoder")
    try:
        service_min = _positive_int(row.get("service_min") or "", "service_min", minimum=1)
        priority = _positive_int(row.get("priority") or "1", "priority", minimum=1)
    except ValueError as exc:
        raise ValueError(f"champ {exc}") from None
    try:
        windows = parse_windows(row.get("windows") or "")
    except WindowSyntaxError as exc:
        raise field_error("windows", exc) from None
    vehicles_raw = (row.get("vehicles") or "").strip()
    vehicle_kinds = None
    if vehicles_raw:
        kinds = frozenset(
            k.strip().lower() for k in vehicles_raw.replace(";", ",").split(",") if k.strip()
        )
        unknown = sorted(kinds - set(VEHICLE_KINDS))
        if unknown:
            raise ValueError(
                f"champ vehicles : {', '.join(unknown)} inconnu (attendu {', '.join(VEHICLE_KINDS)})"
            )
        vehicle_kinds = kinds
    frequency: dict[str, int] = {}
    for key in ("every_days", "visits", "min_gap_days"):
        raw = (row.get(key) or "").strip()
        if raw:
            try:
                frequency[key] = _positive_int(raw, key, minimum=1)
            except ValueError as exc:
                raise ValueError(f"champ {exc}") from None
    commune = _parse_commune(row)
    last_visit = None
    if (row.get("last_visit") or "").strip():
        try:
            last_visit = dt.date.fromisoformat(row["last_visit"].strip())
        except ValueError:
            raise ValueError(
                f"champ last_visit : date AAAA-MM-JJ attendue (lu « {row['last_visit'].strip()} »)"
            ) from None
    return Site(
        id=site_id,
        name=name,
        kind=kind,
        lat=lat,
        lon=lon,
        service_min=service_min,
        windows=windows,
        priority=priority,
        address=address,
        quartier=(row.get("quartier") or "").strip(),
        vehicle_kinds=vehicle_kinds,
        notes=(row.get("notes") or "").strip(),
        last_visit=last_visit,
        every_days=frequency.get("every_days"),
        visits=frequency.get("visits"),
        min_gap_days=frequency.get("min_gap_days"),
        insee=commune.get("insee", DEFAULT_INSEE),
        postcode=commune.get("postcode", DEFAULT_POSTCODE),
        commune=commune.get("commune", DEFAULT_COMMUNE),
        park_lat=park_lat,
        park_lon=park_lon,
    )


def _parse_parking(row: dict[str, str]) -> tuple[float | None, float | None]:
    """The site's own parking point (``park_lat``, ``park_lon``): both, or neither."""
    values = []
    for key, low, high, what in (
        ("park_lat", -90, 90, "latitude"),
        ("park_lon", -180, 180, "longitude"),
    ):
        raw = row.get(key) or ""
        try:
            values.append(parse_coordinate(raw, low, high, what))
        except ValueError as exc:
            reason = (
                str(exc)
                if "hors limites" in str(exc)
                else f"{what} attendue (lu « {raw.strip()} »)"
            )
            raise ValueError(f"champ {key} : {reason}") from None
    park_lat, park_lon = values
    if (park_lat is None) != (park_lon is None):
        raise ValueError("champs park_lat/park_lon : donner les deux ou aucun")
    return park_lat, park_lon


def _parse_commune(row: dict[str, str]) -> dict[str, str]:
    """The site's commune (``insee``, ``postcode``, ``commune``); all empty: the default commune."""
    insee, postcode, name = (
        (row.get(key) or "").strip() for key in ("insee", "postcode", "commune")
    )
    if not insee:
        if postcode or name:
            raise ValueError("champ insee : vide alors que postcode ou commune est rempli")
        return {}
    if not re.fullmatch(r"\d{5}|2[AB]\d{3}", insee):
        raise ValueError(f"champ insee : code INSEE de 5 caractères attendu (lu « {insee} »)")
    if insee == DEFAULT_INSEE:
        postcode, name = postcode or DEFAULT_POSTCODE, name or DEFAULT_COMMUNE
    elif not postcode or not name:
        raise ValueError(
            f"champs postcode et commune : requis quand insee n'est pas {DEFAULT_INSEE} "
            f"({DEFAULT_COMMUNE})"
        )
    if not re.fullmatch(r"\d{5}", postcode):
        raise ValueError(f"champ postcode : code postal de 5 chiffres attendu (lu « {postcode} »)")
    return {"insee": insee, "postcode": postcode, "commune": name}


# UTF-8 for « é » or « ’ »: in Windows-1252 these read « Ã© » and « â€™ », never French.
_UTF8_PAIR_RE = re.compile(rb"\xc3[\x80-\xbf]|\xe2\x80[\x80-\xbf]")


def read_text(path: Path) -> str:
    """A text file as typed on any desktop: UTF-8 (with or without BOM), UTF-16 with BOM, or
    Windows-1252 (French Excel's « CSV (séparateur : point-virgule) »). Problems are InputErrors."""
    if not path.exists():
        raise InputError(f"{path} : fichier introuvable")
    if path.is_dir():
        raise InputError(f"{path} : c'est un dossier, pas un fichier")
    try:
        data = path.read_bytes()
    except OSError:
        raise InputError(f"{path} : impossible de lire le fichier (droits d'accès ?)") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{path} : fichier UTF-16 abîmé ; enregistrez-le en « CSV UTF-8 »"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if _UTF8_PAIR_RE.search(data):
            raise InputError(
                f"{path}, ligne {line} : caractère non UTF-8 dans un fichier par ailleurs en UTF-8 (encodages "
                "mélangés ?) ; enregistrez-le en « CSV UTF-8 »"
            ) from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}, ligne {line} : encodage inconnu (ni UTF-8 ni Windows-1252) ; enregistrez-le en « CSV UTF-8 »"
        ) from None


def csv_delimiter(header_line: str) -> str:
    """The header's separator: the most frequent of ``,``, ``;`` and tab (comma on a tie)."""
    return max((",", ";", "\t"), key=header_line.count)


_SEPARATOR_NAMES = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}


def row_shape_problem(cells: list[str], header: list[str], delimiter: str) -> str | None:
    """What is wrong with a row's number of cells, if anything."""
    if len(cells) > len(header):  # even empty extra cells: the cells before them may have shifted
        return (
            f"trop de colonnes ({len(cells)} champs au lieu de {len(header)} ; "
            f"une {_SEPARATOR_NAMES[delimiter]} non protégée par des guillemets ?)"
        )
    required = [name for name in header[len(cells) :] if name in SITE_COLUMNS]
    if not required:  # trailing optional cells may be left out
        return None
    others = [
        d
        for d in _SEPARATOR_NAMES
        if d != delimiter and sum(c.count(d) for c in cells) >= len(header) - len(cells)
    ]
    hint = (
        f"{_SEPARATOR_NAMES[others[0]]} au lieu de {_SEPARATOR_NAMES[delimiter]} comme séparateur ?"
        if others
        else "séparateur ? guillemets ?"
    )
    return f"{len(cells)} champs au lieu de {len(header)}, manquent {', '.join(required)} ({hint})"


def load_sites(path: Path) -> tuple[Site, ...]:
    """Read a sites CSV (see `read_text` for encodings; comma, semicolon or tab separated);
    all bad rows in one InputError."""
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path} : fichier vide")
    delimiter = csv_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in SITE_COLUMNS if c not in header]
    if missing:
        hint = " (séparateur attendu : virgule ou point-virgule)" if len(header) == 1 else ""
        raise InputError(f"{path} : colonnes manquantes : {', '.join(missing)}{hint}")
    problems, sites, seen = [], [], set()
    last_line = reader.line_num
    for cells in reader:
        first_line, last_line = last_line + 1, reader.line_num  # a quoted cell may hold line breaks
        if not any(cell.strip() for cell in cells):
            continue  # a blank line, or a spreadsheet's empty row such as ";;;;;;;;"
        line = (
            f"ligne {last_line}"
            if first_line == last_line
            else f"lignes {first_line} à {last_line}"
        )
        row = dict(zip(header, cells))
        site_id = (row.get("id") or "").strip() or "?"
        shape = row_shape_problem(cells, header, delimiter)
        if shape:
            problems.append(f"{path}, {line} ({site_id}) : {shape}")
            continue
        try:
            site = parse_site_row(row)
        except ValueError as exc:
            problems.append(f"{path}, {line} ({site_id}) : {exc}")
            continue
        if site.id in seen:
            problems.append(f"{path}, {line} : champ id : « {site.id} » déjà utilisé")
            continue
        seen.add(site.id)
        sites.append(site)
    if problems:
        raise InputError(problems)
    if not sites:
        raise InputError(f"{path} : aucun site")
    return tuple(sites)


def _require(table: dict, key: str, where: str, problems: list[str], kind=str):
    if key not in table:
        problems.append(f"{where} : champ {key} manquant")
        return None
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        problems.append(f"{where} : champ {key} : type inattendu ({type(value).__name__})")
        return None
    return value


def _named(table) -> str:
    """`` (id)`` to name a vehicle or option in messages, when it has a usable id."""
    ident = table.get("id") if isinstance(table, dict) else None
    return f" ({ident})" if isinstance(ident, str) and ident.strip() else ""


def _identity(table: dict, where: str, problems: list[str]) -> tuple[str | None, str | None, str]:
    """The ``id``, ``kind`` and ``profile`` (default by kind) of a vehicle or vehicle option."""
    ident = _require(table, "id", where, problems)
    kind = _require(table, "kind", where, problems)
    if kind is not None and kind not in VEHICLE_KINDS:
        problems.append(
            f"{where} : champ kind : « {kind} » inconnu (attendu {', '.join(VEHICLE_KINDS)})"
        )
    profile = table.get("profile") or DEFAULT_PROFILE.get(kind or "", "drive")
    if profile not in PROFILES:
        problems.append(f"{where} : champ profile : « {profile} » inconnu (attendu drive ou bike)")
    return ident, kind, profile


def parse_vehicle_table(table: dict, where: str, problems: list[str]) -> Vehicle | None:
    before = len(problems)
    vid, kind, profile = _identity(table, where, problems)
    shift = (0, 0)
    try:
        shift = parse_clock_range(str(table.get("shift", "")))
    except WindowSyntaxError as exc:
        problems.append(f"{where} : champ shift : {exc}")
    days = frozenset(range(7))
    if "days" in table:
        try:
            days, dates = parse_days(str(table["days"]))
            if dates:
                problems.append(f"{where} : champ days : jours de semaine attendus, pas de dates")
        except WindowSyntaxError as exc:
            problems.append(f"{where} : champ days : {exc}")
    lunch = None
    if "lunch" in table:
        raw = table["lunch"]
        try:
            if not isinstance(raw, dict):
                raise WindowSyntaxError('attendu { window = "HH:MM-HH:MM", minutes = N }')
            earliest, latest = parse_clock_range(str(raw.get("window", "")))
            minutes = int(raw.get("minutes", 0))
            if minutes <= 0 or minutes > latest - earliest:
                raise WindowSyntaxError(
                    f"durée {minutes} min impossible dans la plage {raw.get('window')}"
                )
            if shift != (0, 0) and not shift[0] <= earliest < latest <= shift[1]:
                raise WindowSyntaxError(
                    f"la plage {format_clock(earliest)}-{format_clock(latest)} n'est pas dans les horaires "
                    f"{format_clock(shift[0])}-{format_clock(shift[1])}"
                )
            lunch = Lunch(earliest, latest, minutes)
        except (WindowSyntaxError, ValueError, TypeError) as exc:
            problems.append(f"{where} : champ lunch : {exc}")
    days_off = _date_list(table.get("days_off", []), f"{where} : champ days_off", problems)
    ints = {}
    for key in ("setup_min", "packup_min", "max_drive_min"):
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append(f"{where} : champ {key} : entier positif attendu (lu {value!r})")
            else:
                ints[key] = value
    if len(problems) > before or vid is None or kind is None:
        return None
    return Vehicle(
        id=vid,
        kind=kind,
        profile=profile,
        shift_start_min=shift[0],
        shift_end_min=shift[1],
        working_days=days,
        setup_min=ints.get("setup_min", 0),
        packup_min=ints.get("packup_min", 0),
        lunch=lunch,
        max_drive_min=ints.get("max_drive_min"),
        name=str(table.get("name", "")),
        crew=tuple(str(c) for c in table.get("crew", ())),
        days_off=days_off,
    )


def _date_list(raw, where: str, problems: list[str]) -> frozenset[dt.date]:
    """A TOML list of dates (``2027-03-12`` or ``"2027-03-12"``); bad entries go to ``problems``."""
    if not isinstance(raw, list):
        problems.append(f'{where} : liste de dates attendue, comme ["2027-03-12"] (lu « {raw} »)')
        return frozenset()
    dates = set()
    for item in raw:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            dates.add(item)
            continue
        try:
            dates.add(dt.date.fromisoformat(str(item).strip()))
        except ValueError:
            problems.append(f"{where} : date AAAA-MM-JJ attendue (lu « {item} »)")
    return frozenset(dates)


def _parse_calendar(table, where: str, problems: list[str]) -> Calendar:
    """The ``[calendar]`` section; defaults: public holidays off, school zone A, no days off."""
    default = Calendar()
    if not isinstance(table, dict):
        problems.append(f"{where} : section attendue ([calendar])")
        return default
    for key in sorted(set(table) - set(CALENDAR_KEYS)):
        problems.append(f"{where} : champ « {key} » inconnu (attendu {', '.join(CALENDAR_KEYS)})")
    mode = table.get("public_holidays", default.public_holidays)
    if mode not in PUBLIC_HOLIDAY_MODES:
        problems.append(
            f"{where} : champ public_holidays : « {mode} » inconnu (attendu off ou work)"
        )
        mode = default.public_holidays
    zone = table.get("school_zone", default.school_zone)
    zone = zone.strip().upper() if isinstance(zone, str) else zone
    if zone not in SCHOOL_ZONES:
        problems.append(
            f"{where} : champ school_zone : zone « {zone} » inconnue (zones connues : {', '.join(SCHOOL_ZONES)})"
        )
        zone = default.school_zone
    days_off = _date_list(table.get("days_off", []), f"{where} : champ days_off", problems)
    return Calendar(public_holidays=mode, school_zone=zone, days_off=days_off)


def _parse_option(table: dict, where: str, problems: list[str]) -> VehicleOption | None:
    before = len(problems)
    oid, kind, profile = _identity(table, where, problems)
    numbers = {}
    for key, kind_of, minimum in (
        ("count", int, 1),
        ("setup_min", int, 0),
        ("packup_min", int, 0),
        ("drive_speed_factor", float, 0.01),
        ("bike_speed_kph", float, 1.0),
    ):
        if key in table:
            value = table[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (kind_of is int and not isinstance(value, int))
                or value < minimum
            ):
                problems.append(
                    f"{where} : champ {key} : nombre ≥ {minimum} attendu (lu {value!r})"
                )
            else:
                numbers[key] = kind_of(value)
    if len(problems) > before or oid is None or kind is None:
        return None
    return VehicleOption(
        id=oid,
        kind=kind,
        profile=profile,
        label=str(table.get("label", oid)),
        count=int(numbers.get("count", 1)),
        setup_min=int(numbers.get("setup_min", 0)),
        packup_min=int(numbers.get("packup_min", 0)),
        drive_speed_factor=numbers.get("drive_speed_factor"),
        bike_speed_kph=numbers.get("bike_speed_kph"),
    )


def resolve_streets(table: dict, base: Path, *, osm_file: Path | None = None) -> StreetSource:
    """Street source: ``osm_file`` argument, then $DYNAMOBILE_OSM_FILE, then the scenario's file
    (beside the scenario, else in the shared data folder beside the checkout), then download."""
    if osm_file is not None:
        if not osm_file.exists():
            raise InputError(f"fichier de rues introuvable : {osm_file}")
        return StreetSource(osm_file=osm_file)
    env = os.environ.get("DYNAMOBILE_OSM_FILE")
    if env:
        if not Path(env).exists():
            raise InputError(f"DYNAMOBILE_OSM_FILE : fichier introuvable : {env}")
        return StreetSource(osm_file=Path(env))
    raw = table.get("osm_file")
    if raw:
        for candidate in candidate_osm_paths(str(raw), base):
            if candidate.exists():
                return StreetSource(osm_file=candidate)
    if table.get("place"):
        return StreetSource(place=str(table["place"]))
    if table.get("bbox"):
        bbox = table["bbox"]
        if not (isinstance(bbox, list) and len(bbox) == 4):
            raise InputError("[streets] bbox : attendu [ouest, sud, est, nord]")
        west, south, east, north = (float(b) for b in bbox)
        return StreetSource(bbox=(west, south, east, north))
    if raw:
        raise InputError(
            f"[streets] osm_file : « {raw} » introuvable (cherché à côté du scénario et dans ../shared/data/osm) ; "
            "indiquez --osm-file ou DYNAMOBILE_OSM_FILE"
        )
    raise InputError("[streets] : donner osm_file, place ou bbox")


_TOML_POSITION = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")
_TOML_PROBLEMS = (
    ("Invalid value", 'valeur illisible (un texte s\'écrit entre guillemets : nom = "Démo")'),
    ("Expected '=' after a key", "signe = attendu après le nom du champ"),
    ("Unterminated string", "guillemet fermant manquant"),
    ("Illegal character '\\n'", "guillemet fermant manquant avant la fin de la ligne"),
    ("Cannot overwrite a value", "champ défini deux fois"),
    ("Cannot declare", "section définie deux fois"),
    ("Expected newline or end of document", "une seule valeur par ligne attendue"),
    ("Illegal character", "caractère interdit"),
    ("Expected ']'", "crochet fermant ] manquant"),
)


def toml_problem(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's English error as a French phrase with its line and column."""
    text = str(exc)
    match = _TOML_POSITION.search(text)
    where = ""
    if match:
        text = text[: match.start()]
        where = (
            f" (ligne {match.group(1)}, colonne {match.group(2)})"
            if match.group(1)
            else " (en fin de fichier)"
        )
    for english, french in _TOML_PROBLEMS:
        if text.startswith(english):
            return french + where
    return "syntaxe TOML incorrecte" + where


def load_scenario(path: Path, *, osm_file: Path | None = None) -> Scenario:
    """Read a scenario TOML and its sites CSV; raise InputError listing every problem."""
    path = Path(path)
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} : TOML illisible : {toml_problem(exc)}") from None
    problems: list[str] = []
    where = str(path)
    depot_table = data.get("depot") or {}
    depot = None
    name = _require(depot_table, "name", f"{where} [depot]", problems)
    address = str(depot_table.get("address", "")).strip()
    if "lat" in depot_table or "lon" in depot_table or not address:
        lat = _require(depot_table, "lat", f"{where} [depot]", problems, float)
        lon = _require(depot_table, "lon", f"{where} [depot]", problems, float)
        if lat is not None and lon is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(f"{where} [depot] : coordonnées hors limites ({lat}, {lon})")
            elif name is not None:
                depot = Depot(name, lat, lon, address)
    elif name is not None:
        depot = Depot(name, None, None, address)
    vehicles = []
    for i, table in enumerate(data.get("vehicles") or []):
        vehicle = parse_vehicle_table(
            table, f"{where} [[vehicles]] n°{i + 1}{_named(table)}", problems
        )
        if vehicle:
            vehicles.append(vehicle)
    if not data.get("vehicles"):
        problems.append(f"{where} : aucun véhicule ([[vehicles]])")
    options = []
    for i, table in enumerate(data.get("options") or []):
        option = _parse_option(table, f"{where} [[options]] n°{i + 1}{_named(table)}", problems)
        if option:
            options.append(option)
    ids = [v.id for v in vehicles]
    for dup in sorted({v for v in ids if ids.count(v) > 1}):
        problems.append(f"{where} : véhicule « {dup} » défini deux fois")
    streets_table = data.get("streets") or {}
    defaults = RoutingSettings()
    speeds = {}
    for key in ("bike_speed_kph", "snap_max_m", "drive_speed_factor"):
        value = streets_table.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append(
                f"{where} [streets] : champ {key} : nombre positif attendu (lu {value!r})"
            )
        else:
            speeds[key] = float(value)
    routing = RoutingSettings(**speeds)
    sites: tuple[Site, ...] = ()
    sites_raw = data.get("sites")
    if not sites_raw:
        problems.append(f"{where} : champ sites manquant (chemin du fichier CSV des sites)")
    else:
        try:
            sites = load_sites(path.parent / str(sites_raw))
        except InputError as exc:
            problems.extend(exc.problems)
    streets = None
    try:
        streets = resolve_streets(streets_table, path.parent, osm_file=osm_file)
    except InputError as exc:
        problems.extend(f"{where} {p}" for p in exc.problems)
    default_date = None
    if "demo_date" in data:
        try:
            default_date = dt.date.fromisoformat(str(data["demo_date"]))
        except ValueError:
            problems.append(
                f"{where} : champ demo_date : date AAAA-MM-JJ attendue (lu « {data['demo_date']} »)"
            )
    calendar = _parse_calendar(data.get("calendar", {}), f"{where} [calendar]", problems)
    if problems or depot is None or streets is None:
        raise InputError(problems or [f"{where} : scénario incomplet"])
    return Scenario(
        name=str(data.get("name") or path.stem),
        depot=depot,
        streets=streets,
        vehicles=tuple(vehicles),
        sites=sites,
        routing=routing,
        source=path,
        notes=str(data.get("notes", "")),
        default_date=default_date,
        options=tuple(options),
        calendar=calendar,
    )
