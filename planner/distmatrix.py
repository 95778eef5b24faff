"""Grid distance matrices among a set of cells, and shortest cell paths.

Distances are exact 4-connected shortest-path lengths in moves, computed with
one breadth-first search (:func:`planner.distance.bfs_distances`) per distinct
cell. A path is recovered by descending a distance table: from the start,
step to any 4-neighbour whose distance to the goal is one less, until the goal.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, Sequence

import numpy as np

from planner.distance import UNREACHABLE, bfs_distances

__all__ = ["GridDistances", "distance_matrix", "shortest_path", "expand_route", "route_length"]

_STEPS = ((0, 1), (1, 0), (0, -1), (-1, 0))  # heading order E, S, W, N: deterministic ties


def _cell(grid, cell) -> tuple[int, int]:
    r, c = int(cell[0]), int(cell[1])
    if not (0 <= r < grid.rows and 0 <= c < grid.cols):
        raise ValueError(f"cell {[r, c]} is outside the {grid.rows} x {grid.cols} grid")
    return (r, c)


class GridDistances:
    """Full BFS distance tables of one grid, kept for reuse (least recently used).

    A table is a flat ``int32`` array of ``rows * cols`` distances in moves to
    one cell (``UNREACHABLE`` where there is no path). Keep one cache per grid
    and agent kind between repeated planning calls to skip repeated searches.

    Parameters
    ----------
    grid: a :class:`robocore.Grid`.
    human: use human passability (humans may also walk HUMAN_ONLY cells).
    max_tables: how many tables to keep; each costs ``4 * rows * cols`` bytes.
    """

    def __init__(self, grid, *, human: bool = False, max_tables: int = 256):
        self.grid = grid
        self.human = bool(human)
        self.max_tables = int(max_tables)
        mask = grid.human_passable if human else grid.passable
        self._passable = np.ascontiguousarray(mask.ravel().astype(np.uint8))
        self._tables: OrderedDict[int, np.ndarray] = OrderedDict()

    def table(self, cell) -> np.ndarray:
        """Distances from every cell to ``cell`` (flat ``int32``, read-only)."""
        r, c = _cell(self.grid, cell)
        key = r * self.grid.cols + c
        t = self._tables.get(key)
        if t is None:
            t = bfs_distances(self._passable, self.grid.rows, self.grid.cols, key)
            t.setflags(write=False)
            self._tables[key] = t
            while len(self._tables) > self.max_tables:
                self._tables.popitem(last=False)
        else:
            self._tables.move_to_end(key)
        return t

    def matrix(self, cells: Sequence) -> np.ndarray:
        """``(n, n)`` ``int32`` matrix of distances among ``cells`` (in order).

        Entry ``[i, j]`` is the shortest 4-connected path length from
        ``cells[i]`` to ``cells[j]`` in moves, ``UNREACHABLE`` where none
        exists (a blocked cell reaches nothing, not even itself).

        Raises ``ValueError`` if a cell is outside the grid.
        """
        pts = [_cell(self.grid, c) for c in cells]
        n = len(pts)
        flat = np.fromiter((r * self.grid.cols + c for r, c in pts), dtype=np.int64, count=n)
        out = np.empty((n, n), dtype=np.int32)
        seen: dict[int, int] = {}
        for i in range(n):
            f = int(flat[i])
            if f in seen:
                out[i] = out[seen[f]]
                continue
            seen[f] = i
            # distances are symmetric: the table *to* cell i is the row *from* i
            t = self._tables.get(f)
            if t is None and len(self._tables) < self.max_tables:
                t = self.table(pts[i])
            elif t is None:
                t = bfs_distances(self._passable, self.grid.rows, self.grid.cols, f)
            out[i] = t[flat]
        return out

    def path(self, start, goal) -> list[tuple[int, int]]:
        """A shortest path of cells from ``start`` to ``goal``, both included.

        Raises ``ValueError`` if ``goal`` cannot be reached from ``start``.
        """
        return shortest_path(self.grid, start, goal, table=self.table(goal), human=self.human)


def distance_matrix(grid, cells: Sequence, *, human: bool = False) -> np.ndarray:
    """``(n, n)`` ``int32`` matrix of grid distances among ``cells``.

    One BFS per distinct cell; ``UNREACHABLE`` where there is no path. See
    :meth:`GridDistances.matrix`.

    Examples
    --------
    >>> from robocore import Grid
    >>> g = Grid.from_passable([[1, 1, 1], [0, 0, 1], [1, 1, 1]])
    >>> distance_matrix(g, [(0, 0), (2, 0), (0, 2)]).tolist()
    [[0, 6, 2], [6, 0, 4], [2, 4, 0]]
    """
    return GridDistances(grid, human=human, max_tables=0).matrix(cells)


def shortest_path(grid, start, goal, *, table: np.ndarray | None = None, human: bool = False) -> list[tuple[int, int]]:
    """A shortest 4-connected path from ``start`` to ``goal`` as a list of cells.

    Descends ``table`` (the distance table to ``goal``; computed if not
    given), preferring neighbours in heading order E, S, W, N, so the result
    is deterministic. The list starts with ``start`` and ends with ``goal``
    and has ``distance + 1`` cells.

    Raises
    ------
    ValueError
        If either cell is outside the grid or ``goal`` is unreachable.
    """
    s = _cell(grid, start)
    g = _cell(grid, goal)
    cols = grid.cols
    if table is None:
        mask = grid.human_passable if human else grid.passable
        table = bfs_distances(np.ascontiguousarray(mask.ravel().astype(np.uint8)), grid.rows, cols, g[0] * cols + g[1])
    d = int(table[s[0] * cols + s[1]])
    if d >= UNREACHABLE:
        raise ValueError(f"cell {list(g)} cannot be reached from {list(s)}")
    path = [s]
    r, c = s
    while d > 0:
        for dr, dc in _STEPS:
            nr, nc = r + dr, c + dc
            if 0 <= nr < grid.rows and 0 <= nc < cols and int(table[nr * cols + nc]) == d - 1:
                r, c, d = nr, nc, d - 1
                path.append((r, c))
                break
        else:  # pragma: no cover - impossible for a BFS table
            raise ValueError(f"distance table is not a BFS table at {[r, c]}")
    return path


def expand_route(grid, stops: Iterable, *, human: bool = False, cache: GridDistances | None = None) -> list[tuple[int, int]]:
    """Expand a stop sequence into every cell walked, consecutive cells 4-adjacent.

    The result has ``route_length(stops) + 1`` cells. Raises ``ValueError``
    if a stop is unreachable from the one before it.
    """
    cache = cache if cache is not None else GridDistances(grid, human=human, max_tables=64)
    stops = [_cell(grid, s) for s in stops]
    if not stops:
        return []
    cells = [stops[0]]
    for a, b in zip(stops, stops[1:]):
        cells.extend(cache.path(a, b)[1:])
    return cells


def route_length(grid, stops: Sequence, *, human: bool = False, cache: GridDistances | None = None) -> int:
    """Grid length in moves of visiting ``stops`` in order (sum of legs).

    Raises ``ValueError`` if a leg has no path.
    """
    cache = cache if cache is not None else GridDistances(grid, human=human, max_tables=64)
    total = 0
    for a, b in zip(stops, stops[1:]):
        t = cache.table(b)
        a = _cell(grid, a)
        d = int(t[a[0] * grid.cols + a[1]])
        if d >= UNREACHABLE:
            raise ValueError(f"cell {list(b)} cannot be reached from {list(a)}")
        total += d
    return total
