"""Single-block parallel-aisle layouts: the aisle model and its pick routers.

A *single block* is a set of parallel pick aisles joined by two cross-aisles,
a *front* one and a *back* one, with nothing else to walk on between them
(Ratliff and Rosenthal, "Order-picking in a rectangular warehouse: a solvable
case of the traveling salesman problem", Operations Research 31(3), 1983).

Model (vertical orientation; horizontal is the same with rows and columns
swapped): aisle ``j`` is the grid column ``aisle_positions[j]``; the front
cross-aisle is grid row ``front``, the back one grid row ``back``. A cell
``(r, c)`` of the block has an *across* coordinate ``x = c`` and a *depth*
``d = |r - front|`` (0 on the front cross-aisle, ``L = |back - front|`` on
the back one). Walking along an aisle costs the change in depth, along a
cross-aisle the change in ``x``. Stops may be inside an aisle or anywhere on
either cross-aisle (a depot, a pack station); a cross-aisle stop between
aisles is handled as a *virtual aisle* that can be reached but not walked
through.

Routers here visit all stops in a closed tour from a depot on a cross-aisle:

* :func:`route_optimal`: the exact Ratliff-Rosenthal dynamic program (Numba),
  linear in the number of aisles;
* :func:`route_s_shape`, :func:`route_largest_gap`, :func:`route_combined`:
  the classic heuristics, as baselines (they need stops inside aisles).

Each returns a :class:`~planner.routing.Route`: the visiting order of the
stops and its length in moves. :meth:`AisleBlock.check` verifies that a grid
really is this block, so the model's distances are the grid's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numba import njit

__all__ = ["AisleBlock", "route_optimal", "route_s_shape", "route_largest_gap", "route_combined",
           "rr_tour_cost", "rr_cost_members"]

_INF = np.int64(1) << np.int64(50)

# ------------------------------------------------------------------ the model


@dataclass(frozen=True)
class AisleBlock:
    """A single block of parallel aisles between a front and a back cross-aisle.

    Parameters
    ----------
    aisle_positions:
        Grid columns of the aisles (rows when ``orientation="horizontal"``),
        strictly increasing.
    front, back:
        Grid rows (columns when horizontal) of the front and back cross-aisles.
    orientation:
        ``"vertical"`` (aisles are columns) or ``"horizontal"`` (aisles are rows).

    Raises
    ------
    ValueError
        On no aisles, positions not strictly increasing, ``front == back`` or
        an unknown orientation.
    """

    aisle_positions: tuple[int, ...]
    front: int
    back: int
    orientation: str = "vertical"

    def __post_init__(self) -> None:
        pos = tuple(int(p) for p in self.aisle_positions)
        object.__setattr__(self, "aisle_positions", pos)
        if not pos:
            raise ValueError("an aisle block needs at least one aisle")
        if any(b <= a for a, b in zip(pos, pos[1:])):
            raise ValueError(f"aisle positions must be strictly increasing, got {list(pos)}")
        if int(self.front) == int(self.back):
            raise ValueError("front and back cross-aisles must differ")
        if self.orientation not in ("vertical", "horizontal"):
            raise ValueError(f"orientation must be 'vertical' or 'horizontal', got {self.orientation!r}")

    @property
    def length(self) -> int:
        """``L``: moves from the front to the back cross-aisle along an aisle."""
        return abs(int(self.back) - int(self.front))

    # ------------------------------------------------------------ coordinates
    def _xd(self, cell) -> tuple[int, int]:
        """(across, depth) of a cell; ``ValueError`` if it is not in the block."""
        r, c = int(cell[0]), int(cell[1])
        along, x = (r, c) if self.orientation == "vertical" else (c, r)
        lo, hi = sorted((self.front, self.back))
        d = abs(along - self.front)
        if along in (self.front, self.back):
            return x, d
        if lo < along < hi and x in self._aisle_set:
            return x, d
        raise ValueError(f"cell {[r, c]} is not on an aisle or cross-aisle of the block")

    def cell(self, x: int, depth: int) -> tuple[int, int]:
        """Grid cell at across coordinate ``x`` and ``depth`` from the front."""
        step = 1 if self.back > self.front else -1
        along = self.front + step * int(depth)
        return (along, int(x)) if self.orientation == "vertical" else (int(x), along)

    @property
    def _aisle_set(self) -> frozenset:
        return frozenset(self.aisle_positions)

    def contains(self, cell) -> bool:
        """True if ``cell`` lies on an aisle or a cross-aisle of the model."""
        try:
            self._xd(cell)
        except ValueError:
            return False
        return True

    def frame(self, cells: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Arrays for the dynamic program over ``cells``.

        Returns ``(xs, traversable, aisle, depth)``: the sorted across
        positions of real and virtual aisles, a ``uint8`` flag per position
        (1 for a real aisle), and each cell's aisle index and depth.

        Raises ``ValueError`` if a cell is not in the block.
        """
        xd = [self._xd(c) for c in cells]
        real = self._aisle_set
        L = self.length
        extra = set()
        for x, d in xd:
            if x not in real:
                extra.add(x)
        xs = np.array(sorted(real | extra), dtype=np.int64)
        trav = np.array([1 if int(x) in real else 0 for x in xs], dtype=np.uint8)
        where = {int(x): i for i, x in enumerate(xs)}
        aisle = np.array([where[x] for x, _ in xd], dtype=np.int64)
        depth = np.array([d for _, d in xd], dtype=np.int64)
        assert depth.size == 0 or depth.max() <= L
        return xs, trav, aisle, depth

    def distance(self, a, b) -> int:
        """Model distance in moves between two cells of the block."""
        (x1, d1), (x2, d2) = self._xd(a), self._xd(b)
        L = self.length
        real = self._aisle_set
        if x1 == x2 and (x1 in real or d1 == d2):
            return abs(d1 - d2)
        f1, b1 = (d1, L - d1) if x1 in real else ((0, None) if d1 == 0 else (None, 0))
        f2, b2 = (d2, L - d2) if x2 in real else ((0, None) if d2 == 0 else (None, 0))
        best = None
        dx = abs(x1 - x2)
        for u, v in ((f1, f2), (b1, b2)):
            if u is not None and v is not None:
                best = u + v + dx if best is None else min(best, u + v + dx)
        via = min(abs(x1 - k) + abs(k - x2) for k in self.aisle_positions)
        for u, v in ((f1, b2), (b1, f2)):
            if u is not None and v is not None:
                cand = u + L + v + via
                best = cand if best is None else min(best, cand)
        return int(best)

    # --------------------------------------------------------------- the grid
    def to_grid(self, *, margin: int = 0):
        """The smallest grid that is exactly this block (a :class:`robocore.Grid`).

        Aisle cells and cross-aisles are PICK/FREE floor, everything between
        the cross-aisles that is not an aisle is RACK. ``margin`` adds that
        many FREE cells of cross-aisle beyond the outer aisles. The front and
        back rows (columns) are the grid's outermost ones.

        Raises ``ValueError`` unless ``front`` and ``back`` bracket rows
        ``0 .. L`` exactly (one of them 0) and aisle positions are >= margin.
        """
        from robocore.grid import CellKind, Grid

        lo, hi = sorted((self.front, self.back))
        if lo != 0:
            raise ValueError("to_grid needs the cross-aisles at 0 and L")
        width = self.aisle_positions[-1] + 1 + 1 + margin
        kinds = np.full((hi + 1, width), CellKind.RACK, dtype=np.uint8)
        kinds[lo, :] = CellKind.FREE
        kinds[hi, :] = CellKind.FREE
        for x in self.aisle_positions:
            kinds[lo + 1:hi, x] = CellKind.PICK
        if self.orientation == "horizontal":
            kinds = kinds.T.copy()
        return Grid(kinds)

    @classmethod
    def detect(cls, grid, *, human: bool = False) -> "AisleBlock | None":
        """The single block a grid is, if it is one; else ``None``.

        Looks for exactly two rows (or, failing that, columns) holding a run
        of three or more passable cells: the cross-aisles; the aisles are the
        lines fully passable between them. The candidate is returned only if
        :meth:`check` accepts it, so the model's distances are the grid's.
        Conservative: a layout with open floor beyond the cross-aisles (a
        depot area several cells deep) is not recognised.
        """
        mask = np.asarray(grid.human_passable if human else grid.passable, dtype=bool)
        for orientation, m in (("vertical", mask), ("horizontal", mask.T)):
            cross = []
            for r in range(m.shape[0]):
                run = best = 0
                for v in m[r]:
                    run = run + 1 if v else 0
                    best = max(best, run)
                if best >= 3:
                    cross.append(r)
            if len(cross) != 2 or cross[1] - cross[0] < 2:
                continue
            lo, hi = cross
            aisles = tuple(int(c) for c in np.flatnonzero(m[lo + 1:hi].all(axis=0)))
            if not aisles:
                continue
            block = cls(aisles, front=hi, back=lo, orientation=orientation)
            try:
                block.check(grid, human=human)
            except ValueError:
                continue
            return block
        return None

    def check(self, grid, *, human: bool = False) -> None:
        """Verify that ``grid`` walks exactly like this model.

        Checks that every aisle and both cross-aisles (over the span of the
        aisles) are passable, that no other cell strictly between the
        cross-aisles within that span is passable, and that the grid's
        shortest distances among the aisle ends equal the model's (no
        shortcut around the block).

        Raises ``ValueError`` naming the first mismatch.
        """
        from planner.distmatrix import distance_matrix

        mask = np.asarray(grid.human_passable if human else grid.passable)
        if self.orientation == "horizontal":
            mask = mask.T
        lo, hi = sorted((self.front, self.back))
        x0, x1 = self.aisle_positions[0], self.aisle_positions[-1]
        if hi >= mask.shape[0] or x1 >= mask.shape[1] or lo < 0 or x0 < 0:
            raise ValueError("the block does not fit in the grid")
        for row in (lo, hi):
            if not mask[row, x0:x1 + 1].all():
                raise ValueError(f"cross-aisle {row} is not passable between aisles {x0} and {x1}")
        inner = mask[lo + 1:hi, x0:x1 + 1].copy()
        for x in self.aisle_positions:
            if not inner[:, x - x0].all():
                raise ValueError(f"aisle {x} is not passable from end to end")
            inner[:, x - x0] = False
        if inner.any():
            r, c = np.argwhere(inner)[0]
            raise ValueError(f"passable cell {[int(r) + lo + 1, int(c) + x0]} between aisles: not a single block")
        ends = [self.cell(x, d) for x in self.aisle_positions for d in (0, self.length)]
        got = distance_matrix(grid, ends, human=human)
        for i, a in enumerate(ends):
            for j, b in enumerate(ends):
                if int(got[i, j]) != self.distance(a, b):
                    raise ValueError(f"grid distance {a} -> {b} is {int(got[i, j])}, the model says {self.distance(a, b)}")


