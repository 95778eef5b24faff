"""Pick routing: sequence the stops of one tour from a start to an end.

All routers here work on a distance matrix ``D`` laid out as
``[start, stop_0, ..., stop_{k-1}, end]`` (so ``D`` is ``(k + 2, k + 2)``;
``start`` and ``end`` may be the same cell). Grid distances come from
:mod:`planner.distmatrix`; single-block aisle layouts have their own exact
router in :mod:`planner.aisles`.

* :func:`route_exact`: Held-Karp dynamic program, exact, for up to
  :data:`EXACT_MAX_STOPS` stops (Numba);
* :func:`route_local_search`: cheapest insertion then 2-opt and or-opt moves
  to a local optimum (Numba), for any size;
* :func:`route_ortools`: OR-Tools routing with guided local search under a
  time limit, started from the local-search tour;
* :func:`route_stops`: picks one of these by size (``method="auto"``).

Every router returns a :class:`Route`: the visiting order (indexes into the
stops) and its length in moves, the sum of ``D`` along
start -> stops in order -> end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = ["Route", "EXACT_MAX_STOPS", "route_exact", "route_local_search", "route_ortools", "route_stops",
           "path_cost", "tsp_cost_members"]

#: Largest stop count :func:`route_exact` accepts (2**k * k**2 work).
EXACT_MAX_STOPS = 13
_BIG = np.int64(1) << np.int64(50)


@dataclass(frozen=True)
class Route:
    """A tour's stop order.

    Attributes
    ----------
    sequence: indexes of the stops in visiting order (a permutation).
    length: length in moves from the start through the stops to the end.
    method: which router produced it.
    """

    sequence: tuple[int, ...]
    length: int
    method: str = ""


def _check(D) -> np.ndarray:
    D = np.ascontiguousarray(np.asarray(D, dtype=np.int64))
    if D.ndim != 2 or D.shape[0] != D.shape[1] or D.shape[0] < 2:
        raise ValueError(f"distance matrix must be square with start and end rows, got shape {D.shape}")
    return D


def path_cost(D, sequence) -> int:
    """Length of start -> stops in ``sequence`` -> end over ``D``."""
    D = np.asarray(D)
    nodes = [0] + [int(i) + 1 for i in sequence] + [D.shape[0] - 1]
    return int(sum(int(D[a, b]) for a, b in zip(nodes, nodes[1:])))


# ------------------------------------------------------------------ Held-Karp


@njit(cache=True)
def _held_karp(D):
    n = D.shape[0]
    k = n - 2
    end = n - 1
    if k == 0:
        return D[0, end], np.empty(0, dtype=np.int64)
    full = (1 << k) - 1
    dp = np.full((1 << k, k), _BIG, dtype=np.int64)
    par = np.full((1 << k, k), -1, dtype=np.int64)
    for i in range(k):
        dp[1 << i, i] = D[0, i + 1]
    for mask in range(1, 1 << k):
        for last in range(k):
            cur = dp[mask, last]
            if cur >= _BIG or not (mask >> last) & 1:
                continue
            for nxt in range(k):
                if (mask >> nxt) & 1:
                    continue
                m2 = mask | (1 << nxt)
                c = cur + D[last + 1, nxt + 1]
                if c < dp[m2, nxt]:
                    dp[m2, nxt] = c
                    par[m2, nxt] = last
    best = _BIG
    last = -1
    for i in range(k):
        c = dp[full, i] + D[i + 1, end]
        if c < best:
            best = c
            last = i
    seq = np.empty(k, dtype=np.int64)
    mask = full
    for pos in range(k - 1, -1, -1):
        seq[pos] = last
        prev = par[mask, last]
        mask = mask ^ (1 << last)
        last = prev
    return best, seq


def route_exact(D) -> Route:
    """Shortest start -> all stops -> end order by Held-Karp dynamic programming.

    Raises ``ValueError`` for more than :data:`EXACT_MAX_STOPS` stops or a
    malformed matrix.
    """
    D = _check(D)
    k = D.shape[0] - 2
    if k > EXACT_MAX_STOPS:
        raise ValueError(f"route_exact handles at most {EXACT_MAX_STOPS} stops, got {k}")
    best, seq = _held_karp(D)
    return Route(sequence=tuple(int(i) for i in seq), length=int(best), method="held-karp")


# --------------------------------------------------------------- local search


@njit(cache=True)
def _insertion(D):
    """Cheapest insertion path start -> ... -> end; returns node order (with ends)."""
    n = D.shape[0]
    k = n - 2
    path = np.empty(n, dtype=np.int64)
    path[0] = 0
    path[1] = n - 1
    length = 2
    used = np.zeros(n, dtype=np.uint8)
    for _ in range(k):
        best = _BIG
        bi = -1
        bp = -1
        for v in range(1, n - 1):
            if used[v]:
                continue
            for p in range(length - 1):
                a = path[p]
                b = path[p + 1]
                c = D[a, v] + D[v, b] - D[a, b]
                if c < best:
                    best = c
                    bi = v
                    bp = p
        for q in range(length, bp + 1, -1):
            path[q] = path[q - 1]
        path[bp + 1] = bi
        used[bi] = 1
        length += 1
    return path


@njit(cache=True)
def _improve(D, path):
    """2-opt and or-opt (segments of 1-3) on a fixed-ends path, to a local optimum."""
    n = path.shape[0]
    improved = True
    while improved:
        improved = False
        # 2-opt: reverse path[i..j]
        for i in range(1, n - 2):
            for j in range(i + 1, n - 1):
                a = path[i - 1]
                b = path[i]
                c = path[j]
                d = path[j + 1]
                delta = D[a, c] + D[b, d] - D[a, b] - D[c, d]
                if delta < 0:
                    lo = i
                    hi = j
                    while lo < hi:
                        t = path[lo]
                        path[lo] = path[hi]
                        path[hi] = t
                        lo += 1
                        hi -= 1
                    improved = True
        # or-opt: move a segment of length s elsewhere (either direction)
        for s in range(1, 4):
            for i in range(1, n - s):
                j = i + s - 1  # segment path[i..j]
                if j >= n - 1:
                    break
                p = path[i - 1]
                q = path[j + 1]
                remove_gain = D[p, path[i]] + D[path[j], q] - D[p, q]
                best = 0
                bk = -1
                brev = False
                for k in range(0, n - 1):
                    if k >= i - 1 and k <= j:
                        continue
                    a = path[k]
                    b = path[k + 1]
                    add = D[a, path[i]] + D[path[j], b] - D[a, b]
                    if add - remove_gain < best:
                        best = add - remove_gain
                        bk = k
                        brev = False
                    addr = D[a, path[j]] + D[path[i], b] - D[a, b]
                    if addr - remove_gain < best:
                        best = addr - remove_gain
                        bk = k
                        brev = True
                if bk >= 0:
                    seg = path[i:j + 1].copy()
                    if brev:
                        seg = seg[::-1].copy()
                    rest = np.empty(n - s, dtype=np.int64)
                    r = 0
                    insert_at = -1
                    for t in range(n):
                        if t >= i and t <= j:
                            continue
                        rest[r] = path[t]
                        if t == bk:
                            insert_at = r
                        r += 1
                    out = 0
                    for t in range(n - s):
                        path[out] = rest[t]
                        out += 1
                        if t == insert_at:
                            for u in range(s):
                                path[out] = seg[u]
                                out += 1
                    improved = True
    return path


@njit(cache=True)
def _path_len(D, path):
    c = np.int64(0)
    for i in range(path.shape[0] - 1):
        c += D[path[i], path[i + 1]]
    return c


@njit(cache=True)
def _local_search(D):
    path = _improve(D, _insertion(D))
    return _path_len(D, path), path


def route_local_search(D) -> Route:
    """Cheapest insertion, then 2-opt and or-opt to a local optimum.

    Deterministic; not guaranteed optimal. Raises ``ValueError`` on a
    malformed matrix.
    """
    D = _check(D)
    if D.shape[0] == 2:
        return Route(sequence=(), length=int(D[0, 1]), method="local-search")
    length, path = _local_search(D)
    return Route(sequence=tuple(int(v) - 1 for v in path[1:-1]), length=int(length), method="local-search")


# ------------------------------------------------------------------- OR-Tools


def route_ortools(D, *, time_limit_s: float = 0.2, seed: int = 0) -> Route:
    """OR-Tools routing (``pywrapcp``): guided local search for ``time_limit_s``
    seconds, started from :func:`route_local_search`'s tour; never returns a
    longer tour than that start.

    ``seed`` is accepted for the common interface; the search itself is
    deterministic for a fixed time budget only up to timing.

    Raises ``ValueError`` on a malformed matrix.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    D = _check(D)
    start = route_local_search(D)
    n = D.shape[0]
    if n <= 4:
        return route_exact(D)
    manager = pywrapcp.RoutingIndexManager(n, 1, [0], [n - 1])
    routing = pywrapcp.RoutingModel(manager)
    Dl = D.tolist()

    def cb(i, j):
        return Dl[manager.IndexToNode(i)][manager.IndexToNode(j)]

    transit = routing.RegisterTransitCallback(cb)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(math.ceil(time_limit_s * 1000))))
    routing.CloseModelWithParameters(params)
    initial = routing.ReadAssignmentFromRoutes([[int(v) + 1 for v in start.sequence]], True)
    sol = routing.SolveFromAssignmentWithParameters(initial, params) if initial is not None else routing.SolveWithParameters(params)
    if sol is None:
        return start
    seq = []
    idx = routing.Start(0)
    idx = sol.Value(routing.NextVar(idx))
    while not routing.IsEnd(idx):
        seq.append(manager.IndexToNode(idx) - 1)
        idx = sol.Value(routing.NextVar(idx))
    length = path_cost(D, seq)
    if length >= start.length:
        return start
    return Route(sequence=tuple(seq), length=length, method="ortools-gls")


