"""Street graphs per vehicle profile, from an OSM XML file or an osmnx download, cached on disk.

The only module that imports osmnx. Graphs are not simplified: every OSM vertex stays a node,
so that a site snaps to the street it stands on, not to the nearest junction 200 m away.
Edges carry ``length`` (m), ``travel_time`` (s), ``name`` and ``highway``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from pathlib import Path

import networkx as nx
import osmnx as ox

from dynamobile.errors import StreetDataError
from dynamobile.model import RoutingSettings, StreetSource
from dynamobile.osm_files import osm_sha256, plan_osm_file
from dynamobile.plan import Streets

log = logging.getLogger(__name__)

# Tags our profile filters read, on top of osmnx's defaults.
_EXTRA_WAY_TAGS = (
    "access",
    "motor_vehicle",
    "vehicle",
    "bicycle",
    "oneway:bicycle",
    "cycleway",
    "foot",
    "junction",
)
ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, *_EXTRA_WAY_TAGS]))
ox.settings.log_console = False

DRIVE_HIGHWAYS = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
BIKE_HIGHWAYS = (DRIVE_HIGHWAYS - {"motorway", "motorway_link", "trunk", "trunk_link"}) | {
    "cycleway",
    "pedestrian",
    "track",
}
_NO = frozenset({"no", "private"})
_YES = frozenset({"yes", "designated", "permissive", "destination", "delivery"})
_SKIPPED_SERVICES = frozenset({"parking_aisle", "driveway", "emergency_access", "drive-through"})
# Urban defaults (km/h) where OSM gives no maxspeed; osmnx imputes per highway type otherwise.
DRIVE_SPEEDS_KPH: dict[str, float] = {
    "motorway": 90,
    "trunk": 70,
    "primary": 45,
    "secondary": 40,
    "tertiary": 35,
    "unclassified": 30,
    "residential": 30,
    "living_street": 15,
    "service": 15,
    "road": 30,
    "pedestrian": 10,
}
WALKING_PACE_KPH = (
    6.0  # cyclists ride at walking pace in pedestrian areas (Code de la route R431-9)
)


WALKING_SPEED_KPH = 4.5  # a crew on foot, carrying the stand


def _first(value):
    return value[0] if isinstance(value, list) else value


def _tag(data: dict, key: str) -> str:
    value = _first(data.get(key))
    return str(value).lower() if value is not None else ""


def drive_allows(data: dict) -> bool:
    """Whether a motor vehicle (bus, van) may use an OSM way with these tags."""
    highway = _tag(data, "highway")
    explicit = _tag(data, "motor_vehicle") or _tag(data, "vehicle")
    if explicit in _NO:
        return False
    if highway == "pedestrian":
        return explicit in _YES
    if highway not in DRIVE_HIGHWAYS or _tag(data, "service") in _SKIPPED_SERVICES:
        return False
    return not (_tag(data, "access") in _NO and explicit not in _YES)


def bike_allows(data: dict) -> bool:
    """Whether a cargo bike may use an OSM way with these tags."""
    highway = _tag(data, "highway")
    bicycle = _tag(data, "bicycle")
    if bicycle in _NO or highway == "steps":
        return False
    if highway in ("footway", "path", "bridleway"):
        return bicycle in _YES
    if highway not in BIKE_HIGHWAYS:
        return False
    return not (_tag(data, "access") in _NO and bicycle not in _YES)


_NO_WALK_HIGHWAYS = frozenset(
    {"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed", "raceway"}
)


def walk_allows(data: dict) -> bool:
    """Whether people on foot (the crew carrying the stand) may use an OSM way with these tags."""
    highway = _tag(data, "highway")
    foot = _tag(data, "foot")
    if not highway or highway in _NO_WALK_HIGHWAYS or foot in _NO:
        return False
    return not (_tag(data, "access") in _NO and foot not in _YES)


def _bike_contraflow(data: dict) -> bool:
    return _tag(data, "oneway:bicycle") == "no" or _tag(data, "cycleway").startswith("opposite")


def filter_profile(G: nx.MultiDiGraph, profile: str) -> nx.MultiDiGraph:
    """Keep the edges a profile may use; for bikes, add the contraflow of one-way streets where
    tagged; on foot, every way goes both ways."""
    allows = {"drive": drive_allows, "bike": bike_allows, "walk": walk_allows}[profile]
    H = G.copy()
    drop, contraflow = [], []
    for u, v, k, data in H.edges(keys=True, data=True):
        if not allows(data):
            drop.append((u, v, k))
        elif (profile == "walk" and data.get("oneway") is True) or (
            profile == "bike" and data.get("oneway") is True and _bike_contraflow(data)
        ):
            contraflow.append((v, u, {**data, "reversed": not data.get("reversed", False)}))
    H.remove_edges_from(drop)
    for v, u, data in contraflow:
        if not H.has_edge(v, u):
            H.add_edge(v, u, **data)
    H.remove_nodes_from([n for n in list(H.nodes) if H.degree(n) == 0])
    return H


def add_travel_times(
    G: nx.MultiDiGraph, profile: str, settings: RoutingSettings
) -> nx.MultiDiGraph:
    """Set ``speed_kph`` and ``travel_time`` (s) on every edge."""
    if profile == "drive":
        G = ox.add_edge_speeds(G, hwy_speeds=DRIVE_SPEEDS_KPH, fallback=30)
        for _, _, data in G.edges(data=True):
            data["speed_kph"] = float(data["speed_kph"]) * settings.drive_speed_factor
    elif profile == "walk":
        for _, _, data in G.edges(data=True):
            data["speed_kph"] = WALKING_SPEED_KPH
    else:
        for _, _, data in G.edges(data=True):
            slow = _tag(data, "highway") in ("pedestrian", "living_street", "footway", "path")
            data["speed_kph"] = (
                min(settings.bike_speed_kph, WALKING_PACE_KPH) if slow else settings.bike_speed_kph
            )
    for _, _, data in G.edges(data=True):
        data["travel_time"] = float(data["length"]) / (data["speed_kph"] / 3.6)
    return G


def _cache_dir() -> Path:
    root = os.environ.get("DYNAMOBILE_CACHE") or Path.home() / ".cache" / "dynamobile"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_key(source: StreetSource, profile: str, settings: RoutingSettings) -> str:
    h = hashlib.sha256()
    if source.osm_file:
        if not source.osm_file.exists():
            raise StreetDataError(f"fichier de rues introuvable : {source.osm_file}")
        # the content, not the path: the same file copied elsewhere reuses the cached graph
        h.update(f"osm:{osm_sha256(source.osm_file)}".encode())
    else:
        h.update(f"{source.place}|{source.bbox}".encode())
    h.update(f"|{profile}|{settings.bike_speed_kph}|{settings.drive_speed_factor}|v4".encode())
    return h.hexdigest()[:20]


def _raw_graph(source: StreetSource, profile: str) -> nx.MultiDiGraph:
    if source.osm_file:
        if not source.osm_file.exists():
            raise StreetDataError(f"fichier de rues introuvable : {source.osm_file}")
        try:
            return ox.graph_from_xml(source.osm_file, simplify=False, retain_all=True)
        except Exception as exc:  # osmnx raises many types on bad XML
            raise StreetDataError(f"fichier de rues illisible {source.osm_file} : {exc}") from exc
    network_type = profile if profile in ("drive", "walk") else "bike"
    try:
        if source.place:
            return ox.graph_from_place(
                source.place, network_type=network_type, simplify=False, retain_all=True
            )
        if source.bbox is None:
            raise StreetDataError("source de rues sans fichier, lieu ni emprise")
        west, south, east, north = source.bbox
        return ox.graph_from_bbox(
            (west, south, east, north), network_type=network_type, simplify=False, retain_all=True
        )
    except Exception as exc:  # no network, Overpass error, unknown place
        raise StreetDataError(
            f"téléchargement des rues impossible ({source.describe()}) : {exc}. "
            "Sans connexion, indiquez un fichier OSM (osm_file ou --osm-file)."
        ) from exc


def build_street_graph(
    source: StreetSource, profile: str, settings: RoutingSettings
) -> nx.MultiDiGraph:
    """Load, filter by profile, keep the largest strongly connected component, add travel times."""
    G = _raw_graph(source, profile)
    G = filter_profile(G, profile)  # for downloads too: osmnx's bike filter ignores contraflow tags
    if G.number_of_edges() == 0:
        raise StreetDataError(
            f"aucune rue utilisable par le profil « {profile} » dans {source.describe()}"
        )
    G = ox.truncate.largest_component(G, strongly=True)
    G = add_travel_times(G, profile, settings)
    G.graph["profile"] = profile
    G.graph["source"] = source.describe()
    return G


def load_street_graph(
    source: StreetSource,
    profile: str,
    *,
    settings: RoutingSettings | None = None,
    use_cache: bool = True,
) -> nx.MultiDiGraph:
    """The street graph of ``profile`` ("drive", "bike", or "walk": the ways on foot, from a
    parked vehicle to its stand), from the on-disk cache when possible."""
    settings = settings or RoutingSettings()
    if profile not in ("drive", "bike", "walk"):
        raise StreetDataError(f"profil de rues inconnu « {profile} » (drive, bike ou walk)")
    cache_file = (
        _cache_dir() / f"graph-{_cache_key(source, profile, settings)}.pickle"
        if use_cache
        else None
    )
    if cache_file and cache_file.exists():
        try:
            with cache_file.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # a truncated cache file is rebuilt, not fatal
            log.warning("cache de rues illisible, reconstruction : %s", cache_file)
    G = build_street_graph(source, profile, settings)
    if cache_file:
        tmp = cache_file.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(G, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache_file)
    return G


def geocode(query: str) -> tuple[float, float]:
    """(lat, lon) of an address with osmnx's Nominatim geocoder; needs the internet."""
    try:
        return ox.geocode(query)
    except Exception as exc:
        raise StreetDataError(f"géocodage impossible pour « {query} » : {exc}") from exc


