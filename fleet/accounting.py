"""Line accounting: every unit of every order line is in exactly one place.

The places, per order line, in units:

=============  ================================================================
``reserved``   reserved on the shelf, released to the floor, not yet on a tour
``on_tour``    reserved, on an agent's tour, not yet picked
``in_tote``    picked, riding in an agent's tote
``staged``     dropped at a pack station, waiting for the rest of its order
``packed``     in a parcel, not yet handed to the carrier
``shipped``    handed to the carrier (shipped or delivered)
``backordered``  not reserved: waiting for stock
``cancelled``  the order was cancelled, or the line's backordered remainder cut
``rejected``   the order was rejected at intake (never touched stock)
=============  ================================================================

:func:`line_places` derives the places from the controller's own structures
(the pool, the agents' jobs and totes, the pack stations' staging) and the
ledger's order records; :func:`check_lines` proves that

* every floor task and every tote item is held by exactly one holder,
* a task on a tour is on the tour of the agent it names, and vice versa,
* per line, the places add up to the line's quantity, and
* they agree with the ledger: open reservations = ``reserved + on_tour``,
  picked and not shipped or returned = ``in_tote + staged + packed``,
  shipped = ``shipped``;
* with putaway on the floor (``fleet.putaway``), every received inbound unit
  is at the dock, on a robot or on a slot, as the ledger's receipts say.
"""

from __future__ import annotations

from collections import Counter
from enum import IntEnum

from fleet.putaway import putaway_errors

__all__ = ["Place", "LineError", "line_places", "check_lines"]


class Place(IntEnum):
    RESERVED = 0
    ON_TOUR = 1
    IN_TOTE = 2
    STAGED = 3
    PACKED = 4
    SHIPPED = 5
    BACKORDERED = 6
    CANCELLED = 7
    REJECTED = 8


class LineError(AssertionError):
    """An order line whose units are not each in exactly one place (a
    controller bug). The message lists every violation found."""


def _floor_units(ctl) -> tuple[dict, list[str]]:
    """Units per (order, line) and place held on the floor, and holder errors."""
    errors: list[str] = []
    units: dict[tuple[str, int], Counter] = {}

    def add(order_id, line_no, place, qty):
        units.setdefault((order_id, int(line_no)), Counter())[place] += int(qty)

    on_tours: dict[int, int] = {}
    for a, job in enumerate(ctl.jobs):
        if job is None:
            continue
        for tid in job.remaining_tasks:
            if tid in on_tours:
                errors.append(f"task {tid} is on the tours of agents {on_tours[tid]} and {a}")
            on_tours[tid] = a
    for tid, task in ctl.tasks.items():
        if task.qty <= 0:
            errors.append(f"task {tid} has {task.qty} units")
        if task.agent < 0:
            if tid in on_tours:
                errors.append(f"task {tid} is in the pool and on agent {on_tours[tid]}'s tour")
            add(task.order_id, task.line_no, Place.RESERVED, task.qty)
        else:
            if on_tours.get(tid) != task.agent:
                errors.append(f"task {tid} names agent {task.agent} but is on {on_tours.get(tid)}'s tour")
            add(task.order_id, task.line_no, Place.ON_TOUR, task.qty)
    for tid, a in on_tours.items():
        if tid not in ctl.tasks:
            errors.append(f"agent {a}'s tour holds task {tid}, which is not open")
    seen_items: dict[int, str] = {}
    for a, tote in enumerate(ctl.totes):
        for it in tote:
            where = f"agent {a}'s tote"
            if it.task in seen_items:
                errors.append(f"tote item of task {it.task} is in {seen_items[it.task]} and {where}")
            seen_items[it.task] = where
            add(it.order_id, it.line_no, Place.IN_TOTE, it.qty)
    for oid, items in ctl.staged.items():
        for it in items:
            where = f"staging of order {oid}"
            if it.task in seen_items:
                errors.append(f"tote item of task {it.task} is in {seen_items[it.task]} and {where}")
            seen_items[it.task] = where
            add(it.order_id, it.line_no, Place.STAGED, it.qty)
    counts: dict[str, int] = {}
    for task in ctl.tasks.values():
        counts[task.order_id] = counts.get(task.order_id, 0) + 1
    for tote in ctl.totes:
        for it in tote:
            counts[it.order_id] = counts.get(it.order_id, 0) + 1
    for oid in set(counts) | {o for o, n in getattr(ctl, "on_floor", {}).items() if n}:
        if counts.get(oid, 0) != ctl.on_floor.get(oid, 0):
            errors.append(f"order {oid!r}: {counts.get(oid, 0)} tasks and tote items on the floor, "
                          f"the controller counts {ctl.on_floor.get(oid, 0)}")
    return units, errors


