"""Generated seasons for benchmarks: a scenario TOML and sites CSV on the shared street extract.

    from season import generate_season
    toml = generate_season(out, sites=60, vehicles=3, seed=1, osm_file=CHAMBERY_OSM)

The sites are distinct, spread-out points of the extract's drive network (its largest strongly
connected part), named « … (généré) »: benchmark points, not real places. Windows are planning
slots typical of street outreach (after school, evenings, Wednesday afternoons, Saturday
mornings; markets in the morning). The files go through `load_scenario` like a user's, and every
site is checked to be servable by some vehicle of the fleet, so the benchmark measures the
optimiser, not unservable input. Same arguments, same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

from dynamobile.model import RoutingSettings, Scenario, StreetSource
from dynamobile.scenario import load_scenario
from routing.streets import load_street_graph

START = dt.date(2027, 3, 1)
QUARTIERS = 6
METRES_PER_DEGREE = 111_195.0
# Streets as written in the scenario (the planner's graph cache is keyed on them).
ROUTING = RoutingSettings(bike_speed_kph=12.0, snap_max_m=300.0, drive_speed_factor=0.8)

# Planning slots, weighted: after school, evenings, Wednesday afternoons, Saturday mornings.
FORECOURT_WINDOWS = (
    ("mon-fri 16:00-19:00", 3),
    ("tue,thu 15:30-18:30", 2),
    ("wed 14:00-18:00", 2),
    ("mon,fri 16:30-19:00", 1),
    ("tue-fri 09:30-12:00", 1),
    ("sat 10:00-12:30", 1),
    ("wed 14:00-18:00; sat 10:00-12:30", 1),
)
MARKET_WINDOWS = ("tue 07:30-12:30", "sat 07:30-12:30", "tue,sat 07:30-12:30")
SOCIAL_CENTRE_WINDOWS = ("tue,thu 14:00-17:00", "mon,wed 14:00-16:30")

# Fleets by size. The van starts early on market mornings; lunch breaks are placed by the optimiser.
VAN = {
    "id": "fourgon",
    "name": "Fourgon aménagé (généré)",
    "kind": "van",
    "shift": "07:30-18:30",
    "days": "tue-sat",
    "setup_min": 20,
    "packup_min": 15,
    "lunch": ("11:45-14:00", 45),
}
CARGO_BIKE = {
    "id": "velo",
    "name": "Vélo-cargo (généré)",
    "kind": "cargo_bike",
    "shift": "09:00-19:00",
    "days": "mon-fri",
    "setup_min": 15,
    "packup_min": 10,
    "lunch": ("12:00-14:00", 45),
}
SECOND_VAN = {
    "id": "fourgon2",
    "name": "Second fourgon (généré)",
    "kind": "van",
    "shift": "09:30-19:30",
    "days": "mon-fri",
    "setup_min": 20,
    "packup_min": 15,
    "lunch": ("11:45-14:00", 45),
}
FLEETS = {2: (VAN, CARGO_BIKE), 3: (VAN, CARGO_BIKE, SECOND_VAN)}
DRIVING_CAP_MIN = 90  # on the first van, with ``driving_cap=True``


@dataclass(frozen=True)
class _Point:
    node: int
    lat: float
    lon: float


def generate_season(
    out_dir: Path,
    *,
    sites: int,
    vehicles: int,
    seed: int,
    driving_cap: bool = False,
    osm_file: Path,
    start: dt.date = START,
) -> Path:
    """Write ``scenario.toml`` and ``sites.csv`` into ``out_dir``; return the TOML's path.

    ``vehicles`` is 2 (van tue–sat, cargo bike mon–fri) or 3 (and a second van mon–fri);
    ``start`` only dates the ``last_visit`` of the few sites visited just before the season.
    Raises ValueError if the extract has too few street points or a site could not be served.
    """
    if vehicles not in FLEETS:
        raise ValueError(f"vehicles must be one of {sorted(FLEETS)}, not {vehicles}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    osm_file = Path(osm_file).resolve()
    rng = random.Random(seed)
    points = _street_points(osm_file)
    depot = _nearest(points, *_centre(points))
    chosen = _spread_out([p for p in points if p.node != depot.node], sites, rng)
    quartier = _quartiers(chosen, rng)
    rows = _site_rows(chosen, quartier, rng, seed, start)
    with (out_dir / "sites.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    toml = out_dir / "scenario.toml"
    toml.write_text(
        _scenario_toml(sites, vehicles, seed, driving_cap, depot, osm_file), encoding="utf-8"
    )
    scenario = load_scenario(toml)
    unservable = unservable_sites(scenario)
    if unservable:
        raise ValueError(f"generated sites no vehicle can serve: {', '.join(unservable)}")
    return toml


def _street_points(osm_file: Path) -> list[_Point]:
    """Nodes of the drive network's largest strongly connected part, in node-id order."""
    G = load_street_graph(StreetSource(osm_file=osm_file), "drive", settings=ROUTING)
    return [_Point(n, float(G.nodes[n]["y"]), float(G.nodes[n]["x"])) for n in sorted(G.nodes)]


