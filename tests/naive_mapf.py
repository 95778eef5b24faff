"""Slow, obviously-correct PIBT, written from the paper, for tests only.

Okumura et al., "Priority Inheritance with Backtracking for Iterative
Multi-agent Path Finding", IJCAI 2019, Algorithm 1 (recursive ``PIBT(a, b)``),
with the same candidate ordering, seeding and priority rule as
:class:`planner.mapf.LifelongPlanner`, so the two must produce identical moves.
Distances come from a plain BFS per goal (``tests/naive.py``), with no cache.
"""

from __future__ import annotations

import numpy as np

from tests.naive import INF, bfs_distances

W_OCC, W_TURN, W_NOISE = 0.5, 1.0, 0.3
MASK = (1 << 64) - 1


def step_key(seed, step):
    return ((seed & MASK) * 0x9E3779B97F4A7C15 + step * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & MASK


def _mix(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def turns(h, d):
    """Quarter turns from heading h to heading d."""
    t = (d - h) % 4
    return 1 if t == 3 else t


def noise(key, a, k):
    """splitmix64 of (step key + 5 a + k), top 53 bits as a float in [0, 1)."""
    return float(_mix((key + a * 5 + k) & MASK) >> 11) * (1.0 / 9007199254740992.0)
STEP = ((0, 1), (1, 0), (0, -1), (-1, 0))  # E S W N


class NaivePIBT:
    def __init__(self, grid, *, seed=0, actions="move", prefer_free=True):
        self.grid = grid
        self.seed = seed
        self.rotate = actions == "rotate"
        self.w_occ = W_OCC if prefer_free else 0.0
        self.tables = {}
        self.prio = None
        self.t = 0

    def dist(self, human, goal, cell):
        key = (human, goal)
        if key not in self.tables:
            mask = self.grid.human_passable if human else self.grid.passable
            self.tables[key] = bfs_distances(mask, self.grid.coord(goal))
        d = int(self.tables[key][self.grid.coord(cell)])
        return INF if d >= INF else d

    def nbr(self, v, d):
        r, c = self.grid.coord(v)
        dr, dc = STEP[d]
        if 0 <= r + dr < self.grid.rows and 0 <= c + dc < self.grid.cols:
            return self.grid.index((r + dr, c + dc))
        return None

    def ok(self, human, v):
        return self.grid.is_passable(self.grid.coord(v), human=human)

    def step(self, pos, goal, heading=None, hold=None, humans=None):
        n = len(pos)
        pos = [int(p) for p in pos]
        goal = [int(g) for g in goal]
        hold = [False] * n if hold is None else [bool(x) for x in hold]
        hum = [False] * n if humans is None else [bool(x) for x in humans]
        head = [0] * n if heading is None else [int(h) for h in heading]
        if self.prio is None:
            self.base = np.random.default_rng([self.seed, 0x5EED]).random(n)
            self.prio = self.base.copy()
            self.last = list(goal)
        for i in range(n):
            if pos[i] == goal[i] or goal[i] != self.last[i]:
                self.prio[i] = self.base[i]
            else:
                self.prio[i] += 1.0
        self.last = list(goal)
        step_noise = step_key(self.seed, self.t)
        self.t += 1
        order = sorted(range(n), key=lambda i: (-(self.prio[i] + (1e15 if hum[i] else 0.0)), i))
        occ_now = {p: i for i, p in enumerate(pos)}
        assert len(occ_now) == n
        occ_next = {}
        nxt = [None] * n
        nhead = list(head)

        def candidates(a):
            u = pos[a]
            out = []
            for k in range(5):
                v = u if k == 4 else self.nbr(u, k)
                if v is None or not self.ok(hum[a], v):
                    continue
                key = float(self.dist(hum[a], goal[a], v))
                if v != u:
                    if v in occ_now:
                        key += self.w_occ
                    if self.rotate:
                        key += W_TURN * turns(head[a], k)
                elif self.rotate and 0 < key < INF:
                    # staying costs the turns still needed to face a step closer to the goal
                    down = [d for d in range(4) if self.nbr(u, d) is not None and self.ok(hum[a], self.nbr(u, d))
                            and self.dist(hum[a], goal[a], self.nbr(u, d)) == key - 1]
                    key += W_TURN * min([turns(head[a], d) for d in down] + [2])
                out.append((key + W_NOISE * noise(step_noise, a, k), v))
            return sorted(out, key=lambda x: x[0])

        def pibt(a):
            for _, v in candidates(a):
                if v in occ_next:
                    continue
                j = occ_now.get(v)
                if j is not None and j != a:
                    if nxt[j] == pos[a]:
                        continue
                    if hum[j] and not hum[a]:
                        continue
                nxt[a] = v
                occ_next[v] = a
                if j is not None and j != a and nxt[j] is None:
                    if not pibt(j):
                        continue
                return True
            nxt[a] = pos[a]
            occ_next[pos[a]] = a
            return False

        for a in range(n):
            if hold[a]:
                nxt[a] = pos[a]
                occ_next[pos[a]] = a
        for a in order:
            if nxt[a] is None:
                pibt(a)
        if self.rotate:
            # forward where the planned cell is ahead, else a quarter turn towards it;
            # whoever planned to enter a kept cell keeps its own, recursively
            keep = []
            for a in range(n):
                if nxt[a] == pos[a]:
                    keep.append(a)
                    continue
                r0, c0 = self.grid.coord(pos[a])
                r1, c1 = self.grid.coord(nxt[a])
                d = STEP.index((r1 - r0, c1 - c0))
                if d != head[a]:
                    nhead[a] = (head[a] - 1) % 4 if (d - head[a]) % 4 == 3 else (head[a] + 1) % 4
                    nxt[a] = pos[a]
                    keep.append(a)
            while keep:
                s = keep.pop()
                m = occ_next.get(pos[s])
                if m is not None and m != s and nxt[m] == pos[s]:
                    nxt[m] = pos[m]
                    keep.append(m)
        return np.array(nxt, dtype=np.int64), np.array(nhead, dtype=np.int64)
