"""OSM street files by name and content: where to look for one, and its sha256 fingerprint.

A scenario and a plan name their street file, not its path, so both travel to another machine:
the file is looked for beside the scenario or the plan, then in the shared data folder. A plan
also records the file's sha256, so a different file of the same name is refused rather than
silently giving other streets (and other node ids) than the planner used.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import StreetDataError

SHARED_OSM_DIRS = ("../shared/data/osm", "../../shared/data/osm")

# (resolved path, size, mtime) → sha256: a file is hashed once per process unless it changes.
_HASHES: dict[tuple[str, int, int], str] = {}


def candidate_osm_paths(raw: str, base: Path) -> list[Path]:
    """Where a street file named ``raw`` may be: as given if absolute, else beside ``base``, then
    in ``../shared/data/osm`` beside the checkout or the working directory."""
    path = Path(os.path.expanduser(raw))
    if path.is_absolute():
        return [path]
    candidates = [base / path]
    package_root = Path(__file__).resolve().parent.parent
    for root in (package_root, Path.cwd()):
        candidates += [(root / d / path.name).resolve() for d in SHARED_OSM_DIRS]
    return candidates


def osm_sha256(path: Path) -> str:
    """The sha256 (hex) of a file's content, remembered while its size and mtime stay the same."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in _HASHES:
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            _HASHES[key] = digest.hexdigest()
    except OSError as exc:
        raise StreetDataError(f"fichier de rues illisible : {path} ({exc.strerror})") from None
    return _HASHES[key]


def find_osm_file(name: str, sha256: str | None, *, beside: Iterable[Path]) -> Path:
    """The street file called ``name`` (with this content, when ``sha256`` is given).

    Looked for in each folder of ``beside`` (e.g. the plan's), then in the current folder and the
    shared data folder; ``$DYNAMOBILE_OSM_FILE`` counts too when it has that name.

    Raises
    ------
    StreetDataError
        If no such file exists, or only files of that name with other content.
    """
    file_name = Path(name).name
    candidates = [folder / file_name for folder in beside]
    candidates += candidate_osm_paths(file_name, Path.cwd())
    env = os.environ.get("DYNAMOBILE_OSM_FILE")
    if env and Path(env).name == file_name:
        candidates.insert(0, Path(env))
    found = list(dict.fromkeys(p for p in candidates if p.is_file()))
    for path in found:
        if sha256 is None or osm_sha256(path) == sha256:
            return path
    if found and sha256 is not None:
        raise StreetDataError(
            f"fichier de rues « {file_name} » différent de celui du plan ({found[0]} : empreinte "
            f"sha256 {osm_sha256(found[0])[:12]}… au lieu de {sha256[:12]}…) ; replanifiez, ou "
            "indiquez le bon fichier avec --osm-file"
        )
    raise StreetDataError(
        f"fichier de rues « {file_name} » introuvable (cherché à côté du plan, dans le dossier "
        "courant et dans ../shared/data/osm) ; indiquez-le avec --osm-file"
    )


def plan_osm_file(streets: Mapping[str, Any], *, beside: Iterable[Path] = ()) -> Path | None:
    """The street file a plan's ``streets`` names (None for downloaded streets).

    Plans record the file's name and sha256; older plans an absolute path, used as it is when it
    exists (else looked for by name, without content check).
    """
    recorded = streets.get("osm_file")
    if not recorded:
        return None
    sha256 = streets.get("osm_sha256")
    if sha256 is None and Path(recorded).is_absolute() and Path(recorded).is_file():
        return Path(recorded)
    return find_osm_file(recorded, sha256, beside=beside)
