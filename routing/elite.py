"""What the searches of one solve share: each worker's best routes at a few meeting points, and
a route-based crossover of two plans.

The workers of `routing.search.solve` run in processes of their own; at each meeting point
(a share of its ruin-and-recreate time) a worker leaves its best plan in a directory they all
know and, when the others' are there, goes on from a child of its best and the best of theirs
(`crossover`, the selective route exchange of Nagata & Kobayashi as PyVRP uses it). A run that
fell into a poor basin (a plan with one route too few or too many) then gets routes from one
that did not.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

import numpy as np

MEETINGS = (1 / 3, 2 / 3)  # meeting points, as shares of the ruin-and-recreate time
# Odd workers anneal this many times hotter when every visit is mandatory: the pair then holds
# two kinds of plans for the meetings to combine (with droppable visits the temperature is
# already 20 times higher, and a hotter worker measured worse there; docs/benchmarks.md).
HOT = 3.0


class Pool:
    """The plans the workers of one solve leave at each meeting point (one file each)."""

    def __init__(self, directory: str, worker: int):
        self.directory = Path(directory)
        self.worker = worker

    def share(self, meeting: int, objective: int, routes: list[list[int]]) -> None:
        """Leave this worker's best plan for ``meeting`` (written whole, then renamed)."""
        final = self.directory / f"{meeting}-{self.worker}.pickle"
        fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            pickle.dump((objective, routes), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, final)

    def others(self, meeting: int) -> list[tuple[int, list[list[int]]]]:
        """The other workers' plans left for ``meeting`` so far, as (objective, routes)."""
        found = []
        for path in sorted(self.directory.glob(f"{meeting}-*.pickle")):
            if path.stem != f"{meeting}-{self.worker}":
                found.append(pickle.loads(path.read_bytes()))
        return found


def crossover(
    mine: list[list[int]],
    theirs: list[list[int]],
    group: np.ndarray,
    twin: np.ndarray,
    near: np.ndarray,
    rng: np.random.Generator,
) -> list[list[int]]:
    """A child of two plans (node lists per vehicle): a few neighbouring routes of ``theirs``
    in place of the routes of ``mine`` on the same kind of vehicle that share most visits with
    them; their visits (and the other visits of those visits' groups) taken out of the routes
    of ``mine`` that stay. Visits left out are for the caller to put back (`sisr_kernel.fill`)."""
    used = [v for v, route in enumerate(theirs) if route]
    child = [list(route) for route in mine]
    if not used:
        return child
    kind = _kinds(twin)
    owner = {u: v for v in used for u in theirs[v]}
    wanted = int(rng.integers(1, max(1, len(used) // 2) + 1))
    # Neighbouring routes: the one through a random visit, then those through its nearest.
    first = used[int(rng.integers(len(used)))]
    seed = theirs[first][int(rng.integers(len(theirs[first])))]
    chosen = [first]
    for u in near[seed]:
        if len(chosen) >= wanted:
            break
        v = owner.get(int(u))
        if v is not None and v not in chosen:
            chosen.append(v)
    taken: set[int] = set()
    placed: list[int] = []
    for v in chosen:
        visits = set(theirs[v])
        slots = [w for w in range(len(mine)) if kind[w] == kind[v] and w not in taken]
        if not slots:
            continue
        w = max(slots, key=lambda s: (len(visits.intersection(mine[s])), s == v, not mine[s]))
        taken.add(w)
        child[w] = list(theirs[v])
        placed.append(v)
    moved = {int(group[u]) for v in placed for u in theirs[v]}
    for w in range(len(child)):
        if w not in taken:
            child[w] = [u for u in child[w] if int(group[u]) not in moved]
    return child


def _kinds(twin: np.ndarray) -> list[int]:
    """Each vehicle's kind: the first of the identical vehicles it belongs to."""
    kind = list(range(len(twin)))
    for v in range(len(twin)):
        if twin[v] >= 0:
            kind[v] = kind[int(twin[v])]
    return kind
