"""Every output of a plan in one call: the map, the route sheets and the exports."""

from __future__ import annotations

import logging
from pathlib import Path

import networkx as nx

from dynamobile.errors import StreetDataError
from dynamobile.plan import Plan

from .exports import write_geojson, write_gpx, write_ics
from .interactive import write_plan_map
from .sheets import DEFAULT_BASE_URL, DEFAULT_TOUR_URL, sheet_filename, write_sheet

log = logging.getLogger(__name__)


def load_plan_graphs(plan: Plan, *, osm_file: Path | None = None) -> dict[str, nx.MultiDiGraph]:
    """The street graph of each profile the plan's tours use (``osm_file`` overrides the recorded one).

    Raises
    ------
    StreetDataError
        If the streets recorded in the plan cannot be loaded.
    """
    from routing.streets import graph_for_plan  # osmnx is slow to import: only when needed

    recorded = plan.streets.get("osm_file")
    path = Path(osm_file) if osm_file else (Path(recorded) if recorded else None)
    if path is not None and not path.exists():
        raise StreetDataError(f"fichier de rues introuvable : {path}")
    profiles = sorted({t.profile for t in plan.tours})
    return {profile: graph_for_plan(plan.streets, profile, osm_file=osm_file) for profile in profiles}


def write_outputs(
    plan: Plan, out_dir: Path, *, graphs: dict[str, nx.MultiDiGraph] | None = None,
    field_app_url: str = DEFAULT_BASE_URL, tiles: bool = False, url_template: str = DEFAULT_TOUR_URL,
    osm_file: Path | None = None,
) -> list[Path]:
    """Write plan.html, one sheet-<vehicle>-<date>.pdf per tour, plan.gpx, plan.ics and plan.geojson.

    ``graphs`` maps a profile ("drive", "bike") to its street graph; missing ones are loaded
    from ``plan.streets`` (or ``osm_file``). Returns the written paths, map first.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    graphs = dict(graphs or {})
    if any(t.profile not in graphs for t in plan.tours):
        loaded = load_plan_graphs(plan, osm_file=osm_file)
        graphs = {**loaded, **graphs}
    written = [write_plan_map(plan, out_dir / "plan.html", graphs=graphs, tiles=tiles)]
    for tour in plan.tours:
        path = write_sheet(plan, tour, out_dir / sheet_filename(tour), graph=graphs.get(tour.profile),
                           base_url=field_app_url, url_template=url_template)
        log.info("feuille de route écrite : %s", path)
        written.append(path)
    written.append(write_gpx(plan, out_dir / "plan.gpx", graphs=graphs))
    written.append(write_ics(plan, out_dir / "plan.ics"))
    written.append(write_geojson(plan, out_dir / "plan.geojson", graphs=graphs))
    return written