# ------------------------------------------------- the Ratliff-Rosenthal states
#
# A state describes the partial tour subgraph left of (and including) the
# current aisle, as seen from its two frontier vertices a (front end) and b
# (back end): the degree class of each (0 none, 1 odd, 2 even and positive),
# whether they lie in one component, and whether a component has already been
# closed off (after which nothing more may be added). Transitions add the
# horizontal edges to the next aisle (0, 1 or 2 copies at the front and at the
# back) and one of six vertical configurations in that aisle. The table of
# transitions is derived once by a small union-find, not typed in by hand.

#: Vertical configurations: (degree added at a, at b, whether a-b are joined).
_VCONF = ((0, 0, False),  # 0 no edges
          (1, 1, True),  # 1 traverse once
          (2, 2, True),  # 2 traverse twice
          (2, 0, False),  # 3 return from the front to the deepest stop
          (0, 2, False),  # 4 return from the back to the shallowest stop
          (2, 2, False))  # 5 return from both ends, skipping the largest gap


def _cls(deg: int) -> int:
    return 0 if deg == 0 else (1 if deg % 2 else 2)


def _step(state, ha, hb, v, req_a, req_b):
    """The state after one transition, or None if it is not allowed."""
    pa, pb, same, closed = state
    if closed:
        if ha or hb or v or req_a or req_b:
            return None
        return (0, 0, 0, 1)
    for p, h, req in ((pa, ha, req_a), (pb, hb, req_b)):
        if (p == 1) != (h == 1):  # the leaving vertex must end with even degree
            return None
        if p == 0 and h > 0 and not req:  # a dangling spur to an unneeded vertex
            return None
        if req and p == 0 and h == 0:  # a needed vertex left unvisited
            return None
    parent = {}

    def find(u):
        while parent[u] != u:
            u = parent[u]
        return u

    def union(u, w):
        parent[find(u)] = find(w)

    for node in ("A0", "B0", "A1", "B1"):
        parent[node] = node
    if pa and pb and same:
        union("A0", "B0")
    if ha:
        union("A0", "A1")
    if hb:
        union("B0", "B1")
    da, db, joins = _VCONF[v]
    if joins:
        union("A1", "B1")
    deg_a, deg_b = ha + da, hb + db
    active0 = [n for n, on in (("A0", pa or ha), ("B0", pb or hb)) if on]
    active1 = [n for n, on in (("A1", deg_a), ("B1", deg_b)) if on]
    open_roots = {find(n) for n in active1}
    closing = {find(n) for n in active0} - open_roots
    if closing:
        if len(closing) == 1 and not open_roots:
            return (0, 0, 0, 1)
        return None
    na, nb = _cls(deg_a), _cls(deg_b)
    same2 = 1 if (deg_a and deg_b and find("A1") == find("B1")) else 0
    if (na == 1 or nb == 1) and not (na == 1 and nb == 1 and same2):
        return None  # an odd vertex alone in its component cannot be (parity)
    return (na, nb, same2, 0)


