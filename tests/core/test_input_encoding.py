"""Sites files as people save them: Windows-1252 from French Excel, BOMs, short rows, typed windows."""

from pathlib import Path

import pytest

from dynamobile.errors import InputError
from dynamobile.scenario import load_scenario, load_sites

# The same two sites, as a French Excel "CSV (séparateur : point-virgule)" export would write them
# (Windows-1252, decimal commas, windows typed as people say them) and as the README shows them.
EXCEL_SITES = (
    "id;name;kind;lat;lon;service_min;windows;priority;address;quartier\n"
    "halles;Marché des Halles;market;45,5665;5,9205;120;samedi 9h30-12h;2;Place de Genève;Centre\n"
    "biollay;Parvis de l'école du Biollay;forecourt;45,5551;5,9181;90;"
    '"mar, sam 9h - 12h30 ; mercredi 14h-17h";1;Rue des Écoles;Biollay\n'
)
UTF8_SITES = (
    "id,name,kind,lat,lon,service_min,windows,priority,address,quartier\n"
    "halles,Marché des Halles,market,45.5665,5.9205,120,sat 09:30-12:00,2,Place de Genève,Centre\n"
    "biollay,Parvis de l'école du Biollay,forecourt,45.5551,5.9181,90,"
    '"tue,sat 09:00-12:30; wed 14:00-17:00",1,Rue des Écoles,Biollay\n'
)
HEADER = "id,name,kind,lat,lon,service_min,windows,priority,address\n"
GOOD = "a,Place A,forecourt,45.566,5.92,60,sat 08:00-10:00,1,\n"

SCENARIO = """name = "Tournée {variant}"
sites = "{sites}"
[depot]
name = "Dépôt"
lat = 45.567574
lon = 5.926866
[streets]
osm_file = "{osm}"
[[vehicles]]
id = "fourgon"
kind = "van"
shift = "{shift}"
days = "{days}"
lunch = {{ window = "{lunch}", minutes = 45 }}
"""


