"""PIBT step kernel (Numba): priority inheritance with backtracking.

One call plans one time step for every agent, after Okumura, Machida, Défago
and Tamura, "Priority Inheritance with Backtracking for Iterative Multi-agent
Path Finding" (IJCAI 2019). Agents are visited in priority order; an agent
takes the best free candidate cell (its neighbours and its own cell, sorted by
distance to its goal) and, if another agent stands there and has not yet
moved, that agent inherits the priority and must move away first (with the
pusher's cell forbidden to it, which rules out swaps); if it cannot, the
pusher backtracks to its next candidate. The recursion of the paper is an
explicit stack here, so depth is bounded by the agent count, not by Numba's
call stack.

Additions (the rationale and measurements are in ``docs/mapf.md``):

* candidate order: distance, then cells nobody stands on now (an occupied
  cell means a push, which is where livelock starts), then a per-call noise
  array (seeded random tie-breaking, supplied by the caller so the slow twin in
  ``tests/naive_mapf.py`` reproduces the kernel exactly);
* *held* agents (picking, charging, faulted) are fixed obstacles;
* *humans* are planned on their own tables and passability; robots never
  enter a cell a human stands on now, nor one a human reserved for the next
  step (humans are planned first, so their reservations exist by then);
* the rotation action model (League of Robot Runners 2024): an agent either
  moves one cell forward along its heading or stays (turning 90 degrees or
  waiting), so the candidates are the cell ahead and the agent's own cell;
  turns are ranked by a rotation-aware distance estimate.

Distance lookups: agent ``a``'s table is row ``slot[a]`` of ``tables``
(``htables`` for humans), indexed through ``cell_id`` (``hcell_id``); values
at or above ``unreach`` mean "no path". A slot of ``-1`` (the cache overflowed)
falls back to the Manhattan distance.

Every function the kernel calls is in this module (Numba's cache does not
notice edits to helpers in other files).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["pibt_step", "NO_PATH", "OK", "ERR_DUPLICATE", "W_OCC", "W_TURN", "W_NOISE"]

#: Distance used for "no path" in candidate keys.
NO_PATH = 1 << 30
#: Kernel status codes (the return value is ``OK`` or ``ERR_DUPLICATE - agent``).
OK = 0
ERR_DUPLICATE = -1

# candidate key weights: distance (integer) dominates, then occupancy, then
# a turn penalty (rotation model: waiting beats a pointless turn), then noise
W_OCC = 0.5
W_TURN = 0.15
W_NOISE = 0.3


@njit(cache=True, nogil=True)
def _dist(a, v, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id, hunreach, goal, cols):
    """Distance of agent ``a``'s goal from flat cell ``v`` (int64)."""
    if is_human[a]:
        s = hslot[a]
        if s >= 0:
            d = np.int64(htables[s, hcell_id[v]])
            return NO_PATH if d >= hunreach else d
    else:
        s = slot[a]
        if s >= 0:
            d = np.int64(tables[s, cell_id[v]])
            return NO_PATH if d >= unreach else d
    g = goal[a]
    gr = g // cols
    vr = v // cols
    return np.int64(abs(gr - vr) + abs((g - gr * cols) - (v - vr * cols)))


@njit(cache=True, nogil=True)
def _neighbour(v, d, rows, cols):
    """Flat neighbour of ``v`` in heading ``d`` (0=E 1=S 2=W 3=N), -1 off-grid."""
    r = v // cols
    c = v - r * cols
    if d == 0:
        return v + 1 if c + 1 < cols else -1
    if d == 1:
        return v + cols if r + 1 < rows else -1
    if d == 2:
        return v - 1 if c > 0 else -1
    return v - cols if r > 0 else -1


@njit(cache=True, nogil=True)
def _turns(h, d):
    """Quarter turns between headings ``h`` and ``d`` (0, 1 or 2)."""
    t = (d - h) % 4
    return 2 if t == 2 else (t if t < 2 else 1)


