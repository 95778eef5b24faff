"""Breadth-first distance tables on the 4-connected grid (Numba).

A distance table for goal ``g`` holds, for every cell, the number of moves of a
shortest 4-connected path from that cell to ``g`` over passable cells, or
:data:`UNREACHABLE` where there is none (impassable cells included). Grids move
over time-reversible 4-connected edges, so distance *to* the goal equals
distance *from* it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["UNREACHABLE", "bfs_distances", "distance_table"]

#: Distance of a cell that cannot reach the goal. Large, but far from int32
#: overflow so that ``d + 1`` and sums of a few distances stay safe.
UNREACHABLE = 1 << 30


@njit(cache=True, nogil=True)
def bfs_distances(passable: np.ndarray, rows: int, cols: int, goal: int) -> np.ndarray:
    """Distances from every cell to flat cell ``goal``.

    Parameters
    ----------
    passable: flat ``uint8`` array of ``rows * cols``, nonzero where passable.
    rows, cols: grid shape.
    goal: flat index of the goal; if it is impassable every distance is
        ``UNREACHABLE``.

    Returns
    -------
    ``int32`` array of ``rows * cols`` distances in moves.
    """
    n = rows * cols
    dist = np.full(n, UNREACHABLE, dtype=np.int32)
    if goal < 0 or goal >= n or passable[goal] == 0:
        return dist
    queue = np.empty(n, dtype=np.int32)
    head = 0
    tail = 0
    dist[goal] = 0
    queue[tail] = goal
    tail += 1
    while head < tail:
        v = queue[head]
        head += 1
        d = dist[v] + 1
        r = v // cols
        c = v - r * cols
        if c + 1 < cols:
            u = v + 1
            if passable[u] != 0 and dist[u] == UNREACHABLE:
                dist[u] = d
                queue[tail] = u
                tail += 1
        if r + 1 < rows:
            u = v + cols
            if passable[u] != 0 and dist[u] == UNREACHABLE:
                dist[u] = d
                queue[tail] = u
                tail += 1
        if c > 0:
            u = v - 1
            if passable[u] != 0 and dist[u] == UNREACHABLE:
                dist[u] = d
                queue[tail] = u
                tail += 1
        if r > 0:
            u = v - cols
            if passable[u] != 0 and dist[u] == UNREACHABLE:
                dist[u] = d
                queue[tail] = u
                tail += 1
    return dist


def distance_table(grid, goal) -> np.ndarray:
    """Distance table of ``grid`` (a :class:`robocore.Grid`) to ``goal``.

    ``goal`` is a ``(row, col)`` pair or a flat index. Returns a flat ``int32``
    array; reshape to ``grid.shape`` for a 2-D view.

    Raises
    ------
    ValueError
        If ``goal`` is outside the grid.
    """
    g = grid.index(goal) if isinstance(goal, tuple) else int(goal)
    if not 0 <= g < grid.size:
        raise ValueError(f"goal {goal} is outside the {grid.rows} x {grid.cols} grid")
    return bfs_distances(grid.passable_flat, grid.rows, grid.cols, g)