def _build_tables():
    empty = (0, 0, 0, 0)
    closed = (0, 0, 0, 1)
    states = [empty, closed]
    index = {empty: 0, closed: 1}
    frontier = [empty, closed]
    raw = {}
    while frontier:
        s = frontier.pop()
        for ha in range(3):
            for hb in range(3):
                for v in range(6):
                    for ra in range(2):
                        for rb in range(2):
                            t = _step(s, ha, hb, v, ra, rb)
                            raw[(s, ha, hb, v, ra, rb)] = t
                            if t is not None and t not in index:
                                index[t] = len(states)
                                states.append(t)
                                frontier.append(t)
    trans = np.full((len(states), 3, 3, 6, 2, 2), -1, dtype=np.int64)
    for (s, ha, hb, v, ra, rb), t in raw.items():
        if t is not None:
            trans[index[s], ha, hb, v, ra, rb] = index[t]
    return tuple(states), trans


_STATES, _TRANS = _build_tables()
_EMPTY, _CLOSED = 0, 1


# ------------------------------------------------------------- the DP kernels


@njit(cache=True)
def _summarise(m, aisle, depth, L, req_a, req_b):
    """Per-aisle interior stop count, min/max depth and largest interior gap."""
    cnt = np.zeros(m, dtype=np.int64)
    mind = np.full(m, L, dtype=np.int64)
    maxd = np.zeros(m, dtype=np.int64)
    gap = np.zeros(m, dtype=np.int64)
    ra = req_a.copy()
    rb = req_b.copy()
    k = aisle.shape[0]
    key = np.empty(k, dtype=np.int64)
    for i in range(k):
        key[i] = aisle[i] * (L + 1) + depth[i]
    key = np.sort(key)
    prev_a = -1
    prev_d = 0
    for i in range(k):
        a = key[i] // (L + 1)
        d = key[i] - a * (L + 1)
        if d == 0:
            ra[a] = 1
            continue
        if d == L:
            rb[a] = 1
            continue
        if cnt[a] == 0:
            mind[a] = d
        elif prev_a == a and d - prev_d > gap[a]:
            gap[a] = d - prev_d
        cnt[a] += 1
        if d > maxd[a]:
            maxd[a] = d
        prev_a = a
        prev_d = d
    return cnt, mind, maxd, gap, ra, rb