def _centre(points: list[_Point]) -> tuple[float, float]:
    lats, lons = [p.lat for p in points], [p.lon for p in points]
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2


def _metres(a: _Point, lat: float, lon: float) -> tuple[float, float]:
    """(east, north) offset of ``a`` from (lat, lon), in metres (flat earth: the extract is 1.5 km)."""
    return (
        (a.lon - lon) * METRES_PER_DEGREE * math.cos(math.radians(lat)),
        (a.lat - lat) * METRES_PER_DEGREE,
    )


def _nearest(points: list[_Point], lat: float, lon: float) -> _Point:
    return min(points, key=lambda p: math.hypot(*_metres(p, lat, lon)))


def _spread_out(points: list[_Point], count: int, rng: random.Random) -> list[_Point]:
    """``count`` points in random order, no two closer than a spacing shrunk until enough fit."""
    if count > len(points):
        raise ValueError(f"{count} sites asked, the street network has {len(points)} usable points")
    order = points[:]
    rng.shuffle(order)
    lat0, lon0 = _centre(points)
    xy = {p.node: _metres(p, lat0, lon0) for p in points}
    xs, ys = [v[0] for v in xy.values()], [v[1] for v in xy.values()]
    spacing_m = 0.7 * math.sqrt((max(xs) - min(xs)) * (max(ys) - min(ys)) / count)
    while True:
        chosen: list[_Point] = []
        for p in order:
            if all(math.dist(xy[p.node], xy[q.node]) >= spacing_m for q in chosen):
                chosen.append(p)
                if len(chosen) == count:
                    return chosen
        spacing_m *= 0.85


def _quartiers(points: list[_Point], rng: random.Random) -> dict[int, str]:
    """Six neighbourhoods of equal size: angular sectors around the sites' centroid."""
    lat0 = sum(p.lat for p in points) / len(points)
    lon0 = sum(p.lon for p in points) / len(points)
    turn = rng.uniform(0, 2 * math.pi)

    def angle(p: _Point) -> float:
        east, north = _metres(p, lat0, lon0)
        return (math.atan2(north, east) - turn) % (2 * math.pi)

    ordered = sorted(points, key=angle)
    return {
        p.node: f"Quartier {1 + k * QUARTIERS // len(ordered)} (généré)"
        for k, p in enumerate(ordered)
    }


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _site_rows(
    points: list[_Point], quartier: dict[int, str], rng: random.Random, seed: int, start: dt.date
) -> list[dict[str, str]]:
    """CSV rows: mostly forecourts, a few markets (van only) and social centres."""
    n = len(points)
    markets, social_centres = max(2, round(n / 20)), max(1, round(n / 15))
    kinds = ["forecourt"] * n
    for k, i in enumerate(rng.sample(range(n), markets + social_centres)):
        kinds[i] = "market" if k < markets else "social_centre"
    rows = []
    for i, (p, kind) in enumerate(zip(points, kinds), start=1):
        vehicles = ""
        if kind == "market":
            name, windows = f"Marché {i} (généré)", rng.choice(MARKET_WINDOWS)
            service, priority, every = rng.choice((180, 210, 240)), rng.randint(4, 5), 7
            vehicles = "van"  # the stall travels in the van
        elif kind == "social_centre":
            name, windows = f"Centre social {i} (généré)", rng.choice(SOCIAL_CENTRE_WINDOWS)
            service, priority, every = rng.choice((90, 120)), rng.randint(2, 4), 14
        else:
            name, windows = f"Pied d'immeuble {i} (généré)", _weighted(rng, FORECOURT_WINDOWS)
            service, priority, every = (
                rng.choice((60, 75, 90, 105, 120)),
                rng.randint(1, 5),
                rng.choice((7, 14, 14)),
            )
            if rng.random() < 0.1:
                vehicles = "cargo_bike"  # a square only the bike may stand on: weekday slots only
                windows = _weighted(rng, tuple(w for w in FORECOURT_WINDOWS if "sat" not in w[0]))
        last_visit = ""
        if rng.random() < 0.15:
            last_visit = (start - dt.timedelta(days=rng.randint(1, every - 1))).isoformat()
        rows.append(
            {
                "id": f"g{i:03d}",
                "name": name,
                "kind": kind,
                "lat": f"{p.lat:.7f}",
                "lon": f"{p.lon:.7f}",
                "service_min": str(service),
                "windows": windows,
                "priority": str(priority),
                "address": "",
                "quartier": quartier[p.node],
                "vehicles": vehicles,
                "every_days": str(every),
                "last_visit": last_visit,
                "notes": f"Generated benchmark point (seed {seed}, street node {p.node}): not a real place; "
                "windows are synthetic planning slots.",
            }
        )
    return rows