def route_stops(D, *, method: str = "auto", time_limit_s: float = 0.2, seed: int = 0) -> Route:
    """Route with the named method: ``"exact"``, ``"local-search"``,
    ``"ortools"`` or ``"auto"`` (exact up to 10 stops, else local search).

    Raises ``ValueError`` for an unknown method.
    """
    D = _check(D)
    k = D.shape[0] - 2
    if method == "auto":
        method = "exact" if k <= 10 else "local-search"
    if method == "exact":
        return route_exact(D)
    if method == "local-search":
        return route_local_search(D)
    if method == "ortools":
        return route_ortools(D, time_limit_s=time_limit_s, seed=seed)
    raise ValueError(f"unknown routing method {method!r} (exact, local-search, ortools, auto)")


# ----------------------------------------------------- batch pricing (Numba)


@njit(cache=True)
def tsp_cost_members(members, optr, onode, D, start, end, exact_max):
    """Tour length over the union of several orders' stops on matrix ``D``.

    Order ``o``'s stops are node ids ``onode[optr[o]:optr[o + 1]]`` (rows of
    ``D``); ``start``/``end`` are node ids. Duplicate nodes are visited once.
    Exact (Held-Karp) up to ``exact_max`` distinct stops, local search above.
    """
    total = 0
    for i in range(members.shape[0]):
        o = members[i]
        total += optr[o + 1] - optr[o]
    nodes = np.empty(total, dtype=np.int64)
    k = 0
    for i in range(members.shape[0]):
        o = members[i]
        for p in range(optr[o], optr[o + 1]):
            nodes[k] = onode[p]
            k += 1
    nodes = np.unique(nodes)
    # drop stops that coincide with the start or the end
    keep = 0
    for i in range(nodes.shape[0]):
        if nodes[i] != start and nodes[i] != end:
            nodes[keep] = nodes[i]
            keep += 1
    m = keep + 2
    sub = np.empty((m, m), dtype=np.int64)
    ids = np.empty(m, dtype=np.int64)
    ids[0] = start
    ids[m - 1] = end
    for i in range(keep):
        ids[i + 1] = nodes[i]
    for i in range(m):
        for j in range(m):
            sub[i, j] = D[ids[i], ids[j]]
    if keep <= exact_max:
        best, _ = _held_karp(sub)
        return best
    length, _ = _local_search(sub)
    return length
