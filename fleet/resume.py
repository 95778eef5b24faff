"""A restarted controller takes its floor's work back from the ledger.

The ledger (``robocore.ledger``) is the controller's durable memory: every
order, reservation, pick and parcel is committed there as it happens. What
lives only in the controller's process — the pool, the tours, the agents'
totes, the pack stations' staging, the pack desk's carrier queue, the clock —
is lost when it dies. :func:`resume_floor` rebuilds the floor's work from the
ledger into a fresh :class:`fleet.controller.Controller`:

* **Clock.** The floor clock restarts one step after the ledger's last
  recorded change (``updated_at`` of the newest order), so floor time never
  runs backwards.
* **Open reservations** of released orders go back to the **pool**, whether
  they were in the pool or on a tour when the controller died: a tour is a
  plan in the dead controller's memory, and the robots' VDA 5050 orders hold
  only the next released cell (lockstep, horizon 0), nothing of the tour, so
  there is nothing to resume a tour from. Their lines are re-batched and
  picked once.
* **Picked, not packed units** (the ledger's picks of orders still
  ``picking``) are taken as **staged** at a pack station: the totes of the
  robots that carried them are unloaded at the restart (in the simulation a
  tote's content is the controller's bookkeeping; on a floor, the operators
  empty the totes at a station). The ledger already counts them picked, so
  they are neither picked again nor lost; an order whose last lines were all
  picked is packed and shipped at once, the others when their remaining
  lines arrive at a station.
* Orders confirmed but not yet released are released (as
  :meth:`~fleet.controller.Controller.receive` does); orders marked picked
  and not packed are packed and shipped.
* **Packed, not shipped.** An order the controller died packing (``packed``:
  the window between the pack desk's ``mark_packed`` and ``mark_shipped``)
  is shipped at the restart from the parcels the ledger holds (carton,
  weight, contents): service chosen against the order's promise, new
  tracking numbers and labels, carrier events queued
  (:meth:`fleet.packdesk.PackDesk.ship`, the desk's one shipping path).
* **Tracking numbers** continue after the highest serial the ledger's
  parcels carry (the desk reads it when it is built), so parcels shipped
  after the restart never repeat one shipped before it.
* **Shipped orders' carrier events** are rebuilt
  (:meth:`fleet.packdesk.PackDesk.resume`): the carrier simulator is
  deterministic in (seed, tracking, service choice), and the choice is
  rebuilt for each parcel's recorded service, weight and ship time, so
  those orders still reach ``delivered`` or ``exception`` at the times they
  would have. Events the dead controller had already played are harmless
  again (the desk applies them only to ``shipped`` orders; the outbox keeps
  one row per notification key).

Cancelled, rejected, backordered, delivered and excepted orders are only
remembered (so the shift's order stream does not submit them again and the
report counts them). KPIs that need the dead process's memory (cycle time
and on-time rate of orders shipped before the restart) cover the resumed
part.
"""

from __future__ import annotations

from datetime import datetime

from fleet.floortime import floor_seconds
from fleet.tours import FloorTask, ToteItem

__all__ = ["resume_floor", "resume_step"]

_FLOOR_STATES = ("released", "picking", "picked")


def resume_step(ledger, start: datetime) -> int:
    """The floor step to resume at: one after the newest order change in
    ``ledger``, counted in seconds from ``start`` (0 for an empty ledger)."""
    newest = max((floor_seconds(ledger.order(o.id).updated_at, start) for o in ledger.orders()), default=None)
    return 0 if newest is None else max(0, newest + 1)


def resume_floor(ctl) -> dict[str, int]:
    """Load the ledger's open work into ``ctl`` (a fresh controller on the same
    ledger and warehouse), set its clock, take back the tracking of shipped
    parcels, ship orders left packed, and pack orders whose units are all
    picked. Returns counts: ``orders``, ``pool_tasks``, ``staged_units``,
    ``released`` (orders released now), ``packed`` (orders packed and shipped
    now), ``shipped`` (orders left ``packed`` by the dead controller, shipped
    now), ``tracked`` (parcels shipped before the restart whose carrier
    events were rebuilt), ``untracked`` (shipped parcels whose events could
    not be rebuilt, see :meth:`fleet.packdesk.PackDesk.resume`), and ``step``
    (the step resumed at).

    The desk's ``resume()`` is optional (a desk without one keeps no carrier
    queue to rebuild); ``ship(order_id, now)`` is needed only when the ledger
    holds ``packed`` orders.

    Raises
    ------
    RuntimeError
        If ``ctl`` has already taken work (resume only a fresh controller).
    """
    if ctl.tasks or ctl.order_state or ctl.step_no:
        raise RuntimeError("resume_floor needs a fresh controller")
    led = ctl.ledger
    step = resume_step(led, ctl.start)
    ctl.step_no = step
    counts = {"orders": 0, "pool_tasks": 0, "staged_units": 0, "released": 0, "packed": 0, "shipped": 0,
              "tracked": 0, "untracked": 0, "step": step}
    follow = getattr(ctl.desk, "resume", None)
    if follow is not None:  # before shipping anything here: it follows the parcels already shipped
        tracked = follow()
        counts["tracked"], counts["untracked"] = tracked["parcels"], tracked["untracked"]
    complete, packed = [], []
    for summary in led.orders():
        rec = led.order(summary.id)
        counts["orders"] += 1
        ctl.order_state[rec.id] = rec.state
        if rec.state == "rejected":
            ctl.rejected[rec.id] = rec.reason
            continue
        if rec.state not in _FLOOR_STATES + ("allocated", "partially_allocated", "packed"):
            continue
        ctl.adopt_order(rec)
        if rec.state == "packed":
            packed.append(rec.id)
            continue
        if rec.state in ("allocated", "partially_allocated"):
            rec = led.release(rec.id, at=ctl.now())
            ctl.order_state[rec.id] = rec.state
            counts["released"] += 1
        picked = [ToteItem(task=r.id, order_id=rec.id, line_no=r.line_no, sku=r.sku, qty=r.picked)
                  for r in rec.reservations if not r.void and r.picked > 0]
        if picked:
            ctl.staged[rec.id] = picked
            counts["staged_units"] += sum(it.qty for it in picked)
        for pt in led.pick_list(ctl.warehouse, order_id=rec.id):
            if int(pt.qty) <= 0:
                continue
            ctl.tasks[int(pt.reservation_id)] = FloorTask(
                id=int(pt.reservation_id), order_id=pt.order_id, line_no=int(pt.line_no), sku=pt.sku,
                slot=pt.slot, cell=ctl.slot_cell[pt.slot], qty=int(pt.qty),
                priority=int(pt.priority))
            ctl.on_floor[rec.id] = ctl.on_floor.get(rec.id, 0) + 1
            counts["pool_tasks"] += 1
        if picked and not ctl.on_floor.get(rec.id):
            complete.append((rec.id, rec.state == "picked"))
    for oid in packed:
        ctl.ship_packed(oid)
        counts["shipped"] += 1
    for oid, marked in complete:
        ctl.on_floor[oid] = 0
        ctl.pack_staged(oid, mark_picked=not marked)
        counts["packed"] += 1
    return counts
