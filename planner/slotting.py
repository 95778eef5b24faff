"""Slotting: which SKU goes in which storage slot.

Fast movers belong where they are cheap to pick. The cost of a slot is the
round trip from the nearest pack station to the slot's access cell, in moves
(4-connected grid distance). Placing SKUs by velocity (forecast units or lines
per day) so that ``sum(velocity * cost)`` is smallest is solved exactly by
sorting: the fastest SKU takes the cheapest slot, and so on (the
rearrangement inequality), when each SKU takes one slot.

When a SKU holds several slots and picks draw from its cheapest slot first
(the ledger's ``pick_rank``), only its first few slots are picked from over a
horizon; the rest are reserve that will not be touched. :func:`deal_by_use`
therefore ranks slot *instances* (a SKU's first slot, its second, ...) by
the units expected to be drawn from each over the horizon, and deals the
cheapest slots to the instances that will be picked most.

ABC classes follow the usual cumulative-share rule: the fastest SKUs that
make up the first 80% of the velocity are class A, the next 15% class B, the
rest class C.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.distance import UNREACHABLE, bfs_distances

__all__ = ["slot_costs", "abc_classes", "assign_by_velocity", "deal_by_use", "expected_travel", "ReslotMove",
           "reslot_plan"]


def slot_costs(layout, *, targets=None, human: bool = False) -> np.ndarray:
    """Round-trip moves from the nearest target cell to each slot's access cell.

    ``targets`` defaults to the layout's pack stations; ``human`` walks the
    floor humans may use (``HUMAN_ONLY`` cells too) instead of the robots'.
    Returns a float array, one entry per ``layout.slots`` entry; ``inf`` for
    a slot no target reaches.

    Raises ``ValueError`` if there is no target cell.
    """
    grid = layout.grid
    cells = list(targets) if targets is not None else [s.cell for s in layout.stations]
    if not cells:
        raise ValueError("slot costs need at least one target cell (the layout has no pack stations)")
    best = np.full(grid.size, UNREACHABLE, dtype=np.int64)
    for cell in cells:
        floor = grid.human_passable.ravel() if human else grid.passable_flat
        best = np.minimum(best, bfs_distances(floor, grid.rows, grid.cols, grid.index(cell)))
    access = np.array([grid.index(s.access) for s in layout.slots], dtype=np.int64)
    d = best[access].astype(np.float64)
    d[d >= UNREACHABLE] = np.inf
    return 2.0 * d


def abc_classes(velocity, *, a: float = 0.8, b: float = 0.95) -> np.ndarray:
    """Class ``'A'``, ``'B'`` or ``'C'`` per SKU by cumulative share of velocity.

    A SKU is in A if the SKUs faster than it make up less than ``a`` of the
    total, in B if less than ``b``, else C. Zero-velocity SKUs are always C.
    """
    v = np.asarray(velocity, dtype=np.float64)
    if (v < 0).any() or np.isnan(v).any():
        raise ValueError("velocities must be non-negative numbers")
    if not 0 < a <= b <= 1:
        raise ValueError(f"need 0 < a <= b <= 1, got a={a}, b={b}")
    out = np.full(v.shape, "C", dtype="<U1")
    total = v.sum()
    if total <= 0:
        return out
    order = np.argsort(-v, kind="stable")
    before = np.concatenate(([0.0], np.cumsum(v[order])[:-1])) / total
    cls = np.where(before < a, "A", np.where(before < b, "B", "C"))
    cls[v[order] <= 0] = "C"
    out[order] = cls
    return out


def assign_by_velocity(velocity, slot_cost) -> np.ndarray:
    """Slot index for each SKU, fastest SKU in the cheapest slot.

    Needs at least as many slots with finite cost as SKUs. Ties keep the input
    order (stable), so the result is deterministic.
    """
    v = np.asarray(velocity, dtype=np.float64)
    c = np.asarray(slot_cost, dtype=np.float64)
    usable = np.flatnonzero(np.isfinite(c))
    if len(usable) < len(v):
        raise ValueError(f"{len(v)} SKUs but only {len(usable)} reachable slots")
    slots_by_cost = usable[np.argsort(c[usable], kind="stable")]
    skus_by_speed = np.argsort(-v, kind="stable")
    out = np.empty(len(v), dtype=np.int64)
    out[skus_by_speed] = slots_by_cost[: len(v)]
    return out


def deal_by_use(instances, demand, *, units_per_slot: float) -> list[int]:
    """The order to deal slot instances over slots sorted cheapest first.

    ``instances`` lists one SKU key per slot to fill (a SKU repeated once per
    slot it gets); ``demand`` maps each key to the units expected to be
    picked over the horizon. With picks drawn from a SKU's cheapest slot
    first, its ``j``-th slot (0-based) serves demand only after ``j`` full
    slots, so it expects ``min(q, max(0, demand - j * q))`` units drawn
    (``q = units_per_slot``). Returns indexes into ``instances``, most
    expected use first; ties go to a SKU's earlier slot, then to the earlier
    position in ``instances`` (list the fastest SKUs first). Dealing slots
    in this order minimises ``sum(expected units * slot cost)`` (the
    rearrangement inequality), so reserve slots of fast movers go to the
    far end instead of crowding the cheap slots.

    Raises ``ValueError`` for a non-positive ``units_per_slot``, a negative
    demand, or an instance with no demand entry.
    """
    q = float(units_per_slot)
    if not q > 0:
        raise ValueError(f"units_per_slot must be positive, got {units_per_slot!r}")
    seen: dict = {}
    keys = []
    for k, sku in enumerate(instances):
        if sku not in demand:
            raise ValueError(f"no demand given for {sku!r}")
        d = float(demand[sku])
        if not d >= 0:
            raise ValueError(f"demand for {sku!r} must be >= 0, got {demand[sku]!r}")
        j = seen.get(sku, 0)
        seen[sku] = j + 1
        keys.append((-min(q, max(0.0, d - j * q)), j, k))
    return [k for *_, k in sorted(keys)]


def expected_travel(velocity, assignment, slot_cost) -> float:
    """Expected travel per day, ``sum(velocity[s] * cost[assignment[s]])`` in moves
    (a single-line pick trip from a station to the slot and back per unit of
    velocity)."""
    v = np.asarray(velocity, dtype=np.float64)
    return float((v * np.asarray(slot_cost, dtype=np.float64)[np.asarray(assignment)]).sum())


@dataclass(frozen=True)
class ReslotMove:
    """Move SKU ``sku`` (index) from slot ``src`` to slot ``dst`` (indexes),
    saving ``saving`` moves of travel per day by the recommendation's estimate."""

    sku: int
    src: int
    dst: int
    saving: float


