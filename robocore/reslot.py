"""Periodic re-slotting: which stocked slots to move where, and what it saves.

A warehouse stocked long ago drifts away from its velocity slotting: demand
shifts, new SKUs arrive wherever there was room. :func:`reslot_recommendation`
reads a warehouse's stock from the ledger, prices every slot of its layout
(:func:`pick_costs`: round trip from the nearest pack station),
and recommends the moves with the largest expected travel saving, with the
expected travel per day before and after.

Each *stocked slot* is one item to place. Picks are assumed to draw from a
SKU's cheapest slot first (as the ledger does with pick ranks, see
``docs/forecasting.md``), so over the review horizon a SKU with velocity
``v`` units a day draws ``min(on_hand, v * horizon - units in its cheaper
slots)`` units from each slot; a slot's velocity is that over the horizon.
The moves come from ``planner.slotting.reslot_plan`` on these per-slot
velocities: a move carries a slot's whole contents to another slot (empty
or itself moving), never two SKUs into one slot.

Velocity is the ledger's demand forecast (``planner.forecast``) averaged
over the horizon, or given directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from robocore.errors import InputError

__all__ = ["SlotMove", "ReslotReport", "pick_costs", "slot_velocities", "reslot_recommendation", "forecast_velocity"]


@dataclass(frozen=True)
class SlotMove:
    """Move the contents of slot ``src`` (``qty`` units of ``sku``) to slot
    ``dst``; ``saving`` is the expected travel saved per day, in moves."""

    sku: str
    src: str
    dst: str
    qty: int
    saving: float


@dataclass(frozen=True)
class ReslotReport:
    """A recommendation: ``moves`` (largest saving first) and the expected
    travel per day (moves; one round trip from the nearest pack station per
    unit picked) now and after the moves."""

    warehouse: str
    horizon_days: float
    moves: tuple[SlotMove, ...]
    travel_now: float
    travel_after: float

    @property
    def saving_fraction(self) -> float:
        """Share of today's expected travel the moves save (0 when there is none)."""
        return 0.0 if self.travel_now <= 0 else 1.0 - self.travel_after / self.travel_now


def pick_costs(layout) -> np.ndarray:
    """Per slot of ``layout``, the round trip from the nearest pack station:
    a robot's (``planner.slotting.slot_costs``), or a human picker's for
    slots only humans reach (``HUMAN_ONLY`` aisles); ``inf`` if neither."""
    from planner.slotting import slot_costs

    cost = slot_costs(layout)
    if not np.isfinite(cost).all():
        cost = np.where(np.isfinite(cost), cost, slot_costs(layout, human=True))
    return cost


def slot_velocities(stock: list[tuple[str, int, float]], velocity: float, horizon_days: float) -> list[float]:
    """Units a day drawn from each of one SKU's slots over ``horizon_days``.

    ``stock`` rows are ``(slot, on_hand, cost)``; the SKU sells ``velocity``
    units a day and picks draw from its cheapest slot first (ties: the order
    given). Returns one velocity per row, in the order given.
    """
    if not horizon_days > 0:
        raise ValueError(f"horizon_days must be positive, got {horizon_days!r}")
    left = max(float(velocity), 0.0) * float(horizon_days)
    out = [0.0] * len(stock)
    for k in sorted(range(len(stock)), key=lambda k: (stock[k][2], k)):
        take = min(float(max(stock[k][1], 0)), left)
        out[k] = take / horizon_days
        left -= take
    return out


def forecast_velocity(ledger_path, *, horizon_days: int) -> dict[str, float]:
    """Mean forecast units a day over the next ``horizon_days`` per SKU of a
    ledger's demand history (``planner.forecast.forecast_demand``). Raises
    :class:`InputError` when the ledger holds no orders."""
    from planner.forecast import forecast_demand
    from robocore.demand import ledger_demand_history

    hist = ledger_demand_history(ledger_path)
    res = forecast_demand(hist.demand, horizon=int(horizon_days), starts=hist.starts)
    return {sku: float(np.mean(res.mean[k])) for k, sku in enumerate(hist.skus)}


def reslot_recommendation(ledger, layout, *, warehouse: str, velocity: Mapping[str, float],
                          horizon_days: float = 7.0, max_moves: int | None = None) -> ReslotReport:
    """Recommend slot moves for ``warehouse`` (see the module docs).

    ``layout`` is the warehouse's floor (its slot ids are the ledger's
    locations); ``velocity`` maps SKU -> units a day (SKUs missing from it
    count as 0). Raises :class:`InputError` for an unknown warehouse, a
    stocked slot the layout does not have, a bad horizon or move limit.
    """
    from planner.slotting import reslot_plan

    if not horizon_days > 0:
        raise InputError(f"--horizon must be positive, got {horizon_days!r}")
    if max_moves is not None and max_moves < 1:
        raise InputError(f"--max-moves must be at least 1, got {max_moves!r}")
    if warehouse not in {w.id for w in ledger.warehouses()}:
        raise InputError(f"unknown warehouse {warehouse!r}")
    slots = [s.id for s in layout.slots]
    index = {sid: i for i, sid in enumerate(slots)}
    cost = pick_costs(layout)
    rows = [r for r in ledger.stock(warehouse=warehouse) if r.on_hand > 0]
    for r in rows:
        if r.slot not in index:
            raise InputError(f"stocked slot {r.slot!r} of {warehouse} is not in layout {layout.name!r}")
        if not np.isfinite(cost[index[r.slot]]):
            raise InputError(f"stocked slot {r.slot!r} of {warehouse} cannot be reached from a pack station "
                             f"in layout {layout.name!r}")
    by_sku: dict[str, list[int]] = {}
    for k, r in enumerate(rows):
        by_sku.setdefault(r.sku, []).append(k)
    vel = np.zeros(len(rows))
    for sku, ks in by_sku.items():
        vs = slot_velocities([(rows[k].slot, rows[k].on_hand, float(cost[index[rows[k].slot]])) for k in ks],
                             float(velocity.get(sku, 0.0)), horizon_days)
        vel[ks] = vs
    current = np.array([index[r.slot] for r in rows], dtype=np.int64)
    if not len(rows):
        return ReslotReport(warehouse, float(horizon_days), (), 0.0, 0.0)
    plan, now, after = reslot_plan(vel, current, cost, max_moves=max_moves)
    moves = tuple(SlotMove(sku=rows[m.sku].sku, src=slots[m.src], dst=slots[m.dst], qty=int(rows[m.sku].on_hand),
                           saving=round(m.saving, 6)) for m in plan)
    return ReslotReport(warehouse, float(horizon_days), moves, now, after)
