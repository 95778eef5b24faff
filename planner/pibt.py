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
  cell means a push, which is where livelock starts), then seeded noise (a
  hash of the step key, agent and candidate, so the slow twin in
  ``tests/naive_mapf.py`` reproduces the kernel exactly);
* *held* agents (picking, charging, faulted) are fixed obstacles;
* *humans* are planned on their own tables and passability; robots never
  enter a cell a human stands on now, nor one a human reserved for the next
  step (humans are planned first, so their reservations exist by then);
* the rotation action model (League of Robot Runners 2024: forward, turn a
  quarter, wait): PIBT plans cells with rotation-aware costs (distance plus
  the quarter turns needed to face the cell; staying costs the turns still
  needed to face a cell one step closer), then :func:`_to_rotation_actions` turns the plan into actions
  (forward where the planned cell is ahead, else a turn towards it) and keeps
  back every agent whose planned cell stays occupied.

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

__all__ = ["pibt_step", "noise", "NO_PATH", "OK", "ERR_DUPLICATE", "ERR_POSITION", "ERR_GOAL", "W_OCC", "W_TURN",
           "W_NOISE"]

#: Distance used for "no path" in candidate keys.
NO_PATH = 1 << 30
#: Kernel status codes.
OK = 0
ERR_DUPLICATE = 1
ERR_POSITION = 2
ERR_GOAL = 3

# candidate key weights. Rotation model: each quarter turn needed costs a full
# step (W_TURN), as does, for staying, each turn still needed to face a step
# closer to the goal. Then, below one step: occupancy, then noise.
W_OCC = 0.5
W_TURN = 1.0
W_NOISE = 0.3


@njit(cache=True, nogil=True, inline="always")
def _dist(tab, cid, unreach, s, g, v, cols):
    """Distance from flat cell ``v`` to goal ``g`` read from row ``s`` of
    ``tab`` (through ``cid``); Manhattan distance when ``s`` is -1."""
    if s >= 0:
        d = np.int64(tab[s, cid[v]])
        return NO_PATH if d >= unreach else d
    gr = g // cols
    vr = v // cols
    return np.int64(abs(gr - vr) + abs((g - gr * cols) - (v - vr * cols)))


@njit(cache=True, nogil=True, inline="always")
def _mix(x):
    """splitmix64 finaliser of a ``uint64``."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit(cache=True, nogil=True, inline="always")
def noise(key, a, k):
    """Tie-breaking noise in [0, 1) of agent ``a``, candidate ``k`` under the
    step's ``key`` (``uint64``): a hash, so no random state is carried."""
    x = _mix(key + np.uint64(a * 5 + k))
    return np.float64(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True, inline="always")
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


@njit(cache=True, nogil=True, inline="always")
def _turns(h, d):
    """Quarter turns between headings ``h`` and ``d`` (0, 1 or 2)."""
    t = (d - h) % 4
    return 2 if t == 2 else (t if t < 2 else 1)


@njit(cache=True, nogil=True, inline="always")
def _stay_turns(tab, cid, unreach, s, g, u, h, d, pmask, rows, cols):
    """Fewest quarter turns from heading ``h`` to face a neighbour of ``u``
    one move closer to the goal (``d`` is ``u``'s distance); 2 if none."""
    best = 2
    for k in range(4):
        w = _neighbour(u, k, rows, cols)
        if w < 0 or pmask[w] == 0:
            continue
        if _dist(tab, cid, unreach, s, g, w, cols) == d - 1:
            t = _turns(h, k)
            if t < best:
                best = t
    return best


@njit(cache=True, nogil=True, inline="always")
def _prepare(a, depth, pos, heading, rotate, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id,
             hunreach, goal, passable, hpassable, occ_now, noise_key, w_occ, rows, cols, cand_cell, cand_key,
             cand_n):
    """Fill the sorted candidate list of agent ``a`` at stack level ``depth``."""
    u = pos[a]
    g = goal[a]
    # pick the agent's table set once: array choices inside the lookups cost
    # Numba reference counting on every read (measured 10x slower)
    if is_human[a]:
        tab = htables
        cid = hcell_id
        un = hunreach
        s = hslot[a]
        pmask = hpassable
    else:
        tab = tables
        cid = cell_id
        un = unreach
        s = slot[a]
        pmask = passable
    n = 0
    for k in range(5):
        v = u if k == 4 else _neighbour(u, k, rows, cols)
        if v < 0 or pmask[v] == 0:
            continue
        key = np.float64(_dist(tab, cid, un, s, g, v, cols))
        if v != u:
            if occ_now[v] != -1:
                key += w_occ
            if rotate:
                key += W_TURN * _turns(heading[a], k)
        elif rotate and key > 0 and key < NO_PATH:
            key += W_TURN * _stay_turns(tab, cid, un, s, g, u, heading[a], key, pmask, rows, cols)
        cand_cell[depth, n] = v
        cand_key[depth, n] = key + W_NOISE * noise(noise_key, a, k)
        n += 1
    # insertion sort by key (at most 5 entries); stable
    for i in range(1, n):
        kc = cand_key[depth, i]
        vc = cand_cell[depth, i]
        j = i - 1
        while j >= 0 and cand_key[depth, j] > kc:
            cand_key[depth, j + 1] = cand_key[depth, j]
            cand_cell[depth, j + 1] = cand_cell[depth, j]
            j -= 1
        cand_key[depth, j + 1] = kc
        cand_cell[depth, j + 1] = vc
    cand_n[depth] = n


