"""Small OSM XML street networks built in code, loaded through the real osmnx reader."""

from __future__ import annotations

import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

ORIGIN = (45.56, 5.91)  # Chambéry, so that snapping and projections see realistic latitudes
M_PER_DEG_LAT = 111_195.0


def grid_point(row: int, col: int, spacing_m: float = 100.0) -> tuple[float, float]:
    """(lat, lon) of grid crossing (row, col)."""
    lat0, lon0 = ORIGIN
    dlat = spacing_m / M_PER_DEG_LAT
    dlon = spacing_m / (M_PER_DEG_LAT * math.cos(math.radians(lat0)))
    return lat0 + row * dlat, lon0 + col * dlon


def write_osm(
    path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[list[int], dict[str, str]]]
) -> Path:
    """Write an OSM XML file: ``nodes`` id -> (lat, lon), ``ways`` (node ids, tags)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="dynamobile-tests">',
    ]
    for nid, (lat, lon) in nodes.items():
        lines.append(f' <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, (refs, tags) in enumerate(ways, start=1):
        lines.append(f' <way id="{wid}" version="1">')
        lines += [f'  <nd ref="{r}"/>' for r in refs]
        lines += [f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append(" </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def grid_osm(path: Path, rows: int, cols: int, *, spacing_m: float = 100.0, tags=None) -> Path:
    """A street grid; ``tags(kind, index)`` gives the tags of row/column streets (default residential)."""

    def node_id(r: int, c: int) -> int:
        return 1 + r * cols + c

    nodes = {node_id(r, c): grid_point(r, c, spacing_m) for r in range(rows) for c in range(cols)}
    ways = []
    for r in range(rows):
        t = tags("row", r) if tags else {"highway": "residential", "name": f"Rue {r}"}
        ways.append(([node_id(r, c) for c in range(cols)], t))
    for c in range(cols):
        t = tags("col", c) if tags else {"highway": "residential", "name": f"Avenue {c}"}
        ways.append(([node_id(r, c) for r in range(rows)], t))
    return write_osm(path, nodes, ways)
