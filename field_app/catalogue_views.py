"""The coordinator's catalogue pages: Lieux (table, map, forms, CSV import/export), Véhicules,
Dépôt. Views parse the request, call `catalogue`, `catalogue_csv` or `fleet`, and render."""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask import session as cookie

from dynamobile.errors import InputError

from . import catalogue, catalogue_csv, fleet, street_lines, suggestions
from .auth import coordinator_required
from .catalogue import FormError
from .db import get_session
from .scenario_rows import DEFAULT_ORGANISATION_ID, ScenarioSettings
from .web import CSP, today_paris

bp = Blueprint("catalogue", __name__, url_prefix="/coord")
# The Leaflet vendored for the maps package's pages (package data of `maps`): no CDN.
LEAFLET_DIR = Path(str(resources.files("maps"))) / "static" / "leaflet"
ORG = DEFAULT_ORGANISATION_ID  # one organisation today (see scenario_rows)


def tiles_source(url: str) -> str:
    """The CSP source of a tile URL template: ``https://*.tile.example.org`` for ``{s}``."""
    parts = urlsplit(url.replace("{s}", "__s__"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.replace('__s__', '*')}"


@bp.context_processor
def map_settings() -> dict:
    # Map tiles are optional (``DYNAMOBILE_MAP_TILES_URL``, e.g. an OSM tile server): without
    # them the maps show the scenario's streets drawn from its OSM file, offline.
    return {"tiles_url": current_app.config.get("MAP_TILES_URL", "")}


@bp.after_request
def allow_tiles(response: Response) -> Response:
    """Let the browser load the configured tiles (the app's CSP allows only its own images)."""
    source = tiles_source(current_app.config.get("MAP_TILES_URL", ""))
    if source and response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP.replace(
            "img-src 'self' data:", f"img-src 'self' data: {source}"
        )
    return response


def _imports_folder() -> Path:
    return Path(current_app.instance_path) / "imports"


@bp.get("/leaflet/<any('leaflet.js', 'leaflet.css'):filename>")
@coordinator_required
def leaflet(filename: str):
    return send_from_directory(LEAFLET_DIR, filename, max_age=7 * 24 * 3600)


@bp.get("/api/rues")
@coordinator_required
def streets():
    """The scenario's streets as lines (empty when no OSM file is known or found)."""
    settings = fleet.current_settings(get_session(), ORG)
    path = street_lines.find_osm_file(settings.osm_file if settings else "")
    lines = street_lines.street_lines(path) if path else []
    response = jsonify({"source": path.name if path else "", "lines": lines})
    # Revalidated on every page (a 304 while unchanged): the street file is chosen on the Dépôt
    # page, and a cached answer would keep the maps without streets after that choice.
    response.cache_control.private, response.cache_control.no_cache = True, True
    response.add_etag()
    return response.make_conditional(request)


# -- Lieux --------------------------------------------------------------------------------------


@bp.get("/lieux")
@coordinator_required
def sites():
    db = get_session()
    archived = request.args.get("archives") == "1"
    rows = catalogue.sites(db, ORG, archived=archived)
    depot = fleet.current_settings(db, ORG)
    seen = {} if archived else suggestions.site_suggestions(db, ORG, today=today_paris())
    ignored = cookie.get(IGNORED_KEY) or {}
    return render_template(
        "coord/sites.html",
        sites=[catalogue.site_table_row(r) for r in rows],
        archived=archived,
        depot=depot,
        seen=seen,
        weeks=suggestions.WEEKS,
        shown={code: s for code, s in seen.items() if s.changes and ignored.get(code) != _pair(s)},
    )


# « Ignorer » hides a suggestion for this visit (the session), as long as it suggests the same.
IGNORED_KEY = "suggestions_ignorees"
IGNORED_MAX = 60  # entries kept: the cookie stays small


def _pair(suggestion) -> list:
    changes = suggestion.changes
    return [changes.get("priority"), changes.get("service_min")]


@bp.post("/lieux/<code>/suggestion/<any(appliquer, ignorer):action>")
@coordinator_required
def site_suggestion(code: str, action: str):
    db = get_session()
    row = _site(code)
    suggestion = suggestions.site_suggestions(db, ORG, today=today_paris()).get(code)
    if suggestion is None or not suggestion.changes:
        flash(f"Plus de suggestion pour « {row.name} ».")
    elif [request.form.get(k, "") for k in ("priority", "service_min")] != [
        "" if v is None else str(v) for v in _pair(suggestion)
    ]:
        flash(f"La suggestion pour « {row.name} » a changé depuis l'affichage : relisez-la.")
    elif action == "ignorer":
        ignored = {k: v for k, v in (cookie.get(IGNORED_KEY) or {}).items() if k != code}
        ignored[code] = _pair(suggestion)
        cookie[IGNORED_KEY] = dict(list(ignored.items())[-IGNORED_MAX:])
        flash(f"Suggestion ignorée pour « {row.name} » ({suggestion.changes_fr}).")
    else:
        words = suggestion.changes_fr
        suggestions.apply_suggestion(db, row, suggestion)
        db.commit()
        flash(f"Lieu « {row.name} » : {words} (suggestion appliquée).")
    return redirect(url_for("catalogue.sites", _anchor=f"lieu-{code}"))


def _site_form(row, values, errors, status=200):
    return (
        render_template(
            "coord/site_form.html",
            site=row,
            values=values,
            errors=errors,
            kinds=catalogue.SITE_KIND_CHOICES,
            vehicle_kinds=catalogue.VEHICLE_KIND_CHOICES,
        ),
        status,
    )


def _form_values(form, fields) -> dict:
    values = {name: form.get(name, "") for name in fields}
    values["vehicles"] = ",".join(form.getlist("vehicles"))
    return values


@bp.get("/lieux/nouveau")
@coordinator_required
def new_site():
    values = catalogue.site_form_values(None)
    for key in ("lat", "lon"):  # a click on the map
        values[key] = request.args.get(key, "")[:20]
    return _site_form(None, values, {})


@bp.post("/lieux")
@coordinator_required
def create_site():
    db = get_session()
    try:
        row = catalogue.create_site(db, ORG, request.form)
    except FormError as exc:
        db.rollback()
        return _site_form(None, _form_values(request.form, catalogue.SITE_FIELDS), exc.fields, 422)
    db.commit()
    flash(f"Lieu « {row.name} » ajouté.")
    return redirect(url_for("catalogue.sites"))


def _site(code: str):
    row = catalogue.get_site(get_session(), ORG, code)
    if row is None:
        abort(404)
    return row


@bp.get("/lieux/<code>")
@coordinator_required
def edit_site(code: str):
    row = _site(code)
    return _site_form(row, catalogue.site_form_values(row), {})


@bp.post("/lieux/<code>")
@coordinator_required
def update_site(code: str):
    db = get_session()
    row = _site(code)
    try:
        catalogue.update_site(db, row, request.form)
    except FormError as exc:
        db.rollback()
        row = _site(code)
        return _site_form(row, _form_values(request.form, catalogue.SITE_FIELDS), exc.fields, 422)
    db.commit()
    flash(f"Lieu « {row.name} » enregistré.")
    return redirect(url_for("catalogue.sites"))


@bp.post("/lieux/<code>/archiver")
@coordinator_required
def archive_site(code: str):
    db = get_session()
    row = _site(code)
    catalogue.set_archived(db, row, True)
    db.commit()
    flash(f"Lieu « {row.name} » archivé (il reste dans l'historique des tournées).")
    return redirect(url_for("catalogue.sites"))


@bp.post("/lieux/<code>/restaurer")
@coordinator_required
def restore_site(code: str):
    db = get_session()
    row = _site(code)
    catalogue.set_archived(db, row, False)
    db.commit()
    flash(f"Lieu « {row.name} » restauré.")
    return redirect(url_for("catalogue.sites"))


@bp.post("/api/lieux/<code>/position")
@coordinator_required
def move_site(code: str):
    db = get_session()
    row = _site(code)
    body = request.get_json(silent=True) or {}
    try:
        catalogue.move_site(db, row, body.get("lat"), body.get("lon"))
    except FormError as exc:
        db.rollback()
        return jsonify({"ok": False, "errors": exc.fields}), 422
    db.commit()
    return jsonify({"ok": True, "lat": row.lat, "lon": row.lon})


@bp.post("/api/windows")
@coordinator_required
def check_windows():
    body = request.get_json(silent=True) or {}
    text = body.get("windows", "")
    if not isinstance(text, str) or len(text) > 2000:
        return jsonify({"ok": False, "error": "texte de créneaux attendu"}), 400
    return jsonify(catalogue.check_windows(text).as_json())


@bp.post("/api/adresse")
@coordinator_required
def locate_address():
    """« Localiser l'adresse »: the point of a typed address (geocoder cache, else Nominatim
    when online); nothing is saved, the page fills its fields."""
    body = request.get_json(silent=True) or {}
    address, commune = body.get("address", ""), body.get("commune", "")
    if not isinstance(address, str) or not isinstance(commune, str):
        return jsonify({"ok": False, "error": "adresse attendue"}), 400
    timeout_s = float(current_app.config.get("GEOCODE_TIMEOUT_S", catalogue.GEOCODE_TIMEOUT_S))
    try:
        lat, lon = catalogue.locate_address(address, commune, timeout_s=timeout_s)
    except FormError as exc:
        return jsonify({"ok": False, "error": exc.fields["address"]}), 422
    return jsonify({"ok": True, "lat": lat, "lon": lon})


@bp.get("/lieux/export.csv")
@coordinator_required
def export_sites():
    buffer = io.StringIO()
    catalogue_csv.write_sites_csv(get_session(), ORG, buffer)
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="lieux-{today_paris()}.csv"'},
    )


