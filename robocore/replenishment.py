"""Forecast-driven replenishment against the ledger.

For each SKU and warehouse with a forecast, compare the inventory position
with the stock levels of :mod:`planner.replenishment` and, at or below the
reorder point, bring it back up to the order-up-to level:

* first by a **transfer** from another warehouse holding stock above its own
  order-up-to level (arrives after ``transfer_days``), then
* by a **purchase** (inbound from the supplier, arrives after
  ``lead_time_days``).

Inventory position = on hand - reserved + open inbound - backlog, where the
backlog of a SKU (backordered units waiting for stock) is charged to the
first warehouse listed for that SKU (its primary warehouse). Applying a plan
writes open inbound rows to the ledger (a transfer also takes the units off
the source shelves as an adjustment), then re-allocates the SKU's
backorders, which gives every backordered line its expected date from the
open inbound that will cover it (and tells the customer through the outbox).
Stock is available to orders only once the inbound is on a slot: on the
floor it arrives at a dock (``Ledger.dock_inbound``) and the fleet's putaway
drops it on a slot (``Ledger.put_away``, see ``fleet.putaway``); without a
floor, ``Ledger.receive_inbound`` does both at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Mapping, Sequence

from planner.replenishment import StockLevels, levels_from_forecast, order_quantity

__all__ = ["ReplenishmentAction", "plan_replenishment", "apply_replenishment"]


@dataclass(frozen=True)
class ReplenishmentAction:
    """Bring ``qty`` units of ``sku`` to ``warehouse`` by ``expected``.

    ``kind`` is ``"purchase"`` (from the supplier) or ``"transfer"`` (from
    ``source``, another warehouse). ``position`` and ``levels`` record why.
    """

    kind: str
    sku: str
    warehouse: str
    qty: int
    expected: date
    source: str | None
    position: float
    levels: StockLevels


def _stock_by(ledger, sku: str) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = {}
    for row in ledger.stock(sku):
        acc = out.setdefault(row.warehouse, [0, 0])
        acc[0] += row.on_hand
        acc[1] += row.reserved
    return {w: (a[0], a[1]) for w, a in out.items()}


def plan_replenishment(ledger, forecasts: Mapping[tuple[str, str], tuple[Sequence[float], float]] | None, *,
                       today: date, lead_time_days: float = 7.0, transfer_days: float = 2.0,
                       review_days: float = 7.0, service_level: float = 0.95, pack: int = 1,
                       levels: Mapping[tuple[str, str], StockLevels] | None = None) -> list[ReplenishmentAction]:
    """Replenishment actions for every ``(sku, warehouse)`` in ``forecasts``.

    ``forecasts[(sku, warehouse)] = (mean_daily, sigma_daily)``: the daily
    demand forecast from tomorrow on (a sequence or one number) and the daily
    error spread, for that SKU served from that warehouse. The first warehouse
    listed for a SKU is its primary one and carries the SKU's backlog.
    ``levels`` instead gives the stock levels directly (a fixed reorder point
    policy, :func:`planner.replenishment.fixed_levels`); then ``forecasts``
    may be None. Open inbound counts units received at a dock and not yet
    put away (``Ledger.receipts``). Reads the ledger; writes nothing.
    """
    keys = list(levels) if levels is not None else list(forecasts or ())
    by_sku: dict[str, list[str]] = {}
    for sku, wh in keys:
        by_sku.setdefault(sku, []).append(wh)
    actions: list[ReplenishmentAction] = []
    backlog = ledger.backlog()
    docked: dict[tuple[str, str], int] = {}
    for r in ledger.receipts():
        docked[(r.sku, r.warehouse)] = docked.get((r.sku, r.warehouse), 0) + r.at_dock
    given = levels
    for sku, whs in by_sku.items():
        stock = _stock_by(ledger, sku)
        inbound: dict[str, int] = {w: docked.get((sku, w), 0) for w in whs}
        for _, _, w, q, _ in ledger.open_inbound(sku):
            inbound[w] = inbound.get(w, 0) + q
        if given is not None:
            levels = {w: given[(sku, w)] for w in whs}
        else:
            levels = {w: levels_from_forecast(*forecasts[(sku, w)], lead_time_days=lead_time_days,
                                              review_days=review_days, service_level=service_level) for w in whs}
        position = {}
        for i, w in enumerate(whs):
            on_hand, reserved = stock.get(w, (0, 0))
            position[w] = on_hand - reserved + inbound.get(w, 0) - (backlog.get(sku, 0) if i == 0 else 0)
        # surplus available for transfers: free stock above the source's own order-up-to level
        surplus = {w: max(0, int(stock.get(w, (0, 0))[0] - stock.get(w, (0, 0))[1]
                                 - max(levels[w].order_up_to - inbound.get(w, 0), 0)))
                   for w in whs}
        for w in whs:
            need = order_quantity(position[w], levels[w], pack=pack)
            if need <= 0:
                continue
            for src in sorted((s for s in whs if s != w and surplus[s] > 0), key=lambda s: -surplus[s]):
                q = min(need, surplus[src])
                if q <= 0:
                    continue
                surplus[src] -= q
                need -= q
                actions.append(ReplenishmentAction("transfer", sku, w, int(q), today + timedelta(days=transfer_days),
                                                   src, float(position[w]), levels[w]))
                if need <= 0:
                    break
            if need > 0:
                actions.append(ReplenishmentAction("purchase", sku, w, int(need), today + timedelta(days=lead_time_days),
                                                   None, float(position[w]), levels[w]))
    return actions


def apply_replenishment(ledger, actions: Sequence[ReplenishmentAction], *, at: datetime | None = None,
                        due_at: datetime | None = None) -> list[int]:
    """Write the actions to the ledger; returns the new inbound ids.

    A transfer first takes its units off the source warehouse's shelves (most
    free stock first; an adjustment with reason ``transfer to W``), then opens
    the inbound at the destination. Afterwards the backorders of every SKU
    touched are re-allocated, which dates them from the new inbound.
    ``due_at`` makes every inbound due at that time (its expected date is
    then ``due_at``'s; in-shift replenishment with lead times in hours).
    """
    if due_at is not None:
        actions = [replace(a, expected=due_at.date()) for a in actions]
    ids = []
    for a in actions:
        if a.kind == "transfer":
            left = a.qty
            rows = sorted((r for r in ledger.stock(a.sku, warehouse=a.source) if r.available > 0),
                          key=lambda r: (-r.available, r.slot))
            for r in rows:
                take = min(left, r.available)
                ledger.adjust(a.source, r.slot, a.sku, -take, f"transfer to {a.warehouse}", at=at)
                left -= take
                if left == 0:
                    break
            moved = a.qty - left
            if moved <= 0:
                continue
            ids.append(ledger.add_inbound(a.sku, a.warehouse, moved, a.expected, due_at=due_at, at=at))
        elif a.kind == "purchase":
            ids.append(ledger.add_inbound(a.sku, a.warehouse, a.qty, a.expected, due_at=due_at, at=at))
        else:
            raise ValueError(f"unknown replenishment action kind {a.kind!r}")
    for sku in sorted({a.sku for a in actions}):
        ledger.retry_backorders(sku=sku, at=at)
    return ids