def street_source_to_dict(source: StreetSource, settings: RoutingSettings) -> Streets:
    """What a plan records of its streets, so maps and sheets reload the very same graphs.

    An OSM file by name and sha256, not by path, so that the plan travels to another machine.
    """
    osm = source.osm_file
    return {
        "osm_file": osm.name if osm else None,
        "osm_sha256": osm_sha256(osm) if osm else None,
        "place": source.place,
        "bbox": source.bbox,
        "bike_speed_kph": settings.bike_speed_kph,
        "drive_speed_factor": settings.drive_speed_factor,
        "snap_max_m": settings.snap_max_m,
        "description": f"fichier OSM {osm.name}" if osm else source.describe(),
    }


def graph_for_plan(
    streets: Streets, profile: str, *, osm_file: Path | None = None
) -> nx.MultiDiGraph:
    """The street graph a plan was made on (``Plan.streets``); ``osm_file`` overrides the recorded
    file, which is otherwise looked for by name and content (see `dynamobile.osm_files`)."""
    path = osm_file or plan_osm_file(streets)
    bbox = streets.get("bbox")
    source = StreetSource(
        osm_file=path,
        place=None if path else streets.get("place"),
        bbox=bbox if (bbox and not path) else None,
    )
    settings = RoutingSettings(
        bike_speed_kph=float(streets.get("bike_speed_kph", 12.0)),
        snap_max_m=float(streets.get("snap_max_m", 300.0)),
        drive_speed_factor=float(streets.get("drive_speed_factor", 1.0)),
    )
    if not (source.osm_file or source.place or source.bbox):
        raise StreetDataError("le plan n'indique pas d'où viennent ses rues (champ streets)")
    return load_street_graph(source, profile, settings=settings)