@bp.post("/lieux/import")
@coordinator_required
def import_preview():
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        raise InputError("choisissez un fichier CSV ou Excel (.xlsx)")
    if upload.filename.lower().endswith((".xls", ".ods")):
        raise InputError(
            f"{upload.filename[:200]} : ce format de tableur n'est pas lu : enregistrez-le en "
            "« Classeur Excel (.xlsx) », en « CSV UTF-8 » ou en « CSV (séparateur : "
            "point-virgule) » puis importez-le"
        )
    data = upload.read()
    suffix = catalogue_csv.upload_suffix(upload.filename, data)
    token = catalogue_csv.save_upload(_imports_folder(), data, suffix)
    cookie["catalogue_import"] = {"token": token, "filename": upload.filename[:200]}
    preview = catalogue_csv.preview_import(
        get_session(), ORG, catalogue_csv.upload_path(_imports_folder(), token), upload.filename
    )
    return render_template("coord/sites_import.html", preview=preview, token=token)


@bp.post("/lieux/import/confirmer")
@coordinator_required
def import_confirm():
    pending = cookie.get("catalogue_import") or {}
    token = request.form.get("token", "")
    if token != pending.get("token"):
        raise InputError("import inconnu ou déjà confirmé : envoyez le fichier à nouveau")
    path = catalogue_csv.upload_path(_imports_folder(), token)
    db = get_session()
    preview = catalogue_csv.preview_import(db, ORG, path, pending.get("filename", "fichier"))
    if not preview.ok:
        return render_template("coord/sites_import.html", preview=preview, token=token), 422
    counts = catalogue_csv.apply_import(db, ORG, preview)
    db.commit()
    path.unlink(missing_ok=True)
    cookie.pop("catalogue_import", None)
    flash(
        f"Import de {preview.filename} : {counts['ajout']} lieu(x) ajouté(s), "
        f"{counts['mise à jour']} mis à jour, {counts['inchangé']} inchangé(s)."
    )
    return redirect(url_for("catalogue.sites"))


