"""Vehicle options compared on the bundled demo scenario (real Chambéry streets)."""

import datetime as dt
import json
from importlib import resources

from click.testing import CliRunner

from dynamobile.audit import audit_plan
from dynamobile.check import check_plan
from dynamobile.cli import main
from dynamobile.scenario import load_scenario
from routing.compare import compare_options, fleet_of, results_to_dict
from routing.planner import load_networks, travel_lookup
from routing.problem import SolveParams

DEMO = resources.files("dynamobile") / "scenarios/chambery_centre/scenario.toml"


def test_compare_demo_options(chambery_osm):
    scenario = load_scenario(DEMO)
    assert [o.kind for o in scenario.options] == ["bus", "van", "cargo_bike"]
    results = compare_options(
        scenario, dt.date(2026, 11, 27), 2, params=SolveParams(time_limit_s=30, solution_limit=50)
    )
    rows = results_to_dict(results)
    assert [r["option"] for r in rows] == ["scenario", "bus", "fourgon", "velo-cargo"]
    for result in results:
        fleet = scenario if result.option is None else fleet_of(scenario, result.option)
        travel = travel_lookup(fleet, load_networks(fleet))
        assert check_plan(result.plan, fleet, travel=travel) == []
        assert audit_plan(result.plan, fleet, travel) == []
        assert result.sites_served + sum(result.unserved.values()) == len(scenario.sites)
    bus, bike = rows[1], rows[3]
    # Pedestrian squares are for the cargo bike only: the bus cannot serve them.
    assert bus["unserved"].get("no_vehicle", 0) >= 3 and "no_vehicle" not in bike["unserved"]
    assert bike["sites_served"] > bus["sites_served"]


def test_compare_command_writes_json(chambery_osm, tmp_path):
    out = tmp_path / "cmp.json"
    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(DEMO),
            "--from",
            "2026-11-28",
            "--days",
            "1",
            "--seconds",
            "0.2",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "Comparaison des véhicules sur 1 jour\n" in result.output
        and "Vélo-cargo + remorque" in result.output
    )
    data = json.loads(out.read_text())
    assert data["days"] == 1 and len(data["options"]) == 4
