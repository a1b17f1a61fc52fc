"""Import of sites from an Excel workbook (.xlsx): the same preview, per-row errors and grammar as
the CSV import (each cell becomes the text a CSV cell would hold, then `parse_site_row`)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from field_app.catalogue_csv import xlsx_cell_text

from .test_catalogue import _values, confirm, coord, site_rows, upload  # noqa: F401

openpyxl = pytest.importorskip("openpyxl")

# Header cells as a person types them: case and spaces do not matter (as in a CSV).
HEADER = [" ID ", "Name", "KIND", "lat", "lon", "Service_Min", "windows", "Priority ", "address"]
HEADER += ["quartier", "vehicles", "notes", "last_visit"]


def workbook(*rows: list) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Lieux"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.create_sheet("Autre").append(["pas", "lue"])  # only the first worksheet is read
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    # numeric cells: an int, a float holding an integer (priority 2.0), coordinates
    ["ecole", "École Pasteur", "school", 45.57, 5.92, 60, "mer 13h30-16h", 1, None, "Bissy"]
    + [None, "préau couvert", dt.date(2026, 3, 14)],
    ["fete", "Fête du quartier", "fete", 45.565, 5.925, 120.0, "19/06/2027 14h-22h", 2.0, None]
    + ["Biollay", "van,bus", dt.time(9, 30), dt.datetime(2026, 5, 2)],
]
# The CSV twin of GOOD_ROWS: what a person would save from the same sheet as CSV.
CSV_TWIN = (
    "id;name;kind;lat;lon;service_min;windows;priority;address;quartier;vehicles;notes;last_visit\r\n"
    "ecole;École Pasteur;school;45.57;5.92;60;mer 13h30-16h;1;;Bissy;;préau couvert;2026-03-14\r\n"
    "fete;Fête du quartier;fete;45.565;5.925;120;19/06/2027 14h-22h;2;;Biollay;van,bus;09:30;"
    "2026-05-02\r\n"
).encode()


def test_cells_become_the_text_of_a_csv_cell():
    assert [
        xlsx_cell_text(v)
        for v in (None, 2, 2.0, 45.5701, -0.5, dt.date(2026, 3, 14), dt.datetime(2026, 3, 14))
    ] == ["", "2", "2", "45.5701", "-0.5", "2026-03-14", "2026-03-14"]
    assert xlsx_cell_text(dt.time(9, 30)) == "09:30"
    assert xlsx_cell_text(dt.time(7, 5, 10)) == "07:05:10"
    assert xlsx_cell_text(dt.timedelta(hours=25, minutes=30)) == "25:30"
    assert xlsx_cell_text(dt.datetime(2027, 6, 19, 14, 0)) == "2027-06-19 14:00"
    assert xlsx_cell_text("  samedi 9h30-12h ") == "  samedi 9h30-12h "  # the parser strips
    assert xlsx_cell_text("'=pas une formule") == "=pas une formule"  # as an exported CSV


def test_xlsx_preview_with_a_bad_row_writes_nothing(coord, db):
    data = workbook(
        GOOD_ROWS[0],
        [],  # an empty line is skipped, the numbering stays Excel's
        # a time-typed window cell reads « 09:30 », which is no window: the row's error says so
        ["place", "Place", "forecourt", 45.56, 5.91, 30, dt.time(9, 30), 3],
        ["gare", "Gare", "forecourt", 45.571, 5.919, 45, "samdi 9h-12h", 1],
    )
    response = upload(coord, data, "lieux.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Import impossible" in html and "Confirmer" not in html
    assert "2 ligne(s) en erreur" in html
    assert re.search(r"ligne 2</td><td>ecole</td>.*ajout", html, re.S)
    assert re.search(r"ligne 4</td><td>place</td>.*créneau illisible « 09:30 »", html, re.S)
    assert re.search(r"ligne 5</td><td>gare</td>.*jour inconnu « samdi »", html, re.S)
    assert site_rows(db) == []


def test_good_xlsx_imports_after_confirmation_like_its_csv_twin(coord, db):
    html = upload(coord, workbook(*GOOD_ROWS), "Lieux été.xlsx").get_data(as_text=True)
    assert "Import de Lieux été.xlsx" in html
    assert "Confirmer l&#39;import" in html or "Confirmer l'import" in html
    assert site_rows(db) == []  # nothing before confirmation
    assert confirm(coord, html).status_code == 302
    rows = site_rows(db)
    assert [(r.code, r.name, r.lat, r.priority, r.service_min) for r in rows] == [
        ("ecole", "École Pasteur", 45.57, 1, 60),
        ("fete", "Fête du quartier", 45.565, 2, 120),
    ]
    assert rows[0].last_visit == dt.date(2026, 3, 14) and rows[1].notes == "09:30"
    imported = [_values(r) for r in rows]
    # The CSV twin finds every site unchanged, and importing it changes nothing.
    html = upload(coord, CSV_TWIN, "jumeau.csv").get_data(as_text=True)
    assert html.count("inchangé</td>") == 2, html
    assert confirm(coord, html).status_code == 302
    assert [_values(r) for r in site_rows(db)] == imported
    assert confirm(coord, html).status_code == 400  # a confirmed upload is gone


def test_broken_or_protected_workbooks_are_named_and_nothing_is_written(coord, db):
    html = upload(coord, b"PK\x03\x04pas un classeur", "mes lieux.xlsx").get_data(as_text=True)
    assert "mes lieux.xlsx : fichier Excel illisible" in html and "Confirmer" not in html
    assert "/imports/" not in html
    # An .xlsx saved with a password is an encrypted OLE file, not a zip.
    protected = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    html = upload(coord, protected, "protégé.xlsx").get_data(as_text=True)
    assert "protégé.xlsx : classeur protégé par un mot de passe" in html
    # A workbook without the required columns names them, like a CSV.
    book = openpyxl.Workbook()
    book.active.append(["nom", "adresse"])
    book.active.append(["x", "y"])
    buffer = io.BytesIO()
    book.save(buffer)
    html = upload(coord, buffer.getvalue(), "colonnes.xlsx").get_data(as_text=True)
    assert "colonnes.xlsx : colonnes manquantes : id, name, kind" in html
    assert "séparateur" not in html
    # Formats that are not read are refused with what to do.
    response = upload(coord, b"PK\x03\x04", "lieux.ods")
    assert response.status_code == 400 and "Classeur Excel (.xlsx)" in response.get_data(
        as_text=True
    )
    assert site_rows(db) == []


def test_a_value_under_no_header_is_a_row_error(coord, db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name", "kind", "lat", "lon", "service_min", "windows", "priority"])
    sheet.append(["ecole", "École", "school", 45.57, 5.92, 60, "mer 13h30-16h", 1, "égaré"])
    buffer = io.BytesIO()
    book.save(buffer)
    html = upload(coord, buffer.getvalue(), "lieux.xlsx").get_data(as_text=True)
    assert "colonne sans en-tête (I2)" in html and "Confirmer" not in html
    assert site_rows(db) == []


def test_a_huge_sheet_is_refused_as_a_whole(coord, db, monkeypatch):
    from field_app import catalogue_csv

    monkeypatch.setattr(catalogue_csv, "XLSX_MAX_LINES", 3)
    html = upload(coord, workbook(*GOOD_ROWS, GOOD_ROWS[0]), "énorme.xlsx").get_data(as_text=True)
    assert "énorme.xlsx : plus de 2 lignes dans la première feuille" in html
    assert "Confirmer" not in html and site_rows(db) == []