@njit(cache=True)
def _vcost(v, trav, cnt, mind, maxd, gap, L):
    if v == 0:
        return np.int64(0) if cnt == 0 else _INF
    if trav == 0:
        return _INF
    if v == 1:
        return np.int64(L)
    if v == 2:
        return np.int64(2 * L)
    if cnt == 0:
        return _INF
    if v == 3:
        return np.int64(2 * maxd)
    if v == 4:
        return np.int64(2 * (L - mind))
    if cnt < 2:
        return _INF
    return np.int64(2 * (L - gap))


@njit(cache=True)
def _rr_dp(xs, trav, L, cnt, mind, maxd, gap, ra, rb, trans):
    """Cost table and back-pointers of the Ratliff-Rosenthal program."""
    m = xs.shape[0]
    ns = trans.shape[0]
    cost = np.full((m, ns), _INF, dtype=np.int64)
    back = np.full((m, ns), -1, dtype=np.int64)
    for v in range(6):
        c = _vcost(v, trav[0], cnt[0], mind[0], maxd[0], gap[0], L)
        if c >= _INF:
            continue
        t = trans[0, 0, 0, v, 0, 0]
        if t >= 0 and c < cost[0, t]:
            cost[0, t] = c
            back[0, t] = v
    for j in range(1, m):
        dx = xs[j] - xs[j - 1]
        vc = np.empty(6, dtype=np.int64)
        for v in range(6):
            vc[v] = _vcost(v, trav[j], cnt[j], mind[j], maxd[j], gap[j], L)
        qa = ra[j - 1]
        qb = rb[j - 1]
        for s in range(ns):
            base = cost[j - 1, s]
            if base >= _INF:
                continue
            for ha in range(3):
                for hb in range(3):
                    hcost = base + (ha + hb) * dx
                    for v in range(6):
                        if vc[v] >= _INF:
                            continue
                        t = trans[s, ha, hb, v, qa, qb]
                        if t < 0:
                            continue
                        c = hcost + vc[v]
                        if c < cost[j, t]:
                            cost[j, t] = c
                            back[j, t] = ((s * 3 + ha) * 3 + hb) * 6 + v
    best = _INF
    best_s = -1
    for s in range(ns):
        if cost[m - 1, s] < best and trans[s, 0, 0, 0, ra[m - 1], rb[m - 1]] == 1:
            best = cost[m - 1, s]
            best_s = s
    return best, best_s, back


