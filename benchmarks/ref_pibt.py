"""Plain Python PIBT, the slow reference of ``mapf_bench.py``.

Written from the published algorithm (Okumura et al., "Priority Inheritance
with Backtracking for Iterative Multi-agent Path Finding", IJCAI 2019,
Algorithm 1) in the style of Okumura's own ``pypibt``: lazily expanded BFS
distance tables per goal, candidates shuffled then sorted by distance, a
recursive ``funcPIBT``, priorities that grow by one each step away from the
goal and drop to their fraction at it. It shares no code with ``planner``.
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["DistTable", "RefPIBT"]

NIL = 1 << 30


class DistTable:
    """Distances to ``goal`` on a bool ``(rows, cols)`` grid, expanded on demand."""

    def __init__(self, free: np.ndarray, goal: tuple[int, int]):
        self.free = free
        self.queue = deque([goal])
        self.table = np.full(free.shape, NIL, dtype=np.int64)
        self.table[goal] = 0

    def get(self, target: tuple[int, int]) -> int:
        if self.table[target] < NIL:
            return int(self.table[target])
        rows, cols = self.free.shape
        while self.queue:
            u = self.queue.popleft()
            d = int(self.table[u])
            r, c = u
            for v in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)):
                if 0 <= v[0] < rows and 0 <= v[1] < cols and self.free[v] and d + 1 < self.table[v]:
                    self.table[v] = d + 1
                    self.queue.append(v)
            if u == target:
                return d
        return NIL


class RefPIBT:
    """Lifelong PIBT over ``(row, col)`` tuples: ``step(positions, goals)``."""

    def __init__(self, free: np.ndarray, *, seed: int = 0):
        self.free = np.asarray(free, dtype=bool)
        self.rng = np.random.default_rng(seed)
        self.tables: dict = {}
        self.priorities: list[float] | None = None

    def neighbours(self, v):
        rows, cols = self.free.shape
        r, c = v
        return [u for u in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c))
                if 0 <= u[0] < rows and 0 <= u[1] < cols and self.free[u]]

    def dist(self, goal, v) -> int:
        table = self.tables.get(goal)
        if table is None:
            table = self.tables[goal] = DistTable(self.free, goal)
        return table.get(v)

    def step(self, q_from: list, goals: list) -> list:
        n = len(q_from)
        if self.priorities is None:
            self.priorities = [self.rng.random() for _ in range(n)]
        for i in range(n):
            if q_from[i] != goals[i]:
                self.priorities[i] += 1
            else:
                self.priorities[i] -= int(self.priorities[i])
        occupied_now = {v: i for i, v in enumerate(q_from)}
        occupied_next: dict = {}
        q_to: list = [None] * n

        def func_pibt(i: int) -> bool:
            cands = [q_from[i]] + self.neighbours(q_from[i])
            self.rng.shuffle(cands)
            cands.sort(key=lambda u: self.dist(goals[i], u))
            for v in cands:
                if v in occupied_next:
                    continue
                j = occupied_now.get(v)
                if j is not None and q_to[j] == q_from[i]:
                    continue  # swap
                q_to[i] = v
                occupied_next[v] = i
                if j is not None and j != i and q_to[j] is None and not func_pibt(j):
                    continue
                return True
            q_to[i] = q_from[i]
            occupied_next[q_from[i]] = i
            return False

        for i in sorted(range(n), key=lambda k: self.priorities[k], reverse=True):
            if q_to[i] is None:
                func_pibt(i)
        return q_to
