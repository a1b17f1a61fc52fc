"""Snap points (lat, lon) to the nearest node of a street graph."""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from dynamobile.errors import InputError

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Snapped:
    """A point snapped to ``node``, ``distance_m`` away (great-circle)."""

    node: int
    distance_m: float


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (numpy-friendly)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


class NodeIndex:
    """A k-d tree over a graph's nodes in a local equirectangular projection (city scale)."""

    def __init__(self, G: nx.MultiDiGraph):
        self.nodes = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
        self.lat = np.array([G.nodes[n]["y"] for n in self.nodes], dtype=float)
        self.lon = np.array([G.nodes[n]["x"] for n in self.nodes], dtype=float)
        self._lat0 = float(np.mean(self.lat)) if len(self.lat) else 0.0
        self._tree = cKDTree(self._project(self.lat, self.lon)) if len(self.nodes) else None

    def _project(self, lat, lon) -> np.ndarray:
        k = math.pi / 180 * EARTH_RADIUS_M
        return np.column_stack(
            [np.asarray(lon) * k * math.cos(math.radians(self._lat0)), np.asarray(lat) * k]
        )

    def nearest(self, lat: float, lon: float) -> Snapped:
        """The nearest node and its great-circle distance."""
        if self._tree is None:
            raise InputError("réseau de rues vide : aucun point où s'arrêter")
        _, i = self._tree.query(self._project([lat], [lon])[0])
        return Snapped(int(self.nodes[i]), float(haversine_m(lat, lon, self.lat[i], self.lon[i])))

    def within(
        self, lat: float, lon: float, radius_m: float, *, limit: int = 8
    ) -> list[tuple[int, float]]:
        """Up to ``limit`` nodes within ``radius_m``, nearest first, with their great-circle
        distance."""
        if self._tree is None:
            return []
        _, found = self._tree.query(
            self._project([lat], [lon])[0],
            k=min(limit, len(self.nodes)),
            distance_upper_bound=radius_m * 1.01,
        )
        near = []
        for i in np.atleast_1d(found):
            if i < len(self.nodes):
                metres = float(haversine_m(lat, lon, self.lat[i], self.lon[i]))
                if metres <= radius_m:
                    near.append((int(self.nodes[i]), metres))
        return near


def snap_points(G: nx.MultiDiGraph, points: list[tuple[float, float]]) -> list[Snapped]:
    """Snap each (lat, lon) to its nearest graph node."""
    index = NodeIndex(G)
    return [index.nearest(lat, lon) for lat, lon in points]
