"""Import and export of the sites catalogue in the scenario's sites CSV format.

An import is read twice: once for the preview (every row parsed, per-row French errors, nothing
written), once on confirmation from the same file kept server-side, and then written in one
transaction only if no row is wrong. Reading reuses the scenario loader's pieces (`read_text`
for the encodings, `csv_delimiter`, `row_shape_problem`, `parse_site_row`): one CSV grammar.

An Excel workbook (.xlsx, read with openpyxl) goes through the same grammar: the first
worksheet's header row names the CSV columns, and each cell becomes the text a CSV cell would
hold (`xlsx_cell_text`) before `parse_site_row` reads the row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from dynamobile.errors import InputError
from dynamobile.scenario import (
    OPTIONAL_COLUMNS,
    SITE_COLUMNS,
    csv_delimiter,
    parse_site_row,
    read_text,
    row_shape_problem,
)

from .catalogue import next_position
from .exports import FORMULA_PREFIXES, SafeWriter
from .scenario_rows import SiteRow
from .scenario_store import default_organisation, site_values

log = logging.getLogger(__name__)

CSV_COLUMNS = SITE_COLUMNS + OPTIONAL_COLUMNS
UPLOAD_MAX_AGE_S = 24 * 3600
UPLOAD_SUFFIXES = (".csv", ".xlsx")  # how an upload is kept: its kind is its suffix
XLSX_NAMES = (".xlsx", ".xlsm")
XLSX_MAX_LINES = 20_001  # header + 20 000 rows (empty ones count: they are read too)
_ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip file
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # an encrypted .xlsx (or an old .xls) is an OLE file
_TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class PreviewRow:
    """One data row of an uploaded file: what importing it would do, or why it cannot."""

    line: str  # « ligne 4 »
    code: str
    name: str
    action: str  # "ajout", "mise à jour", "inchangé", "" when wrong
    error: str = ""
    restored: bool = False  # an archived site brought back


@dataclass(frozen=True)
class ImportPreview:
    filename: str
    rows: tuple[PreviewRow, ...]
    problems: tuple[str, ...] = ()  # file-level problems (encoding, header)
    values: tuple[dict, ...] = field(default=(), repr=False)  # row values of the good rows

    @property
    def errors(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.error]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors and bool(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.error)


def _unprotect(cell: str) -> str:
    """A cell as it was before `exports.spreadsheet_safe` protected it (export → import is exact)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell


def _missing_columns(header: list[str], filename: str, *, csv_file: bool) -> list[str]:
    """The file-level problem of a header without the required columns, if any."""
    missing = [c for c in SITE_COLUMNS if c not in header]
    if not missing:
        return []
    hint = (
        " (séparateur attendu : virgule ou point-virgule)" if csv_file and len(header) == 1 else ""
    )
    return [f"{filename} : colonnes manquantes : {', '.join(missing)}{hint}"]


def _read_rows(
    path: Path, filename: str
) -> tuple[list[tuple[str, dict[str, str], str]], list[str]]:
    """(line, row, problem) for each data row, and the file-level problems."""
    if path.suffix == ".xlsx":
        return _read_xlsx_rows(path, filename)
    try:
        text = read_text(path)
    except InputError as exc:
        return [], [p.replace(str(path), filename) for p in exc.problems]
    if not text.strip():
        return [], [f"{filename} : fichier vide"]
    delimiter = csv_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = _missing_columns(header, filename, csv_file=True)
    if missing:
        return [], missing
    rows = []
    last_line = reader.line_num
    for cells in reader:
        first_line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        line = (
            f"ligne {last_line}"
            if first_line == last_line
            else f"lignes {first_line} à {last_line}"
        )
        cells = [_unprotect(c) for c in cells]
        shape = row_shape_problem(cells, header, delimiter)
        row = dict(zip(header, cells))
        rows.append((line, row, shape or ""))
    if not rows:
        return [], [f"{filename} : aucun lieu"]
    return rows, []


# -- Excel workbooks ----------------------------------------------------------------------------


def _clock(hour: int, minute: int, second: int = 0) -> str:
    return f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")


