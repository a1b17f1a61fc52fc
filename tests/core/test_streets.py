import networkx as nx
import pytest

from dynamobile.errors import InputError, StreetDataError
from dynamobile.model import RoutingSettings, StreetSource
from routing.planner import load_networks, snap_scenario
from routing.snapping import snap_points
from routing.streets import build_street_graph
from tests.core.builders import grid_scenario, site, vehicle
from tests.osm_fixtures import grid_osm, grid_point, write_osm


def line_osm(tmp_path, tags_by_way):
    """Ways in a row: node i at (0, i); way k joins nodes k and k+1."""
    nodes = {i + 1: grid_point(0, i) for i in range(len(tags_by_way) + 1)}
    ways = [([k + 1, k + 2], tags) for k, tags in enumerate(tags_by_way)]
    return write_osm(tmp_path / "line.osm", nodes, ways)


def graph(path, profile, **settings):
    return build_street_graph(StreetSource(osm_file=path), profile, RoutingSettings(**settings))


def test_profiles_keep_the_ways_they_may_use(tmp_path):
    path = line_osm(
        tmp_path,
        [
            {"highway": "residential", "name": "Rue A"},
            {"highway": "pedestrian", "name": "Place B"},
            {"highway": "steps"},
            {"highway": "footway", "bicycle": "yes"},
        ],
    )
    drive = nx.MultiDiGraph(graph(path, "drive"))
    bike = nx.MultiDiGraph(graph(path, "bike"))
    assert set(drive.nodes) == {1, 2}  # cars stop where the pedestrian square starts
    assert set(bike.nodes) == {1, 2, 3}  # bikes cross the square, never the steps
    names = {d.get("name") for _, _, d in bike.edges(data=True)}
    assert names == {"Rue A", "Place B"}


def test_pedestrian_street_open_to_delivery_vehicles(tmp_path):
    path = line_osm(
        tmp_path,
        [{"highway": "residential"}, {"highway": "pedestrian", "motor_vehicle": "destination"}],
    )
    assert set(graph(path, "drive").nodes) == {1, 2, 3}


def test_oneway_for_cars_contraflow_for_bikes(tmp_path):
    # A square loop whose bottom side is one-way eastwards; contraflow allowed for bikes.
    nodes = {1: grid_point(0, 0), 2: grid_point(0, 1), 3: grid_point(1, 1), 4: grid_point(1, 0)}
    ways = [
        ([1, 2], {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}),
        ([2, 3, 4, 1], {"highway": "residential"}),
    ]
    path = write_osm(tmp_path / "loop.osm", nodes, ways)
    drive, bike = graph(path, "drive"), graph(path, "bike")
    assert drive.has_edge(1, 2) and not drive.has_edge(2, 1)
    assert bike.has_edge(1, 2) and bike.has_edge(2, 1)
    # Without the contraflow tag, bikes respect the one-way street too.
    ways[0][1].pop("oneway:bicycle")
    bike = graph(write_osm(tmp_path / "loop2.osm", nodes, ways), "bike")
    assert not bike.has_edge(2, 1)


def test_largest_strongly_connected_component(tmp_path):
    # A dead-end one-way spur cannot be left: it is dropped.
    nodes = {1: grid_point(0, 0), 2: grid_point(0, 1), 3: grid_point(0, 2)}
    ways = [
        ([1, 2], {"highway": "residential"}),
        ([2, 3], {"highway": "residential", "oneway": "yes"}),
    ]
    G = graph(write_osm(tmp_path / "spur.osm", nodes, ways), "drive")
    assert set(G.nodes) == {1, 2}


def test_travel_times(tmp_path):
    path = grid_osm(tmp_path / "g.osm", 2, 2)
    bike = graph(path, "bike", bike_speed_kph=18)
    for _, _, d in bike.edges(data=True):
        assert d["travel_time"] == pytest.approx(d["length"] / 5.0)  # 18 km/h = 5 m/s
    drive = graph(path, "drive")
    for _, _, d in drive.edges(data=True):
        assert d["speed_kph"] == 30 and d["travel_time"] == pytest.approx(d["length"] / (30 / 3.6))


def test_missing_and_broken_street_files(tmp_path):
    with pytest.raises(StreetDataError, match="introuvable"):
        graph(tmp_path / "nope.osm", "drive")
    (tmp_path / "bad.osm").write_text("<osm><node", encoding="utf-8")
    with pytest.raises(StreetDataError, match="illisible"):
        graph(tmp_path / "bad.osm", "drive")


def test_snapping_to_nearest_node(tmp_path):
    G = graph(grid_osm(tmp_path / "g.osm", 3, 3), "drive")
    lat, lon = grid_point(1.1, 2.05)
    (snap,) = snap_points(G, [(lat, lon)])
    assert snap.node == 1 + 1 * 3 + 2 and snap.distance_m == pytest.approx(11.2, abs=0.5)


@pytest.mark.parametrize(
    "lat, lon, shown", [(45.57, 5.91, "m de toute rue"), (43.0, 5.0, "km de toute rue")]
)
def test_sites_off_the_network_are_input_errors(tmp_path, lat, lon, shown):
    scenario = grid_scenario(tmp_path, [site("ok", 1, 1)], [vehicle()], rows=3, cols=3)
    from dataclasses import replace

    far = replace(site("loin", 0, 0), lat=lat, lon=lon)
    scenario = replace(scenario, sites=(*scenario.sites, far))
    with pytest.raises(InputError) as info:
        snap_scenario(scenario, load_networks(scenario))
    (problem,) = info.value.problems
    assert problem.startswith("site loin (Site loin) : coordonnées") and shown in problem
