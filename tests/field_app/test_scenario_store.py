"""The scenario in the database: files → rows → files lossless, archiving, the CLI, plan from the DB."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import sys
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import inspect, select

from dynamobile.cli import main
from dynamobile.errors import InputError
from dynamobile.model import Calendar, Depot
from dynamobile.scenario import load_scenario
from dynamobile.scenario_write import write_scenario
from dynamobile.windows import parse_windows
from field_app.db import MIGRATIONS_DIR, engine_of, new_session
from field_app.models import Stop, Tour
from field_app.scenario_rows import Organisation, ScenarioSettings, SiteRow, VehicleRow
from field_app.scenario_store import default_organisation, import_scenario, scenario_from_db
from tests.conftest import CHAMBERY_OSM

SCENARIOS = resources.files("dynamobile") / "scenarios"
DEMO = Path(str(SCENARIOS / "chambery_centre" / "scenario.toml"))
HAUTS = Path(str(SCENARIOS / "hauts_de_chambery" / "scenario.toml"))
BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(autouse=True)
def _shared_streets():
    if not CHAMBERY_OSM.exists():
        pytest.skip("../shared/data is not beside the checkout")


@pytest.fixture(scope="module")
def season_toml(tmp_path_factory) -> Path:
    """A small generated season (bench/season.py): 12 sites, 3 vehicles, frequencies, last visits."""
    spec = importlib.util.spec_from_file_location("bench_season", BENCH / "season.py")
    season = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = season  # its dataclasses look their module up
    spec.loader.exec_module(season)
    out = tmp_path_factory.mktemp("season")
    return season.generate_season(out, sites=12, vehicles=3, seed=1, osm_file=CHAMBERY_OSM)


def bare(scenario):
    return dataclasses.replace(scenario, source=None)


def import_into(app, scenario):
    with new_session(app) as session:
        summary = import_scenario(session, default_organisation(session).id, scenario)
        session.commit()
    return summary


def from_db(app):
    with new_session(app) as session:
        return scenario_from_db(session, default_organisation(session).id)


@pytest.fixture
def cli_env(make_app, db_url, monkeypatch):
    """The main CLI pointed at the test database (schema migrated by the app)."""
    app = make_app()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [str(a) for a in args])

    return app, run


@pytest.mark.parametrize("which", ["demo", "hauts", "season"])
def test_files_db_files_round_trip_is_lossless(which, make_app, tmp_path, request):
    path = {"demo": DEMO, "hauts": HAUTS}.get(which) or request.getfixturevalue("season_toml")
    original = load_scenario(path)
    app = make_app()
    summary = import_into(app, original)
    assert summary.sites_added == len(original.sites)
    assert summary.vehicles_added == len(original.vehicles)
    stored = from_db(app)
    assert stored == bare(original)
    written = write_scenario(stored, tmp_path / "export")
    assert bare(load_scenario(written)) == bare(original)
    assert sorted(p.name for p in written.parent.iterdir()) == ["scenario.toml", "sites.csv"]


def test_round_trip_keeps_every_field(make_app, tmp_path):
    """Windows with dates and school-holiday qualifiers, another commune, frequencies, history,
    days off, calendar, text with commas, quotes and line breaks."""
    demo = load_scenario(DEMO)
    tricky = (
        "tue,sat 07:30-12:30; 2027-06-19 14:00-22:00; vacances 14h-18h; "
        "hors-vacances mer 14:00-17:00; samedi 9h30-12h; sat,19/06/2027 18:00-19:00"
    )
    odd = dataclasses.replace(
        demo.sites[1],
        id="bissy",
        name='Salle « Le Totem », "Bissy"',
        windows=parse_windows(tricky),
        notes="ligne 1\nligne 2 ; avec, des virgules",
        visits=3,
        min_gap_days=2,
        every_days=None,
        last_visit=dt.date(2026, 11, 2),
        vehicle_kinds=frozenset({"van", "bus"}),
    )
    elsewhere = dataclasses.replace(
        demo.sites[2], id="ravoire", insee="73213", postcode="73490", commune="La Ravoire"
    )
    van = dataclasses.replace(
        demo.vehicles[0],
        crew=("Karim", "Léa, stagiaire"),
        days_off=frozenset({dt.date(2027, 4, 2), dt.date(2027, 4, 5)}),
        max_drive_min=None,
        shift_end_min=24 * 60,
    )
    scenario = dataclasses.replace(
        demo,
        notes="Scénario « test »\nsur deux lignes",
        sites=(*demo.sites, odd, elsewhere),
        vehicles=(van, dataclasses.replace(demo.vehicles[1], name="", lunch=None)),
        calendar=Calendar(
            public_holidays="work", school_zone="B", days_off=frozenset({dt.date(2027, 3, 12)})
        ),
        depot=Depot("La Dynamo", 45.5875, 5.917, "Chambéry-le-Haut"),
        default_date=None,
    )
    app = make_app()
    import_into(app, scenario)
    stored = from_db(app)
    assert stored == bare(scenario)
    assert bare(load_scenario(write_scenario(stored, tmp_path / "out"))) == bare(scenario)


def test_export_then_import_into_a_fresh_database(cli_env, make_app, tmp_path):
    app, run = cli_env
    result = run("scenario", "import", DEMO)
    assert result.exit_code == 0, result.output
    assert "Lieux : 10 ajoutés" in result.output
    again = run("scenario", "import", DEMO)  # the same files again: nothing changes
    assert "Lieux : 0 ajoutés, 0 mis à jour, 0 archivés ; véhicules : 0 ajoutés" in again.output
    result = run("scenario", "export", "--out", tmp_path / "export")
    assert result.exit_code == 0, result.output
    fresh = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    import_into(fresh, load_scenario(tmp_path / "export" / "scenario.toml"))
    assert from_db(fresh) == from_db(app) == bare(load_scenario(DEMO))


def test_reimport_archives_a_removed_site_and_leaves_past_tours(app):
    # `app` holds a published plan whose first tour stops at « halles ».
    demo = load_scenario(DEMO)
    halles = dataclasses.replace(demo.sites[0], id="halles", name="Les Halles")
    with_halles = dataclasses.replace(demo, sites=(*demo.sites, halles))
    import_into(app, with_halles)
    with new_session(app) as session:
        before = [(s.id, s.tour_id, s.name, s.start) for s in session.scalars(select(Stop))]
        assert any(s.site == "halles" for s in session.scalars(select(Stop)))
        tours_before = session.scalars(select(Tour.id)).all()

    summary = import_into(app, demo)

    assert (summary.sites_added, summary.sites_updated, summary.sites_archived) == (0, 0, 1)
    with new_session(app) as session:
        row = session.scalars(select(SiteRow).where(SiteRow.code == "halles")).one()
        assert row.archived and row.name == "Les Halles"  # kept, not deleted
        assert [(s.id, s.tour_id, s.name, s.start) for s in session.scalars(select(Stop))] == before
        assert session.scalars(select(Tour.id)).all() == tours_before
    assert from_db(app) == bare(demo)
    # Back in the scenario: the same row, active again.
    summary = import_into(app, with_halles)
    assert (summary.sites_added, summary.sites_updated, summary.sites_archived) == (0, 1, 0)
    with new_session(app) as session:
        rows = session.scalars(select(SiteRow).where(SiteRow.code == "halles")).all()
        assert len(rows) == 1 and not rows[0].archived


def test_a_bad_window_in_the_database_names_the_site(make_app):
    app = make_app()
    import_into(app, load_scenario(DEMO))
    with new_session(app) as session:
        row = session.scalars(select(SiteRow).where(SiteRow.code == "monge")).one()
        row.windows = "samedi 9-12"
        session.commit()
    with pytest.raises(InputError) as caught:
        from_db(app)
    assert len(caught.value.problems) == 1
    message = caught.value.problems[0]
    assert message.startswith("lieu « Place Monge » : champ windows :")
    assert "heure illisible « 9 »" in message


def test_cli_import_with_a_bad_row_writes_nothing(cli_env, tmp_path):
    app, run = cli_env
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "scenario.toml").write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    lines = (DEMO.parent / "sites.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("tue-sat 10:00-12:00", "sa 10:00-12:00")  # saint-leger
    (folder / "sites.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run("scenario", "import", folder / "scenario.toml")

    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Erreur : ")]
    assert len(errors) == 1, result.output
    assert "sites.csv, ligne 3 (saint-leger) : champ windows" in errors[0]
    assert "Traceback" not in result.output
    with new_session(app) as session:
        assert session.scalars(select(SiteRow)).all() == []
        assert session.scalars(select(VehicleRow)).all() == []
        assert session.get(ScenarioSettings, 1) is None


def test_cli_export_without_a_scenario_says_so(cli_env, tmp_path):
    _app, run = cli_env
    result = run("scenario", "export", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.startswith("Erreur : aucun scénario dans la base")
    assert not (tmp_path / "out").exists()


def test_plan_from_the_database_equals_plan_from_the_files(cli_env, tmp_path):
    _app, run = cli_env
    assert run("scenario", "import", DEMO).exit_code == 0
    # Ending on a number of solutions, not on the clock: the same plan on every run.
    repeatable = ["--date", "2026-11-28", "--seconds", "60", "--solutions", "30", "--no-maps"]
    from_files = run("plan", DEMO, "--out", tmp_path / "files", *repeatable)
    assert from_files.exit_code == 0, from_files.output
    from_db_run = run("plan", "db:", "--out", tmp_path / "db", *repeatable)
    assert from_db_run.exit_code == 0, from_db_run.output
    files_plan, db_plan = (
        json.loads((tmp_path / d / "plan.json").read_text()) for d in ("files", "db")
    )
    assert db_plan["tours"] and db_plan["tours"] == files_plan["tours"]
    assert db_plan["unassigned"] == files_plan["unassigned"]
    assert db_plan["scenario"] == files_plan["scenario"]


def _alembic(app) -> tuple[Config, object]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config, engine_of(app)


def test_migration_0004_upgrades_and_downgrades(make_app):
    app = make_app()
    config, engine = _alembic(app)
    with new_session(app) as session:
        assert session.get(Organisation, 1).name == "La Dynamo"
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    tables = set(inspect(engine).get_table_names())
    assert not tables & {"organisations", "scenario_settings", "sites", "vehicles"}
    assert "stops" in tables
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    tables = set(inspect(engine).get_table_names())
    assert {"organisations", "scenario_settings", "sites", "vehicles"} <= tables
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")  # later migrations add columns the models write
    import_into(app, load_scenario(DEMO))  # the default organisation is back, rows fit
    with new_session(app) as session:
        # A second organisation gets the next id (PostgreSQL's sequence was moved past 1).
        other = Organisation(name="Autre tiers-lieu")
        session.add(other)
        session.commit()
        assert other.id == 2