# -- Véhicules ----------------------------------------------------------------------------------


def _vehicle_form(row, values, errors, status=200):
    return (
        render_template(
            "coord/vehicle_form.html",
            vehicle=row,
            values=values,
            errors=errors,
            kinds=catalogue.VEHICLE_KIND_CHOICES,
            profiles=fleet.PROFILE_CHOICES,
            days=fleet.DAY_CHOICES,
        ),
        status,
    )


def _vehicle_values(form) -> dict:
    return {name: form.get(name, "") for name in fleet.VEHICLE_FIELDS} | {
        "days": form.getlist("days")
    }


@bp.get("/vehicules")
@coordinator_required
def vehicles():
    archived = request.args.get("archives") == "1"
    rows = fleet.vehicles(get_session(), ORG, archived=archived)
    return render_template(
        "coord/vehicles.html",
        vehicles=[fleet.vehicle_table_row(r) for r in rows],
        archived=archived,
    )


@bp.get("/vehicules/nouveau")
@coordinator_required
def new_vehicle():
    return _vehicle_form(None, fleet.vehicle_form_values(None), {})


@bp.post("/vehicules")
@coordinator_required
def create_vehicle():
    db = get_session()
    try:
        row = fleet.create_vehicle(db, ORG, request.form)
    except FormError as exc:
        db.rollback()
        return _vehicle_form(None, _vehicle_values(request.form), exc.fields, 422)
    db.commit()
    flash(f"Véhicule « {row.name} » ajouté.")
    return redirect(url_for("catalogue.vehicles"))


