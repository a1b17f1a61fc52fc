"""plan.json: one format (writer, reader, schema), version and field checks, a street file that
travels with the plan, and click's usage errors in French."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from dynamobile import osm_files
from dynamobile.cli import main
from dynamobile.errors import InputError, StreetDataError
from dynamobile.osm_files import osm_sha256, plan_osm_file
from dynamobile.plan import (
    PLAN_VERSION,
    Depot,
    Plan,
    Stop,
    Tour,
    Unassigned,
    plan_from_dict,
    plan_to_dict,
)
from dynamobile.plan_schema import SCHEMA_FILE, schema_text
from tests.conftest import CHAMBERY_OSM

PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 11, 28)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), PARIS)


def small_plan_dict() -> dict:
    stop = Stop(
        site="halles",
        name="Marché des Halles",
        kind="market",
        lat=45.567,
        lon=5.9196,
        arrive=at(9, 10),
        setup_start=at(9, 10),
        start=at(9, 30),
        end=at(11),
        leave=at(11, 10),
        drive_s=600,
        distance_m=2400,
        path=(1, 2),
        geometry=((5.92, 45.568), (5.9196, 45.567)),
    )
    tour = Tour(
        vehicle="van",
        vehicle_kind="van",
        profile="drive",
        date=DAY,
        start=at(9),
        end=at(11, 20),
        stops=(stop,),
        breaks=(),
        distance_m=4800,
        drive_s=1200,
        return_drive_s=600,
        return_distance_m=2400,
    )
    plan = Plan(
        version=PLAN_VERSION,
        scenario="test",
        dates=(DAY,),
        depot=Depot("La Dynamo", 45.5688, 5.9205),
        tours=(tour,),
        unassigned=(Unassigned("curial", "Carré Curial", "closed", "Fermé ce jour-là."),),
    )
    return plan_to_dict(plan)


def refusal(data) -> str:
    with pytest.raises(InputError) as info:
        plan_from_dict(data)
    return str(info.value)


def test_a_valid_plan_reads_back_exactly():
    data = small_plan_dict()
    assert plan_to_dict(plan_from_dict(copy.deepcopy(data))) == data


@pytest.mark.parametrize("version", [99, 0, "1", None])
def test_an_unknown_version_is_refused(version):
    data = dict(small_plan_dict(), version=version)
    shown = json.dumps(version)
    assert refusal(data) == (
        f"plan.json : version {shown} inconnue (attendu 1) — "
        "replanifiez avec cette version de Dynamobile"
    )


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.pop("version"), "plan.json : plan illisible en $.version : champ manquant"),
        (
            lambda d: d["tours"][0]["stops"][0].pop("leave"),
            "en $.tours[0].stops[0].leave : champ manquant",
        ),
        (
            lambda d: d["tours"][0]["stops"][0].update(drive_s="600"),
            "en $.tours[0].stops[0].drive_s : entier attendu (trouvé : texte)",
        ),
        (
            lambda d: d["tours"][0]["stops"][0].update(distance_m=-1),
            "en $.tours[0].stops[0].distance_m : -1 doit être ≥ 0",
        ),
        (
            lambda d: d["tours"][0].update(start="2026-11-28 09:00"),
            'en $.tours[0].start : "2026-11-28 09:00" n\'est pas une heure AAAA-MM-JJTHH:MM:SS+HH:MM',
        ),
        (
            lambda d: d.update(dates=["28/11/2026"]),
            'en $.dates[0] : "28/11/2026" n\'est pas une date AAAA-MM-JJ',
        ),
        (
            lambda d: d["tours"][0].update(profile="walk"),
            'en $.tours[0].profile : "walk" inconnu (attendu : drive, bike)',
        ),
        (
            lambda d: d["unassigned"][0].update(code="lost"),
            'en $.unassigned[0].code : "lost" inconnu',
        ),
        (
            lambda d: d["tours"][0].update(stops=[]),
            "en $.tours[0].stops : au moins 1 élément(s) attendu(s)",
        ),
        (lambda d: d.update(timezone="UTC"), 'en $.timezone : "UTC" au lieu de "Europe/Paris"'),
        (
            lambda d: d["tours"][0].update(date="2026-02-30"),
            'en $.tours[0].date : "2026-02-30" : cette date n\'existe pas',
        ),
        (
            lambda d: d["tours"][0]["stops"][0]["geometry"].append([5.9]),
            "en $.tours[0].stops[0].geometry[2][1] : élément manquant",
        ),
        (
            lambda d: d["tours"][0]["stops"][0].update(site=None),
            "en $.tours[0].stops[0].site : texte attendu (trouvé : null)",
        ),
        (
            lambda d: d.update(streets={"osm_file": "a.osm", "osm_sha256": "abc"}),
            'en $.streets.osm_sha256 : "abc" n\'est pas au format attendu',
        ),
    ],
)
def test_a_plan_off_the_schema_is_refused_with_the_json_path(change, expected):
    data = small_plan_dict()
    change(data)
    message = refusal(data)
    assert message.startswith("plan.json : plan illisible en $") and expected in message
    assert "\n" not in message


def test_not_an_object_is_refused():
    assert refusal([]) == "plan.json : plan illisible en $ : objet attendu (trouvé : liste)"


def test_optional_fields_may_be_absent():
    """What plan_from_dict defaults (commune, crew, streets…) is optional in the schema too."""
    data = small_plan_dict()
    stop = data["tours"][0]["stops"][0]
    for key in ("insee", "postcode", "commune", "address", "quartier", "priority"):
        del stop[key]
    data["streets"] = {}
    assert plan_from_dict(data).tours[0].stops[0].commune == "Chambéry"


def write(tmp_path, data) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", [["sheets", "{plan}", "--out", "{out}"], ["publish", "{plan}"]])
def test_sheets_and_publish_refuse_another_version(command, tmp_path):
    plan = write(tmp_path, dict(small_plan_dict(), version=99))
    args = [a.format(plan=plan, out=tmp_path / "out") for a in command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output == (
        "Erreur : plan.json : version 99 inconnue (attendu 1) — "
        "replanifiez avec cette version de Dynamobile\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["sheets", "{plan}", "--out", "{out}"], ["publish", "{plan}"]])
def test_sheets_and_publish_name_the_first_schema_problem(command, tmp_path):
    data = small_plan_dict()
    data["tours"][0]["stops"][0]["drive_s"] = 1.5
    plan = write(tmp_path, data)
    result = CliRunner().invoke(main, [a.format(plan=plan, out=tmp_path / "out") for a in command])
    assert result.exit_code == 2
    assert result.output == (
        "Erreur : plan.json : plan illisible en $.tours[0].stops[0].drive_s : "
        "entier attendu (trouvé : nombre)\n"
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ["plan", "s.toml", "--date", "notadate"],
            "option --date : « notadate » n'est pas une date AAAA-MM-JJ",
        ),
        (["plan"], "argument SCENARIO manquant"),
        (["sheets", "plan.json"], "option --out manquante"),
        (["plan", "s.toml", "--zzqq"], "option inconnue : --zzqq"),
        (["plann"], "commande inconnue : plann (vouliez-vous dire plan ?)"),
        (["plan", "s.toml", "--date"], "option --date : valeur manquante"),
        (["compare", "s.toml", "--days", "0"], "option --days : « 0 » doit être entre 1 et 62"),
        (
            ["compare", "s.toml", "--seconds", "vite"],
            "option --seconds : « vite » n'est pas un nombre",
        ),
        (["users", "add", "bob"], "option --role manquante (choix : agent, coordinator)"),
        (
            ["users", "add", "bob", "--role", "chef"],
            "option --role : « chef » n'est pas un choix possible (choix : agent, coordinator)",
        ),
        (["sheets", "plan.json", "--out", "o", "encore"], "argument(s) en trop : encore"),
        (["-v"], "commande manquante (dynamobile --help pour la liste)"),
    ],
)
def test_click_usage_errors_are_one_french_line(args, expected):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.output == f"Erreur : {expected}\n"  # no English, no usage line, no "Try --help"


def test_help_is_still_shown():
    result = CliRunner().invoke(main, ["plan", "--help"])
    assert result.exit_code == 0 and "--date" in result.output


def test_the_committed_schema_is_the_generated_one():
    """plan.schema.json follows the types: regenerate it with ``python -m dynamobile.plan_schema``."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


