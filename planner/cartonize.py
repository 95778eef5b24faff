"""Cartonization: the cheapest set of cartons that holds an order's items.

Three layers:

1. **Does this set of items fit this carton?** :func:`fit_items` first runs an
   extreme-point first-fit heuristic (Crainic, Perboli and Tadei 2008) as a
   Numba kernel: items are taken in a fixed order, each is put at the lowest
   (z, then y, then x) extreme point where one of its allowed orientations
   fits without overlap; each placement adds its three outer corners and
   their projections back onto the walls or the boxes below/behind/beside as
   new extreme points. Four item orders (volume, height, footprint and
   longest side, each decreasing) times two orientation rules (flattest
   first; longest along x first) are tried in one kernel call. When all miss
   on at most :data:`EXACT_FIT_ITEMS` items, a pairwise test rejects sets in
   which two items cannot sit side by side along any axis, and otherwise an
   exact search decides: a depth-first search over *normal patterns* (every
   coordinate a sum of other items' extents, which loses no packing; Herz
   1972, Christofides and Whitlock 1977) that fills the lowest empty cell of
   the induced grid with an item or declares it waste, within
   :data:`EXACT_FIT_CELLS` cells and :data:`EXACT_FIT_NODES` nodes.
2. **Cheapest single carton** for a set: cartons in cost order, skipping those
   that cannot work by weight, volume or the largest item, until one fits.
   The answer is a pure function of the item multiset and the catalogue and
   is cached across orders.
3. **Cheapest carton set** for an order: the single-carton answer, and for up to
   ``exact_split_items`` items an exact set-partition search (dynamic
   programming over subsets with lower-bound pruning) that also finds splits
   cheaper than one big box; beyond that, first-fit-decreasing into parcels,
   compared with one box and with one unit per box.

An item that fits no carton on its own raises :class:`robocore.errors.InputError`.
Results are :class:`robocore.packing.PackResult` values; check them with
:func:`robocore.packing.verify_packing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations

import numpy as np
from numba import njit

from robocore.errors import InputError
from robocore.packing import DEFAULT_CARTONS, Carton, Item, PackResult, Parcel, Placement, orientations

__all__ = ["cartonize", "cheapest_carton", "fit_items"]

#: The exact fit search runs for at most this many items ...
EXACT_FIT_ITEMS = 6
#: ... when the normal-pattern grid has at most this many cells ...
EXACT_FIT_CELLS = 600
#: ... and gives up (reporting "does not fit") after this many search nodes.
EXACT_FIT_NODES = 3_000


@njit(cache=True)
def _project(px: np.int64, py: np.int64, pz: np.int64, axis: np.int64, box: np.ndarray, nbox: np.int64) -> np.int64:
    """Slide point ``p`` towards 0 along ``axis`` until it meets a box face or the wall."""
    best = np.int64(0)
    for k in range(nbox):
        x0 = box[k, 0]
        y0 = box[k, 1]
        z0 = box[k, 2]
        x1 = x0 + box[k, 3]
        y1 = y0 + box[k, 4]
        z1 = z0 + box[k, 5]
        if axis == 0:
            if y0 <= py < y1 and z0 <= pz < z1 and x1 <= px and x1 > best:
                best = x1
        elif axis == 1:
            if x0 <= px < x1 and z0 <= pz < z1 and y1 <= py and y1 > best:
                best = y1
        else:
            if x0 <= px < x1 and y0 <= py < y1 and z1 <= pz and z1 > best:
                best = z1
    return best


@njit(cache=True)
def _ep_pack(dims: np.ndarray, allow: np.ndarray, cl: np.int64, cw: np.int64, ch: np.int64, pref: np.int64):
    """Extreme-point first fit of ``dims[n, 3]`` (in this order) into ``cl x cw x ch``.

    ``allow[n, 6]`` marks the permitted axis permutations per item (rows of
    the table below; rows 0 and 1 keep the height on z). Among orientations
    at the same point, ``pref`` 0 takes the flattest (then the largest
    footprint), 1 the longest along x (then along y). Returns
    ``(ok, box[n, 6])`` with each row ``x, y, z, dx, dy, dz`` (mm).
    """
    n = dims.shape[0]
    perms = np.array([[0, 1, 2], [1, 0, 2], [0, 2, 1], [2, 0, 1], [1, 2, 0], [2, 1, 0]], dtype=np.int64)
    box = np.zeros((n, 6), dtype=np.int64)
    cap = 1 + 9 * n
    ep = np.zeros((cap, 3), dtype=np.int64)
    nep = 1
    for i in range(n):
        found = False
        bx = np.int64(0)
        by = np.int64(0)
        bz = np.int64(0)
        bdx = np.int64(0)
        bdy = np.int64(0)
        bdz = np.int64(0)
        for e in range(nep):
            x = ep[e, 0]
            y = ep[e, 1]
            z = ep[e, 2]
            if found and (z > bz or (z == bz and (y > by or (y == by and x >= bx)))):
                continue
            for o in range(6):
                if not allow[i, o]:
                    continue
                dx = dims[i, perms[o, 0]]
                dy = dims[i, perms[o, 1]]
                dz = dims[i, perms[o, 2]]
                if x + dx > cl or y + dy > cw or z + dz > ch:
                    continue
                clash = False
                for k in range(i):
                    if (
                        x < box[k, 0] + box[k, 3]
                        and box[k, 0] < x + dx
                        and y < box[k, 1] + box[k, 4]
                        and box[k, 1] < y + dy
                        and z < box[k, 2] + box[k, 5]
                        and box[k, 2] < z + dz
                    ):
                        clash = True
                        break
                if clash:
                    continue
                better = not found
                if found:
                    if z < bz or (z == bz and (y < by or (y == by and x < bx))):
                        better = True
                    elif z == bz and y == by and x == bx:
                        if pref == 0:
                            # same point: flatter first, then the larger footprint
                            if dz < bdz or (dz == bdz and dx * dy > bdx * bdy):
                                better = True
                        elif dx > bdx or (dx == bdx and dy > bdy):
                            better = True
                if better:
                    found = True
                    bx = x
                    by = y
                    bz = z
                    bdx = dx
                    bdy = dy
                    bdz = dz
        if not found:
            return False, box
        box[i, 0] = bx
        box[i, 1] = by
        box[i, 2] = bz
        box[i, 3] = bdx
        box[i, 4] = bdy
        box[i, 5] = bdz
        # new extreme points: the three outer corners and their projections
        for c in range(3):
            px = bx + (bdx if c == 0 else 0)
            py = by + (bdy if c == 1 else 0)
            pz = bz + (bdz if c == 2 else 0)
            for a in range(3):
                qx = px
                qy = py
                qz = pz
                if a != c:
                    if a == 0:
                        qx = _project(px, py, pz, 0, box, i + 1)
                    elif a == 1:
                        qy = _project(px, py, pz, 1, box, i + 1)
                    else:
                        qz = _project(px, py, pz, 2, box, i + 1)
                if qx >= cl or qy >= cw or qz >= ch:
                    continue
                dup = False
                for e in range(nep):
                    if ep[e, 0] == qx and ep[e, 1] == qy and ep[e, 2] == qz:
                        dup = True
                        break
                if not dup and nep < cap:
                    ep[nep, 0] = qx
                    ep[nep, 1] = qy
                    ep[nep, 2] = qz
                    nep += 1
    return True, box


@njit(cache=True)
def _ep_pack_many(dims: np.ndarray, allow: np.ndarray, orders: np.ndarray, prefs: np.ndarray,
                  cl: np.int64, cw: np.int64, ch: np.int64):
    """Try :func:`_ep_pack` with each row of ``orders[m, n]`` (item order) and ``prefs[m]``.

    Returns ``(r, box)``: the first row that packs everything and its boxes
    (in that row's item order), or ``(-1, last box)``.
    """
    box = np.zeros((dims.shape[0], 6), dtype=np.int64)
    for r in range(orders.shape[0]):
        o = orders[r]
        ok, box = _ep_pack(dims[o], allow[o], cl, cw, ch, prefs[r])
        if ok:
            return r, box
    return -1, box


def _allow_mask(items: list[Item]) -> np.ndarray:
    # rows 0 and 1 of the kernel's permutation table keep the item's height on z
    allow = np.ones((len(items), 6), dtype=np.bool_)
    for i, it in enumerate(items):
        if it.upright_only:
            allow[i, 2:] = False
    return allow


def _orders(items: list[Item]) -> list[list[int]]:
    idx = list(range(len(items)))
    keys = [
        lambda i: (-items[i].volume, -max(items[i].dims)),
        lambda i: (-min(items[i].dims), -items[i].volume),
        lambda i: (-sorted(items[i].dims)[2] * sorted(items[i].dims)[1], -items[i].volume),
        lambda i: (-max(items[i].dims), -items[i].volume),
    ]
    out: list[list[int]] = []
    for key in keys:
        o = sorted(idx, key=key)
        if o not in out:
            out.append(o)
    return out


def _heuristic_fit(items: list[Item], dims: tuple[int, int, int]) -> list[Placement] | None:
    allow = _allow_mask(items)
    arr = np.array([it.dims for it in items], dtype=np.int64)
    orders = _orders(items)
    runs = np.array([o for _ in (0, 1) for o in orders], dtype=np.int64)
    prefs = np.array([p for p in (0, 1) for _ in orders], dtype=np.int64)
    r, box = _ep_pack_many(arr, allow, runs, prefs, np.int64(dims[0]), np.int64(dims[1]), np.int64(dims[2]))
    if r < 0:
        return None
    order = runs[r]
    return [
        Placement(int(order[k]), (int(b[0]), int(b[1]), int(b[2])), (int(b[3]), int(b[4]), int(b[5])))
        for k, b in enumerate(box.tolist())
    ]


def _normal_coords(extents: list[list[int]], limit: int) -> list[int]:
    """Sums of at most one extent per item, up to ``limit`` (sorted, with 0 and limit)."""
    sums = {0}
    for ext in extents:
        new = set(sums)
        for s in sums:
            for e in ext:
                if s + e <= limit:
                    new.add(s + e)
        sums = new
    sums.add(limit)
    return sorted(sums)


def _exact_fit(items: list[Item], dims: tuple[int, int, int]) -> list[Placement] | None:
    """Complete search over normal patterns; ``None`` if infeasible or over budget or grid too large."""
    n = len(items)
    oris = [orientations(it) for it in items]
    coords = []
    for a in range(3):
        coords.append(_normal_coords([sorted({o[a] for o in oris[i]}) for i in range(n)], dims[a]))
    nx, ny, nz = (len(c) - 1 for c in coords)
    if nx * ny * nz > EXACT_FIT_CELLS:
        return None
    ix, iy, iz = ({v: k for k, v in enumerate(c)} for c in coords)
    X, Y, Z = coords
    # cell volumes, in (z, y, x) order of the flat index
    cells = nx * ny * nz
    vol = [0] * cells
    for k in range(nz):
        for j in range(ny):
            for i in range(nx):
                vol[(k * ny + j) * nx + i] = (X[i + 1] - X[i]) * (Y[j + 1] - Y[j]) * (Z[k + 1] - Z[k])
    filled = [False] * cells
    # identical items are interchangeable: search over kinds with counts
    kinds: dict[tuple, list[int]] = {}
    for i, it in enumerate(items):
        kinds.setdefault((it.dims, it.upright_only), []).append(i)
    kind_list = list(kinds.items())
    left = [len(v) for _, v in kind_list]
    kind_vol = [items[v[0]].volume for _, v in kind_list]
    kind_oris = [orientations(items[v[0]]) for _, v in kind_list]
    placed: list[tuple[int, tuple[int, int, int], tuple[int, int, int]]] = []
    budget = [EXACT_FIT_NODES]
    free_vol = [sum(vol)]
    need = [sum(it.volume for it in items)]

    static: dict[int, list[tuple[int, tuple[int, int, int], int, int, int]]] = {}

    def options(c: int) -> list[tuple[int, tuple[int, int, int], list[int]]]:
        """Every remaining item kind and orientation whose min corner can sit at cell ``c``."""
        i = c % nx
        j = (c // nx) % ny
        k = c // (nx * ny)
        cand = static.get(c)
        if cand is None:
            # orientations whose far faces land on grid lines, whatever is filled
            x0, y0, z0 = X[i], Y[j], Z[k]
            cand = []
            for t in range(len(kind_list)):
                for d in kind_oris[t]:
                    i1 = ix.get(x0 + d[0])
                    j1 = iy.get(y0 + d[1])
                    k1 = iz.get(z0 + d[2])
                    if i1 is not None and j1 is not None and k1 is not None:
                        cand.append((t, d, i1, j1, k1))
            static[c] = cand
        if not cand:
            return []
        # free cells along x from c: an item wider than this cannot start here
        run = i
        while run < nx and not filled[c + run - i]:
            run += 1
        out = []
        for t, d, i1, j1, k1 in cand:
            if left[t] == 0 or i1 > run:
                continue
            cover = []
            free = True
            for kk in range(k, k1):
                for jj in range(j, j1):
                    row = (kk * ny + jj) * nx
                    for q in range(row + i, row + i1):
                        if filled[q]:
                            free = False
                            break
                        cover.append(q)
                    if not free:
                        break
                if not free:
                    break
            if free:
                out.append((t, d, cover))
        return out

    def dfs(start: int) -> bool:
        if need[0] == 0:
            return True
        budget[0] -= 1
        if budget[0] < 0:
            return False
        # cells no remaining item can start in are waste: mark them without branching
        wasted: list[int] = []
        c = start
        opts: list = []
        ok = False
        while True:
            while c < cells and filled[c]:
                c += 1
            if c == cells or free_vol[0] < need[0]:
                break
            opts = options(c)
            if opts:
                break
            filled[c] = True
            free_vol[0] -= vol[c]
            wasted.append(c)
        if c < cells and opts and free_vol[0] >= need[0]:
            pos = (X[c % nx], Y[(c // nx) % ny], Z[c // (nx * ny)])
            for t, d, cover in opts:
                for q in cover:
                    filled[q] = True
                left[t] -= 1
                placed.append((t, pos, d))
                need[0] -= kind_vol[t]
                free_vol[0] -= kind_vol[t]
                ok = dfs(c + 1)
                if ok:
                    break
                need[0] += kind_vol[t]
                free_vol[0] += kind_vol[t]
                placed.pop()
                left[t] += 1
                for q in cover:
                    filled[q] = False
            if not ok:
                # leave this cell empty
                filled[c] = True
                free_vol[0] -= vol[c]
                ok = dfs(c + 1)
                free_vol[0] += vol[c]
                filled[c] = False
        if not ok:
            for q in wasted:
                filled[q] = False
                free_vol[0] += vol[q]
        return ok

    if not dfs(0):
        return None
    pools = [list(v) for _, v in kind_list]
    out = []
    for t, pos, d in placed:
        out.append(Placement(pools[t].pop(), pos, d))
    return out


def _fits_alone(item: Item, carton: Carton) -> bool:
    return item.weight <= carton.max_weight and _fits_dims(item.dims, item.upright_only, carton.dims)


@lru_cache(maxsize=1 << 14)
def _fits_dims(dims: tuple[int, int, int], upright_only: bool, box: tuple[int, int, int]) -> bool:
    l, w, h = dims
    oris = ((l, w, h), (w, l, h)) if upright_only else permutations((l, w, h))
    return any(o[0] <= box[0] and o[1] <= box[1] and o[2] <= box[2] for o in oris)


def _pair_conflict(items: list[Item], dims: tuple[int, int, int]) -> bool:
    """Whether two items cannot share the carton: in every pair of orientations that fit,
    they are too long to sit side by side along any axis (exact for two items)."""
    oris = [[o for o in orientations(it) if o[0] <= dims[0] and o[1] <= dims[1] and o[2] <= dims[2]] for it in items]
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if all(
                oi[0] + oj[0] > dims[0] and oi[1] + oj[1] > dims[1] and oi[2] + oj[2] > dims[2]
                for oi in oris[i]
                for oj in oris[j]
            ):
                return True
    return False


def fit_items(items: list[Item] | tuple[Item, ...], carton: Carton, *, exact: bool = True) -> list[Placement] | None:
    """Placements of all ``items`` in one ``carton``, or ``None`` if none was found.

    Placement ``item`` indexes refer to positions in ``items``. Weight is
    checked (total <= ``carton.max_weight``). With ``exact`` (the default) a
    heuristic miss on up to :data:`EXACT_FIT_ITEMS` items on a small
    normal-pattern grid is settled by complete search, so ``None`` there means
    "does not fit"; elsewhere ``None`` means "the heuristic found no packing".
    """
    items = list(items)
    if not items:
        return []
    if sum(it.weight for it in items) > carton.max_weight:
        return None
    if sum(it.volume for it in items) > carton.volume:
        return None
    if not all(_fits_alone(it, carton) for it in items):
        return None
    got = _heuristic_fit(items, carton.dims)
    if got is None and exact and len(items) <= EXACT_FIT_ITEMS and not _pair_conflict(items, carton.dims):
        got = _exact_fit(items, carton.dims)
    return got


@lru_cache(maxsize=1 << 16)
def _cheapest_single(
    key: tuple[tuple[tuple[int, int, int], bool, float], ...], cartons: tuple[Carton, ...], exact: bool
) -> tuple[Carton, tuple[Placement, ...]] | None:
    """Cheapest carton (catalogue in cost order) for the item multiset ``key``.

    A pure function of its arguments, so it is cached across orders: a shift
    packs the same SKU combinations again and again.
    """
    canon = [Item("?", dims, weight, upright) for dims, upright, weight in key]
    for c in cartons:
        got = fit_items(canon, c, exact=exact)
        if got is not None:
            return c, tuple(got)
    return None


@dataclass
class _Solver:
    cartons: list[Carton]
    per_parcel_cost: float
    exact: bool

    def __post_init__(self) -> None:
        self.catalogue = tuple(self.cartons)

    def single(self, items: list[Item]) -> tuple[Carton, list[Placement]] | None:
        """Cheapest carton holding ``items`` (placements indexed into ``items``)."""
        order = sorted(range(len(items)), key=lambda i: (items[i].dims, items[i].upright_only, items[i].weight))
        key = tuple((items[i].dims, items[i].upright_only, items[i].weight) for i in order)
        res = _cheapest_single(key, self.catalogue, self.exact)
        if res is None:
            return None
        c, pl = res
        return c, [Placement(order[p.item], p.position, p.dims) for p in pl]

    def lower_bound(self, items: list[Item]) -> float:
        """Cost of the cheapest carton not ruled out by weight, volume or item size."""
        w = sum(it.weight for it in items)
        v = sum(it.volume for it in items)
        for c in self.cartons:
            if w <= c.max_weight and v <= c.volume and all(_fits_alone(it, c) for it in items):
                return c.cost + self.per_parcel_cost
        return float("inf")


def cheapest_carton(
    items: list[Item] | tuple[Item, ...], *, cartons: tuple[Carton, ...] | list[Carton] = DEFAULT_CARTONS
) -> tuple[Carton, list[Placement]] | None:
    """The cheapest single carton that holds all ``items`` and a packing, or ``None``."""
    solver = _Solver(sorted(cartons, key=lambda c: (c.cost, c.volume, c.id)), 0.0, True)
    return solver.single(list(items))


def _result(items: list[Item], groups: list[tuple[Carton, list[Placement]]]) -> PackResult:
    parcels = tuple(Parcel(c, tuple(sorted(pl, key=lambda p: p.item))) for c, pl in groups)
    parcels = tuple(sorted(parcels, key=lambda p: p.placements[0].item))
    cost = float(sum(p.carton.cost for p in parcels))
    iv = sum(it.volume for it in items)
    cv = sum(p.carton.volume for p in parcels)
    return PackResult(parcels, cost, iv / cv if cv else 0.0, iv, cv)


def cartonize(
    items: list[Item] | tuple[Item, ...],
    *,
    cartons: tuple[Carton, ...] | list[Carton] = DEFAULT_CARTONS,
    per_parcel_cost: float = 0.0,
    exact_split_items: int = 8,
    exact: bool = True,
) -> PackResult:
    """Pack one order's items into the cheapest set of cartons found.

    Parameters
    ----------
    items: one :class:`Item` per unit (an order line of quantity 3 is three items).
    cartons: the catalogue to choose from.
    per_parcel_cost: extra cost in euros charged per parcel (e.g. a label and
        handling), so that splitting must save more than this to be chosen.
    exact_split_items: up to this many items every split into parcels is
        considered (subset dynamic programming); above it, first-fit-decreasing.
    exact: allow the exact fit search after a heuristic miss (see :func:`fit_items`).

    Returns
    -------
    PackResult whose ``cost`` counts carton costs only (``per_parcel_cost`` only
    steers the choice).

    Raises
    ------
    InputError: an item fits no carton in the catalogue on its own (too big in
        every orientation allowed, or too heavy), naming its SKU and dims.
    """
    items = list(items)
    if not cartons:
        raise InputError("carton catalogue is empty")
    cat = sorted(cartons, key=lambda c: (c.cost, c.volume, c.id))
    for it in items:
        if not any(_fits_alone(it, c) for c in cat):
            l, w, h = it.dims
            up = ", upright only" if it.upright_only else ""
            raise InputError(
                f"item '{it.sku}' ({l} x {w} x {h} mm, {it.weight:g} kg{up}) fits no carton in the catalogue"
            )
    if not items:
        return PackResult((), 0.0, 0.0, 0, 0)
    s = _Solver(cat, float(per_parcel_cost), exact)
    n = len(items)
    if n <= exact_split_items:
        groups = _split_exact(items, s)
    else:
        groups = _split_ffd(items, s)
    return _result(items, groups)


def _sub(items: list[Item], idx: list[int]) -> list[Item]:
    return [items[i] for i in idx]


def _split_exact(items: list[Item], s: _Solver) -> list[tuple[Carton, list[Placement]]]:
    n = len(items)
    full = (1 << n) - 1
    single_memo: dict[int, tuple[Carton, list[Placement]] | None] = {}
    lb_memo: dict[int, float] = {}

    def members(mask: int) -> list[int]:
        return [i for i in range(n) if mask >> i & 1]

    def lb(mask: int) -> float:
        if mask not in lb_memo:
            lb_memo[mask] = s.lower_bound(_sub(items, members(mask)))
        return lb_memo[mask]

    def single(mask: int):
        if mask not in single_memo:
            idx = members(mask)
            got = s.single(_sub(items, idx))
            if got is not None:
                c, pl = got
                got = (c, [Placement(idx[p.item], p.position, p.dims) for p in pl])
            single_memo[mask] = got
        return single_memo[mask]

    best_memo: dict[int, tuple[float, list[int]]] = {}

    def best(mask: int) -> tuple[float, list[int]]:
        """Cheapest partition of ``mask`` into single-carton groups: (cost, group masks)."""
        if mask == 0:
            return 0.0, []
        if mask in best_memo:
            return best_memo[mask]
        low = mask & -mask
        rest = mask ^ low
        best_cost = float("inf")
        best_groups: list[int] = []
        one = single(mask)
        if one is not None:
            best_cost = one[0].cost + s.per_parcel_cost
            best_groups = [mask]
        # proper sub-groups holding the lowest item, biggest first
        sub = (rest - 1) & rest
        cands = []
        while True:
            a = sub | low
            if a != mask:
                cands.append(a)
            if sub == 0:
                break
            sub = (sub - 1) & rest
        for a in cands:
            bound = lb(a) + _chain_lb(mask ^ a)
            if bound >= best_cost - 1e-12:
                continue
            g = single(a)
            if g is None:
                continue
            head = g[0].cost + s.per_parcel_cost
            if head + _chain_lb(mask ^ a) >= best_cost - 1e-12:
                continue
            tail_cost, tail_groups = best(mask ^ a)
            if head + tail_cost < best_cost - 1e-12:
                best_cost = head + tail_cost
                best_groups = [a] + tail_groups
        best_memo[mask] = (best_cost, best_groups)
        return best_memo[mask]

    cheapest = s.cartons[0].cost + s.per_parcel_cost

    def _chain_lb(mask: int) -> float:
        # at least one more parcel; it costs at least lb(mask) if it is one carton,
        # and at least two cheapest cartons if it is split
        if mask == 0:
            return 0.0
        return min(lb(mask), 2 * cheapest)

    cost, masks = best(full)
    if cost == float("inf"):
        # the heuristic could not even pack each item alone (cannot happen: checked upstream)
        return _split_ffd(items, s)
    return [single(m) for m in masks]  # type: ignore[misc]


def _split_ffd(items: list[Item], s: _Solver) -> list[tuple[Carton, list[Placement]]]:
    n = len(items)
    whole = s.single(items)
    order = sorted(range(n), key=lambda i: (-items[i].volume, -items[i].weight, i))
    groups: list[list[int]] = []
    for i in order:
        for g in groups:
            if s.single(_sub(items, g + [i])) is not None:
                g.append(i)
                break
        else:
            groups.append([i])
    out = []
    for g in groups:
        c, pl = s.single(_sub(items, g))  # type: ignore[misc]
        out.append((c, [Placement(g[p.item], p.position, p.dims) for p in pl]))
    split_cost = sum(c.cost + s.per_parcel_cost for c, _ in out)
    if whole is not None and whole[0].cost + s.per_parcel_cost <= split_cost:
        return [whole]
    # never worse than the naive one-item-per-carton policy
    alone = [s.single([items[i]]) for i in range(n)]
    if all(a is not None for a in alone):
        alone_cost = sum(a[0].cost + s.per_parcel_cost for a in alone)  # type: ignore[index]
        if alone_cost < split_cost:
            return [
                (a[0], [Placement(i, a[1][0].position, a[1][0].dims)])  # type: ignore[index]
                for i, a in enumerate(alone)
            ]
    return out
