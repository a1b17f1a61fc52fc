"""Scenarios for the parking points (issue 13): the bundled demo, and squares of central Chambéry
that a van cannot enter, written as files on the real 2016 OSM extract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dynamobile.model import Scenario
from dynamobile.plan import Plan
from dynamobile.scenario import load_scenario
from routing.planner import load_networks, plan_day
from routing.problem import SolveParams

FAST = SolveParams(time_limit_s=5, solution_limit=20)  # repeatable: OR-Tools alone, 20 solutions

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CHAMBERY_OSM = DATA / "osm" / "chambery_centre_2016.osm"
DEMO = ROOT / "dynamobile" / "scenarios" / "chambery_centre" / "scenario.toml"
DEMO_DATE = dt.date(2026, 11, 28)
SQUARES_DATE = dt.date(2026, 12, 1)  # a Tuesday

# A node of rue du Château (real OSM id 2149008757), 121 m south-east of the place du Château.
CHATEAU_PARKING = (45.5639376, 5.9195065)
CHATEAU_PARKING_NODE = 2149008757

SQUARES_TOML = f"""
name = "Places piétonnes du centre"
sites = "sites.csv"

[depot]
name = "Gare (parvis)"
lat = 45.5706
lon = 5.9203

[streets]
osm_file = "{CHAMBERY_OSM}"
drive_speed_factor = 0.8

[[vehicles]]
id = "fourgon"
name = "Fourgon aménagé"
kind = "van"
shift = "08:00-18:00"
days = "mon-sat"
setup_min = 15
packup_min = 10
"""

# Pedestrian squares: points are the means of the vertices of their OSM ways.
SQUARES_CSV = """id,name,kind,lat,lon,service_min,windows,priority,address,park_lat,park_lon
gilbert-durand,Square Gilbert Durand,forecourt,45.566954,5.917744,45,mon-sat 09:00-12:00,2,"square Gilbert Durand, 73000 Chambéry",,
mache,Place Maché,forecourt,45.565582,5.917029,45,mon-sat 09:00-17:00,2,"place Maché, 73000 Chambéry",,
chateau,Place du Château,forecourt,45.564932,5.918867,45,mon-sat 10:00-17:00,3,"place du Château, 73000 Chambéry",{park_lat},{park_lon}
jacques-lovie,Square Jacques Lovie,forecourt,45.563617,5.921043,45,mon-sat 13:00-17:00,2,"square Jacques Lovie, 73000 Chambéry",,
mont-blanc,Square du Mont-Blanc,forecourt,45.56578,5.924576,45,mon-sat 14:00-17:30,1,"square du Mont-Blanc, 73000 Chambéry",,
"""


def squares_scenario(
    folder: Path, *, parking: tuple[float | str, float | str] | None = CHATEAU_PARKING
) -> Scenario:
    """Five pedestrian squares of central Chambéry served by a van; the place du Château has its
    own parking point on the rue du Château (``parking``, numbers or cell text; None: none)."""
    folder.mkdir(parents=True, exist_ok=True)
    park_lat, park_lon = parking if parking else ("", "")
    (folder / "sites.csv").write_text(
        SQUARES_CSV.format(park_lat=park_lat, park_lon=park_lon), encoding="utf-8"
    )
    toml = folder / "scenario.toml"
    toml.write_text(SQUARES_TOML, encoding="utf-8")
    return load_scenario(toml)


def planned_scenario(name: str, folder: Path) -> tuple[Plan, dict]:
    """("demo" or "squares") → (its day's plan, street graph per vehicle profile)."""
    if name == "demo":
        scenario, day = load_scenario(DEMO), DEMO_DATE
    else:
        scenario, day = squares_scenario(folder), SQUARES_DATE
    networks = load_networks(scenario)
    plan = plan_day(scenario, day, params=FAST, networks=networks)
    return plan, {p: n.graph for p, n in networks.items()}
