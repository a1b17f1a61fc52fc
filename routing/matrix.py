"""Travel-time and distance matrices between snapped nodes, with a compiled Dijkstra.

The graph becomes a CSR matrix of the fastest parallel edge; scipy's Dijkstra runs once from
all sources; distances are summed along the same fastest paths by pointer jumping over the
predecessor trees, so both matrices describe the very route the vehicle will take.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

UNREACHABLE = -1


@dataclass(frozen=True)
class CsrGraph:
    """A street graph as CSR arrays: ``time_s`` weights, ``length_m`` on the same edges."""

    nodes: np.ndarray  # position -> node id
    position: dict[int, int]  # node id -> position
    time_s: csr_matrix
    length_m: csr_matrix


def to_csr(G: nx.MultiDiGraph, *, weight: str = "travel_time") -> CsrGraph:
    """Build the CSR form, keeping the fastest of parallel edges."""
    nodes = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    position = {int(n): i for i, n in enumerate(nodes)}
    best: dict[tuple[int, int], tuple[float, float]] = {}
    for u, v, data in G.edges(data=True):
        key = (position[u], position[v])
        seconds = float(data[weight])
        if key not in best or seconds < best[key][0]:
            best[key] = (seconds, float(data["length"]))
    rows: np.ndarray
    cols: np.ndarray
    w: np.ndarray
    length: np.ndarray
    if best:
        rows, cols = (np.array(a, dtype=np.int64) for a in zip(*best.keys()))
        w, length = (np.array(a, dtype=float) for a in zip(*best.values()))
    else:
        rows = cols = np.zeros(0, dtype=np.int64)
        w = length = np.zeros(0)
    # Zero weights would vanish from a sparse matrix; a tiny epsilon keeps the edge.
    w = np.maximum(w, 1e-6)
    n = len(nodes)
    time_s = csr_matrix((w, (rows, cols)), shape=(n, n))
    length_m = csr_matrix((np.maximum(length, 1e-9), (rows, cols)), shape=(n, n))
    return CsrGraph(nodes, position, time_s, length_m)


def _lengths_along_trees(csr: CsrGraph, pred: np.ndarray) -> np.ndarray:
    """Sum edge lengths from each source along its predecessor tree (pointer jumping)."""
    n_src, n = pred.shape
    cols = np.arange(n)
    has_pred = pred >= 0
    safe_pred = np.where(has_pred, pred, 0)
    # Length of the tree edge pred[v] -> v, looked up in the CSR length matrix.
    edge_len = np.asarray(csr.length_m[safe_pred.ravel(), np.tile(cols, n_src)]).reshape(n_src, n)
    acc = np.where(has_pred, edge_len, 0.0)
    jump = np.where(has_pred, pred, -1)
    rows = np.arange(n_src)[:, None]
    while (jump >= 0).any():
        valid = jump >= 0
        safe = np.where(valid, jump, 0)
        acc = acc + np.where(valid, acc[rows, safe], 0.0)
        jump = np.where(valid, jump[rows, safe], -1)
    return acc


def travel_matrices(
    G: nx.MultiDiGraph, nodes: list[int], *, csr: CsrGraph | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Integer (seconds, metres) matrices between ``nodes``; UNREACHABLE (-1) where no path."""
    csr = csr or to_csr(G)
    idx = np.array([csr.position[int(n)] for n in nodes], dtype=np.int64)
    if len(idx) == 0:
        return np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0), dtype=np.int64)
    unique, inverse = np.unique(idx, return_inverse=True)
    times, pred = dijkstra(csr.time_s, directed=True, indices=unique, return_predecessors=True)
    lengths = _lengths_along_trees(csr, pred)
    t = times[np.ix_(inverse, idx)]
    d = lengths[np.ix_(inverse, idx)]
    unreachable = ~np.isfinite(t)
    seconds = np.where(unreachable, UNREACHABLE, np.rint(np.where(unreachable, 0, t))).astype(
        np.int64
    )
    metres = np.where(unreachable, UNREACHABLE, np.rint(d)).astype(np.int64)
    return seconds, metres


def fastest_path(G: nx.MultiDiGraph, source: int, target: int) -> list[int]:
    """Node ids of the fastest path (for leg geometry and directions)."""
    if source == target:
        return [source]
    return nx.shortest_path(G, source, target, weight="travel_time")
