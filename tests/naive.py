"""Slow, obviously-correct reference implementations of the fast kernels.

Each function here is the twin of a Numba kernel and is used only by tests.
"""

from __future__ import annotations

from collections import deque

import numpy as np

INF = 1 << 30


def bfs_distances(passable: np.ndarray, goal: tuple[int, int]) -> np.ndarray:
    """Distances to ``goal`` on a 2-D bool grid, ``INF`` where unreachable."""
    rows, cols = passable.shape
    dist = np.full((rows, cols), INF, dtype=np.int64)
    if not passable[goal]:
        return dist
    dist[goal] = 0
    queue = deque([goal])
    while queue:
        r, c = queue.popleft()
        for nr, nc in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)):
            if 0 <= nr < rows and 0 <= nc < cols and passable[nr, nc] and dist[nr, nc] == INF:
                dist[nr, nc] = dist[r, c] + 1
                queue.append((nr, nc))
    return dist
