import datetime as dt
from pathlib import Path

import pytest

from dynamobile.errors import InputError
from dynamobile.scenario import load_scenario, load_sites

HEADER = "id,name,kind,lat,lon,service_min,windows,priority,address,quartier,vehicles\n"
GOOD = 'a,Place A,forecourt,45.566,5.92,60,"tue,sat 07:30-12:30",2,,Centre,\n'


def write(tmp_path: Path, text: str, name: str = "sites.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_sites(path)
    return info.value.problems


def test_good_row(tmp_path):
    (site,) = load_sites(write(tmp_path, HEADER + GOOD))
    assert site.id == "a" and site.priority == 2 and site.quartier == "Centre"
    assert site.vehicle_kinds is None and len(site.windows) == 1


def test_semicolon_csv_and_vehicle_kinds(tmp_path):
    text = (
        HEADER.replace(",", ";")
        + "a;Place A;market;45,566;5,92;60;tue 07:30-12:30;5;;;van,cargo_bike\n"
    )
    (site,) = load_sites(write(tmp_path, text))
    assert site.lat == pytest.approx(45.566) and site.vehicle_kinds == {"van", "cargo_bike"}


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            "b,B,castle,45.5,5.9,60,sat 08:00-10:00,1,,,\n",
            "ligne 3 (b) : champ kind : « castle » inconnu",
        ),
        ("b,B,market,north,5.9,60,sat 08:00-10:00,1,,,\n", "ligne 3 (b) : champ lat"),
        ("b,B,market,95,5.9,60,sat 08:00-10:00,1,,,\n", "latitude hors limites"),
        ("b,B,market,45.5,5.9,0,sat 08:00-10:00,1,,,\n", "champ service_min doit être au moins 1"),
        (
            "b,B,market,45.5,5.9,60,sat 10:00-08:00,1,,,\n",
            "champ windows : plage horaire « 10:00-08:00 » : la fin n'est pas après le début",
        ),
        (
            "b,B,market,45.5,5.9,60,funday 08:00-10:00,1,,,\n",
            "champ windows : jour inconnu « funday »",
        ),
        ("b,B,market,45.5,5.9,60,sat 08:00-10:00,high,,,\n", "champ priority doit être un entier"),
        ("b,B,market,45.5,5.9,60,sat 08:00-10:00,1,,,tram\n", "champ vehicles : tram inconnu"),
        ("b,B,market,,,60,sat 08:00-10:00,1,,,\n", "vides et pas d'adresse"),
        (
            "a,B,market,45.5,5.9,60,sat 08:00-10:00,1,,,\n",
            "ligne 3 : champ id : « a » déjà utilisé",
        ),
        (
            "b,B,market,45.5,5.9,60,sat 08:00-10:00,sun 09:00-10:00,1,,,\n",
            "ligne 3 (b) : trop de colonnes (12 champs au lieu de 11",
        ),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path, row, expected):
    path = write(tmp_path, HEADER + GOOD + row)
    problems = problems_of(path)
    assert len(problems) == 1
    assert str(path) in problems[0] and expected in problems[0]


def test_every_bad_row_is_reported(tmp_path):
    rows = (
        GOOD
        + "b,B,castle,45.5,5.9,60,sat 08:00-10:00,1,,,\n"
        + "c,C,market,45.5,5.9,60,xyz 08:00-10:00,1,,,\n"
    )
    problems = problems_of(write(tmp_path, HEADER + rows))
    assert [p.split(" : ")[0].rsplit(", ", 1)[1] for p in problems] == [
        "ligne 3 (b)",
        "ligne 4 (c)",
    ]


def test_missing_columns_and_file(tmp_path):
    assert (
        "colonnes manquantes : windows"
        in problems_of(write(tmp_path, "id,name,kind,lat,lon,service_min,priority\n"))[0]
    )
    assert "fichier introuvable" in problems_of(tmp_path / "nope.csv")[0]


SCENARIO = """
name = "t"
sites = "sites.csv"
[depot]
name = "D"
lat = 45.56
lon = 5.92
[streets]
osm_file = "{osm}"
[[vehicles]]
id = "v"
kind = "van"
shift = "08:00-18:00"
days = "tue-sat"
setup_min = 10
lunch = {{ window = "12:00-14:00", minutes = 45 }}
"""