def xlsx_cell_text(value: object) -> str:
    """A cell of a workbook as the text the same cell holds in a CSV file: integers without
    ``.0``, dates in ISO (``2026-03-14``), times as ``HH:MM``, empty cells as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_clock(value.hour, value.minute, value.second)}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _clock(value.hour, value.minute, value.second)
    if isinstance(value, dt.timedelta):  # a duration format ([h]:mm)
        seconds = round(value.total_seconds())
        return _clock(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    return _unprotect(str(value))


def _unreadable_workbook(path: Path, filename: str) -> str:
    with path.open("rb") as file:
        start = file.read(4)
    if start == _OLE_MAGIC:
        return (
            f"{filename} : classeur protégé par un mot de passe (ou ancien format .xls) : "
            "enregistrez-le sans mot de passe au format « Classeur Excel (.xlsx) » ou en "
            "« CSV UTF-8 », puis importez-le à nouveau"
        )
    return (
        f"{filename} : fichier Excel illisible (abîmé, ou pas un classeur .xlsx) : "
        "enregistrez-le à nouveau au format « Classeur Excel (.xlsx) » ou en « CSV UTF-8 »"
    )


def _read_xlsx_rows(
    path: Path, filename: str
) -> tuple[list[tuple[str, dict[str, str], str]], list[str]]:
    """The first worksheet's rows as CSV rows: the header row names the columns (case and
    spaces as in a CSV), each cell is converted by `xlsx_cell_text`; « ligne N » is Excel's."""
    from openpyxl import load_workbook  # only imports need it

    try:
        # data_only: a formula's last computed value, as a CSV export of the sheet would hold.
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML, or openpyxl's own errors on a broken file
        log.info("classeur illisible %s : %r", filename, exc)
        return [], [_unreadable_workbook(path, filename)]
    try:
        if not book.worksheets:
            return [], [f"{filename} : aucune feuille de calcul"]
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):  # a stored dimension may be wrong: read it all
            sheet.reset_dimensions()
        lines = sheet.iter_rows(values_only=True)
        try:
            header_cells = next(lines)
        except StopIteration:
            return [], [f"{filename} : fichier vide"]
        except Exception as exc:  # a sheet that breaks while being read
            log.info("classeur illisible %s : %r", filename, exc)
            return [], [_unreadable_workbook(path, filename)]
        header = [xlsx_cell_text(h).strip().lower() for h in header_cells]
        missing = _missing_columns(header, filename, csv_file=False)
        if missing:
            return [], missing
        rows = []
        try:
            for number, values in enumerate(lines, start=2):
                if number > XLSX_MAX_LINES:  # a sheet of sites is small; a huge one is a mistake
                    return [], [
                        f"{filename} : plus de {XLSX_MAX_LINES - 1} lignes dans la première "
                        "feuille : est-ce bien la liste des lieux ?"
                    ]
                cells = [xlsx_cell_text(v) for v in values]
                if not any(cell.strip() for cell in cells):
                    continue
                stray = [
                    i for i, cell in enumerate(cells) if cell.strip() and not _named(header, i)
                ]
                shape = (
                    f"valeur dans une colonne sans en-tête ({_column_letter(stray[0])}{number}) : "
                    "donnez un nom à la colonne ou videz la cellule"
                    if stray
                    else ""
                )
                row = {name: cell for name, cell in zip(header, cells) if name}
                rows.append((f"ligne {number}", row, shape))
        except Exception as exc:
            log.info("classeur illisible %s : %r", filename, exc)
            return [], [_unreadable_workbook(path, filename)]
    finally:
        book.close()
    if not rows:
        return [], [f"{filename} : aucun lieu"]
    return rows, []


