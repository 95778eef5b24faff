"""Slow, obviously-correct twins of the pick planning code, for tests only."""

from __future__ import annotations

import itertools

import numpy as np

from tests import naive


def distances(passable: np.ndarray, cells) -> np.ndarray:
    """Matrix of BFS distances among ``cells`` (one naive BFS per cell)."""
    out = np.empty((len(cells), len(cells)), dtype=np.int64)
    for j, c in enumerate(cells):
        table = naive.bfs_distances(passable, tuple(c))
        for i, a in enumerate(cells):
            out[i, j] = table[tuple(a)]
    return out


def brute_force_tour(D: np.ndarray) -> int:
    """Shortest start -> every stop -> end over ``D`` = [start, stops..., end], by trying every order."""
    k = D.shape[0] - 2
    best = None
    for perm in itertools.permutations(range(1, k + 1)):
        nodes = (0,) + perm + (k + 1,)
        c = sum(int(D[a, b]) for a, b in zip(nodes, nodes[1:]))
        best = c if best is None else min(best, c)
    return int(D[0, 1]) if best is None else best


def route_length(passable: np.ndarray, route) -> int:
    """Grid length of a stop sequence, leg by leg with naive BFS."""
    total = 0
    for a, b in zip(route, route[1:]):
        total += int(naive.bfs_distances(passable, tuple(b))[tuple(a)])
    return total