def test_scenario_toml(tmp_path, chambery_osm):
    write(tmp_path, HEADER + GOOD)
    path = write(tmp_path, SCENARIO.format(osm=chambery_osm), "s.toml")
    scenario = load_scenario(path)
    (vehicle,) = scenario.vehicles
    assert vehicle.profile == "drive" and vehicle.working_days == frozenset(range(1, 6))
    assert vehicle.lunch.minutes == 45 and vehicle.shift_start_min == 480
    assert scenario.streets.osm_file == chambery_osm


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ('shift = "08:00-18:00"', 'shift = "18:00-08:00"'),
            "champ shift : plage horaire « 18:00-08:00 »",
        ),
        (('days = "tue-sat"', 'days = "tue-someday"'), "champ days : jour inconnu « someday »"),
        (('kind = "van"', 'kind = "tram"'), "champ kind : « tram » inconnu"),
        (("minutes = 45", "minutes = 300"), "champ lunch : durée 300 min impossible"),
        (("lat = 45.56", "lat = 145.56"), "coordonnées hors limites"),
        (
            ('name = "t"', 'name = "t'),
            "TOML illisible : guillemet fermant manquant avant la fin de la ligne (ligne 2",
        ),
        (
            ('name = "t"', "name = Démo"),
            "TOML illisible : valeur illisible (un texte s'écrit entre guillemets",
        ),
        (('name = "t"', 'name = "t"\nname = "u"'), "TOML illisible : champ défini deux fois"),
        (
            ("[streets]", '[streets]\nbike_speed_kph = "vite"'),
            "champ bike_speed_kph : nombre positif attendu (lu 'vite')",
        ),
        (
            ("[streets]", "[streets]\nsnap_max_m = -5"),
            "champ snap_max_m : nombre positif attendu (lu -5)",
        ),
    ],
)
def test_bad_scenario_fields(tmp_path, chambery_osm, change, expected):
    write(tmp_path, HEADER + GOOD)
    path = write(tmp_path, SCENARIO.format(osm=chambery_osm).replace(*change), "s.toml")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_missing_street_file_is_named(tmp_path):
    write(tmp_path, HEADER + GOOD)
    path = write(tmp_path, SCENARIO.format(osm="nowhere.osm"), "s.toml")
    with pytest.raises(InputError, match="« nowhere.osm » introuvable"):
        load_scenario(path)


def test_osm_file_from_environment(tmp_path, chambery_osm, monkeypatch):
    write(tmp_path, HEADER + GOOD)
    path = write(tmp_path, SCENARIO.format(osm="nowhere.osm"), "s.toml")
    monkeypatch.setenv("DYNAMOBILE_OSM_FILE", str(chambery_osm))
    assert load_scenario(path).streets.osm_file == chambery_osm


def test_bundled_scenarios_load(chambery_osm):
    root = Path(__file__).resolve().parents[2] / "dynamobile" / "scenarios"
    demo = load_scenario(root / "chambery_centre" / "scenario.toml")
    assert demo.streets.osm_file.name == "chambery_centre_2016.osm" and len(demo.sites) == 10
    template = load_scenario(root / "hauts_de_chambery" / "scenario.toml")
    assert template.streets.place == "Chambéry, France"
    assert template.depot.lat is None and all(not s.has_coordinates for s in template.sites)


def load_with(tmp_path, chambery_osm, extra: str = "", change: tuple[str, str] = ("", "")):
    write(tmp_path, HEADER + GOOD)
    return write(tmp_path, SCENARIO.format(osm=chambery_osm).replace(*change) + extra, "s.toml")


def test_calendar_section_and_crew_days_off(tmp_path, chambery_osm):
    path = load_with(
        tmp_path,
        chambery_osm,
        '[calendar]\npublic_holidays = "work"\nschool_zone = "b"\n'
        'days_off = ["2027-03-12", 2027-03-13]\n',
        ('days = "tue-sat"', 'days = "tue-sat"\ndays_off = ["2027-04-02"]'),
    )
    scenario = load_scenario(path)
    assert scenario.calendar.public_holidays == "work" and scenario.calendar.school_zone == "B"
    assert scenario.calendar.days_off == {dt.date(2027, 3, 12), dt.date(2027, 3, 13)}
    assert scenario.vehicles[0].days_off == {dt.date(2027, 4, 2)}


