"""The streets of the scenario's OSM file as plain lines, drawn under the catalogue's maps so a
coordinator sees where to click without map tiles (offline, or under the app's strict CSP).

A light read of the XML (ways tagged ``highway``), not the routing graph: drawing needs no osmnx.
"""

from __future__ import annotations

import bz2
import gzip
import os
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from dynamobile.osm_files import candidate_osm_paths

# Paths and tracks clutter the background without helping to place a site.
_SKIPPED = frozenset({"footway", "path", "steps", "cycleway", "track", "bridleway", "corridor"})


def find_osm_file(name: str) -> Path | None:
    """The street file the planner will use: $DYNAMOBILE_OSM_FILE when set (it overrides the
    settings there too, see `dynamobile.scenario`), else the one named in the settings, looked
    for like a scenario's ``osm_file``."""
    env = os.environ.get("DYNAMOBILE_OSM_FILE")
    if env and Path(env).is_file():
        return Path(env)
    if not name:
        return None
    return next((p for p in candidate_osm_paths(name, Path.cwd()) if p.is_file()), None)


def street_lines(path: Path) -> list[list[list[float]]]:
    """Each street as ``[[lat, lon], …]`` (5 decimals: about a metre)."""
    stat = path.stat()
    return _street_lines(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _street_lines(path: str, _size: int, _mtime_ns: int) -> list[list[list[float]]]:
    opener = bz2.open if path.endswith(".bz2") else gzip.open if path.endswith(".gz") else open
    nodes: dict[str, tuple[float, float]] = {}
    lines = []
    with opener(path, "rb") as fh:
        for _, elem in ET.iterparse(fh, events=("end",)):
            if elem.tag == "node":
                lat, lon = elem.get("lat"), elem.get("lon")
                if lat is not None and lon is not None:
                    nodes[elem.get("id", "")] = (round(float(lat), 5), round(float(lon), 5))
                elem.clear()
            elif elem.tag == "way":
                tags = {t.get("k"): t.get("v") for t in elem.iter("tag")}
                highway = tags.get("highway")
                if highway and highway not in _SKIPPED:
                    line = [
                        list(nodes[n.get("ref", "")])
                        for n in elem.iter("nd")
                        if n.get("ref") in nodes
                    ]
                    if len(line) > 1:
                        lines.append(line)
                elem.clear()
    return lines
