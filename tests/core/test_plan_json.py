"""plan.json reading: version and schema checks, and click's usage errors in French."""

from __future__ import annotations

import copy
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from dynamobile.cli import main
from dynamobile.errors import InputError
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