def test_calendar_defaults_to_chambery(tmp_path, chambery_osm):
    calendar = load_scenario(load_with(tmp_path, chambery_osm)).calendar
    assert (calendar.public_holidays, calendar.school_zone, calendar.days_off) == (
        "off",
        "A",
        frozenset(),
    )


def test_calendar_errors_are_all_named(tmp_path, chambery_osm):
    path = load_with(
        tmp_path,
        chambery_osm,
        '[calendar]\npublic_holidays = "sometimes"\nschool_zone = "D"\n'
        'days_off = ["2027-02-30", "demain"]\nholiday = "off"\n',
        ('days = "tue-sat"', 'days = "tue-sat"\ndays_off = "2027-04-02"'),
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    calendar = f"{path} [calendar] : "
    assert info.value.problems == [
        f'{path} [[vehicles]] n°1 (v) : champ days_off : liste de dates attendue, comme ["2027-03-12"] (lu « 2027-04-02 »)',
        calendar + "champ « holiday » inconnu (attendu public_holidays, school_zone, days_off)",
        calendar + "champ public_holidays : « sometimes » inconnu (attendu off ou work)",
        calendar + "champ school_zone : zone « D » inconnue (zones connues : A, B, C)",
        calendar + "champ days_off : date AAAA-MM-JJ attendue (lu « 2027-02-30 »)",
        calendar + "champ days_off : date AAAA-MM-JJ attendue (lu « demain »)",
    ]


@pytest.mark.parametrize(
    "lunch, expected",
    [
        (
            '{ window = "19:00-20:00", minutes = 45 }',
            "la plage 19:00-20:00 n'est pas dans les horaires 08:00-18:00",
        ),
        (
            '{ window = "07:30-09:00", minutes = 45 }',
            "la plage 07:30-09:00 n'est pas dans les horaires 08:00-18:00",
        ),
    ],
)
def test_lunch_outside_the_shift_is_an_input_error(tmp_path, chambery_osm, lunch, expected):
    path = load_with(
        tmp_path, chambery_osm, change=('{ window = "12:00-14:00", minutes = 45 }', lunch)
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.problems == [f"{path} [[vehicles]] n°1 (v) : champ lunch : {expected}"]


COMMUNE_HEADER = HEADER.rstrip("\n") + ",insee,postcode,commune\n"


def test_site_commune_defaults_to_chambery_and_may_be_a_neighbour(tmp_path):
    rows = (
        "a,Place A,forecourt,45.566,5.92,60,sat 08:00-10:00,1,,,,,,\n"
        "b,Place B,forecourt,45.566,5.92,60,sat 08:00-10:00,1,,,,73065,,\n"
        # La Motte-Servolex: INSEE 73179, postcode 73290 (fr.wikipedia.org/wiki/La_Motte-Servolex)
        "c,Place C,forecourt,45.596,5.878,60,sat 08:00-10:00,1,,,,73179,73290,La Motte-Servolex\n"
    )
    a, b, c = load_sites(write(tmp_path, COMMUNE_HEADER + rows))
    assert (a.insee, a.postcode, a.commune) == ("73065", "73000", "Chambéry")
    assert (b.insee, b.postcode, b.commune) == ("73065", "73000", "Chambéry")
    assert (c.insee, c.postcode, c.commune) == ("73179", "73290", "La Motte-Servolex")
    (plain,) = load_sites(write(tmp_path, HEADER + GOOD, "plain.csv"))  # no commune columns at all
    assert plain.insee == "73065"


@pytest.mark.parametrize(
    "cells, expected",
    [
        ("7306,,", "champ insee : code INSEE de 5 caractères attendu (lu « 7306 »)"),
        ("73179,,", "champs postcode et commune : requis quand insee n'est pas 73065 (Chambéry)"),
        (
            "73179,7329,La Motte-Servolex",
            "champ postcode : code postal de 5 chiffres attendu (lu « 7329 »)",
        ),
        (",73000,", "champ insee : vide alors que postcode ou commune est rempli"),
    ],
)
def test_bad_commune_is_named(tmp_path, cells, expected):
    path = write(
        tmp_path, COMMUNE_HEADER + f"b,B,market,45.5,5.9,60,sat 08:00-10:00,1,,,,{cells}\n"
    )
    (problem,) = problems_of(path)
    assert "ligne 2 (b)" in problem and expected in problem
