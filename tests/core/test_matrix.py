import random

import networkx as nx
import numpy as np

from dynamobile.model import RoutingSettings, StreetSource
from routing.matrix import UNREACHABLE, travel_matrices
from routing.streets import build_street_graph, load_street_graph
from tests.osm_fixtures import grid_osm, grid_point, write_osm


def path_length(G, path):
    """Length along a path, taking the fastest of parallel edges as the matrix does."""
    total = 0.0
    for u, v in zip(path, path[1:]):
        total += min(G[u][v].values(), key=lambda d: d["travel_time"])["length"]
    return total


def assert_matches_networkx(G, nodes):
    seconds, metres = travel_matrices(G, nodes)
    for i, a in enumerate(nodes):
        times, paths = nx.single_source_dijkstra(G, a, weight="travel_time")
        for j, b in enumerate(nodes):
            assert seconds[i, j] == round(times[b])
            assert abs(metres[i, j] - path_length(G, paths[b])) <= 1


def test_grid_matches_networkx(tmp_path):
    def tags(kind, k):
        # Mixed speeds and one-way rows make fastest and shortest paths differ.
        if kind == "row" and k % 2:
            return {"highway": "primary", "oneway": "yes", "maxspeed": "50"}
        return {"highway": "residential", "maxspeed": "30"}

    G = build_street_graph(
        StreetSource(osm_file=grid_osm(tmp_path / "g.osm", 7, 7, tags=tags)),
        "drive",
        RoutingSettings(),
    )
    nodes = list(G.nodes)
    assert_matches_networkx(G, nodes)
    seconds, _ = travel_matrices(G, nodes)
    assert (np.diag(seconds) == 0).all()


def test_repeated_nodes_and_unreachable(tmp_path):
    nodes = {1: grid_point(0, 0), 2: grid_point(0, 1), 3: grid_point(5, 5), 4: grid_point(5, 6)}
    ways = [([1, 2], {"highway": "residential"}), ([3, 4], {"highway": "residential"})]
    raw = write_osm(tmp_path / "two.osm", nodes, ways)
    import osmnx as ox

    from routing.streets import add_travel_times, filter_profile

    G = add_travel_times(
        filter_profile(ox.graph_from_xml(raw, simplify=False, retain_all=True), "drive"),
        "drive",
        RoutingSettings(),
    )
    seconds, metres = travel_matrices(G, [1, 2, 1, 3])
    assert seconds[0, 2] == 0 and seconds[1, 0] == seconds[1, 2] > 0
    assert seconds[0, 3] == UNREACHABLE and metres[3, 0] == UNREACHABLE


def test_real_chambery_matches_networkx(chambery_osm):
    for profile in ("drive", "bike"):
        G = load_street_graph(StreetSource(osm_file=chambery_osm), profile)
        nodes = random.Random(7).sample(list(G.nodes), 25)
        assert_matches_networkx(G, nodes)