@njit(cache=True, nogil=True)
def _to_rotation_actions(pos, heading, nxt, nhead, occ_next, cols):
    """Turn planned cell moves into rotation-model actions, in place.

    An agent whose planned cell lies along its heading moves forward; one whose
    planned cell lies elsewhere turns a quarter towards it (clockwise for a
    half turn) and stays; an agent planned to stay waits. Then, since a
    staying agent keeps its cell, the agent planned to enter that cell (at
    most one: ``occ_next`` is the plan's reservation) stays too, and so on
    along the chain. What remains moves into cells nobody keeps, with the
    plan's distinct targets and no swaps, so the executed moves never
    conflict.
    """
    n = pos.shape[0]
    queue = np.empty(n, dtype=np.int64)
    qn = 0
    for a in range(n):
        u = pos[a]
        v = nxt[a]
        h = heading[a]
        nhead[a] = h
        if v == u:
            queue[qn] = a
            qn += 1
            continue
        dv = v - u
        if dv == cols:
            d = 1
        elif dv == -cols:
            d = 3
        elif dv == 1:
            d = 0
        else:
            d = 2
        if d != h:
            t = (d - h) % 4
            nhead[a] = (h + 3) % 4 if t == 3 else (h + 1) % 4
            nxt[a] = u
            queue[qn] = a
            qn += 1
    qi = 0
    while qi < qn:
        s = queue[qi]
        qi += 1
        m = occ_next[pos[s]]
        if m != -1 and m != s and nxt[m] == pos[s]:
            nxt[m] = pos[m]
            queue[qn] = m
            qn += 1


@njit(cache=True, nogil=True)
def pibt_step(pos, goal, heading, order, hold, is_human, slot, tables, cell_id, unreach, hslot, htables, hcell_id,
              hunreach, passable, hpassable, noise_key, w_occ, rows, cols, rotate, occ_now, occ_next, nxt, nhead, err):
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
    noise_key: ``uint64`` per step; agent ``a``'s tie-breaking noise for
        candidate ``k`` (E, S, W, N, stay) is :func:`noise` ``(noise_key, a, k)``.
    w_occ: key penalty of a cell another agent stands on (``W_OCC``, or 0.0
        for the paper's plain ordering).
    rotate: the rotation action model.
    occ_now, occ_next: ``int64 (rows*cols,)`` scratch, all ``-1`` on entry and
        on return.
    nxt, nhead: ``int64 (N,)`` outputs.
    err: ``int64 (1,)``: the agent at fault when the status is not ``OK``.

    Cells must be inside the grid (the caller checks; there is no bounds
    checking here). Returns ``OK``; ``ERR_DUPLICATE`` if agent ``err[0]``
    stands on a cell an earlier agent stands on; ``ERR_POSITION`` or
    ``ERR_GOAL`` if its cell or goal is impassable for its kind. The outputs
    are meaningless unless the status is ``OK``.
    """
    n = pos.shape[0]
    for a in range(n):
        u = pos[a]
        pm = hpassable if is_human[a] else passable
        status = OK
        if occ_now[u] != -1:
            status = ERR_DUPLICATE
        elif pm[u] == 0:
            status = ERR_POSITION
        elif pm[goal[a]] == 0:
            status = ERR_GOAL
        if status != OK:
            for b in range(a):
                occ_now[pos[b]] = -1
            err[0] = a
            return status
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
                 hunreach, goal, passable, hpassable, occ_now, noise_key, w_occ, rows, cols, cand_cell, cand_key, cand_n)
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
                occ_next[v] = a
                log[nlog] = v
                nlog += 1
                if j != -1 and j != a and nxt[j] == -1:
                    depth += 1
                    st_agent[depth] = j
                    st_ci[depth] = 0
                    _prepare(j, depth, pos, heading, rotate, is_human, slot, tables, cell_id, unreach, hslot, htables,
                             hcell_id, hunreach, goal, passable, hpassable, occ_now, noise_key, w_occ, rows, cols, cand_cell,
                             cand_key, cand_n)
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
            occ_next[pos[a]] = a
            log[nlog] = pos[a]
            nlog += 1
            ret = 0
            depth -= 1
    if rotate:
        _to_rotation_actions(pos, heading, nxt, nhead, occ_next, cols)
    for a in range(n):
        occ_now[pos[a]] = -1
    for i in range(nlog):
        occ_next[log[i]] = -1
    return OK
