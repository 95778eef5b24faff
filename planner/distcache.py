"""A memory-bounded LRU cache of BFS distance tables, laid out for kernels.

Lifelong multi-agent path finding needs, every step, the distance table of
every agent's current goal. Tables are built by
:func:`planner.distance.bfs_distances` and kept in one preallocated 2-D array
of *slots*, so a Numba kernel reads agent ``i``'s distance to cell ``v`` as
``tables[slot[i], cell_id[v]]`` without touching Python objects.

Layout
------
Tables are stored *compactly*: one entry per passable cell, not per grid cell
(``cell_id[v]`` maps a flat cell to its column, ``-1`` on impassable cells).
When the grid has fewer than 65,535 passable cells (every map in the project
and both League maps) entries are ``uint16`` and :attr:`DistanceCache.unreachable`
is 65,535; otherwise ``int32`` with :data:`planner.distance.UNREACHABLE`.
On ``warehouse_large`` (38,586 passable of 70,000 cells) a table costs 77 KB
instead of 280 KB for a flat ``int32`` one, so the default 512 MB holds 6,950
goals: enough for the League's 5,000-agent instance without eviction churn.

The slot array is allocated once with :func:`numpy.empty`; the operating
system commits its pages only as slots are filled, so resident memory grows
with the number of tables actually built, never beyond ``max_mb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.distance import UNREACHABLE, bfs_distances

__all__ = ["DistanceCache", "CacheStats"]


@dataclass(frozen=True)
class CacheStats:
    """Counters of a :class:`DistanceCache`: goal lookups (one per entry of a
    request) that found a table (``hits``; a goal repeated in a request that
    builds it counts one miss and the rest as hits), that built one
    (``misses``), tables dropped to make room
    (``evictions``), goals that found no room because every slot held a goal in
    use by the same request (``overflows``), and the current table count."""

    hits: int
    misses: int
    evictions: int
    overflows: int
    tables: int
    capacity: int
    table_bytes: int


class DistanceCache:
    """LRU cache of distance tables keyed by goal cell, bounded in memory.

    Parameters
    ----------
    grid_or_passable_flat:
        A :class:`robocore.Grid` (its robot passability is used, or its human
        passability with ``human=True``) or a flat array of ``rows * cols``
        values, nonzero where passable.
    rows, cols:
        Grid shape; required with a flat array, ignored with a ``Grid``.
    max_mb:
        Memory bound for the tables, in MiB (2**20 bytes). At least one table
        always fits.
    human:
        With a ``Grid``, use human passability (HUMAN_ONLY cells are walkable).
    dtype:
        ``uint16`` or ``int32`` entries; default ``uint16`` when the grid has
        fewer than 65,535 passable cells, else ``int32``.

    Raises
    ------
    ValueError
        If the passability array does not have ``rows * cols`` entries,
        ``max_mb`` is not positive, or ``dtype`` cannot hold the distances.

    Examples
    --------
    >>> from robocore import Grid
    >>> cache = DistanceCache(Grid.from_passable([[1, 1, 1], [1, 0, 1]]), max_mb=1)
    >>> cache.distances(0).reshape(2, 3)[0].tolist()
    [0, 1, 2]
    >>> cache.stats.misses, cache.distances(0)[5], cache.stats.hits
    (1, 3, 1)
    """

    def __init__(self, grid_or_passable_flat, rows: int | None = None, cols: int | None = None, *,
                 max_mb: float = 512, human: bool = False, dtype=None):
        if hasattr(grid_or_passable_flat, "passable"):
            grid = grid_or_passable_flat
            rows, cols = grid.rows, grid.cols
            mask = grid.human_passable if human else grid.passable
            passable = np.ascontiguousarray(mask.ravel().astype(np.uint8))
        else:
            if rows is None or cols is None:
                raise ValueError("rows and cols are required with a flat passability array")
            passable = np.ascontiguousarray(np.asarray(grid_or_passable_flat).ravel() != 0, dtype=np.uint8)
            if passable.size != int(rows) * int(cols):
                raise ValueError(f"passability has {passable.size} entries, expected rows * cols = {int(rows) * int(cols)}")
        if not max_mb > 0:
            raise ValueError(f"max_mb must be positive, got {max_mb}")
        self.rows, self.cols = int(rows), int(cols)
        self.passable = passable
        self.passable.setflags(write=False)
        n = self.rows * self.cols
        #: passable cell (compact column) -> flat cell
        self.free_cells = np.flatnonzero(passable).astype(np.int64)
        #: flat cell -> compact column, -1 where impassable
        self.cell_id = np.full(n, -1, dtype=np.int64)
        self.cell_id[self.free_cells] = np.arange(self.free_cells.size, dtype=np.int64)
        nfree = max(int(self.free_cells.size), 1)
        if dtype is not None:
            if np.dtype(dtype) not in (np.dtype(np.uint16), np.dtype(np.int32)):
                raise ValueError(f"dtype must be uint16 or int32, got {np.dtype(dtype)}")
            if np.dtype(dtype) == np.uint16 and nfree >= 65535:
                raise ValueError(f"uint16 tables cannot hold distances on {nfree} passable cells")
        if (dtype is None and nfree < 65535) or (dtype is not None and np.dtype(dtype) == np.uint16):
            self.dtype = np.dtype(np.uint16)
            self.unreachable = 65535
        else:
            self.dtype = np.dtype(np.int32)
            self.unreachable = UNREACHABLE
        self.table_bytes = nfree * self.dtype.itemsize
        self.max_mb = float(max_mb)
        self.capacity = max(1, int(self.max_mb * 2**20 // self.table_bytes))
        #: ``(capacity, passable cells)`` table store; row ``s`` is valid when
        #: ``slot_goal[s] >= 0``.
        self.tables = np.empty((self.capacity, nfree), dtype=self.dtype)
        self.slot_goal = np.full(self.capacity, -1, dtype=np.int64)
        self._goal_slot = np.full(n, -1, dtype=np.int64)  # flat goal -> slot
        self._last_used = np.zeros(self.capacity, dtype=np.int64)
        self._used = 0
        self._tick = 0
        self._hits = self._misses = self._evictions = self._overflows = 0

    # ------------------------------------------------------------------ stats
    @property
    def stats(self) -> CacheStats:
        return CacheStats(self._hits, self._misses, self._evictions, self._overflows, self._used,
                          self.capacity, self.table_bytes)

    def __len__(self) -> int:
        return self._used

    def __contains__(self, goal) -> bool:
        g = int(goal)
        return 0 <= g < self._goal_slot.size and self._goal_slot[g] >= 0

    @property
    def nbytes(self) -> int:
        """Bytes held by built tables (resident memory of the store)."""
        return self._used * self.table_bytes

    # ------------------------------------------------------------------ access
    def slots(self, goals) -> np.ndarray:
        """Slots of the tables of ``goals`` (flat cells), building missing ones.

        Every goal of one call is marked used at the same instant, so a call
        never evicts a table another goal of the same call needs. If the
        distinct goals of one call outnumber the capacity, the goals that find
        no slot get ``-1`` (counted in ``stats.overflows``); callers fall back
        to a cheaper heuristic for them.

        Returns an ``int64`` array shaped like ``goals``.

        Raises
        ------
        ValueError
            If a goal is outside the grid.
        """
        g = np.asarray(goals, dtype=np.int64)
        if g.size == 0:
            return np.empty(g.shape, dtype=np.int64)
        n = self._goal_slot.size
        if g.min() < 0 or g.max() >= n:
            bad = int(g[(g < 0) | (g >= n)].flat[0])
            raise ValueError(f"goal {bad} is outside the {self.rows} x {self.cols} grid")
        self._tick += 1
        have = self._goal_slot[g]
        if have.min() >= 0:  # fast path: every table is resident
            self._hits += int(g.size)
            self._last_used[have] = self._tick
            return have
        known = have >= 0
        self._hits += int(known.sum())
        self._last_used[have[known]] = self._tick
        missing = np.unique(g[~known])
        self._hits += int((~known).sum()) - missing.size  # repeats of a missing goal within the request
        if missing.size:
            self._fill(missing)
        return self._goal_slot[g]

    def _fill(self, missing: np.ndarray) -> None:
        k = missing.size
        free_now = self.capacity - self._used
        new_slots = list(range(self._used, self._used + min(k, free_now)))
        self._used += len(new_slots)
        self._last_used[new_slots] = self._tick  # taken by this request: not evictable
        need = k - len(new_slots)
        if need > 0:
            stale = np.flatnonzero(self._last_used[: self._used] < self._tick)
            if stale.size > need:
                stale = stale[np.argpartition(self._last_used[stale], need - 1)[:need]]
            for s in stale.tolist():
                old = int(self.slot_goal[s])
                self._goal_slot[old] = -1
                self.slot_goal[s] = -1
                self._evictions += 1
                new_slots.append(s)
        for goal, s in zip(missing.tolist(), new_slots):
            self._build(goal, s)
        served = len(new_slots)
        self._misses += served
        self._overflows += k - served

    def _build(self, goal: int, s: int) -> None:
        d = bfs_distances(self.passable, self.rows, self.cols, goal)
        compact = d[self.free_cells]
        if self.dtype == np.uint16:
            np.minimum(compact, self.unreachable, out=compact)
        self.tables[s, : compact.size] = compact
        self.slot_goal[s] = goal
        self._goal_slot[goal] = s
        self._last_used[s] = self._tick

    def distances(self, goal) -> np.ndarray:
        """Distance table of ``goal`` (flat cell) as a flat ``int32`` array of
        ``rows * cols`` entries, :data:`planner.distance.UNREACHABLE` where
        there is no path (impassable cells included). Uses and fills the cache.

        Raises
        ------
        ValueError
            If the goal is outside the grid.
        """
        s = int(self.slots(np.array([int(goal)]))[0])
        out = np.full(self.rows * self.cols, UNREACHABLE, dtype=np.int32)
        col = self.tables[s].astype(np.int32)
        col[col >= self.unreachable] = UNREACHABLE
        out[self.free_cells] = col
        return out
