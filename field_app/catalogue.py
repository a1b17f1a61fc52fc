"""The coordinator's catalogue of sites: form validation, create, edit, move, archive.

Form fields are named like the columns of the scenario's sites CSV, so a form is checked by the
same parser as a CSV row (`dynamobile.scenario.parse_site_row`) and the same window grammar
(`dynamobile.windows.parse_windows`). Functions take a session and never commit.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError, StreetDataError
from dynamobile.french import site_kind_fr, vehicle_kind_fr
from dynamobile.model import SITE_KINDS, VEHICLE_KINDS, Site
from dynamobile.scenario import OPTIONAL_COLUMNS, SITE_COLUMNS, parse_site_row
from dynamobile.windows import WindowSyntaxError, french_window, parse_windows

from .scenario_rows import SiteRow
from .scenario_store import default_organisation, site_values

log = logging.getLogger(__name__)

# The form's fields: the CSV's columns without the id (the code is made from the name).
SITE_FIELDS = tuple(c for c in SITE_COLUMNS + OPTIONAL_COLUMNS if c != "id")
SITE_KIND_CHOICES = tuple((k, site_kind_fr(k)) for k in SITE_KINDS)
VEHICLE_KIND_CHOICES = tuple((k, vehicle_kind_fr(k)) for k in VEHICLE_KINDS)

# A value each field may take whatever the others hold: a field found wrong is replaced by it
# and the row parsed again, so that every wrong field of a form is reported at once.
_VALID_STAND_INS = {
    "kind": "other",
    "lat": "45.5",
    "lon": "5.9",
    "service_min": "30",
    "priority": "1",
    "windows": "lun 09:00-10:00",
    "vehicles": "",
    "every_days": "",
    "visits": "",
    "min_gap_days": "",
    "last_visit": "",
    "insee": "",
    "postcode": "",
    "commune": "",
    "park_lat": "",
    "park_lon": "",
}
_FIELD_RE = re.compile(
    r"^champs? (?P<fields>[a-z_]+(?:(?:/| et )[a-z_]+)?)(?: : | )(?P<message>.*)$"
)
# Fields checked together: when one is wrong, all of its group are replaced.
_GROUPS = ({"lat", "lon"}, {"insee", "postcode", "commune"}, {"park_lat", "park_lon"})


class FormError(InputError):
    """A form with wrong fields: ``fields`` maps a field name to its French message."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__([f"{name} : {message}" for name, message in self.fields.items()])


@dataclass(frozen=True)
class WindowsCheck:
    """The answer to a window text typed in a form: its French reading, or the error."""

    ok: bool
    french: str = ""
    error: str = ""

    def as_json(self) -> dict:
        return (
            {"ok": True, "french": self.french} if self.ok else {"ok": False, "error": self.error}
        )


@lru_cache(maxsize=1024)  # the Lieux page asks it of every site; most share a few windows
def check_windows(text: str) -> WindowsCheck:
    """Read ``samedi 9h30-12h; vacances 14h-18h`` and say it back in French."""
    try:
        windows = parse_windows(text or "")
    except WindowSyntaxError as exc:
        return WindowsCheck(False, error=str(exc))
    return WindowsCheck(True, french=" ; ".join(french_window(w) for w in windows))


def parse_site_form(form, *, code: str) -> Site:
    """A site from a form's fields (CSV column names); raises FormError listing every wrong field."""
    row = {name: str(form.get(name, "") or "") for name in SITE_FIELDS}
    if hasattr(form, "getlist"):  # checkboxes, one per vehicle kind
        row["vehicles"] = ",".join(form.getlist("vehicles"))
    row["id"] = code
    errors: dict[str, str] = {}
    if not row["name"].strip():
        errors["name"] = "nom obligatoire"
        row["name"] = code
    for _ in range(len(SITE_FIELDS)):
        try:
            site = parse_site_row(row)
        except ValueError as exc:
            fields, message = _field_of(str(exc))
            for name in fields:
                errors.setdefault(name, message)
            replaced = set(fields).union(*(g for g in _GROUPS if g & set(fields)))
            stand_ins = {name: _VALID_STAND_INS.get(name, "") for name in replaced}
            if not stand_ins or all(row.get(k) == v for k, v in stand_ins.items()):
                errors.setdefault("form", str(exc))
                break
            row.update(stand_ins)
            continue
        if not errors:
            return site
        break
    raise FormError(errors)


def _field_of(message: str) -> tuple[list[str], str]:
    """(``["windows"]``, ``créneau illisible…``) from ``champ windows : créneau illisible…``."""
    m = _FIELD_RE.match(message)
    if not m:
        return [], message
    fields = re.split(r"/| et ", m.group("fields"))
    return [f for f in fields if f in SITE_FIELDS], m.group("message")


def slug(name: str) -> str:
    """``marche-du-biollay`` from « Marché du Biollay »."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "lieu"


# Words of the pages' addresses (``/coord/lieux/nouveau``) that a code must not take.
RESERVED_CODES = frozenset({"nouveau", "import", "api"})


def unique_code(session: Session, model, organisation_id: int, name: str) -> str:
    """A code made from ``name``, unused by every row of ``model`` (archived ones too)."""
    base = slug(name)
    taken = RESERVED_CODES | set(
        session.scalars(
            select(model.code).where(
                model.organisation_id == organisation_id, model.code.like(f"{base}%")
            )
        )
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def site_form_values(row: SiteRow | None) -> dict[str, str]:
    """The form's text of a site row (empty fields for a new site)."""
    if row is None:
        return {name: "" for name in SITE_FIELDS} | {"priority": "1", "service_min": "60"}

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return repr(value)
        return str(value) if not hasattr(value, "isoformat") else value.isoformat()

    values = {
        "name": row.name,
        "kind": row.kind,
        "lat": text(row.lat),
        "lon": text(row.lon),
        "service_min": text(row.service_min),
        "windows": row.windows,
        "priority": text(row.priority),
        "address": row.address,
        "quartier": row.quartier,
        "vehicles": row.vehicle_kinds or "",
        "notes": row.notes,
        "every_days": text(row.every_days),
        "visits": text(row.visits),
        "min_gap_days": text(row.min_gap_days),
        "last_visit": text(row.last_visit),
        "insee": row.insee,
        "postcode": row.postcode,
        "commune": row.commune,
        "park_lat": text(row.park_lat),
        "park_lon": text(row.park_lon),
    }
    return values


