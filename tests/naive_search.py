"""Slow, obviously-correct twins of the search kernels (tests only).

``bfs_length`` is the twin of A*; ``spacetime_bfs`` of space-time A*: a plain
breadth-first search over ``(cell, time)`` states, level by level, so the first
goal state it meets has the earliest arrival.
"""

from __future__ import annotations

from collections import deque

import numpy as np

_MOVES = ((0, 1), (1, 0), (0, -1), (-1, 0))


def bfs_length(passable: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> int | None:
    """Moves on a shortest 4-connected path over True cells, or None."""
    rows, cols = passable.shape
    seen = {start: 0}
    queue = deque([start])
    while queue:
        cell = queue.popleft()
        if cell == goal:
            return seen[cell]
        r, c = cell
        for dr, dc in _MOVES:
            nxt = (r + dr, c + dc)
            if 0 <= nxt[0] < rows and 0 <= nxt[1] < cols and passable[nxt] and nxt not in seen:
                seen[nxt] = seen[cell] + 1
                queue.append(nxt)
    return None


def spacetime_bfs(passable: np.ndarray, start: tuple[int, int], goal: tuple[int, int], *,
                  vertices: set, edges: set, holds: dict, start_time: int = 0,
                  max_time: int | None = None, hold_goal: bool = True) -> int | None:
    """Steps of an earliest-arrival path, or None.

    ``vertices`` holds ``((row, col), t)`` pairs nobody may occupy, ``edges``
    ``((row, col), (row, col), t)`` moves nobody may make between ``t`` and
    ``t + 1``, ``holds`` maps a cell to the time from which it is occupied for
    good. With ``hold_goal`` the agent may only finish at a time after which no
    reservation touches the goal.
    """
    rows, cols = passable.shape

    def free(cell, t):
        return (cell, t) not in vertices and not (cell in holds and holds[cell] <= t)

    def can_finish(t):
        if not hold_goal:
            return True
        if goal in holds:
            return False
        return all(not (c == goal and tt >= t) for c, tt in vertices)

    last = max([t for _, t in vertices] + [t + 1 for _, _, t in edges] + list(holds.values()) + [start_time])
    bound = last + rows * cols + 2 if max_time is None else max_time
    if not free(start, start_time):
        return None
    frontier = [start]
    seen = {(start, start_time)}
    t = start_time
    while frontier and t <= bound:
        for cell in frontier:
            if cell == goal and can_finish(t):
                return t - start_time
        nxt_frontier = []
        for cell in frontier:
            r, c = cell
            for dr, dc in _MOVES + ((0, 0),):
                nxt = (r + dr, c + dc)
                if not (0 <= nxt[0] < rows and 0 <= nxt[1] < cols and passable[nxt]):
                    continue
                if not free(nxt, t + 1) or (nxt != cell and (cell, nxt, t) in edges):
                    continue
                if (nxt, t + 1) not in seen:
                    seen.add((nxt, t + 1))
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
        t += 1
    return None