@njit(cache=True, nogil=True)
def _rot_est(a, v, hh, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id, hunreach, goal,
             passable, rows, cols):
    """Rotation-aware estimate: moves to the goal from ``v`` plus the quarter
    turns needed before the first move from heading ``hh``."""
    d = _dist(a, v, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id, hunreach, goal, cols)
    if d == 0 or d >= NO_PATH:
        return d
    best = 2
    for k in range(4):
        w = _neighbour(v, k, rows, cols)
        if w < 0 or passable[w] == 0:
            continue
        dw = _dist(a, w, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id, hunreach, goal, cols)
        if dw == d - 1:
            t = _turns(hh, k)
            if t < best:
                best = t
    return d + best


@njit(cache=True, nogil=True)
def _prepare(a, depth, pos, heading, rotate, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id,
             hunreach, goal, passable, hpassable, occ_now, noise, w_occ, rows, cols, cand_cell, cand_head, cand_key,
             cand_n):
    """Fill the sorted candidate list of agent ``a`` at stack level ``depth``."""
    u = pos[a]
    pmask = hpassable if is_human[a] else passable
    n = 0
    if rotate:
        h = heading[a]
        fwd = _neighbour(u, h, rows, cols)
        if fwd >= 0 and pmask[fwd] != 0:
            key = np.float64(_rot_est(a, fwd, h, is_human, slot, tables, cell_id, unreach, hslot, htables,
                                      hcell_id, hunreach, goal, pmask, rows, cols))
            if occ_now[fwd] != -1:
                key += w_occ
            cand_cell[depth, n] = fwd
            cand_head[depth, n] = h
            cand_key[depth, n] = key + W_NOISE * noise[a, 0]
            n += 1
        for k in range(3):
            hh = (h + 1) % 4 if k == 0 else ((h + 3) % 4 if k == 1 else h)
            key = np.float64(_rot_est(a, u, hh, is_human, slot, tables, cell_id, unreach, hslot, htables,
                                      hcell_id, hunreach, goal, pmask, rows, cols))
            if k < 2:
                key += W_TURN
            cand_cell[depth, n] = u
            cand_head[depth, n] = hh
            cand_key[depth, n] = key + W_NOISE * noise[a, k + 1]
            n += 1
    else:
        for k in range(5):
            v = u if k == 4 else _neighbour(u, k, rows, cols)
            if v < 0 or pmask[v] == 0:
                continue
            key = np.float64(_dist(a, v, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id,
                                   hunreach, goal, cols))
            if v != u and occ_now[v] != -1:
                key += w_occ
            cand_cell[depth, n] = v
            cand_head[depth, n] = 0
            cand_key[depth, n] = key + W_NOISE * noise[a, k]
            n += 1
    # insertion sort by key (at most 5 entries); stable
    for i in range(1, n):
        kc = cand_key[depth, i]
        vc = cand_cell[depth, i]
        hc = cand_head[depth, i]
        j = i - 1
        while j >= 0 and cand_key[depth, j] > kc:
            cand_key[depth, j + 1] = cand_key[depth, j]
            cand_cell[depth, j + 1] = cand_cell[depth, j]
            cand_head[depth, j + 1] = cand_head[depth, j]
            j -= 1
        cand_key[depth, j + 1] = kc
        cand_cell[depth, j + 1] = vc
        cand_head[depth, j + 1] = hc
    cand_n[depth] = n


