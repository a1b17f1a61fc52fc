"""One French voice: every output takes its words from `dynamobile.french`."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dynamobile.french import (
    SITE_KINDS_FR,
    VEHICLE_KINDS_FR,
    date_fr,
    day_month_fr,
    distance_fr,
    duration_fr,
    leg_fr,
    plural,
    site_kind_fr,
    time_fr,
    vehicle_kind_fr,
    vehicle_title_fr,
)
from dynamobile.model import SITE_KINDS, VEHICLE_KINDS
from dynamobile.plan import NO_VEHICLE, PLAN_VERSION, Depot, Plan, Stop, Tour
from dynamobile.report import plan_text, tour_text

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dynamobile", "routing", "maps", "field_app")
FRENCH_MODULE = ROOT / "dynamobile" / "french.py"
PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 11, 28)


def sources(*suffixes: str) -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*"))
        if path.suffix in suffixes and path != FRENCH_MODULE and "__pycache__" not in path.parts
    ]


def test_the_tables_cover_the_model_kinds():
    assert set(VEHICLE_KINDS_FR) == set(VEHICLE_KINDS)
    assert set(SITE_KINDS_FR) == set(SITE_KINDS)


def test_vehicle_and_site_kinds():
    assert [vehicle_kind_fr(k) for k in ("bus", "van", "cargo_bike")] == [
        "bus",
        "fourgon",
        "vélo-cargo",
    ]
    assert vehicle_kind_fr("cargo_bike", article=True) == "le vélo-cargo"
    assert vehicle_kind_fr("tram") == "tram"  # unknown: the code itself
    assert site_kind_fr("social_centre") == "centre social" and site_kind_fr("inconnu") == "inconnu"
    assert SITE_KINDS_FR["school"].with_article == "l'école"
    assert SITE_KINDS_FR["fete"].with_article == "la fête"


def test_a_vehicle_title_names_its_kind_once():
    assert vehicle_title_fr("Fourgon aménagé", "van") == "Fourgon aménagé"
    assert vehicle_title_fr("Velo cargo électrique", "cargo_bike") == "Velo cargo électrique"
    assert vehicle_title_fr("Le Dynamobile", "bus") == "Le Dynamobile (bus)"
    assert vehicle_title_fr("velo-1", "cargo_bike") == "velo-1 (vélo-cargo)"
    assert vehicle_title_fr("Le Dynamobile", "") == "Le Dynamobile"


def test_one_spelling_of_the_cargo_bike_in_every_source():
    """« vélo cargo », « velo-cargo » and the like appear nowhere: the table's spelling or nothing."""
    pattern = re.compile(r"v[ée]lo[\s_-]*cargo", re.IGNORECASE)
    spelling = vehicle_kind_fr("cargo_bike")
    wrong = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in sources(".py", ".html", ".js")
        for m in pattern.finditer(path.read_text(encoding="utf-8"))
        if m.group(0).lower() != spelling
    ]
    assert wrong == []


def test_the_tables_are_the_only_definitions():
    """No other module keeps its own table of kind names, or of French day and month names."""
    names = {
        code: noun.name
        for table in (VEHICLE_KINDS_FR, SITE_KINDS_FR)
        for code, noun in table.items()
    }
    copies = []
    for path in sources(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value in names
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and names[key.value] in value.value.lower()
                    ):
                        copies.append(f"{path.relative_to(ROOT)}:{node.lineno} {key.value!r}")
            elif isinstance(node, ast.Constant) and node.value in ("janvier", "décembre"):
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert copies == []


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 arrêt"), (1, "1 arrêt"), (2, "2 arrêts"), (12, "12 arrêts")],
)
def test_plural_agreement(count, expected):
    assert plural(count, "arrêt") == expected


def test_plural_of_invariable_words():
    assert plural(3, "bus", "bus") == "3 bus"
    assert plural(2, "visite manquante", "visites manquantes") == "2 visites manquantes"


def test_dates_and_times():
    assert date_fr(dt.date(2024, 5, 14)) == "mardi 14 mai 2024"
    assert date_fr(dt.date(2026, 8, 1)) == "samedi 1er août 2026"
    assert date_fr(dt.date(2026, 11, 1)) == "dimanche 1er novembre 2026"
    assert date_fr(dt.date(2026, 11, 2)) == "lundi 2 novembre 2026"
    assert day_month_fr(dt.date(2026, 3, 2)) == "lundi 02/03"
    assert time_fr(dt.time(9, 5)) == "9h05"
    assert time_fr(dt.datetime(2026, 11, 28, 14, 30)) == "14h30"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0 s"),
        (31, "31 s"),
        (42, "42 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),  # never "60 s"
        (89, "1 min"),
        (90, "2 min"),  # halves up, not to even
        (125, "2 min"),
        (150, "3 min"),
        (240, "4 min"),
        (3569, "59 min"),
        (3570, "1 h 00"),  # never "60 min"
        (3900, "1 h 05"),
    ],
)
def test_duration_rounding(seconds, expected):
    assert duration_fr(seconds) == expected