def reslot_plan(velocity, current, slot_cost, *, max_moves: int | None = None) -> tuple[list[ReslotMove], float, float]:
    """A periodic re-slotting recommendation.

    Compares the current placement with the velocity-optimal one and returns
    ``(moves, travel_now, travel_after)``: the moves (largest saving first, at
    most ``max_moves``) and the expected travel per day before and after
    applying them. Each move's saving is measured with the other SKUs where
    the plan puts them; a move into a slot held by another SKU implies that
    SKU moves too (it appears as its own move).
    """
    v = np.asarray(velocity, dtype=np.float64)
    cur = np.asarray(current, dtype=np.int64)
    c = np.asarray(slot_cost, dtype=np.float64)
    if len(np.unique(cur)) != len(cur):
        raise ValueError("current placement puts two SKUs in one slot")
    target = assign_by_velocity(v, c)
    moves = [ReslotMove(int(s), int(cur[s]), int(target[s]), float(v[s] * (c[cur[s]] - c[target[s]])))
             for s in range(len(v)) if cur[s] != target[s]]
    moves.sort(key=lambda m: -m.saving)
    if max_moves is not None:
        moves = _closed_prefix(moves, max_moves, cur)
    after = cur.copy()
    for m in moves:
        after[m.sku] = m.dst
    return moves, expected_travel(v, cur, c), expected_travel(v, after, c)


def _closed_prefix(moves: list[ReslotMove], max_moves: int, current: np.ndarray) -> list[ReslotMove]:
    """The best moves that still leave every slot with one SKU.

    A move into a slot held by another SKU is only taken together with the
    chain of moves that empties it. Every such occupant has a move of its own
    (the target placement is one-to-one), so each chain ends in an empty slot
    or closes a cycle.
    """
    by_src = {m.src: m for m in moves}
    taken: list[ReslotMove] = []
    done: set[int] = set()
    for m in moves:
        if m.sku in done:
            continue
        chain = [m]
        seen = {m.sku}
        nxt = by_src.get(m.dst)
        while nxt is not None and nxt.sku not in seen and nxt.sku not in done:
            chain.append(nxt)
            seen.add(nxt.sku)
            nxt = by_src.get(nxt.dst)
        if len(taken) + len(chain) <= max_moves:
            taken.extend(chain)
            done.update(x.sku for x in chain)
    return taken