@njit(cache=True)
def rr_tour_cost(xs, trav, L, aisle, depth, trans):
    """Length of an optimal closed tour through the stops ``(aisle, depth)``.

    ``xs``/``trav`` from :meth:`AisleBlock.frame`; ``trans`` is the module's
    transition table. Returns the length in moves (``2**50`` if no tour).
    """
    m = xs.shape[0]
    z = np.zeros(m, dtype=np.uint8)
    cnt, mind, maxd, gap, ra, rb = _summarise(m, aisle, depth, L, z, z)
    same = True
    for i in range(1, aisle.shape[0]):
        if aisle[i] != aisle[0] or depth[i] != depth[0]:
            same = False
    if same:
        return np.int64(0)
    best, _, _ = _rr_dp(xs, trav, L, cnt, mind, maxd, gap, ra, rb, trans)
    return best


@njit(cache=True)
def rr_cost_members(members, optr, oaisle, odepth, base_aisle, base_depth, xs, trav, L, trans):
    """Optimal closed-tour length over the stops of several orders.

    Order ``o``'s stops are ``oaisle[optr[o]:optr[o + 1]]`` (with depths in
    ``odepth``); ``base_aisle``/``base_depth`` are stops every tour visits (the
    depot). Used by batching to price candidate batches.
    """
    total = base_aisle.shape[0]
    for i in range(members.shape[0]):
        o = members[i]
        total += optr[o + 1] - optr[o]
    aisle = np.empty(total, dtype=np.int64)
    depth = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(base_aisle.shape[0]):
        aisle[k] = base_aisle[i]
        depth[k] = base_depth[i]
        k += 1
    for i in range(members.shape[0]):
        o = members[i]
        for p in range(optr[o], optr[o + 1]):
            aisle[k] = oaisle[p]
            depth[k] = odepth[p]
            k += 1
    return rr_tour_cost(xs, trav, L, aisle, depth, trans)