def write_bytes(tmp_path: Path, data: bytes, name: str = "sites.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_sites(path)
    assert not any("codec" in p or "0x" in p for p in info.value.problems), info.value.problems
    return info.value.problems


def test_excel_windows_1252_file_loads_like_its_utf8_twin(tmp_path):
    excel = load_sites(write_bytes(tmp_path, EXCEL_SITES.encode("cp1252"), "excel.csv"))
    utf8 = load_sites(write_bytes(tmp_path, UTF8_SITES.encode("utf-8"), "utf8.csv"))
    assert excel == utf8
    assert excel[0].name == "Marché des Halles" and excel[1].address == "Rue des Écoles"
    assert [str(w) for w in excel[1].windows] == ["tue,sat 09:00-12:30", "wed 14:00-17:00"]


def test_excel_scenario_loads_like_its_utf8_twin(tmp_path, chambery_osm):
    write_bytes(tmp_path, EXCEL_SITES.encode("cp1252"), "excel.csv")
    write_bytes(tmp_path, UTF8_SITES.encode("utf-8"), "utf8.csv")
    excel = write_bytes(
        tmp_path,
        SCENARIO.format(
            variant="Excel",
            sites="excel.csv",
            osm=chambery_osm,
            shift="8h - 18h",
            days="mardi-samedi",
            lunch="12h-14h",
        ).encode("cp1252"),
        "excel.toml",
    )
    utf8 = write_bytes(
        tmp_path,
        SCENARIO.format(
            variant="UTF-8",
            sites="utf8.csv",
            osm=chambery_osm,
            shift="08:00-18:00",
            days="tue-sat",
            lunch="12:00-14:00",
        ).encode("utf-8"),
        "utf8.toml",
    )
    a, b = load_scenario(excel), load_scenario(utf8)
    assert a.name == "Tournée Excel" and a.depot.name == "Dépôt"
    assert (a.sites, a.vehicles, a.depot, a.calendar) == (b.sites, b.vehicles, b.depot, b.calendar)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_every_desktop_encoding_reads_the_same(tmp_path, encoding):
    (site,) = load_sites(
        write_bytes(
            tmp_path, (HEADER + GOOD.replace("Place A", "Près de l'église")).encode(encoding)
        )
    )
    assert site.name == "Près de l'église" and site.id == "a"


def test_semicolon_and_tab_separators_and_a_capitalised_header(tmp_path):
    semicolon = (HEADER.upper() + GOOD).replace(",", ";")
    tab = (HEADER + GOOD).replace(",", "\t")
    assert load_sites(write_bytes(tmp_path, semicolon.encode(), "a.csv")) == load_sites(
        write_bytes(tmp_path, tab.encode(), "b.csv")
    )


def test_undecodable_bytes_are_a_french_message_naming_the_line(tmp_path):
    path = write_bytes(
        tmp_path, (HEADER + GOOD).encode() + b"b,Caf\x81,market,45.5,5.9,60,sat 08:00-10:00,1,\n"
    )
    assert problems_of(path) == [
        f"{path}, ligne 3 : encodage inconnu (ni UTF-8 ni Windows-1252) ; enregistrez-le en « CSV UTF-8 »"
    ]


def test_windows_1252_punctuation_next_to_accents_is_not_taken_for_utf8(tmp_path):
    name = "Marché«Été» n°2 – là…"  # accented letters right before bytes 0x80-0xbf in Windows-1252
    (site,) = load_sites(
        write_bytes(tmp_path, (HEADER + GOOD.replace("Place A", name)).encode("cp1252"))
    )
    assert site.name == name


def test_a_folder_is_named_as_such(tmp_path):
    assert problems_of(tmp_path) == [f"{tmp_path} : c'est un dossier, pas un fichier"]


def test_mixed_encodings_are_refused_rather_than_garbled(tmp_path):
    row = "b,Café,market,45.5,5.9,60,sat 08:00-10:00,1,\n"
    path = write_bytes(
        tmp_path, (HEADER + GOOD.replace("Place A", "Église")).encode() + row.encode("cp1252")
    )
    (problem,) = problems_of(path)
    assert (
        problem.startswith(f"{path}, ligne 3 : caractère non UTF-8")
        and "encodages mélangés" in problem
    )


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            "b,B,market,45.5,5.9\n",
            "ligne 3 (b) : 5 champs au lieu de 9, manquent service_min, windows, priority (séparateur ? guillemets ?)",
        ),
        (
            "b;B;market;45,5;5,9;60;sat 08:00-10:00;1;\n",
            (
                "ligne 3 (b;B;market;45) : 3 champs au lieu de 9, manquent lat, lon, service_min, windows, priority "
                "(point-virgule au lieu de virgule comme séparateur ?)"
            ),
        ),
        (
            "b,B,market,45.5,5.9,,sat 08:00-10:00,1,\n",
            "ligne 3 (b) : champ service_min vide (entier ≥ 1 attendu)",
        ),
        (
            "b,B,market,45.5,5.9,60,sat 08:00-10:00,1,,\n",
            "ligne 3 (b) : trop de colonnes (10 champs au lieu de 9 ; une virgule non protégée par des guillemets ?)",
        ),
        (
            'b,B,market,45.5,5.9,60,"sat 08:00-10:00,1,\nc,C,market,45.5,5.9,60,sat 08:00-10:00,1,\n',
            "lignes 3 à 4 (b) : 7 champs au lieu de 9, manquent priority (séparateur ? guillemets ?)",
        ),
        (
            "b,B,market,45.5,5.9,60,sam 8h-10h-12h,1,\n",
            "ligne 3 (b) : champ windows : plage horaire illisible « 8h-10h-12h »",
        ),
        (
            "b,B,market,45.5,5.9,60,samdi 8h-10h,1,\n",
            "ligne 3 (b) : champ windows : jour inconnu « samdi »",
        ),
        (
            "b,B,market,45.5,5.9,60,sam 8-10,1,\n",
            "ligne 3 (b) : champ windows : heure illisible « 8 » (attendu 09:30, 9h30 ou 9h)",
        ),
    ],
)
def test_short_and_bad_rows_say_what_is_missing(tmp_path, row, expected):
    path = write_bytes(tmp_path, (HEADER + GOOD + row).encode())
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}, {expected}")


def test_single_column_header_hints_at_the_separator(tmp_path):
    path = write_bytes(tmp_path, (HEADER + GOOD).replace(",", "|").encode())
    (problem,) = problems_of(path)
    assert (
        "colonnes manquantes : id, name" in problem
        and "séparateur attendu : virgule ou point-virgule" in problem
    )


def test_what_spreadsheets_write_is_accepted(tmp_path):
    text = (
        "id,name,kind,lat,lon,service_min,windows,priority,address,quartier,notes\n"
        "a,Place A,forecourt,45.566,5.92,60,sat 08:00-10:00,1\n"  # trailing optional cells left out
        ",,,,,,,,,,\n"  # an empty spreadsheet row
        'b,Place B,market,45.566,5.92,60,"mar, sam 9h-12h",1,,,"Accès par la rue\nà gauche"\n'  # Alt+Entrée in a cell
        "c,Place C,market,45.566,5.92,0,sat 08:00-10:00,1,,,\n"
    )
    path = write_bytes(tmp_path, text.encode())
    # The bad row's number counts the line break inside b's notes.
    assert problems_of(path) == [
        f"{path}, ligne 6 (c) : champ service_min doit être au moins 1 (lu 0)"
    ]
    a, b = load_sites(write_bytes(tmp_path, text.rsplit("c,", 1)[0].encode(), "ok.csv"))
    assert a.address == "" and a.notes == "" and b.notes == "Accès par la rue\nà gauche"