def _vehicle(code: str):
    row = fleet.get_vehicle(get_session(), ORG, code)
    if row is None:
        abort(404)
    return row


@bp.get("/vehicules/<code>")
@coordinator_required
def edit_vehicle(code: str):
    row = _vehicle(code)
    return _vehicle_form(row, fleet.vehicle_form_values(row), {})


@bp.post("/vehicules/<code>")
@coordinator_required
def update_vehicle(code: str):
    db = get_session()
    row = _vehicle(code)
    try:
        fleet.update_vehicle(db, row, request.form)
    except FormError as exc:
        db.rollback()
        return _vehicle_form(_vehicle(code), _vehicle_values(request.form), exc.fields, 422)
    db.commit()
    flash(f"Véhicule « {row.name} » enregistré.")
    return redirect(url_for("catalogue.vehicles"))


@bp.post("/vehicules/<code>/<any(archiver, restaurer):action>")
@coordinator_required
def archive_vehicle(code: str, action: str):
    db = get_session()
    row = _vehicle(code)
    row.archived = action == "archiver"
    db.commit()
    flash(f"Véhicule « {row.name} » {'archivé' if row.archived else 'restauré'}.")
    return redirect(url_for("catalogue.vehicles"))


# -- Dépôt --------------------------------------------------------------------------------------


def _depot_page(row, values, errors, status=200):
    return (
        render_template(
            "coord/depot.html",
            settings=row,
            values=values,
            errors=errors,
            osm_files=fleet.osm_file_choices(row.osm_file or ""),
            osm_env=Path(os.environ.get("DYNAMOBILE_OSM_FILE") or "").name,
        ),
        status,
    )


@bp.get("/depot")
@coordinator_required
def depot():
    row = fleet.current_settings(get_session(), ORG) or ScenarioSettings()  # none yet: empty
    return _depot_page(row, fleet.depot_form_values(row), {})


@bp.post("/depot")
@coordinator_required
def update_depot():
    db = get_session()
    row = fleet.settings(db, ORG)
    try:
        fleet.update_depot(db, row, request.form)
    except FormError as exc:
        db.rollback()
        keys = ("depot_name", "depot_address", "lat", "lon", "osm_file")
        values = {k: request.form.get(k, "") for k in keys}
        return _depot_page(
            fleet.current_settings(db, ORG) or ScenarioSettings(), values, exc.fields, 422
        )
    db.commit()
    flash("Dépôt enregistré.")
    return redirect(url_for("catalogue.depot"))