def line_places(ctl, records=None) -> dict[tuple[str, int], dict[Place, int]]:
    """Units of every order line by :class:`Place`.

    ``records`` are the ledger's ``OrderRecord`` s (default: every order the
    controller has received, read from its ledger).
    """
    units, _ = _floor_units(ctl)
    return _places(ctl, units, _records(ctl, records))


def _records(ctl, records):
    if records is not None:
        return list(records)
    return [ctl.ledger.order(oid) for oid in ctl.order_state]


def _places(ctl, floor: dict, records) -> dict:
    out: dict[tuple[str, int], dict[Place, int]] = {}
    for rec in records:
        for ln in rec.lines:
            key = (rec.id, int(ln.line_no))
            c = Counter(floor.get(key, {}))
            if rec.state == "rejected":
                c[Place.REJECTED] += ln.qty
            elif rec.state == "cancelled":
                c[Place.CANCELLED] += ln.qty
            else:
                c[Place.BACKORDERED] += ln.backordered
                c[Place.CANCELLED] += ln.short
                c[Place.SHIPPED] += ln.shipped
                if rec.state == "packed":
                    c[Place.PACKED] += ln.picked - ln.shipped - ln.returned
            out[key] = {p: int(c.get(p, 0)) for p in Place}
    return out


def check_lines(ctl, records=None) -> int:
    """Prove every unit of every order line is in exactly one place.

    Returns the number of lines checked. Raises :class:`LineError` listing
    every violation.
    """
    floor, errors = _floor_units(ctl)
    recs = _records(ctl, records)
    known = set()
    places = _places(ctl, floor, recs)
    for rec in recs:
        for ln in rec.lines:
            key = (rec.id, int(ln.line_no))
            known.add(key)
            p = places[key]
            total = sum(p.values())
            if total != ln.qty:
                errors.append(f"order {rec.id!r} line {ln.line_no}: places hold {total} units, line has {ln.qty}: "
                              + ", ".join(f"{k.name.lower()} {v}" for k, v in p.items() if v))
            if rec.state in ("rejected", "cancelled"):
                if floor.get(key):
                    errors.append(f"order {rec.id!r} line {ln.line_no}: {rec.state} but still on the floor")
                continue
            open_res = sum(r.qty - r.picked for r in rec.reservations if r.line_no == ln.line_no and not r.void)
            if open_res != p[Place.RESERVED] + p[Place.ON_TOUR]:
                errors.append(f"order {rec.id!r} line {ln.line_no}: ledger has {open_res} units reserved, "
                              f"floor has {p[Place.RESERVED]} in the pool and {p[Place.ON_TOUR]} on tours")
            held = ln.picked - ln.shipped - ln.returned
            if held != p[Place.IN_TOTE] + p[Place.STAGED] + p[Place.PACKED]:
                errors.append(f"order {rec.id!r} line {ln.line_no}: ledger has {held} units picked and not shipped, "
                              f"floor has {p[Place.IN_TOTE]} in totes, {p[Place.STAGED]} staged, {p[Place.PACKED]} packed")
    for key in floor:
        if key not in known:
            errors.append(f"order {key[0]!r} line {key[1]}: on the floor but unknown to the ledger")
    errors += putaway_errors(ctl)  # received inbound: at the dock, on a robot, on a slot
    if errors:
        raise LineError("; ".join(errors[:20]) + (f"; ... {len(errors) - 20} more" if len(errors) > 20 else ""))
    return len(known)
