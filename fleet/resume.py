"""A restarted controller takes its floor's work back from the ledger.

The ledger (``robocore.ledger``) is the controller's durable memory: every
order, reservation and pick is committed there as it happens. What lives only
in the controller's process — the pool, the tours, the agents' totes, the
pack stations' staging, the clock — is lost when it dies. :func:`resume_floor`
rebuilds the floor's work from the ledger into a fresh
:class:`fleet.controller.Controller`:

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
* An order the controller died packing (``packed``, not ``shipped``: the
  window between the two ledger writes of ``fleet.packdesk``) stays
  ``packed``: its parcels' carrier and tracking were in the dead process.

Shipped, cancelled, rejected and backordered orders are only remembered (so
the shift's order stream does not submit them again and the report counts
them); the carrier's tracking events of parcels shipped before the restart
are not replayed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from fleet.tours import FloorTask, ToteItem

__all__ = ["resume_floor", "resume_step"]

_FLOOR_STATES = ("released", "picking", "picked")


def _naive_utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo is not None else t


def resume_step(ledger, start: datetime) -> int:
    """The floor step to resume at: one after the newest order change in
    ``ledger``, counted in seconds from ``start`` (0 for an empty ledger)."""
    newest = None
    for o in ledger.orders():
        rec = ledger.order(o.id)
        t = _naive_utc(rec.updated_at)
        newest = t if newest is None or t > newest else newest
    if newest is None:
        return 0
    return max(0, int((newest - _naive_utc(start)).total_seconds()) + 1)


def resume_floor(ctl) -> dict[str, int]:
    """Load the ledger's open work into ``ctl`` (a fresh controller on the same
    ledger and warehouse), set its clock, and pack orders whose units are all
    picked. Returns counts: ``orders``, ``pool_tasks``, ``staged_units``,
    ``released`` (orders released now), ``packed`` (orders packed now), and
    ``step`` (the step resumed at).

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
    counts = {"orders": 0, "pool_tasks": 0, "staged_units": 0, "released": 0, "packed": 0, "step": step}
    complete = []
    for summary in led.orders():
        rec = led.order(summary.id)
        counts["orders"] += 1
        ctl.order_state[rec.id] = rec.state
        if rec.state == "rejected":
            ctl.rejected[rec.id] = rec.reason
            continue
        if rec.state not in _FLOOR_STATES + ("allocated", "partially_allocated"):
            continue
        created = _naive_utc(rec.created_at)
        received = max(0, int((created - _naive_utc(ctl.start)).total_seconds()))
        ctl.floor_orders[rec.id] = {"received": min(received, step), "promise": ctl.desk.promise(rec, created)}
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
    for oid, marked in complete:
        ctl.on_floor[oid] = 0
        ctl.pack_staged(oid, mark_picked=not marked)
        counts["packed"] += 1
    return counts
