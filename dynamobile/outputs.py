"""Writing an output folder whole: a run's files land together, or the folder stays as it was.

Files are written into a temporary folder beside the output folder and moved in only once every
one of them was written. The previous run's Dynamobile files are removed at the same time (a
route sheet of another date must not pass for part of this plan); a user's own files stay.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError, os_reason
from .plan import Plan, plan_to_dict

log = logging.getLogger(__name__)

# The names Dynamobile writes into an output folder; only these are ever replaced or removed.
# The map files follow from plan.json: `dynamobile sheets` rewrites them and keeps plan.json.
MAP_NAMES = ("plan.html", "plan.gpx", "plan.ics", "plan.geojson", "sheet-*.pdf")
OUTPUT_NAMES = ("plan.json", *MAP_NAMES)


def is_output_name(name: str, names: tuple[str, ...] = OUTPUT_NAMES) -> bool:
    """Whether a file of this name is one Dynamobile writes (``names``: patterns, by default all)."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in names)


def write_plan_json(plan: Plan, path: Path) -> Path:
    """Write plan.json (the format is `plan_to_dict`'s)."""
    Path(path).write_text(
        json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return Path(path)


def check_output_dir(out_dir: Path) -> None:
    """Raise OutputError if ``out_dir`` cannot be a folder we write in; changes nothing on disk.

    Called before a long solve, so that a wrong ``--out`` fails at once.
    """
    out_dir = Path(out_dir)
    existing = next(p for p in (out_dir.absolute(), *out_dir.absolute().parents) if p.exists())
    if not existing.is_dir():
        if existing == out_dir.absolute():
            raise OutputError(f"{out_dir} : c'est un fichier, un dossier de sortie est attendu")
        raise OutputError(f"{out_dir} : dossier de sortie impossible, {existing} est un fichier")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"{out_dir} : dossier de sortie non modifiable (droits insuffisants sur {existing})"
        )


class StagedFolder:
    """The temporary folder of `whole_output`; `write` puts one file in it."""

    def __init__(self, out_dir: Path, staging: Path, replaces: tuple[str, ...]):
        self.out_dir = out_dir
        self.staging = staging
        self.replaces = replaces
        self.names: list[str] = []

    def write(self, name: str, writer: Callable[[Path], object]) -> Path:
        """Call ``writer(path)`` with the temporary path of ``name``; return the path it will have in out_dir."""
        if not is_output_name(name, self.replaces):
            raise ValueError(
                f"{name} is not among {self.replaces}"
            )  # what a run writes, the next one removes
        try:
            writer(self.staging / name)
        except OSError as exc:
            raise OutputError(
                f"{self.out_dir / name} : écriture impossible ({os_reason(exc)})"
            ) from exc
        self.names.append(name)
        return self.out_dir / name


@contextmanager
def whole_output(
    out_dir: Path, *, replaces: tuple[str, ...] = OUTPUT_NAMES
) -> Iterator[StagedFolder]:
    """A `StagedFolder` whose files, when the block succeeds, replace the previous run's in ``out_dir``.

    The previous run's files are those matching ``replaces``; they are removed even when this run
    does not write them again (the sheet of another date, say). If the block raises, or a file cannot be moved in, ``out_dir`` is left as it was (and removed
    again if this call created it empty). Raises OutputError naming the folder or file.
    """
    out_dir = Path(out_dir)
    check_output_dir(out_dir)
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = _staging_folder(out_dir)
    except OSError as exc:
        _remove_if_empty(out_dir, created)
        raise OutputError(
            f"{out_dir} : dossier de sortie impossible à créer ({os_reason(exc)})"
        ) from exc
    try:
        folder = StagedFolder(out_dir, staging, replaces)
        yield folder
        _move_in(folder)
    except BaseException:
        _remove_if_empty(out_dir, created)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_folder(out_dir: Path) -> Path:
    # Beside out_dir, so that out_dir is not touched until the end; inside it (hidden) if its
    # parent is not writable. Either way on the same disk, so moving in is a rename.
    prefix = f".{out_dir.absolute().name or 'sortie'}.dynamobile-"
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=out_dir.absolute().parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=".dynamobile-", dir=out_dir))


def _remove_if_empty(out_dir: Path, created: bool) -> None:
    if created:
        with contextlib.suppress(OSError):
            out_dir.rmdir()


def _move_in(folder: StagedFolder) -> None:
    """Swap the previous run's files for the new ones, restoring the previous ones on any failure."""
    out_dir, staging = folder.out_dir, folder.staging
    for name in folder.names:
        target = out_dir / name
        if target.is_dir():
            raise OutputError(
                f"{target} : un dossier porte ce nom, le fichier ne peut pas être écrit"
            )
    previous = sorted(
        p.name
        for p in out_dir.iterdir()
        if is_output_name(p.name, folder.replaces) and not p.is_dir()
    )
    backup = staging / ".previous"
    backup.mkdir()
    moved_away: list[str] = []
    moved_in: list[str] = []
    try:
        for name in previous:
            shutil.move(out_dir / name, backup / name)
            moved_away.append(name)
        for name in folder.names:
            shutil.move(staging / name, out_dir / name)
            moved_in.append(name)
    except OSError as exc:
        for name in moved_in:
            _move_back(out_dir / name, staging / name)
        for name in moved_away:
            _move_back(backup / name, out_dir / name)
        raise OutputError(
            f"{out_dir} : fichiers impossibles à mettre en place ({os_reason(exc)}) ; "
            "dossier laissé tel quel"
        ) from exc
    for name in sorted(set(previous) - set(folder.names)):
        log.info("ancien fichier retiré : %s", out_dir / name)


def _move_back(source: Path, target: Path) -> None:
    try:
        shutil.move(source, target)
    except OSError:
        log.warning("impossible de remettre %s en place", target)