# -------------------------------------------------------------- the routers


def _euler(adj: dict, start):
    """Hierholzer's algorithm on a multigraph ``{node: [neighbour, ...]}``."""
    adj = {u: list(vs) for u, vs in adj.items()}
    stack, out = [start], []
    while stack:
        u = stack[-1]
        if adj.get(u):
            w = adj[u].pop()
            adj[w].remove(u)
            stack.append(w)
        else:
            out.append(stack.pop())
    return out[::-1]


def route_optimal(block: AisleBlock, depot, stops: Sequence):
    """Shortest closed tour from ``depot`` through every stop and back.

    The exact Ratliff-Rosenthal dynamic program on the aisle model, then an
    Euler circuit of the optimal tour subgraph read off in order of first
    visits. ``depot`` and the stops are grid cells of the block (the depot is
    typically on a cross-aisle).

    Returns a :class:`~planner.routing.Route` whose ``sequence`` indexes
    ``stops`` and whose ``length`` (moves) equals the sum of model distances
    along depot -> stops in order -> depot.

    Raises ``ValueError`` if a cell is not in the block.

    Examples
    --------
    Two aisles (columns 1 and 4) of length 6, the depot at the front of the
    first: the stop deep in aisle 1 and the shallow one in aisle 4 are best
    reached by two returns (10 + 2 moves) and 2 x 3 moves of cross-aisle.

    >>> b = AisleBlock((1, 4), front=6, back=0)
    >>> route_optimal(b, (6, 1), [(1, 1), (5, 4)])
    Route(sequence=(1, 0), length=18, method='ratliff-rosenthal')
    """
    from planner.routing import Route

    cells = [tuple(int(v) for v in depot)] + [tuple(int(v) for v in s) for s in stops]
    xs, trav, aisle, depth = block.frame(cells)
    L = block.length
    m = xs.shape[0]
    z = np.zeros(m, dtype=np.uint8)
    cnt, mind, maxd, gap, ra, rb = _summarise(m, aisle, depth, L, z, z)
    if all(c == cells[0] for c in cells):  # nothing to walk to
        return Route(sequence=tuple(range(len(stops))), length=0, method="ratliff-rosenthal")
    best, best_s, back = _rr_dp(xs, trav, L, cnt, mind, maxd, gap, ra, rb, _TRANS)
    if best >= _INF:  # pragma: no cover - a tour always exists in a block
        raise ValueError("no closed tour through the stops")
    # recover the configuration of every aisle
    conf = [None] * m
    s = best_s
    for j in range(m - 1, -1, -1):
        code = int(back[j, s])
        if j == 0:
            conf[0] = (0, 0, code)
            break
        v = code % 6
        hb = (code // 6) % 3
        ha = (code // 18) % 3
        s = code // 54
        conf[j] = (ha, hb, v)
    # interior stop depths per aisle
    depths: dict[int, list[int]] = {}
    for a, d in zip(aisle.tolist(), depth.tolist()):
        if 0 < d < L:
            depths.setdefault(a, set()).add(d)
    adj: dict = {}

    def node(a, d):
        return ("a", a) if d == 0 else (("b", a) if d == L else ("p", a, d))

    def add(u, w, times):
        for _ in range(times):
            adj.setdefault(u, []).append(w)
            adj.setdefault(w, []).append(u)

    for j in range(m):
        ha, hb, v = conf[j]
        if j > 0:
            add(("a", j - 1), ("a", j), ha)
            add(("b", j - 1), ("b", j), hb)
        ds = sorted(depths.get(j, ()))
        chain = [("a", j)] + [("p", j, d) for d in ds] + [("b", j)]
        if v in (1, 2):
            for u, w in zip(chain, chain[1:]):
                add(u, w, v)
        elif v == 3:
            for u, w in zip(chain[:-2], chain[1:-1]):
                add(u, w, 2)
        elif v == 4:
            for u, w in zip(chain[1:-1], chain[2:]):
                add(u, w, 2)
        elif v == 5:
            gaps = [ds[i + 1] - ds[i] for i in range(len(ds) - 1)]
            g = int(np.argmax(gaps))  # split between ds[g] and ds[g + 1]
            for u, w in zip(chain[:g + 1], chain[1:g + 2]):
                add(u, w, 2)
            for u, w in zip(chain[g + 2:-1], chain[g + 3:]):
                add(u, w, 2)
    start = node(int(aisle[0]), int(depth[0]))
    walk = _euler(adj, start) if adj else [start]
    first = {}
    for i, u in enumerate(walk):
        first.setdefault(u, i)
    keys = [first[node(int(a), int(d))] for a, d in zip(aisle[1:].tolist(), depth[1:].tolist())]
    seq = tuple(int(i) for i in np.argsort(np.asarray(keys, dtype=np.int64), kind="stable"))
    return Route(sequence=seq, length=int(best), method="ratliff-rosenthal")


def _interior(block: AisleBlock, stops: Sequence):
    """(x, depth) of every stop; ``ValueError`` unless all lie inside aisles."""
    out = []
    L = block.length
    for s in stops:
        x, d = block._xd(s)
        if not (0 < d < L and x in block._aisle_set):
            raise ValueError(f"stop {list(s)}: the heuristics need stops inside an aisle")
        out.append((x, d))
    return out


def _walk_route(block: AisleBlock, depot, pts, visits, waypoints, method):
    """A Route from a heuristic's visit order and its waypoint walk."""
    from planner.routing import Route

    length = 0
    for (x1, d1), (x2, d2) in zip(waypoints, waypoints[1:]):
        assert x1 == x2 or d1 == d2 and d1 in (0, block.length), "waypoints must lie on one line"
        length += abs(x1 - x2) + abs(d1 - d2)
    return Route(sequence=tuple(visits), length=int(length), method=method)


def _by_aisle(pts):
    aisles: dict[int, list[int]] = {}
    for i, (x, d) in enumerate(pts):
        aisles.setdefault(x, []).append(i)
    return aisles


def _front_depot(block: AisleBlock, depot) -> int:
    x, d = block._xd(depot)
    if d != 0:
        raise ValueError(f"depot {list(depot)}: the heuristics need the depot on the front cross-aisle")
    return x


def route_s_shape(block: AisleBlock, depot, stops: Sequence):
    """S-shape (traversal) heuristic: walk every aisle holding a stop end to
    end, left to right, alternating direction; with an odd number of such
    aisles the last one is entered from the front and left the same way.

    The depot must be on the front cross-aisle and every stop inside an
    aisle (else ``ValueError``). ``length`` is the policy's own walk length,
    which can exceed the shortest-path length of its visiting order.
    """
    xd0 = _front_depot(block, depot)
    pts = _interior(block, stops)
    L = block.length
    aisles = _by_aisle(pts)
    order = sorted(aisles)
    way = [(xd0, 0)]
    visits: list[int] = []
    side = 0
    for k, x in enumerate(order):
        idx = sorted(aisles[x], key=lambda i: pts[i][1])
        last_odd = k == len(order) - 1 and side == 0 and len(order) % 2 == 1
        way.append((x, side))
        if last_odd:
            visits += idx
            way.append((x, max(pts[i][1] for i in idx)))
            way.append((x, 0))
        else:
            visits += idx if side == 0 else idx[::-1]
            side = L - side
            way.append((x, side))
    if way[-1][1] != 0:  # pragma: no cover - the parity rule ends at the front
        raise AssertionError("S-shape walk ended at the back")
    way.append((xd0, 0))
    return _walk_route(block, depot, pts, visits, way, "s-shape")


def route_largest_gap(block: AisleBlock, depot, stops: Sequence):
    """Largest-gap heuristic: traverse the leftmost and rightmost aisles with
    stops; in each aisle between, serve the stops before the largest gap from
    the front and those after it from the back, entering and leaving the same
    way. Requirements and ``length`` as for :func:`route_s_shape`.
    """
    xd0 = _front_depot(block, depot)
    pts = _interior(block, stops)
    L = block.length
    aisles = _by_aisle(pts)
    order = sorted(aisles)
    way = [(xd0, 0)]
    visits: list[int] = []
    if len(order) == 1:
        x = order[0]
        idx = sorted(aisles[x], key=lambda i: pts[i][1])
        visits += idx
        way += [(x, 0), (x, pts[idx[-1]][1]), (x, 0), (xd0, 0)]
        return _walk_route(block, depot, pts, visits, way, "largest-gap")
    split = {}
    for x in order[1:-1]:
        ds = sorted({pts[i][1] for i in aisles[x]})
        cuts = [0] + ds + [L]
        g = max(range(len(cuts) - 1), key=lambda k: cuts[k + 1] - cuts[k])
        split[x] = cuts[g]  # stops at depth <= split come from the front
    first, last = order[0], order[-1]
    idx = sorted(aisles[first], key=lambda i: pts[i][1])
    visits += idx
    way += [(first, 0), (first, L)]
    for x in order[1:-1]:
        back_part = sorted((i for i in aisles[x] if pts[i][1] > split[x]), key=lambda i: -pts[i][1])
        if back_part:
            visits += back_part
            way += [(x, L), (x, pts[back_part[-1]][1]), (x, L)]
    idx = sorted(aisles[last], key=lambda i: -pts[i][1])
    visits += idx
    way += [(last, L), (last, 0)]
    for x in reversed(order[1:-1]):
        front_part = sorted((i for i in aisles[x] if pts[i][1] <= split[x]), key=lambda i: pts[i][1])
        if front_part:
            visits += front_part
            way += [(x, 0), (x, pts[front_part[-1]][1]), (x, 0)]
    way.append((xd0, 0))
    return _walk_route(block, depot, pts, visits, way, "largest-gap")


def route_combined(block: AisleBlock, depot, stops: Sequence):
    """Combined heuristic (Roodbergen and de Koster): sweep the aisles with
    stops left to right, visiting each once, and choose for each by dynamic
    programming whether to traverse it or to enter and leave on the side the
    picker is on; end the sweep at the front and walk back to the depot.
    Requirements and ``length`` as for :func:`route_s_shape`.
    """
    xd0 = _front_depot(block, depot)
    pts = _interior(block, stops)
    L = block.length
    aisles = _by_aisle(pts)
    order = sorted(aisles)
    n = len(order)
    INF = float("inf")
    # best[k][side]: cost so far, standing at the end of aisle k on side (0 front, 1 back)
    best = [[INF, INF] for _ in range(n)]
    how = [[None, None] for _ in range(n)]
    for k, x in enumerate(order):
        ds = [pts[i][1] for i in aisles[x]]
        ret = (2 * max(ds), 2 * (L - min(ds)))  # return from the front / from the back
        for side_in in (0, 1):
            if k == 0:
                base = INF if side_in else abs(x - xd0)
            else:
                base = best[k - 1][side_in] + (x - order[k - 1])
            if base == INF:
                continue
            for kind, side_out, c in (("traverse", 1 - side_in, L), ("return", side_in, ret[side_in])):
                if base + c < best[k][side_out]:
                    best[k][side_out] = base + c
                    how[k][side_out] = (side_in, kind)
    side = 0
    plan = []
    for k in range(n - 1, -1, -1):
        side_in, kind = how[k][side]
        plan.append((order[k], side_in, kind))
        side = side_in
    plan.reverse()
    way = [(xd0, 0)]
    visits: list[int] = []
    for x, side_in, kind in plan:
        idx = sorted(aisles[x], key=lambda i: pts[i][1])
        d_in = 0 if side_in == 0 else L
        way.append((x, d_in))
        if side_in == 1:
            idx = idx[::-1]
        visits += idx
        if kind == "traverse":
            way.append((x, L - d_in))
        else:
            way += [(x, pts[idx[-1]][1]), (x, d_in)]
    way.append((xd0, 0))
    return _walk_route(block, depot, pts, visits, way, "combined")