@njit(cache=True, nogil=True)
def pibt_step(pos, goal, heading, order, hold, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id,
              hunreach, passable, hpassable, noise, w_occ, rows, cols, rotate, occ_now, occ_next, nxt, nhead):
    """Plan one step for all agents; write next cells to ``nxt`` and next
    headings to ``nhead``.

    Parameters (all arrays C-contiguous)
    ----------
    pos, goal: ``int64 (N,)`` flat cells.
    heading: ``int64 (N,)`` headings 0=E 1=S 2=W 3=N (used with ``rotate``).
    order: ``int64 (N,)`` agents in decreasing priority (humans first).
    hold, is_human: ``bool (N,)``.
    slot, hslot: ``int64 (N,)`` table slots (robot, human), ``-1`` for Manhattan.
    tables, htables: ``(slots, passable cells)`` distance tables.
    cell_id, hcell_id: ``int64 (rows*cols,)`` flat cell -> table column.
    unreach, hunreach: table value meaning "no path".
    passable, hpassable: ``uint8 (rows*cols,)`` robot / human passability.
    noise: ``float64 (N, 5)`` in [0, 1): tie-breaking per agent and candidate
        (move model: E, S, W, N, stay; rotation: forward, cw, ccw, wait).
    w_occ: key penalty of a cell another agent stands on (``W_OCC``, or 0.0
        for the paper's plain ordering).
    rotate: the rotation action model.
    occ_now, occ_next: ``int64 (rows*cols,)`` scratch, all ``-1`` on entry and
        on return.
    nxt, nhead: ``int64 (N,)`` outputs.

    Returns ``OK``, or ``ERR_DUPLICATE - a`` if agent ``a`` stands on a cell an
    earlier agent stands on (the outputs are then meaningless).
    """
    n = pos.shape[0]
    for a in range(n):
        u = pos[a]
        if occ_now[u] != -1:
            for b in range(a):
                occ_now[pos[b]] = -1
            return ERR_DUPLICATE - a
        occ_now[u] = a
        nxt[a] = -1
        nhead[a] = heading[a]
    # every cell written to occ_next, to clear it afterwards
    log = np.empty(6 * n + 1, dtype=np.int64)
    nlog = 0
    for a in range(n):
        if hold[a]:
            nxt[a] = pos[a]
            occ_next[pos[a]] = a
            log[nlog] = pos[a]
            nlog += 1
    st_agent = np.empty(n, dtype=np.int64)
    st_ci = np.empty(n, dtype=np.int64)
    cand_cell = np.empty((n, 5), dtype=np.int64)
    cand_head = np.empty((n, 5), dtype=np.int64)
    cand_key = np.empty((n, 5), dtype=np.float64)
    cand_n = np.empty(n, dtype=np.int64)
    for k in range(n):
        root = order[k]
        if nxt[root] != -1:
            continue
        depth = 0
        st_agent[0] = root
        st_ci[0] = 0
        _prepare(root, 0, pos, heading, rotate, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id,
                 hunreach, goal, passable, hpassable, occ_now, noise, w_occ, rows, cols, cand_cell, cand_head, cand_key, cand_n)
        ret = -1  # -1 nothing to report, 0 child failed, 1 child succeeded
        while depth >= 0:
            if ret == 1:
                depth -= 1
                continue
            a = st_agent[depth]
            ret = -1
            pushed = False
            while st_ci[depth] < cand_n[depth]:
                ci = st_ci[depth]
                st_ci[depth] = ci + 1
                v = cand_cell[depth, ci]
                if occ_next[v] != -1:
                    continue
                j = occ_now[v]
                if j != -1 and j != a:
                    if nxt[j] == pos[a]:
                        continue  # j moves into a's cell: this would be a swap
                    if is_human[j] and not is_human[a]:
                        continue  # robots never enter a human's current cell
                nxt[a] = v
                nhead[a] = cand_head[depth, ci]
                occ_next[v] = a
                log[nlog] = v
                nlog += 1
                if j != -1 and j != a and nxt[j] == -1:
                    depth += 1
                    st_agent[depth] = j
                    st_ci[depth] = 0
                    _prepare(j, depth, pos, heading, rotate, is_human, slot, tables, cell_id, unreach, hslot, htables,
                             hcell_id, hunreach, goal, passable, hpassable, occ_now, noise, w_occ, rows, cols, cand_cell,
                             cand_head, cand_key, cand_n)
                    pushed = True
                else:
                    ret = 1
                break
            if pushed:
                continue
            if ret == 1:
                depth -= 1
                continue
            # every candidate failed: stay (and keep the heading)
            nxt[a] = pos[a]
            nhead[a] = heading[a]
            occ_next[pos[a]] = a
            log[nlog] = pos[a]
            nlog += 1
            ret = 0
            depth -= 1
    for a in range(n):
        occ_now[pos[a]] = -1
    for i in range(nlog):
        occ_next[log[i]] = -1
    return OK