@pytest.mark.parametrize(
    ("metres", "expected"),
    [
        (0, "10 m"),
        (44, "40 m"),
        (45, "50 m"),  # halves up, not to even
        (96, "100 m"),
        (125, "150 m"),
        (165, "150 m"),
        (975, "1 km"),  # never "1000 m"
        (1020, "1 km"),
        (1234, "1,2 km"),
        (1250, "1,3 km"),
        (9980, "10 km"),
        (12_400, "12 km"),
    ],
)
def test_distance_rounding(metres, expected):
    assert distance_fr(metres) == expected


def test_a_leg_reads_the_same_everywhere():
    assert leg_fr(165, 31) == "150 m, 31 s"
    assert leg_fr(1234, 240) == "1,2 km, 4 min"


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), PARIS)


def _tour(vehicle_name: str, kind: str, stops: int) -> Tour:
    def stop(k: int) -> Stop:
        return Stop(
            site=f"s{k}",
            name=f"Site {k}",
            kind="market",
            lat=45.566,
            lon=5.92,
            arrive=_at(9 + 2 * k),
            setup_start=_at(9 + 2 * k),
            start=_at(9 + 2 * k, 15),
            end=_at(10 + 2 * k, 45),
            leave=_at(11 + 2 * k),
            drive_s=31,
            distance_m=165,
        )

    return Tour(
        vehicle="v1",
        vehicle_kind=kind,
        profile="drive",
        date=DAY,
        start=_at(8, 59),
        end=_at(9 + 2 * stops, 2),
        stops=tuple(stop(k) for k in range(stops)),
        breaks=(),
        distance_m=165 * stops + 1234,
        drive_s=31 * stops + 240,
        return_drive_s=240,
        return_distance_m=1234,
        vehicle_name=vehicle_name,
    )


def test_the_terminal_timetable_speaks_the_french_module():
    one = tour_text(_tour("Fourgon aménagé", "van", 1))
    assert one[0] == "Fourgon aménagé"  # not « Fourgon aménagé (v1, fourgon) »
    assert "(150 m, 31 s depuis le point précédent)" in one[2]  # as on the sheet: leg_fr
    assert one[-2].endswith("retour au dépôt (1,2 km, 4 min)")
    assert one[-1].startswith("  Total : 1 arrêt, 1,4 km, 5 min de trajet, 1 h 30 ouvert")
    two = tour_text(_tour("Le Dynamobile", "cargo_bike", 2))
    assert two[0] == "Le Dynamobile (vélo-cargo)" and "Total : 2 arrêts," in two[-1]
    plan = Plan(PLAN_VERSION, "test", (DAY,), Depot("Dépôt", 45.57, 5.92), (), ())
    assert plan_text(plan).startswith("Tournées du samedi 28 novembre 2026 — test")


def test_eligibility_reasons_name_vehicles_from_the_table(tmp_path):
    from routing.planner import plan_day
    from tests.core.builders import grid_scenario, site, vehicle

    scenario = grid_scenario(tmp_path, [site("a", 1, 1, kinds="cargo_bike,bus")], [vehicle()])
    (unassigned,) = plan_day(scenario, dt.date(2026, 11, 30)).unassigned
    assert unassigned.code == NO_VEHICLE
    assert "(le bus, le vélo-cargo)" in unassigned.reason


def test_no_second_french_module():
    assert not (ROOT / "maps" / "french.py").exists()  # moved to the core, no shim left


def test_the_field_app_dates_are_the_same():
    from flask import Flask

    from field_app.web import init_app

    app = Flask(__name__)
    init_app(app)
    assert app.jinja_env.filters["french_date"] is date_fr


def test_the_sheet_says_what_the_terminal_says():
    import io

    from pypdf import PdfReader

    from maps.sheets import render_sheet

    tour = _tour("Le Dynamobile", "cargo_bike", 1)
    plan = Plan(PLAN_VERSION, "test", (DAY,), Depot("Dépôt", 45.57, 5.92), (tour,), ())
    pdf = render_sheet(plan, tour)
    text = " ".join(
        re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Véhicule : Le Dynamobile (vélo-cargo)" in text
    assert "Parcours : 1 arrêt, 1,4 km, 5 min de route" in text
    assert "150 m, 31 s" in text and "150 m, 31 s" in tour_text(tour)[2]
