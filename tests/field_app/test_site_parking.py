"""A site's own parking point in the database (issue 13): migration 0009, the catalogue's
form and CSV, files → database → files."""

from __future__ import annotations

import re

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from dynamobile.scenario import load_scenario
from dynamobile.scenario_write import write_scenario
from field_app.db import MIGRATIONS_DIR, engine_of, new_session
from field_app.scenario_store import default_organisation, import_scenario, scenario_from_db
from tests.parking_scenarios import CHATEAU_PARKING, squares_scenario

from .test_catalogue import coord, post_site, site_rows, upload  # noqa: F401


def _import(app, scenario) -> None:
    with new_session(app) as session:
        import_scenario(session, default_organisation(session).id, scenario)
        session.commit()


def _stored(app):
    with new_session(app) as session:
        return scenario_from_db(session, default_organisation(session).id)


def _site_columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("sites")}


def test_migration_0009_adds_the_parking_point_and_keeps_the_sites(make_app, tmp_path):
    app = make_app()
    engine = engine_of(app)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scenario = squares_scenario(tmp_path / "files")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    assert not {"park_lat", "park_lon"} & _site_columns(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    assert {"park_lat", "park_lon"} <= _site_columns(engine)
    _import(app, scenario)
    stored = _stored(app)
    chateau = stored.site("chateau")
    assert (chateau.park_lat, chateau.park_lon) == CHATEAU_PARKING
    assert not stored.site("mache").has_own_parking


def test_files_database_files_keep_the_parking_point(make_app, tmp_path):
    original = squares_scenario(tmp_path / "files")
    app = make_app()
    _import(app, original)
    stored = _stored(app)
    assert stored.sites == original.sites
    again = load_scenario(write_scenario(stored, tmp_path / "export"))
    assert again.sites == original.sites


def test_the_site_form_takes_a_parking_point(coord, db):
    response = post_site(coord, park_lat="45,5639376", park_lon="5.9195065")
    assert response.status_code == 302, response.get_data(as_text=True)
    (row,) = site_rows(db)
    assert (row.park_lat, row.park_lon) == (45.5639376, 5.9195065)
    page = coord.get(f"/coord/lieux/{row.code}").get_data(as_text=True)
    assert 'value="45.5639376"' in page and "Latitude du stationnement" in page
    assert 'id="park-map"' in page  # placed on a map too
    # Emptied: the street nearest the site again.
    assert post_site(coord, f"/coord/lieux/{row.code}", park_lat="", park_lon="").status_code == 302
    (row,) = site_rows(db)
    assert (row.park_lat, row.park_lon) == (None, None)


def test_a_wrong_parking_point_is_named_beside_its_field(coord, db):
    response = post_site(coord, park_lat="quarante-cinq", park_lon="5.92")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="park_lat-erreur">[^<]*latitude attendue', html)
    assert site_rows(db) == []
    response = post_site(coord, park_lat="45.5639", park_lon="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="park_lat-erreur">[^<]*donner les deux ou aucun', html)
    assert site_rows(db) == []


def test_the_catalogue_csv_exports_and_imports_the_parking_point(coord, db):
    assert post_site(coord, park_lat="45.5639376", park_lon="5.9195065").status_code == 302
    body = coord.get("/coord/lieux/export.csv").get_data()
    header = body.decode("utf-8-sig").splitlines()[0].split(";")
    assert header[-2:] == ["park_lat", "park_lon"]
    html = upload(coord, body, "export.csv").get_data(as_text=True)
    assert html.count("inchangé</td>") == 1, html
    bad = body.replace(b"45.5639376", b"45.56x")
    html = upload(coord, bad, "export.csv").get_data(as_text=True)
    assert "champ park_lat : latitude attendue (lu « 45.56x »)" in html
