"""Import and export of the sites catalogue in the scenario's sites CSV format.

An import is read twice: once for the preview (every row parsed, per-row French errors, nothing
written), once on confirmation from the same file kept server-side, and then written in one
transaction only if no row is wrong. Reading reuses the scenario loader's pieces (`read_text`
for the encodings, `csv_delimiter`, `row_shape_problem`, `parse_site_row`): one CSV grammar.
"""

from __future__ import annotations

import csv
import io
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

CSV_COLUMNS = SITE_COLUMNS + OPTIONAL_COLUMNS
UPLOAD_MAX_AGE_S = 24 * 3600
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


def _read_rows(
    path: Path, filename: str
) -> tuple[list[tuple[str, dict[str, str], str]], list[str]]:
    """(line, row, problem) for each data row, and the file-level problems."""
    try:
        text = read_text(path)
    except InputError as exc:
        return [], [p.replace(str(path), filename) for p in exc.problems]
    if not text.strip():
        return [], [f"{filename} : fichier vide"]
    delimiter = csv_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in SITE_COLUMNS if c not in header]
    if missing:
        hint = " (séparateur attendu : virgule ou point-virgule)" if len(header) == 1 else ""
        return [], [f"{filename} : colonnes manquantes : {', '.join(missing)}{hint}"]
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


def preview_import(
    session: Session, organisation_id: int, path: Path, filename: str
) -> ImportPreview:
    """What importing the CSV at ``path`` would change; writes nothing."""
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


def save_upload(folder: Path, data: bytes) -> str:
    """Keep an upload under a random token (and forget uploads older than a day)."""
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.csv"):
        if now - old.stat().st_mtime > UPLOAD_MAX_AGE_S:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    (folder / f"{token}.csv").write_bytes(data)
    return token


def upload_path(folder: Path, token: str) -> Path:
    """The file of an upload token; raises InputError when it is unknown or expired."""
    if not token or not set(token) <= _TOKEN_CHARS:
        raise InputError("import inconnu : envoyez le fichier à nouveau")
    path = folder / f"{token}.csv"
    if not path.exists():
        raise InputError("import expiré ou déjà confirmé : envoyez le fichier à nouveau")
    return path


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
