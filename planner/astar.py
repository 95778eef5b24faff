"""Single-agent A* on the 4-connected grid (Numba).

Unit-cost moves to the four neighbours, Manhattan heuristic (consistent, so
the first time the goal is taken off the open list its length is optimal).
Among open nodes of equal ``f`` the one with the larger ``g`` goes first, so on
open floor the search runs straight at the goal instead of fanning out.

The open list is a binary heap on preallocated arrays; closed and ``g``
values live in per-cell arrays stamped with a generation number, so a query
does not clear or allocate a full-grid array. :class:`GridSearcher` holds these
buffers and is the object to keep for many queries on one grid;
:func:`astar_path` and :func:`astar_length` are one-shot conveniences that
build a searcher per call.

Memory of a searcher: ``16`` bytes per grid cell for ``g``, stamps, parents and
the path buffer
plus ``12 * (4 * cells + 1)`` bytes of heap (each push is one improving edge
relaxation, at most four per expanded cell), about 4 MB for a 70,000-cell map.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from robocore.grid import Coord

__all__ = ["GridSearcher", "astar_length", "astar_path"]

_TIE = np.int64(0x7FFFFFFF)  # key = f << 32 | (_TIE - g): equal f, larger g first
_MAX_GEN = 1 << 29  # stamps hold 2 * gen (seen) or 2 * gen + 1 (closed) in int32


@njit(cache=True, nogil=True)
def _heap_push(keys: np.ndarray, vals: np.ndarray, size: int, key: np.int64, val: np.int32) -> int:
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= key:
            break
        keys[i] = keys[p]
        vals[i] = vals[p]
        i = p
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(keys: np.ndarray, vals: np.ndarray, size: int) -> int:
    """Remove the root (read it before calling); return the new size."""
    size -= 1
    if size == 0:
        return 0
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        vals[i] = vals[child]
        i = child
    keys[i] = key
    vals[i] = val
    return size


@njit(cache=True, nogil=True)
def _astar(passable: np.ndarray, rows: int, cols: int, start: int, goal: int,
           g: np.ndarray, stamp: np.ndarray, parent: np.ndarray,
           heap_keys: np.ndarray, heap_vals: np.ndarray, gen: int, stats: np.ndarray,
           path_out: np.ndarray, want_path: bool) -> int:
    """Length in moves of a shortest path ``start -> goal`` or -1.

    ``stamp[v] == 2 * gen`` marks ``v`` seen (``g[v]``, ``parent[v]`` valid),
    ``2 * gen + 1`` closed. ``stats[0]`` receives the number of expansions.
    With ``want_path`` the path's flat cells go to ``path_out[:length + 1]``.
    Both cells must be passable (checked by the caller).

    A neighbour whose ``f`` equals its parent's has the smallest key there
    is (every open node has a larger ``f``, or the same ``f`` and a ``g`` no
    larger than the parent's), so the first such neighbour is expanded next
    without going through the heap: on open floor most expansions skip it.
    """
    seen = np.int32(2 * gen)
    closed = np.int32(2 * gen + 1)
    gr = goal // cols
    gc = goal - gr * cols
    sr = start // cols
    sc = start - sr * cols
    g[start] = 0
    parent[start] = -1
    stamp[start] = seen
    h0 = abs(sr - gr) + abs(sc - gc)
    size = _heap_push(heap_keys, heap_vals, 0, (np.int64(h0) << 32) | _TIE, np.int32(start))
    expanded = 0
    nxt = -1
    while nxt >= 0 or size > 0:
        if nxt >= 0:
            v = nxt
            nxt = -1
        else:
            v = heap_vals[0]
            size = _heap_pop(heap_keys, heap_vals, size)
            if stamp[v] == closed:
                continue
        stamp[v] = closed
        expanded += 1
        if v == goal:
            stats[0] = expanded
            length = g[v]
            if want_path:
                w = v
                for i in range(length, -1, -1):
                    path_out[i] = w
                    w = parent[w]
            return length
        ng = g[v] + 1
        r = v // cols
        c = v - r * cols
        fv = ng - 1 + abs(r - gr) + abs(c - gc)
        for k in range(4):
            if k == 0:
                if c + 1 >= cols:
                    continue
                u = v + 1
                ur = r
                uc = c + 1
            elif k == 1:
                if r + 1 >= rows:
                    continue
                u = v + cols
                ur = r + 1
                uc = c
            elif k == 2:
                if c == 0:
                    continue
                u = v - 1
                ur = r
                uc = c - 1
            else:
                if r == 0:
                    continue
                u = v - cols
                ur = r - 1
                uc = c
            if passable[u] == 0:
                continue
            s = stamp[u]
            if s == closed:
                continue
            if s == seen and g[u] <= ng:
                continue
            g[u] = ng
            parent[u] = v
            stamp[u] = seen
            f = ng + abs(ur - gr) + abs(uc - gc)
            if f == fv and nxt < 0:
                nxt = u
                continue
            size = _heap_push(heap_keys, heap_vals, size, (np.int64(f) << 32) | (_TIE - ng), np.int32(u))
    stats[0] = expanded
    return -1


def _passable_flat(grid) -> tuple[np.ndarray, int, int]:
    if hasattr(grid, "passable_flat"):
        return grid.passable_flat, grid.rows, grid.cols
    mask = np.asarray(grid, dtype=bool)
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"grid must be a robocore Grid or a non-empty 2-D bool array, got shape {mask.shape}")
    return np.ascontiguousarray(mask.ravel().astype(np.uint8)), int(mask.shape[0]), int(mask.shape[1])


class GridSearcher:
    """Reusable A* search buffers for one grid.

    Parameters
    ----------
    grid:
        A :class:`robocore.Grid` (robot passability is used) or a 2-D bool
        array, True where an agent may stand.

    Cells are ``(row, col)`` pairs for :meth:`path` and :meth:`length`, flat
    indexes ``row * cols + col`` for the ``*_flat`` methods. ``expanded`` holds
    the number of nodes the last query expanded. A searcher is not thread-safe
    (its buffers are shared between queries); use one per thread.

    Examples
    --------
    >>> s = GridSearcher([[1, 1, 1], [0, 0, 1], [1, 1, 1]])
    >>> s.length((0, 0), (2, 0))
    6
    >>> s.path((2, 2), (2, 0))
    [(2, 2), (2, 1), (2, 0)]
    """

    def __init__(self, grid):
        self.passable, self.rows, self.cols = _passable_flat(grid)
        n = self.rows * self.cols
        self.size = n
        self._g = np.empty(n, dtype=np.int32)
        self._parent = np.empty(n, dtype=np.int32)
        self._stamp = np.zeros(n, dtype=np.int32)
        self._heap_keys = np.empty(4 * n + 1, dtype=np.int64)
        self._heap_vals = np.empty(4 * n + 1, dtype=np.int32)
        self._stats = np.zeros(1, dtype=np.int64)
        self._path = np.empty(n, dtype=np.int32)
        self._gen = 0
        self.expanded = 0

    @property
    def nbytes(self) -> int:
        """Bytes held in search buffers."""
        return sum(a.nbytes for a in (self._g, self._parent, self._stamp, self._heap_keys, self._heap_vals, self._path))

    # ------------------------------------------------------------ validation
    def flat(self, cell: Coord, *, what: str = "cell") -> int:
        """Flat index of a passable in-grid ``(row, col)``; ``ValueError`` naming it otherwise."""
        r, c = int(cell[0]), int(cell[1])
        if not (0 <= r < self.rows and 0 <= c < self.cols):
            raise ValueError(f"{what} ({r}, {c}) is outside the {self.rows} x {self.cols} grid")
        v = r * self.cols + c
        if self.passable[v] == 0:
            raise ValueError(f"{what} ({r}, {c}) is blocked")
        return v

    def _check_flat(self, v: int, what: str) -> int:
        v = int(v)
        if not 0 <= v < self.size:
            raise ValueError(f"{what} {v} is outside the {self.rows} x {self.cols} grid (flat index)")
        if self.passable[v] == 0:
            raise ValueError(f"{what} ({v // self.cols}, {v % self.cols}) is blocked")
        return v

    # ----------------------------------------------------------------- search
    def _run(self, s: int, g: int, want_path: bool = False) -> int:
        self._gen += 1
        if self._gen >= _MAX_GEN:
            self._stamp[:] = 0
            self._gen = 1
        length = _astar(self.passable, self.rows, self.cols, s, g, self._g, self._stamp, self._parent,
                        self._heap_keys, self._heap_vals, self._gen, self._stats, self._path, want_path)
        self.expanded = int(self._stats[0])
        return int(length)

    def length_flat(self, start: int, goal: int) -> int:
        """Moves on a shortest path between flat cells, or -1 if none.

        Raises ``ValueError`` if either cell is out of range or blocked.
        """
        return self._run(self._check_flat(start, "start"), self._check_flat(goal, "goal"))

    def path_flat(self, start: int, goal: int) -> np.ndarray | None:
        """Flat ``int32`` cells of a shortest path, start and goal included, or None."""
        s, g = self._check_flat(start, "start"), self._check_flat(goal, "goal")
        length = self._run(s, g, True)
        return None if length < 0 else self._path[:length + 1].copy()

    def length(self, start: Coord, goal: Coord) -> int | None:
        """Moves on a shortest path ``start -> goal``, or None if unreachable.

        Raises ``ValueError`` naming the cell if ``start`` or ``goal`` is
        outside the grid or blocked.
        """
        length = self._run(self.flat(start, what="start"), self.flat(goal, what="goal"))
        return None if length < 0 else length

    def path(self, start: Coord, goal: Coord) -> list[Coord] | None:
        """Cells of a shortest path, start and goal included, or None."""
        length = self._run(self.flat(start, what="start"), self.flat(goal, what="goal"), True)
        if length < 0:
            return None
        cols = self.cols
        return [divmod(v, cols) for v in self._path[:length + 1].tolist()]


def astar_path(grid, start: Coord, goal: Coord) -> list[Coord] | None:
    """Shortest 4-connected path from ``start`` to ``goal`` (both included).

    ``grid`` is a :class:`robocore.Grid` or a 2-D bool array. Returns None when
    the goal is unreachable. Raises ``ValueError`` naming the cell when
    ``start`` or ``goal`` is outside the grid or blocked. For many queries on
    one grid keep a :class:`GridSearcher` instead.
    """
    return GridSearcher(grid).path(start, goal)


def astar_length(grid, start: Coord, goal: Coord) -> int | None:
    """Moves on a shortest 4-connected path, or None; see :func:`astar_path`."""
    return GridSearcher(grid).length(start, goal)
