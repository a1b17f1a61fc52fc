"""The coordinator's catalogue: Lieux (forms, windows check, map moves, CSV import/export),
Véhicules and Dépôt, on the real database; agents are refused everywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from field_app.scenario_rows import ScenarioSettings, SiteRow, VehicleRow

from .conftest import form_token

HEADER = "id;name;kind;lat;lon;service_min;windows;priority;address;quartier;vehicles;notes\r\n"
GOOD_SITE = {
    "name": "Marché du Biollay",
    "kind": "market",
    "lat": "45.5701",
    "lon": "5.9302",
    "service_min": "90",
    "windows": "samedi 9h30-12h",
    "priority": "2",
    "quartier": "Biollay",
    "address": "Place du marché",
    "notes": "=pas une formule",
}


@pytest.fixture
def coord(client, auth):
    auth.login("coord")
    return client


def token(client, path="/coord/lieux") -> str:
    return form_token(client.get(path).get_data(as_text=True))


def post_site(client, path="/coord/lieux", **fields):
    data = dict(GOOD_SITE, **fields, csrf_token=token(client, "/coord/lieux/nouveau"))
    return client.post(path, data=data)


def read(db, query) -> list:
    """Rows detached from a transaction that ends at once (SQLite: the app may write next)."""
    rows = list(db.scalars(query))
    db.expunge_all()
    db.rollback()
    return rows


def site_rows(db, *, archived=None) -> list[SiteRow]:
    query = select(SiteRow).order_by(SiteRow.id)
    if archived is not None:
        query = query.where(SiteRow.archived.is_(archived))
    return read(db, query)


def upload(client, data: bytes, name="lieux.csv"):
    import io

    return client.post(
        "/coord/lieux/import",
        data={"csrf_token": token(client), "fichier": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, html: str):
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no confirmation form"
    preview_token = match.group(1)
    return client.post(
        "/coord/lieux/import/confirmer",
        data={"csrf_token": form_token(html), "token": preview_token},
    )


def test_agents_get_403_on_every_page(client, auth):
    auth.login("alice")
    for path in (
        "/coord/lieux",
        "/coord/lieux/nouveau",
        "/coord/lieux?archives=1",
        "/coord/lieux/export.csv",
        "/coord/vehicules",
        "/coord/vehicules/nouveau",
        "/coord/depot",
        "/coord/leaflet/leaflet.js",
    ):
        assert client.get(path).status_code == 403, path
    csrf = auth.api_token()
    for path in ("/coord/api/windows", "/coord/api/lieux/x/position"):
        response = client.post(path, json={}, headers={"X-CSRFToken": csrf})
        assert response.status_code == 403, path
    assert client.post("/coord/lieux", data={"csrf_token": csrf}).status_code == 403


def test_create_edit_archive_restore_a_site(coord, db):
    response = post_site(coord)
    assert response.status_code == 302, response.get_data(as_text=True)
    (row,) = site_rows(db)
    assert (row.code, row.kind, row.windows, row.priority) == (
        "marche-du-biollay",
        "market",
        "sat 09:30-12:00",
        2,
    )
    assert (row.lat, row.lon, row.insee, row.notes) == (
        45.5701,
        5.9302,
        "73065",
        "=pas une formule",
    )
    page = coord.get("/coord/lieux").get_data(as_text=True)
    assert "Marché du Biollay" in page and "marché" in page and "sam 09:30-12:00" in page

    # Same name again: another code.
    assert post_site(coord).status_code == 302
    assert [r.code for r in site_rows(db)] == ["marche-du-biollay", "marche-du-biollay-2"]

    # Edit every field through the form.
    response = post_site(
        coord,
        "/coord/lieux/marche-du-biollay",
        name="Marché Biollay",
        kind="forecourt",
        windows="mar, sam 07:30 - 12:30; vacances 14h-18h",
        every_days="7",
        min_gap_days="5",
        last_visit="2026-11-14",
        vehicles="cargo_bike",
        insee="73008",
        postcode="73490",
        commune="La Ravoire",
    )
    assert response.status_code == 302
    row = site_rows(db)[0]
    assert (row.name, row.kind, row.every_days, row.min_gap_days, str(row.last_visit)) == (
        "Marché Biollay",
        "forecourt",
        7,
        5,
        "2026-11-14",
    )
    assert row.windows == "tue,sat 07:30-12:30; school-holidays 14:00-18:00"
    assert (row.vehicle_kinds, row.commune, row.code) == (
        "cargo_bike",
        "La Ravoire",
        "marche-du-biollay",
    )

    # Archive, see it among the archived, restore.
    csrf = token(coord)
    assert (
        coord.post("/coord/lieux/marche-du-biollay/archiver", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert [r.code for r in site_rows(db, archived=False)] == ["marche-du-biollay-2"]
    assert 'id="lieu-marche-du-biollay"' not in coord.get("/coord/lieux").get_data(as_text=True)
    archived_page = coord.get("/coord/lieux?archives=1").get_data(as_text=True)
    assert "Marché Biollay" in archived_page and "Restaurer" in archived_page
    assert (
        coord.post(
            "/coord/lieux/marche-du-biollay/restaurer", data={"csrf_token": csrf}
        ).status_code
        == 302
    )
    assert len(site_rows(db, archived=False)) == 2


def test_bad_window_is_shown_beside_the_field_and_nothing_is_written(coord, db):
    response = post_site(coord, windows="samdi 9h-12h", service_min="zéro", lat="91")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert site_rows(db) == []
    # The message sits beside its field and the field points to it.
    match = re.search(
        r'<input id="f-windows"[^>]*aria-describedby="([^"]+)"[^>]*aria-invalid="true"', html
    )
    assert match and "windows-erreur" in match.group(1).split()
    assert re.search(r'id="windows-erreur">[^<]*jour inconnu « samdi »', html)
    assert re.search(r'id="service_min-erreur">[^<]*doit être un entier', html)
    assert re.search(r'id="lat-erreur">[^<]*latitude hors limites', html)
    assert "Rien n&#39;a été enregistré" in html or "Rien n'a été enregistré" in html
    # What was typed is kept.
    assert 'value="samdi 9h-12h"' in html

    # An edit with a bad window leaves the row as it was.
    assert post_site(coord).status_code == 302
    response = post_site(
        coord, "/coord/lieux/marche-du-biollay", name="Autre nom", windows="9h-12h samedi"
    )
    assert response.status_code == 422
    (row,) = site_rows(db)
    assert (row.name, row.windows) == ("Marché du Biollay", "sat 09:30-12:00")


def test_windows_endpoint(coord, auth):
    headers = {"X-CSRFToken": auth.api_token()}
    answer = coord.post("/coord/api/windows", json={"windows": "samedi 9h30-12h"}, headers=headers)
    assert answer.get_json() == {"ok": True, "french": "sam 09:30-12:00"}
    answer = coord.post(
        "/coord/api/windows",
        json={"windows": "mar, sam 07:30 - 12:30; vacances 14h-18h"},
        headers=headers,
    ).get_json()
    assert answer["ok"] and "vacances scolaires" in answer["french"]
    answer = coord.post(
        "/coord/api/windows", json={"windows": "samdi 9h"}, headers=headers
    ).get_json()
    assert answer["ok"] is False and "samdi" in answer["error"]
    # Without the CSRF header: refused.
    assert coord.post("/coord/api/windows", json={"windows": "sam 9h-10h"}).status_code == 400


def test_drag_a_marker_moves_the_site(coord, auth, db):
    post_site(coord)
    headers = {"X-CSRFToken": auth.api_token()}
    url = "/coord/api/lieux/marche-du-biollay/position"
    answer = coord.post(url, json={"lat": 45.5711234567, "lon": 5.93}, headers=headers)
    assert answer.get_json() == {"ok": True, "lat": 45.571123, "lon": 5.93}
    answer = coord.post(url, json={"lat": "nord", "lon": 5.93}, headers=headers)
    assert answer.status_code == 422 and answer.get_json()["errors"] == {"lat": "nombre attendu"}
    assert site_rows(db)[0].lat == 45.571123
    assert (
        coord.post("/coord/api/lieux/inconnu/position", json={}, headers=headers).status_code == 404
    )


def test_csv_preview_with_a_bad_row_writes_nothing(coord, db):
    data = (
        HEADER
        + "ecole;École Pasteur;school;45.57;5.92;60;mer 13h30-16h;1;;Centre;;\r\n"
        + "place;Place;forecourt;45.56;5.91;30;samdi 9h-12h;1;;Centre;;\r\n"
    ).encode()
    response = upload(coord, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Import impossible" in html and "Confirmer" not in html
    assert re.search(r"ligne 3</td><td>place</td>.*jour inconnu « samdi »", html, re.S)
    assert site_rows(db) == []


def test_good_cp1252_semicolon_file_imports_after_confirmation(coord, db):
    data = (
        HEADER
        + "ecole;École Pasteur;school;45,57;5,92;60;mer 13h30-16h;1;;Bissy;;pr\u00e9au couvert\r\n"
        + "fete;Fête du quartier;fete;45.565;5.925;120;19/06/2027 14h-22h;3;;Biollay;van,bus;\r\n"
    ).encode("cp1252")
    response = upload(coord, data, "lieux excel.csv")
    html = response.get_data(as_text=True)
    assert "Confirmer l&#39;import" in html or "Confirmer l'import" in html
    assert site_rows(db) == []  # nothing before confirmation
    response = confirm(coord, html)
    assert response.status_code == 302
    rows = site_rows(db)
    assert [(r.code, r.name, r.lat) for r in rows] == [
        ("ecole", "École Pasteur", 45.57),
        ("fete", "Fête du quartier", 45.565),
    ]
    assert rows[0].notes == "préau couvert" and rows[1].vehicle_kinds == "bus,van"
    # A second confirmation of the same upload is refused.
    assert confirm(coord, html).status_code == 400


def test_export_then_reimport_changes_nothing(coord, db):
    post_site(coord)
    post_site(
        coord,
        name="Vélo-école",
        kind="school",
        windows="vacances 14h-18h",
        vehicles="cargo_bike",
        lat="",
        lon="",
        address="1 rue X",
    )
    before = [_values(r) for r in site_rows(db)]
    exported = coord.get("/coord/lieux/export.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    body = exported.get_data()
    assert body.startswith("\ufeff".encode()) and b"'=pas une formule" in body
    html = upload(coord, body, "export.csv").get_data(as_text=True)
    assert html.count("inchangé</td>") == 2, html
    assert confirm(coord, html).status_code == 302
    assert [_values(r) for r in site_rows(db)] == before


def _values(row: SiteRow) -> dict:
    return {
        c.name: getattr(row, c.name) for c in SiteRow.__table__.columns if c.name != "updated_at"
    }


def test_vehicle_form_and_archive(coord, db):
    csrf = token(coord, "/coord/vehicules/nouveau")
    form = {
        "csrf_token": csrf,
        "name": "Le Dynamobile",
        "kind": "bus",
        "profile": "",
        "shift_start": "09:00",
        "shift_end": "17:00",
        "days": ["tue", "sat"],
        "setup_min": "20",
        "packup_min": "15",
        "lunch_start": "11:30",
        "lunch_end": "18:00",
        "lunch_minutes": "45",
        "crew": "Karim, Léa",
    }
    response = coord.post("/coord/vehicules", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(
        r'id="lunch-erreur">[^<]*n&#39;est pas dans les horaires|id="lunch-erreur">[^<]*n\'est pas dans les horaires',
        html,
    )
    assert read(db, select(VehicleRow)) == []
    response = coord.post("/coord/vehicules", data=dict(form, lunch_end="14:00"))
    assert response.status_code == 302
    (row,) = read(db, select(VehicleRow))
    assert (row.code, row.profile, row.working_days, row.lunch_minutes, row.crew) == (
        "le-dynamobile",
        "drive",
        "tue,sat",
        45,
        '["Karim", "Léa"]',
    )
    assert "Le Dynamobile" in coord.get("/coord/vehicules").get_data(as_text=True)
    response = coord.post(
        "/coord/vehicules/le-dynamobile",
        data=dict(form, lunch_end="14:00", days=[], shift_end="08:00"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="days-erreur"' in html and 'id="shift-erreur"' in html
    assert (
        coord.post("/coord/vehicules/le-dynamobile/archiver", data={"csrf_token": csrf}).status_code
        == 302
    )
    assert read(db, select(VehicleRow.archived)) == [True]


def test_depot_page(coord, db):
    page = coord.get("/coord/depot").get_data(as_text=True)
    assert "Fichier OpenStreetMap" in page
    csrf = form_token(page)
    response = coord.post(
        "/coord/depot", data={"csrf_token": csrf, "depot_name": "", "lat": "45.5", "lon": ""}
    )
    assert response.status_code == 422
    assert 'id="depot_name-erreur"' in response.get_data(as_text=True)
    response = coord.post(
        "/coord/depot",
        data={
            "csrf_token": csrf,
            "depot_name": "La Dynamo",
            "depot_address": "Chambéry",
            "lat": "45.567574",
            "lon": "5.926866",
        },
    )
    assert response.status_code == 302
    (settings,) = read(db, select(ScenarioSettings))
    assert (settings.depot_name, settings.depot_lat, settings.depot_lon) == (
        "La Dynamo",
        45.567574,
        5.926866,
    )


def test_depot_street_file_is_chosen_among_the_data_folder_files(coord, db, monkeypatch):
    from field_app import fleet

    monkeypatch.delenv("DYNAMOBILE_OSM_FILE", raising=False)
    names = [name for name, _ in fleet.osm_file_choices()]
    if "chambery_centre_2016.osm" not in names:
        pytest.skip("chambery_centre_2016.osm not found in ../shared/data/osm")
    page = coord.get("/coord/depot").get_data(as_text=True)
    assert '<option value="chambery_centre_2016.osm">' in page
    point = {"depot_name": "La Dynamo", "lat": "45.567574", "lon": "5.926866"}
    response = coord.post(
        "/coord/depot", data=point | {"csrf_token": form_token(page), "osm_file": "../secret.osm"}
    )
    assert response.status_code == 422
    assert "fichier de rues inconnu" in response.get_data(as_text=True)
    assert read(db, select(ScenarioSettings.osm_file)) in ([], [""])  # nothing written
    response = coord.post(
        "/coord/depot",
        data=point | {"csrf_token": form_token(page), "osm_file": "chambery_centre_2016.osm"},
    )
    assert response.status_code == 302
    assert read(db, select(ScenarioSettings.osm_file)) == ["chambery_centre_2016.osm"]
    streets = coord.get("/coord/api/rues")
    assert streets.get_json()["source"] == "chambery_centre_2016.osm"
    # Revalidated, never reused blindly: the maps see a newly chosen file at once.
    assert "no-cache" in streets.headers["Cache-Control"]
    again = coord.get("/coord/api/rues", headers={"If-None-Match": streets.headers["ETag"]})
    assert again.status_code == 304
    page = coord.get("/coord/depot").get_data(as_text=True)
    assert '<option value="chambery_centre_2016.osm" selected>' in page
    # A form without the field (an older page) keeps the street file.
    coord.post("/coord/depot", data=point | {"csrf_token": form_token(page)})
    assert read(db, select(ScenarioSettings.osm_file)) == ["chambery_centre_2016.osm"]


@pytest.mark.parametrize(
    "path", ["/coord/lieux/nouveau", "/coord/vehicules/nouveau", "/coord/depot", "/coord/lieux"]
)
def test_every_field_has_a_label(coord, path):
    html = coord.get(path).get_data(as_text=True)
    ids = re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|checkbox)")[^>]*\sid="([^"]+)"', html
    )
    assert ids, path
    for field_id in ids:
        assert f'<label for="{field_id}"' in html, (path, field_id)
    for checkbox in re.findall(r'<input type="checkbox"[^>]*>', html):
        assert re.search(re.escape(checkbox) + r"\s*[^<\s]", html), checkbox  # inside its label


def test_streets_endpoint_reads_the_scenario_osm_file(coord, db):
    from field_app import fleet

    settings = fleet.settings(db, 1)
    settings.osm_file = "chambery_centre_2016.osm"
    db.commit()
    data = coord.get("/coord/api/rues").get_json()
    if not data["source"]:
        pytest.skip("chambery_centre_2016.osm not found in ../shared/data/osm")
    assert len(data["lines"]) > 100
    lat, lon = data["lines"][0][0]
    assert 45.5 < lat < 45.6 and 5.9 < lon < 5.95


def test_map_tiles_are_optional(app, coord):
    page = coord.get("/coord/lieux")
    assert 'data-tiles-url=""' in page.get_data(as_text=True)
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"]
    app.config["MAP_TILES_URL"] = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    page = coord.get("/coord/lieux")
    assert (
        "img-src 'self' data: https://*.tile.openstreetmap.org;"
        in page.headers["Content-Security-Policy"]
    )
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]


def test_import_of_a_wrong_file_names_the_upload_not_the_server_copy(coord, db):
    html = upload(coord, b"nom,adresse\r\nx,y\r\n", "mes lieux.csv").get_data(as_text=True)
    assert "mes lieux.csv : colonnes manquantes : id, name, kind" in html
    assert "/imports/" not in html and "Confirmer" not in html
    html = upload(coord, "id;name\r\n\u00e9\r\n".encode("utf-16"), "u16.csv").get_data(as_text=True)
    assert "u16.csv : colonnes manquantes" in html
    html = upload(coord, b"PK\x03\x04", "lieux.xlsx").get_data(as_text=True)
    assert "lieux.xlsx : fichier Excel illisible" in html and "Confirmer" not in html
    response = upload(coord, b"\xd0\xcf\x11\xe0", "lieux.xls")
    assert response.status_code == 400 and "CSV UTF-8" in response.get_data(as_text=True)
    assert site_rows(db) == []


def test_street_background_follows_the_planners_osm_file(monkeypatch, chambery_osm, tmp_path):
    """$DYNAMOBILE_OSM_FILE overrides the settings' file for the planner, so for the map too."""
    from field_app.street_lines import find_osm_file

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DYNAMOBILE_OSM_FILE", raising=False)
    assert find_osm_file("absent.osm") is None
    monkeypatch.setenv("DYNAMOBILE_OSM_FILE", str(chambery_osm))
    assert find_osm_file("absent.osm") == chambery_osm
    assert find_osm_file("") == chambery_osm