def _scenario_toml(
    sites: int, vehicles: int, seed: int, driving_cap: bool, depot: _Point, osm_file: Path
) -> str:
    cap = " avec plafond de conduite" if driving_cap else ""
    lines = [
        "# Generated by bench/season.py: benchmark points on the shared street extract, not real places.",
        f'name = "Saison générée — {sites} sites, {vehicles} véhicules{cap} (graine {seed})"',
        'sites = "sites.csv"',
        f'notes = "Scénario de benchmark généré (graine {seed}) : sites, créneaux et dépôt sont des points '
        "fictifs sur les rues de l'extrait OSM, pas des lieux réels.\"",
        "",
        "[depot]",
        'name = "Dépôt (point généré, centre de l\'extrait)"',
        f"lat = {depot.lat:.7f}",
        f"lon = {depot.lon:.7f}",
        "",
        "[streets]",
        f"osm_file = '{osm_file}'",
        f"bike_speed_kph = {ROUTING.bike_speed_kph:g}",
        f"snap_max_m = {ROUTING.snap_max_m:g}",
        f"drive_speed_factor = {ROUTING.drive_speed_factor:g}",
    ]
    for k, v in enumerate(FLEETS[vehicles]):
        window, minutes = v["lunch"]
        lines += [
            "",
            "[[vehicles]]",
            f'id = "{v["id"]}"',
            f'name = "{v["name"]}"',
            f'kind = "{v["kind"]}"',
            f'shift = "{v["shift"]}"',
            f'days = "{v["days"]}"',
            f"setup_min = {v['setup_min']}",
            f"packup_min = {v['packup_min']}",
            f'lunch = {{ window = "{window}", minutes = {minutes} }}',
        ]
        if driving_cap and k == 0:
            lines.append(f"max_drive_min = {DRIVING_CAP_MIN}")
    return "\n".join(lines) + "\n"


def unservable_sites(scenario: Scenario, *, travel_margin_min: int = 10) -> list[str]:
    """Ids of sites no vehicle could serve alone on any of its working weekdays.

    A vehicle serves a window if setup, service and pack-up fit inside both the window and its
    shift, with ``travel_margin_min`` of driving at each end (lunch ignored).
    """
    bad = []
    for site in scenario.sites:
        servable = any(
            max(w.start_min, v.shift_start_min + v.setup_min + travel_margin_min) + site.service_min
            <= min(w.end_min, v.shift_end_min - v.packup_min - travel_margin_min)
            for w in site.windows
            for v in scenario.vehicles
            if site.allows(v.kind) and w.weekdays & v.working_days
        )
        if not servable:
            bad.append(site.id)
    return bad
