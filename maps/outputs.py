"""Every output of a plan in one call, written whole: plan.json, the map, the route sheets and the exports."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import networkx as nx

from dynamobile.errors import StreetDataError
from dynamobile.osm_files import plan_osm_file
from dynamobile.outputs import MAP_NAMES, OUTPUT_NAMES, whole_output, write_plan_json
from dynamobile.plan import Plan

from .exports import write_geojson, write_gpx, write_ics
from .interactive import write_plan_map
from .sheets import DEFAULT_TOUR_URL, sheet_filename, write_sheet

log = logging.getLogger(__name__)


def load_plan_graphs(plan: Plan, *, osm_file: Path | None = None) -> dict[str, nx.MultiDiGraph]:
    """The street graph of each profile the plan's tours use (``osm_file`` overrides the recorded
    one, which is otherwise looked for by name and content, see `dynamobile.osm_files`).

    Raises
    ------
    StreetDataError
        If the streets recorded in the plan cannot be loaded.
    """
    from routing.streets import graph_for_plan  # osmnx is slow to import: only when needed

    path = Path(osm_file) if osm_file else plan_osm_file(plan.streets)
    if path is not None and not path.exists():
        raise StreetDataError(f"fichier de rues introuvable : {path}")
    profiles = sorted({t.profile for t in plan.tours})
    return {profile: graph_for_plan(plan.streets, profile, osm_file=path) for profile in profiles}


def write_outputs(
    plan: Plan,
    out_dir: Path,
    *,
    graphs: dict[str, nx.MultiDiGraph] | None = None,
    field_app_url: str | None = None,
    tiles: bool = False,
    url_template: str = DEFAULT_TOUR_URL,
    osm_file: Path | None = None,
    plan_json: bool = False,
    maps: bool = True,
) -> list[Path]:
    """Write plan.json (if ``plan_json``), then, if ``maps``, plan.html, one sheet-<vehicle>-<date>.pdf
    per tour, plan.gpx, plan.ics and plan.geojson.

    Written whole (see `dynamobile.outputs`): once all are written, they replace the previous run's
    files in ``out_dir`` (all of Dynamobile's, or, without ``plan_json``, all but plan.json, which
    the map files are made from); on failure ``out_dir`` is left as it was. ``graphs``
    maps a profile ("drive", "bike") to its street graph; missing ones are loaded from
    ``plan.streets`` (or ``osm_file``). ``field_app_url`` is the field app's public address,
    for the sheets' QR codes (None: sheets without QR code). Returns the written paths, in that order.

    Raises
    ------
    OutputError
        If a file or the folder cannot be written.
    StreetDataError
        If missing street graphs cannot be loaded.
    """
    graphs = dict(graphs or {})
    if maps and any(t.profile not in graphs for t in plan.tours):
        loaded = load_plan_graphs(plan, osm_file=osm_file)
        graphs = {**loaded, **graphs}
    written: list[Path] = []
    with whole_output(Path(out_dir), replaces=OUTPUT_NAMES if plan_json else MAP_NAMES) as folder:
        if plan_json:
            written.append(folder.write("plan.json", lambda path: write_plan_json(plan, path)))
        if maps:
            written.append(
                folder.write(
                    "plan.html", lambda path: write_plan_map(plan, path, graphs=graphs, tiles=tiles)
                )
            )
            for tour in plan.tours:
                written.append(
                    folder.write(
                        sheet_filename(tour),
                        partial(
                            write_sheet,
                            plan,
                            tour,
                            graph=graphs.get(tour.profile),
                            base_url=field_app_url,
                            url_template=url_template,
                        ),
                    )
                )
            written.append(
                folder.write("plan.gpx", lambda path: write_gpx(plan, path, graphs=graphs))
            )
            written.append(folder.write("plan.ics", lambda path: write_ics(plan, path)))
            written.append(
                folder.write("plan.geojson", lambda path: write_geojson(plan, path, graphs=graphs))
            )
    log.info("écrit dans %s : %s", out_dir, ", ".join(p.name for p in written))
    return written
