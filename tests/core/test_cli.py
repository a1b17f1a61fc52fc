"""The `dynamobile` command end to end: the demo on the real Chambéry extract, and bad input."""

import json
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest
from click.testing import CliRunner

from dynamobile.audit import audit_plan, missing_visits
from dynamobile.check import check_plan
from dynamobile.cli import main
from dynamobile.plan import plan_from_dict, plan_to_dict
from dynamobile.scenario import load_scenario
from routing.planner import load_networks, travel_lookup

SCHEMA = json.loads((resources.files("dynamobile") / "plan.schema.json").read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory, chambery_osm_module):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--seconds", "3", "--no-maps"])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def chambery_osm_module():
    from tests.conftest import CHAMBERY_OSM

    if not CHAMBERY_OSM.exists():
        pytest.skip("../shared/data is not beside the checkout")
    return CHAMBERY_OSM


def test_demo_prints_a_timetable_and_valid_plan(demo):
    out, output = demo
    assert "Tournées du samedi 28 novembre 2026" in output
    assert "départ du dépôt" in output and "Pause déjeuner" in output
    assert "Étapes : rues" in output and "optimisation" in output
    data = json.loads((out / "plan.json").read_text())
    jsonschema.validate(data, SCHEMA)
    plan = plan_from_dict(data)
    assert plan_to_dict(plan) == data  # lossless round trip
    assert plan.tours and {u.code for u in plan.unassigned} == {"closed", "window_too_short"}


def test_demo_plan_is_feasible_on_the_real_streets(demo):
    out, _ = demo
    scenario = load_scenario(
        resources.files("dynamobile") / "scenarios/chambery_centre/scenario.toml"
    )
    plan = plan_from_dict(json.loads((out / "plan.json").read_text()))
    travel = travel_lookup(scenario, load_networks(scenario))
    assert check_plan(plan, scenario, travel=travel) == []
    assert audit_plan(plan, scenario, travel) == []
    cargo = [t for t in plan.tours if t.vehicle_kind == "cargo_bike"]
    assert any(s.site == "saint-leger" for t in cargo for s in t.stops)  # the pedestrian square


def test_demo_prints_one_drop_audit_line(demo):
    out, output = demo
    lines = [
        line
        for line in output.splitlines()
        if line.startswith("Contrôle des visites manquantes : ")
    ]
    scenario = load_scenario(
        resources.files("dynamobile") / "scenarios/chambery_centre/scenario.toml"
    )
    plan = plan_from_dict(json.loads((out / "plan.json").read_text()))
    missing = missing_visits(plan, scenario)
    assert set(missing) == {u.site for u in plan.unassigned} and set(missing.values()) == {1}
    assert lines == [
        f"Contrôle des visites manquantes : aucune visite manquante ne tenait dans les tournées "
        f"({len(missing)} visites manquantes vérifiées)."
    ]


def run(*args, cwd=None):
    """Run the real console entry point in a subprocess: what a coordinator sees."""
    return subprocess.run(
        [sys.executable, "-m", "dynamobile.cli", *args], capture_output=True, text=True, cwd=cwd
    )


HEADER = "id,name,kind,lat,lon,service_min,windows,priority\n"


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            "a,A,forecourt,45.566,5.92,60,sat 08:00-10:00,1\nb,B,forecourt,45.566,5.92,60,sat 10:00-09:00,1\n",
            "ligne 3 (b) : champ windows : plage horaire « 10:00-09:00 » : la fin n'est pas après le début",
        ),
        (
            "a,A,forecourt,45.566,5.92,60,someday 08:00-10:00,1\n",
            "ligne 2 (a) : champ windows : jour inconnu « someday »",
        ),
        (
            "a,A,forecourt,45.566,5.92,sixty,sat 08:00-10:00,1\n",
            "ligne 2 (a) : champ service_min doit être un entier",
        ),
        ("a,A,forecourt,43.0,5.0,60,sat 08:00-10:00,1\n", "site a (A) : coordonnées (43.0, 5.0) à"),
    ],
)
def test_malformed_input_exits_with_one_clear_line(tmp_path, chambery_osm_module, row, expected):
    (tmp_path / "sites.csv").write_text(HEADER + row, encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        f'sites = "sites.csv"\n[depot]\nname = "D"\nlat = 45.5676\nlon = 5.9269\n[streets]\nosm_file = "{chambery_osm_module}"\n'
        '[[vehicles]]\nid = "v"\nkind = "van"\nshift = "08:00-18:00"\n',
        encoding="utf-8",
    )
    result = run(
        "plan",
        str(tmp_path / "s.toml"),
        "--date",
        "2026-11-28",
        "--out",
        str(tmp_path / "out"),
        "--seconds",
        "0.2",
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Erreur")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "plan.json").exists()


def test_missing_scenario_and_bad_date(tmp_path):
    result = run(
        "plan", str(tmp_path / "nope.toml"), "--date", "2026-11-28", "--out", str(tmp_path)
    )
    assert (
        result.returncode == 2
        and "nope.toml : fichier introuvable" in result.stderr
        and "Traceback" not in result.stderr
    )
    result = run(
        "plan", str(tmp_path / "nope.toml"), "--date", "28/11/2026", "--out", str(tmp_path)
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_offline_download_gives_a_clear_error(tmp_path):
    template = resources.files("dynamobile") / "scenarios/hauts_de_chambery/scenario.toml"
    env_blocked = {
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "DYNAMOBILE_CACHE": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dynamobile.cli",
            "plan",
            str(template),
            "--date",
            "2026-11-29",
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        env=env_blocked,
        timeout=300,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Erreur : " in result.stderr and (
        "téléchargement des rues impossible" in result.stderr
        or "géocodage impossible" in result.stderr
    )