# A real plan: the bundled demo planned by the command, on the Chambéry extract.


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    if not CHAMBERY_OSM.exists():
        pytest.skip("../shared/data is not beside the checkout")
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--solutions", "50", "--no-maps"])
    assert result.exit_code == 0, result.output
    return out / "plan.json"


def test_a_real_plan_reads_back_exactly(demo_run):
    data = json.loads(demo_run.read_text(encoding="utf-8"))
    plan = plan_from_dict(copy.deepcopy(data))
    assert plan_to_dict(plan) == data
    assert plan_from_dict(plan_to_dict(plan)) == plan
    assert plan.tours and plan.tours[0].stops[0].arrive.utcoffset() == dt.timedelta(hours=1)


def test_a_plan_names_its_street_file_and_its_content_not_a_path(demo_run):
    streets = json.loads(demo_run.read_text(encoding="utf-8"))["streets"]
    assert streets["osm_file"] == CHAMBERY_OSM.name
    assert streets["osm_sha256"] == osm_sha256(CHAMBERY_OSM)
    assert str(CHAMBERY_OSM.parent) not in json.dumps(streets)


@pytest.fixture
def elsewhere(tmp_path, monkeypatch, demo_run):
    """Another machine: the plan alone in a folder, no shared data folder to fall back on."""
    monkeypatch.setattr(osm_files, "SHARED_OSM_DIRS", ())
    monkeypatch.delenv("DYNAMOBILE_OSM_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "ailleurs"
    folder.mkdir()
    shutil.copy(demo_run, folder / "plan.json")
    return folder


def sheets(folder):
    return CliRunner().invoke(
        main, ["sheets", str(folder / "plan.json"), "--out", str(folder / "out")]
    )


def test_a_copied_plan_finds_its_street_file_by_name(elsewhere):
    shutil.copy(CHAMBERY_OSM, elsewhere / CHAMBERY_OSM.name)
    result = sheets(elsewhere)
    assert result.exit_code == 0, result.output
    assert list((elsewhere / "out").glob("sheet-*.pdf")) and (elsewhere / "out/plan.html").exists()


def test_a_changed_street_file_is_refused_in_french(elsewhere):
    changed = elsewhere / CHAMBERY_OSM.name
    changed.write_bytes(CHAMBERY_OSM.read_bytes() + b"<!-- edited -->\n")
    result = sheets(elsewhere)
    assert result.exit_code == 2
    assert result.output.startswith(
        f"Erreur : fichier de rues « {CHAMBERY_OSM.name} » différent de celui du plan ("
    )
    assert result.output.count("\n") == 1 and not (elsewhere / "out").exists()


def test_a_missing_street_file_is_named(elsewhere):
    result = sheets(elsewhere)
    assert result.exit_code == 2
    assert result.output == (
        f"Erreur : fichier de rues « {CHAMBERY_OSM.name} » introuvable (cherché à côté du plan, "
        "dans le dossier courant et dans ../shared/data/osm) ; indiquez-le avec --osm-file\n"
    )


def test_an_older_plan_with_an_absolute_path_still_finds_its_streets(tmp_path, chambery_osm):
    """Plans written before the name + sha256 form give the file's absolute path."""
    assert plan_osm_file({"osm_file": str(chambery_osm)}) == chambery_osm
    moved = str(tmp_path / "gone" / chambery_osm.name)  # made on another machine: found by name
    assert plan_osm_file({"osm_file": moved}).read_bytes() == chambery_osm.read_bytes()
    assert plan_osm_file({"place": "Chambéry, France"}) is None


def test_a_street_file_with_another_content_is_refused(tmp_path, chambery_osm, monkeypatch):
    monkeypatch.setattr(osm_files, "SHARED_OSM_DIRS", ())
    monkeypatch.chdir(tmp_path)
    (tmp_path / chambery_osm.name).write_text("<osm/>", encoding="utf-8")
    streets = {"osm_file": chambery_osm.name, "osm_sha256": osm_sha256(chambery_osm)}
    with pytest.raises(StreetDataError, match="différent de celui du plan"):
        plan_osm_file(streets, beside=[tmp_path])


def test_the_graph_cache_follows_the_content_not_the_path(tmp_path, chambery_osm):
    from dynamobile.model import RoutingSettings, StreetSource
    from routing.streets import _cache_key

    copy_ = tmp_path / chambery_osm.name
    shutil.copy(chambery_osm, copy_)
    settings = RoutingSettings()
    key = _cache_key(StreetSource(osm_file=chambery_osm), "drive", settings)
    assert _cache_key(StreetSource(osm_file=copy_), "drive", settings) == key
    copy_.write_bytes(chambery_osm.read_bytes() + b"\n")
    assert _cache_key(StreetSource(osm_file=copy_), "drive", settings) != key
