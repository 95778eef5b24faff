"""Space-time A* against a reservation table (Numba).

A state is ``(cell, t)``: the agent stands on ``cell`` at time step ``t``. Each
step it moves to a 4-neighbour or waits, so the cost of a path is its arrival
time. The :class:`ReservationTable` forbids

* vertex reservations ``(cell, t)``: being on ``cell`` at time ``t``;
* edge reservations ``(from, to, t)``: moving ``from -> to`` between ``t`` and
  ``t + 1`` (a swap with another agent is forbidden by reserving the reverse
  of its move, which :meth:`ReservationTable.reserve_path` does);
* holds ``(cell, t)``: being on ``cell`` at any time ``>= t`` (an agent parked
  there for good).

With ``hold_goal`` (the default) a path ends at the goal only at a time from
which the agent can stay there for ever: after the goal's last vertex
reservation and never on a held goal. The heuristic is the true distance from
a BFS distance table (:func:`planner.distance.bfs_distances`), raised to the
earliest time the goal is free to hold; it is consistent, so the first goal
state taken off the open list has the earliest arrival.

After the last reserved time ``T`` the table is static, so states later than
``T + 1`` are folded onto ``T + 1`` (an ordinary A* over cells there); the
search therefore ends even without a ``max_time`` horizon.

Memory. The table keeps two open-addressing hash sets of ``int64`` keys at a
load factor of at most one half, so 16-32 bytes per vertex or edge
reservation, plus 8 bytes per grid cell (hold time and last vertex
reservation per cell). A :class:`SpaceTimeSearcher` holds, per state its
pool can take, 16 bytes of state (cell, time, parent, heap value), an 8-byte
heap key and two 16-byte visited-hash slots: 56 bytes, 3.7 MB for the initial
65,536 states (pool and hash double, and the search reruns, when a query
needs more); plus 8 bytes per grid cell for the folded part. A query uses only
the first 1,024 slots of the visited hash unless it needs more (then it reruns
on twice as many), so small searches stay in cache.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numba import njit

from planner.distance import UNREACHABLE, bfs_distances
from robocore.grid import Coord

__all__ = ["MAX_TIME", "NEVER", "ReservationTable", "SpaceTimeSearcher", "spacetime_astar"]

#: ``hold_from`` of a cell nobody holds.
NEVER = np.int32(0x7FFFFFFF)
_EMPTY = np.int64(-1)
_TIE = np.int64(0x7FFFFFFF)
_SHIFT = np.int64(34)  # keys: t << 34 | cell (vertex, visited) or t << 34 | cell * 4 + direction (edge)
_LOW = np.int64((1 << 34) - 1)
_MIX = np.int64(0x9E3779B1)
#: Latest time step a reservation or search may use (keys hold it in 29 bits).
MAX_TIME = (1 << 29) - 1
_MAX_GEN = 1 << 30


# --------------------------------------------------------------- hash sets
@njit(cache=True, nogil=True)
def _slot(key: np.int64, mask: np.int64) -> np.int64:
    """Home slot of ``key = t << 34 | x``: ``x + t * _MIX``. Neighbouring
    cells at one time land in neighbouring slots (a successor check touches a
    few cache lines, not one random line per lookup); times are spread by the
    odd multiplier."""
    return ((key & _LOW) + (key >> _SHIFT) * _MIX) & mask


@njit(cache=True, nogil=True)
def _hs_contains(keys: np.ndarray, key: np.int64) -> bool:
    mask = np.int64(keys.shape[0] - 1)
    i = _slot(key, mask)
    while True:
        k = keys[i]
        if k == key:
            return True
        if k == _EMPTY:
            return False
        i = (i + 1) & mask


@njit(cache=True, nogil=True)
def _hs_insert(keys: np.ndarray, key: np.int64) -> bool:
    """Insert ``key``; True if it was new. The caller keeps the load <= 1/2."""
    mask = np.int64(keys.shape[0] - 1)
    i = _slot(key, mask)
    while True:
        k = keys[i]
        if k == key:
            return False
        if k == _EMPTY:
            keys[i] = key
            return True
        i = (i + 1) & mask


@njit(cache=True, nogil=True)
def _hs_rehash(old: np.ndarray, capacity: int) -> np.ndarray:
    new = np.full(capacity, _EMPTY, dtype=np.int64)
    for k in old:
        if k != _EMPTY:
            _hs_insert(new, k)
    return new


@njit(cache=True, nogil=True)
def _hs_insert_many(keys: np.ndarray, new: np.ndarray) -> int:
    added = 0
    for k in new:
        if _hs_insert(keys, k):
            added += 1
    return added


@njit(cache=True, nogil=True)
def _vs_insert(keys: np.ndarray, stamps: np.ndarray, gen: np.int32, key: np.int64, mask: np.int64) -> bool:
    """Generation-stamped set over the first ``mask + 1`` slots: a slot is
    empty unless its stamp is ``gen``."""
    i = _slot(key, mask)
    while True:
        if stamps[i] != gen:
            stamps[i] = gen
            keys[i] = key
            return True
        if keys[i] == key:
            return False
        i = (i + 1) & mask


# ------------------------------------------------------------------- heap
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


# ----------------------------------------------------------------- search
@njit(cache=True, nogil=True)
def _vertex_free(vkeys: np.ndarray, nv: int, hold_from: np.ndarray, cell: int, t: int) -> bool:
    if hold_from[cell] <= t:
        return False
    if nv > 0 and _hs_contains(vkeys, (np.int64(t) << _SHIFT) | cell):
        return False
    return True


@njit(cache=True, nogil=True)
def _st_astar(passable: np.ndarray, rows: int, cols: int, start: int, goal: int, t0: int, max_t: int,
              dist: np.ndarray, vkeys: np.ndarray, nv: int, ekeys: np.ndarray, ne: int,
              tcells: np.ndarray, t_last: int, hold_goal: bool,
              pool: np.ndarray, heap_keys: np.ndarray, vis: np.ndarray, vis_mask: np.int64,
              best: np.ndarray, gen: np.int32, stats: np.ndarray) -> int:
    """Moves of the path found (its cells, one per step, are then in
    ``pool[3, :moves + 1]``), -1 if there is no path, -2 if the pool is
    full, -3 if the visited hash (its first ``vis_mask + 1`` slots) is half full.

    ``tcells`` is the table's ``(hold_from, last_vertex)`` per cell; ``pool``
    the states' ``(cell, t, parent)`` plus the heap's values as a fourth row;
    ``vis`` the visited hash's ``(keys, stamps)``; ``best`` the folded
    states' ``(best_t, stamp)`` per cell (fewer arrays: a cheaper call).

    States with ``t <= t_last`` are deduplicated exactly in the visited hash
    (their cost is their time, so the first generation is the best); later
    states fold onto their cell, where ``best_t`` keeps the earliest time.
    """
    hold_from = tcells[0]
    last_vertex = tcells[1]
    pool_cell = pool[0]
    pool_t = pool[1]
    pool_parent = pool[2]
    heap_vals = pool[3]
    vis_keys = vis[0]
    vis_stamps = vis[1]
    best_t = best[0]
    best_stamp = best[1]
    cap = pool.shape[1]
    stats[0] = 0
    if dist[start] >= UNREACHABLE:
        return -1
    goal_free = t0
    if hold_goal:
        if hold_from[goal] != NEVER:
            return -1
        if last_vertex[goal] + 1 > goal_free:
            goal_free = last_vertex[goal] + 1
    if goal_free > max_t:
        return -1
    if not _vertex_free(vkeys, nv, hold_from, start, t0):
        return -1
    size = 0
    used = 0
    nvis = 0
    pool_cell[0] = start
    pool_t[0] = t0
    pool_parent[0] = -1
    used = 1
    if t0 <= t_last:
        _vs_insert(vis_keys, vis_stamps, gen, (np.int64(t0) << _SHIFT) | start, vis_mask)
        nvis += 1
    else:
        best_stamp[start] = gen
        best_t[start] = t0
    h = max(dist[start], goal_free - t0)
    size = _heap_push(heap_keys, heap_vals, 0, (np.int64(t0 + h) << 32) | (_TIE - t0), np.int32(0))
    expanded = 0
    nxt = -1
    while nxt >= 0 or size > 0:
        if nxt >= 0:
            idx = nxt
            nxt = -1
        else:
            idx = heap_vals[0]
            size = _heap_pop(heap_keys, heap_vals, size)
        v = pool_cell[idx]
        t = pool_t[idx]
        if t > t_last and best_t[v] < t:
            continue  # a folded state reached earlier since this was pushed
        expanded += 1
        fv = t + max(dist[v], goal_free - t)
        if v == goal and t >= goal_free:
            stats[0] = expanded
            # the path, start to goal, into heap_vals (no longer needed; the
            # chain has at most ``used <= cap`` states)
            length = t - t0
            i = idx
            while i >= 0:
                heap_vals[pool_t[i] - t0] = pool_cell[i]
                i = pool_parent[i]
            return length
        nt = t + 1
        if nt > max_t:
            continue
        r = v // cols
        c = v - r * cols
        for k in range(5):
            if k == 0:
                if c + 1 >= cols:
                    continue
                u = v + 1
            elif k == 1:
                if r + 1 >= rows:
                    continue
                u = v + cols
            elif k == 2:
                if c == 0:
                    continue
                u = v - 1
            elif k == 3:
                if r == 0:
                    continue
                u = v - cols
            else:
                u = v
            if passable[u] == 0 or dist[u] >= UNREACHABLE:
                continue
            if nt <= t_last + 1 or hold_from[u] <= nt:
                if not _vertex_free(vkeys, nv, hold_from, u, nt):
                    continue
            if k < 4 and ne > 0 and t < t_last:
                if _hs_contains(ekeys, (np.int64(t) << _SHIFT) | (v * 4 + k)):
                    continue
            if nt <= t_last:
                if not _vs_insert(vis_keys, vis_stamps, gen, (np.int64(nt) << _SHIFT) | u, vis_mask):
                    continue
                nvis += 1
                if 2 * nvis > vis_mask:
                    stats[0] = expanded
                    return -3
            else:
                if best_stamp[u] == gen and best_t[u] <= nt:
                    continue
                best_stamp[u] = gen
                best_t[u] = nt
            if used >= cap:
                stats[0] = expanded
                return -2
            pool_cell[used] = u
            pool_t[used] = nt
            pool_parent[used] = idx
            h = max(dist[u], goal_free - nt)
            if nt + h == fv and nxt < 0:
                nxt = used  # the smallest key there is: expand it next, bypassing the heap
            else:
                size = _heap_push(heap_keys, heap_vals, size, (np.int64(nt + h) << 32) | (_TIE - nt), np.int32(used))
            used += 1
    stats[0] = expanded
    return -1


# ----------------------------------------------------------- Python side
def _grid_parts(grid) -> tuple[np.ndarray, int, int]:
    if hasattr(grid, "passable_flat"):
        return grid.passable_flat, grid.rows, grid.cols
    mask = np.asarray(grid, dtype=bool)
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"grid must be a robocore Grid or a non-empty 2-D bool array, got shape {mask.shape}")
    return np.ascontiguousarray(mask.ravel().astype(np.uint8)), int(mask.shape[0]), int(mask.shape[1])


class ReservationTable:
    """Cells and moves other agents have claimed, by time step.

    Parameters
    ----------
    shape:
        ``(rows, cols)`` of the grid (or a :class:`robocore.Grid`).
    capacity:
        Initial slots of each hash set (rounded up to a power of two); they
        grow by doubling as reservations are added.

    Cells are ``(row, col)`` pairs or flat indexes ``row * cols + col``; times
    are non-negative integers (steps). Methods raise ``ValueError`` for a cell
    outside the grid, a negative time or an edge between non-neighbours.
    """

    def __init__(self, shape, *, capacity: int = 1024):
        if hasattr(shape, "rows"):
            shape = (shape.rows, shape.cols)
        self.rows, self.cols = int(shape[0]), int(shape[1])
        if self.rows <= 0 or self.cols <= 0:
            raise ValueError(f"grid shape must be positive, got {shape}")
        self.size = self.rows * self.cols
        cap = 1 << max(4, int(capacity - 1).bit_length())
        self._vkeys = np.full(cap, _EMPTY, dtype=np.int64)
        self._ekeys = np.full(cap, _EMPTY, dtype=np.int64)
        self._nv = 0
        self._ne = 0
        self._cells = np.empty((2, self.size), dtype=np.int32)
        self._cells[0] = NEVER
        self._cells[1] = -1
        #: per cell, the time from which it is held for good (``NEVER`` if not held)
        self.hold_from = self._cells[0]
        #: per cell, the latest time it has a vertex reservation (-1 if none)
        self.last_vertex = self._cells[1]
        self.t_last = -1  #: latest time any reservation constrains (-1: empty table)

    # ------------------------------------------------------------- helpers
    def _flat(self, cell) -> int:
        if isinstance(cell, (tuple, list, np.ndarray)) and np.ndim(cell) == 1:
            r, c = int(cell[0]), int(cell[1])
            if not (0 <= r < self.rows and 0 <= c < self.cols):
                raise ValueError(f"cell ({r}, {c}) is outside the {self.rows} x {self.cols} grid")
            return r * self.cols + c
        v = int(cell)
        if not 0 <= v < self.size:
            raise ValueError(f"cell {v} is outside the {self.rows} x {self.cols} grid (flat index)")
        return v

    def _direction(self, a: int, b: int) -> int:
        ra, ca = divmod(a, self.cols)
        rb, cb = divmod(b, self.cols)
        for k, (dr, dc) in enumerate(((0, 1), (1, 0), (0, -1), (-1, 0))):
            if (rb - ra, cb - ca) == (dr, dc):
                return k
        raise ValueError(f"edge ({ra}, {ca}) -> ({rb}, {cb}) is not a move between 4-neighbours")

    @staticmethod
    def _time(t) -> int:
        t = int(t)
        if not 0 <= t <= MAX_TIME - 1:
            raise ValueError(f"time {t} is out of range (0 to {MAX_TIME - 1})")
        return t

    def _room(self, which: str, extra: int) -> None:
        keys = self._vkeys if which == "v" else self._ekeys
        count = self._nv if which == "v" else self._ne
        if 2 * (count + extra) <= keys.shape[0]:
            return
        cap = keys.shape[0]
        while 2 * (count + extra) > cap:
            cap *= 2
        new = _hs_rehash(keys, cap)
        if which == "v":
            self._vkeys = new
        else:
            self._ekeys = new

    # --------------------------------------------------------- reservations
    def reserve_vertex(self, cell, t: int) -> None:
        """Forbid standing on ``cell`` at time ``t``."""
        v, t = self._flat(cell), self._time(t)
        self._room("v", 1)
        if _hs_insert(self._vkeys, np.int64((t << 34) | v)):
            self._nv += 1
        self.last_vertex[v] = max(self.last_vertex[v], t)
        self.t_last = max(self.t_last, t)

    def reserve_edge(self, frm, to, t: int) -> None:
        """Forbid moving ``frm -> to`` between times ``t`` and ``t + 1``."""
        a, b, t = self._flat(frm), self._flat(to), self._time(t)
        k = self._direction(a, b)
        self._room("e", 1)
        if _hs_insert(self._ekeys, np.int64((t << 34) | (a * 4 + k))):
            self._ne += 1
        self.t_last = max(self.t_last, t + 1)

    def reserve_from(self, cell, t: int) -> None:
        """Forbid standing on ``cell`` at every time ``>= t`` (a parked agent)."""
        v, t = self._flat(cell), self._time(t)
        self.hold_from[v] = min(int(self.hold_from[v]), t)
        self.t_last = max(self.t_last, t)

    def reserve_path(self, path: Sequence, *, start_time: int = 0, hold: bool = True) -> None:
        """Reserve an agent's path: each cell at its time, the reverse of each
        move (so nobody swaps with it) and, with ``hold``, its last cell from
        its arrival on.

        ``path`` is a sequence of cells (pairs or flat indexes), one per step
        from ``start_time``; consecutive cells must be equal or 4-neighbours.
        """
        cells = [self._flat(c) for c in path]
        if not cells:
            return
        t0 = self._time(start_time)
        vk = np.array([((t0 + i) << 34) | v for i, v in enumerate(cells)], dtype=np.int64)
        ek = []
        for i in range(len(cells) - 1):
            a, b = cells[i], cells[i + 1]
            if a != b:
                ek.append(((t0 + i) << 34) | (b * 4 + self._direction(b, a)))
        self._room("v", len(vk))
        self._nv += _hs_insert_many(self._vkeys, vk)
        if ek:
            self._room("e", len(ek))
            self._ne += _hs_insert_many(self._ekeys, np.array(ek, dtype=np.int64))
        for i, v in enumerate(cells):
            self.last_vertex[v] = max(self.last_vertex[v], t0 + i)
        self.t_last = max(self.t_last, t0 + len(cells) - 1)
        if hold:
            self.reserve_from(cells[-1], t0 + len(cells) - 1)

    # -------------------------------------------------------------- queries
    def is_vertex_reserved(self, cell, t: int) -> bool:
        """True if standing on ``cell`` at ``t`` is forbidden (reserved or held)."""
        v, t = self._flat(cell), self._time(t)
        return bool(self.hold_from[v] <= t or _hs_contains(self._vkeys, np.int64((t << 34) | v)))

    def is_edge_reserved(self, frm, to, t: int) -> bool:
        """True if the move ``frm -> to`` between ``t`` and ``t + 1`` is forbidden."""
        a, b, t = self._flat(frm), self._flat(to), self._time(t)
        return bool(_hs_contains(self._ekeys, np.int64((t << 34) | (a * 4 + self._direction(a, b)))))

    @property
    def vertex_count(self) -> int:
        return self._nv

    @property
    def edge_count(self) -> int:
        return self._ne

    @property
    def nbytes(self) -> int:
        """Bytes held by the table."""
        return self._vkeys.nbytes + self._ekeys.nbytes + self._cells.nbytes

    def clear(self) -> None:
        """Drop every reservation (keeps the allocated capacity)."""
        self._vkeys[:] = _EMPTY
        self._ekeys[:] = _EMPTY
        self._nv = self._ne = 0
        self.hold_from[:] = NEVER
        self.last_vertex[:] = -1
        self.t_last = -1


class SpaceTimeSearcher:
    """Reusable space-time A* buffers for one grid.

    Parameters
    ----------
    grid:
        A :class:`robocore.Grid` or a 2-D bool array, True where passable.
    capacity:
        Initial number of states the node pool holds; doubled and the search
        rerun when a query needs more.

    ``expanded`` holds the number of states the last query expanded.
    """

    def __init__(self, grid, *, capacity: int = 1 << 16):
        self.passable, self.rows, self.cols = _grid_parts(grid)
        self.size = self.rows * self.cols
        self._best = np.zeros((2, self.size), dtype=np.int32)  # best_t, stamp
        self._stats = np.zeros(1, dtype=np.int64)
        self._gen = 0
        self.expanded = 0
        self._alloc(int(capacity))

    def _alloc(self, capacity: int) -> None:
        capacity = max(16, capacity)
        self._pool = np.empty((4, capacity), dtype=np.int32)  # cell, t, parent, heap value
        self._heap_keys = np.empty(capacity, dtype=np.int64)
        vis = 1 << (2 * capacity - 1).bit_length()
        self._vis = np.zeros((2, vis), dtype=np.int64)  # keys, stamps

    @property
    def nbytes(self) -> int:
        return self._best.nbytes + self._pool.nbytes + self._heap_keys.nbytes + self._vis.nbytes

    def _cell(self, cell, what: str) -> int:
        if isinstance(cell, (tuple, list, np.ndarray)) and np.ndim(cell) == 1:
            r, c = int(cell[0]), int(cell[1])
            if not (0 <= r < self.rows and 0 <= c < self.cols):
                raise ValueError(f"{what} ({r}, {c}) is outside the {self.rows} x {self.cols} grid")
            v = r * self.cols + c
        else:
            v = int(cell)
            if not 0 <= v < self.size:
                raise ValueError(f"{what} {v} is outside the {self.rows} x {self.cols} grid (flat index)")
        if self.passable[v] == 0:
            raise ValueError(f"{what} ({v // self.cols}, {v % self.cols}) is blocked")
        return v

    def search(self, start, goal, table: ReservationTable, *, start_time: int = 0, max_time: int | None = None,
               hold_goal: bool = True, dist: np.ndarray | None = None) -> np.ndarray | None:
        """Earliest-arrival path from ``start`` at ``start_time`` to ``goal``.

        Parameters
        ----------
        start, goal:
            ``(row, col)`` pairs or flat indexes.
        table:
            Reservations of other agents, on the same grid shape.
        start_time:
            Time step at which the agent stands on ``start``.
        max_time:
            Latest arrival time considered (None: up to :data:`MAX_TIME`).
            The search may visit every ``(cell, t)`` up to the table's last
            reserved time (later states fold), so a reservation far in the
            future (or a goal that is only free to hold late) makes it large:
            windowed planners should pass their horizon here.
        hold_goal:
            Require the agent to be able to stay on the goal from its arrival on.
        dist:
            Distance table to ``goal`` (``bfs_distances``); computed if omitted.

        Returns
        -------
        Flat ``int32`` cells, one per step from ``start_time`` to the arrival,
        or None if no such path exists (also when ``start`` itself is reserved
        at ``start_time``).

        Raises
        ------
        ValueError
            ``start`` or ``goal`` outside the grid or blocked, a table of
            another shape, a negative ``start_time`` or a ``dist`` of the wrong size.
        """
        s, g = self._cell(start, "start"), self._cell(goal, "goal")
        if (table.rows, table.cols) != (self.rows, self.cols):
            raise ValueError(f"reservation table is {table.rows} x {table.cols}, grid is {self.rows} x {self.cols}")
        t0 = int(start_time)
        if t0 < 0:
            raise ValueError(f"start_time {t0} is negative")
        if t0 > MAX_TIME:
            raise ValueError(f"start_time {t0} is beyond the last time step {MAX_TIME}")
        max_t = MAX_TIME if max_time is None else min(int(max_time), MAX_TIME)
        if dist is None:
            dist = bfs_distances(self.passable, self.rows, self.cols, g)
        else:
            dist = np.ascontiguousarray(dist, dtype=np.int32).ravel()
            if dist.shape[0] != self.size:
                raise ValueError(f"distance table has {dist.shape[0]} cells, grid has {self.size}")
        # The visited hash starts at 1,024 slots so a typical query stays in
        # the CPU caches; a search that fills half of it reruns on twice as many.
        vis_mask = min(1024, self._vis.shape[1]) - 1
        while True:
            self._gen += 1
            if self._gen >= _MAX_GEN:
                self._vis[1] = 0
                self._best[1] = 0
                self._gen = 1
            gen = np.int32(self._gen)
            idx = _st_astar(self.passable, self.rows, self.cols, s, g, t0, max_t, dist,
                            table._vkeys, table._nv, table._ekeys, table._ne, table._cells,
                            max(table.t_last, t0 - 1), bool(hold_goal),
                            self._pool, self._heap_keys, self._vis, np.int64(vis_mask), self._best, gen, self._stats)
            self.expanded = int(self._stats[0])
            if idx == -2 or (idx == -3 and vis_mask + 1 >= self._vis.shape[1]):
                self._alloc(2 * self._pool.shape[1])
            elif idx == -3:
                vis_mask = 2 * vis_mask + 1
            else:
                break
        if idx < 0:
            return None
        return self._pool[3, :idx + 1].copy()


def spacetime_astar(grid, start, goal, table: ReservationTable, *, start_time: int = 0, max_time: int | None = None,
                    hold_goal: bool = True, dist: np.ndarray | None = None) -> np.ndarray | None:
    """One-shot space-time A*; see :meth:`SpaceTimeSearcher.search`.

    Examples
    --------
    >>> table = ReservationTable((1, 3))
    >>> table.reserve_vertex((0, 1), 1)
    >>> spacetime_astar([[1, 1, 1]], (0, 0), (0, 2), table).tolist()
    [0, 0, 1, 2]
    """
    return SpaceTimeSearcher(grid, capacity=1 << 12).search(start, goal, table, start_time=start_time,
                                                            max_time=max_time, hold_goal=hold_goal, dist=dist)