def sites(session: Session, organisation_id: int, *, archived: bool = False) -> list[SiteRow]:
    return list(
        session.scalars(
            select(SiteRow)
            .where(SiteRow.organisation_id == organisation_id, SiteRow.archived.is_(archived))
            .order_by(SiteRow.position, SiteRow.id)
        )
    )


def get_site(session: Session, organisation_id: int, code: str) -> SiteRow | None:
    return session.scalars(
        select(SiteRow).where(SiteRow.organisation_id == organisation_id, SiteRow.code == code)
    ).one_or_none()


def next_position(session: Session, model, organisation_id: int) -> int:
    last = session.scalar(
        select(func.max(model.position)).where(model.organisation_id == organisation_id)
    )
    return 0 if last is None else last + 1


def create_site(session: Session, organisation_id: int, form) -> SiteRow:
    """A new site from a form; raises FormError (nothing added) when a field is wrong."""
    code = unique_code(session, SiteRow, organisation_id, str(form.get("name", "")))
    site = parse_site_form(form, code=code)
    default_organisation(session)
    row = SiteRow(
        organisation_id=organisation_id,
        position=next_position(session, SiteRow, organisation_id),
        archived=False,
        **site_values(site),
    )
    session.add(row)
    session.flush()
    return row


def update_site(session: Session, row: SiteRow, form) -> SiteRow:
    """Every field of ``row`` from a form; raises FormError (row untouched) when one is wrong."""
    site = parse_site_form(form, code=row.code)
    for key, value in site_values(site).items():
        setattr(row, key, value)
    session.flush()
    return row


def parse_point(lat, lon) -> tuple[float, float]:
    """A map point; raises FormError naming ``lat``/``lon``."""
    errors = {}
    point = []
    for name, raw, limit in (("lat", lat, 90), ("lon", lon, 180)):
        try:
            value = float(str(raw).replace(",", "."))
        except (TypeError, ValueError):
            errors[name] = "nombre attendu"
            continue
        if not math.isfinite(value) or abs(value) > limit:
            errors[name] = f"hors limites ({value})"
            continue
        point.append(round(value, 6))
    if errors:
        raise FormError(errors)
    return point[0], point[1]


def move_site(session: Session, row: SiteRow, lat, lon) -> SiteRow:
    row.lat, row.lon = parse_point(lat, lon)
    session.flush()
    return row


def set_archived(session: Session, row: SiteRow, archived: bool) -> None:
    row.archived = archived
    session.flush()


def site_table_row(row: SiteRow) -> dict:
    """What the table and the map show of a site (windows and kind in French)."""
    check = check_windows(row.windows)
    if row.visits:
        frequency = f"{row.visits} visite(s) par période"
    elif row.every_days:
        frequency = f"tous les {row.every_days} jours"
    else:
        frequency = "une visite"
    if row.min_gap_days:
        frequency += f", {row.min_gap_days} j d'écart min."
    return {
        "code": row.code,
        "name": row.name,
        "kind": site_kind_fr(row.kind),
        "quartier": row.quartier,
        "windows": check.french if check.ok else f"à corriger : {check.error}",
        "priority": row.priority,
        "frequency": frequency,
        "lat": row.lat,
        "lon": row.lon,
    }


# -- « Localiser l'adresse » --------------------------------------------------------------------

DEFAULT_CITY = "Chambéry"  # the planner's hint for sites known by address (routing.planner)
GEOCODE_TIMEOUT_S = 8.0  # a web request waits no longer (DYNAMOBILE_GEOCODE_TIMEOUT_S)
GEOCODE_FAILED = (
    "Adresse introuvable ou pas de connexion : placez le lieu sur la carte ou tapez ses coordonnées"
)


def locate_address(
    address: str, commune: str = "", *, timeout_s: float = GEOCODE_TIMEOUT_S
) -> tuple[float, float]:
    """(lat, lon) of an address typed in the site or depot form, rounded like a dragged pin:
    from the geocoder's cache (offline too), else Nominatim when online. Raises FormError on
    the ``address`` field when it is empty or cannot be placed; nothing is written."""
    from routing.geocoding import geocode_address  # osmnx: loaded on the first use only

    address, commune = " ".join(address.split()), " ".join(commune.split())
    if not address:
        raise FormError({"address": "tapez d'abord une adresse"})
    if len(address) > 300 or len(commune) > 100:
        raise FormError({"address": "adresse trop longue (300 caractères au plus)"})
    try:
        lat, lon = geocode_address(address, city_hint=commune or DEFAULT_CITY, timeout_s=timeout_s)
    except StreetDataError as exc:
        log.info("adresse non localisée : %s", exc)
        raise FormError({"address": GEOCODE_FAILED}) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise FormError({"address": GEOCODE_FAILED})
    return round(lat, 6), round(lon, 6)