def _named(header: list[str], index: int) -> bool:
    return index < len(header) and bool(header[index])


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def preview_import(
    session: Session, organisation_id: int, path: Path, filename: str
) -> ImportPreview:
    """What importing the CSV (or .xlsx) at ``path`` would change; writes nothing."""
    raw_rows, problems = _read_rows(path, filename)
    existing = {
        row.code: row
        for row in session.scalars(
            select(SiteRow).where(SiteRow.organisation_id == organisation_id)
        )
    }
    rows, values, seen = [], [], set()
    for line, row, shape in raw_rows:
        code = (row.get("id") or "").strip() or "?"
        name = (row.get("name") or "").strip()
        if shape:
            rows.append(PreviewRow(line, code, name, "", shape))
            continue
        try:
            site = parse_site_row(row)
        except ValueError as exc:
            rows.append(PreviewRow(line, code, name, "", str(exc)))
            continue
        if site.id in seen:
            rows.append(PreviewRow(line, code, name, "", f"champ id : « {site.id} » déjà utilisé"))
            continue
        seen.add(site.id)
        new_values = site_values(site)
        current = existing.get(site.id)
        if current is None:
            action = "ajout"
        elif current.archived or any(getattr(current, k) != v for k, v in new_values.items()):
            action = "mise à jour"
        else:
            action = "inchangé"
        restored = current is not None and current.archived
        rows.append(PreviewRow(line, site.id, site.name, action, restored=restored))
        values.append(new_values)
    return ImportPreview(filename, tuple(rows), tuple(problems), tuple(values))


def apply_import(session: Session, organisation_id: int, preview: ImportPreview) -> dict[str, int]:
    """Write a preview without errors: sites added or updated by code (archived ones restored);
    sites absent from the file are left as they are. Raises InputError if the preview has errors."""
    if not preview.ok:
        raise InputError("le fichier contient des erreurs : rien n'a été importé")
    existing = {
        row.code: row
        for row in session.scalars(
            select(SiteRow).where(SiteRow.organisation_id == organisation_id)
        )
    }
    default_organisation(session)
    position = next_position(session, SiteRow, organisation_id)
    for values in preview.values:
        row = existing.get(values["code"])
        if row is None:
            row = SiteRow(organisation_id=organisation_id, position=position)
            position += 1
            session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.archived = False
    session.flush()
    return {a: preview.count(a) for a in ("ajout", "mise à jour", "inchangé")}


# -- the uploaded file between preview and confirmation -----------------------------------------


def upload_suffix(filename: str, data: bytes) -> str:
    """How an upload is read: ``.xlsx`` for an Excel workbook (by its name, or a zip file
    whatever its name), else ``.csv``."""
    if filename.lower().endswith(XLSX_NAMES) or data.startswith(_ZIP_MAGIC):
        return ".xlsx"
    return ".csv"


def save_upload(folder: Path, data: bytes, suffix: str = ".csv") -> str:
    """Keep an upload under a random token (and forget uploads older than a day); ``suffix``
    (one of UPLOAD_SUFFIXES) says how it will be read."""
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(suffix)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for kept in UPLOAD_SUFFIXES:
        for old in folder.glob(f"*{kept}"):
            if now - old.stat().st_mtime > UPLOAD_MAX_AGE_S:
                old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}{suffix}").write_bytes(data)
    return token


def upload_path(folder: Path, token: str) -> Path:
    """The file of an upload token; raises InputError when it is unknown or expired."""
    if not token or not set(token) <= _TOKEN_CHARS:
        raise InputError("import inconnu : envoyez le fichier à nouveau")
    for suffix in UPLOAD_SUFFIXES:
        path = folder / f"{token}{suffix}"
        if path.exists():
            return path
    raise InputError("import expiré ou déjà confirmé : envoyez le fichier à nouveau")


# -- export -------------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def write_sites_csv(session: Session, organisation_id: int, out: TextIO) -> int:
    """The active sites as a sites CSV (UTF-8 with BOM, ``;``, formula-safe cells) that
    imports back unchanged; returns the number of rows."""
    out.write("\ufeff")
    writer = SafeWriter(out)
    writer.writerow(CSV_COLUMNS)
    rows = session.scalars(
        select(SiteRow)
        .where(SiteRow.organisation_id == organisation_id, SiteRow.archived.is_(False))
        .order_by(SiteRow.position, SiteRow.id)
    )
    n = 0
    for row in rows:
        values = {
            "id": row.code,
            "vehicles": row.vehicle_kinds,
            **{c: getattr(row, c) for c in CSV_COLUMNS if c not in ("id", "vehicles")},
        }
        writer.writerow([_cell(values[c]) for c in CSV_COLUMNS])
        n += 1
    return n
