"""Putaway: inbound stock from the dock to the slots, carried by the fleet.

An inbound (``Ledger.add_inbound``) arrives when its due time is reached
(``Ledger.due_inbound``): :meth:`Putaway.tick` receives it at a dock cell of
the layout (``Ledger.dock_inbound``; on hand at the dock, not allocatable),
chooses the slot it goes to and splits it into :class:`PutawayTask` s of at
most ``load_units`` units (one robot load each). Idle robots take the tasks
(:meth:`Putaway.assign`): travel to the dock, a load action there (a
``PICK`` of the load's units), travel to the slot's pick cell, a drop action
(``DROP``). Only the drop makes the units stock (``Ledger.put_away``, one
transaction), and the ledger then allocates the backorders waiting for that
SKU; the controller releases the orders it allocated to the floor.

Where every received unit is, at every tick (:func:`putaway_errors` proves it):

* **at the dock**: its task is in the pool, or on a robot's job and not yet loaded;
* **on a robot**: loaded, on the way to its slot (a robot faulted with a load
  keeps it, and carries it on when the fault clears);
* **on a slot**: put away (``receipts.stored`` in the ledger).

Priority against pick tours (every ``assign_every`` steps): *urgent* putaways
(the SKU has backordered units waiting, or the task has waited
``urgent_after_s``) take the nearest idle robots first; then pick tours are
batched for the idle agents left; then the other putaways take the robots
still idle. Humans do not put away. One robot at a time works a dock (docks
are one-cell alcoves): a dock's next task is handed out once the robot before
has loaded and left the dock cell.

Slot choice for a receipt: a slot already holding the SKU with room for the
units (the cheapest such slot: nearest the dock, or with velocity slotting
nearest the pack stations); else a free slot (no stock, not claimed by another
pending putaway): the nearest to the dock, or with velocity slotting the
free slot whose rank among the free slots (cheapest to pick first) matches the
SKU's velocity rank (fast movers in the cheap slots). See ``docs/putaway.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from fleet.floortime import floor_seconds
from fleet.link import Command
from robocore.agents import AgentState
from robocore.errors import InputError
from robocore.motion import Action, EventKind

__all__ = ["PutawayConfig", "PutawayTask", "Putaway", "putaway_errors"]

S = AgentState


@dataclass(frozen=True, kw_only=True)
class PutawayConfig:
    """Putaway settings (times in steps = seconds of floor time, loads in units)."""

    check_every: int = 30  #: look for arrived inbound this often
    load_units: int = 40  #: units a robot carries per trip
    urgent_after_s: int = 1800  #: a task waiting this long goes before pick tours
    slotting: str = "nearest"  #: "nearest" (free slot nearest the dock) or "velocity"

    def __post_init__(self) -> None:
        if self.check_every < 1:
            raise ValueError(f"check_every must be >= 1 step, got {self.check_every}")
        if self.load_units < 1:
            raise ValueError(f"load_units must be >= 1, got {self.load_units}")
        if self.urgent_after_s < 0:
            raise ValueError(f"urgent_after_s must be >= 0, got {self.urgent_after_s}")
        if self.slotting not in ("nearest", "velocity"):
            raise ValueError(f"putaway slotting must be 'nearest' or 'velocity', got {self.slotting!r}")


@dataclass
class PutawayTask:
    """One robot load: ``qty`` units of ``sku`` of dock receipt ``receipt``,
    from flat cell ``dock`` to ``slot`` (reached from flat cell ``cell``).
    ``agent`` is -1 while the task waits in the pool; ``loaded`` once the
    units are on the robot."""

    id: int
    receipt: int
    sku: str
    qty: int
    dock: int
    slot: str
    cell: int
    created: int  #: step the units arrived at the dock
    agent: int = -1
    loaded: bool = False


class Putaway:
    """Putaway work of one controller's floor (attach as ``controller.putaway``).

    Parameters
    ----------
    ctl: the :class:`fleet.controller.Controller` (its layout must have a dock).
    config: :class:`PutawayConfig`.
    velocity: SKU -> velocity rank in [0, 1] (0 = fastest mover), used with
        ``config.slotting == "velocity"``; SKUs not listed count as slowest.

    Raises ``InputError`` if the layout has no dock.
    """

    def __init__(self, ctl, *, config: PutawayConfig = PutawayConfig(), velocity: Mapping[str, float] | None = None):
        from planner.distance import bfs_distances
        from planner.slotting import slot_costs

        layout = ctl.layout
        g = ctl.grid
        if not layout.docks:
            raise InputError(f"layout {layout.name!r} has no dock: inbound cannot be received")
        self.config = config
        self.velocity = dict(velocity or {})
        self.dock_ids = [d.id for d in layout.docks]
        self.dock_cells = np.array([g.index(d.cell) for d in layout.docks], dtype=np.int64)
        ok = g.passable_flat
        self.dock_dist = np.stack([bfs_distances(ok, g.rows, g.cols, int(c)) for c in self.dock_cells])
        self.slot_ids = [s.id for s in layout.slots]
        self.slot_index = {s.id: i for i, s in enumerate(layout.slots)}
        self.slot_access = np.array([g.index(s.access) for s in layout.slots], dtype=np.int64)
        self.slot_capacity = np.array([s.capacity for s in layout.slots], dtype=np.int64)
        self.slot_cost = slot_costs(layout)  # round trip from the nearest pack station
        reach = np.isfinite(self.slot_cost)
        for k in range(len(self.dock_cells)):
            reach &= self.dock_dist[k][self.slot_access] < (1 << 29)
        self.reachable = reach
        self.holding = [self._holding_cells(ctl, k) for k in range(len(self.dock_cells))]
        self.tasks: dict[int, PutawayTask] = {}
        self.by_agent: dict[int, int] = {}  # agent -> task id
        self.acting: set[int] = set()  # agents with a load or drop action in flight
        self.dock_busy: dict[int, int] = {}  # dock index -> agent working it (until it has loaded and left)
        self.claimed: dict[str, str] = {}  # free slot -> SKU of the pending putaway that will fill it
        self._next_id = 1
        self._last = {}  # agent -> cell at the last tick (putaway travel)
        # statistics
        self.received_units = 0
        self.receipts = 0
        self.putaways = 0  #: drops on slots
        self.units_put_away = 0
        self.moves = 0  #: cells travelled on putaway jobs (to the dock and on to the slot)
        self.released_orders = 0  #: backordered orders allocated by a drop and released to the floor
        self.resumed_receipts = 0  #: open receipts taken back from the ledger after a restart (:meth:`resume`)
        self.resumed_units = 0  #: their units (at the dock, or on a robot when the controller died)

    # ---------------------------------------------------------------- arrivals
    def tick(self, ctl) -> None:
        """Once per step, before the controller plans: count putaway travel,
        free docks whose robot has loaded and left, and (every ``check_every``
        steps) receive the inbound that has arrived."""
        for a, tid in self.by_agent.items():
            cell = int(ctl.pos[a])
            if self._last.get(a, cell) != cell:
                self.moves += 1
            self._last[a] = cell
        for k, a in list(self.dock_busy.items()):
            tid = self.by_agent.get(a)
            if tid is None or (self.tasks[tid].loaded and int(ctl.pos[a]) != int(self.dock_cells[k])):
                del self.dock_busy[k]
        for k, a in self.dock_busy.items():
            self._approach(ctl, k, a)
        if ctl.step_no % self.config.check_every == 0:
            self.receive_due(ctl)

    def _holding_cells(self, ctl, k: int, *, near: int = 3, count: int = 8) -> list[int]:
        """Floor cells ``near`` or more moves from dock ``k``, nearest first, where
        a robot waits while another stands on the dock (never slot access,
        station, charger or dock cells, or robots' parking cells)."""
        from robocore.grid import CellKind

        kinds = ctl.grid.kinds.ravel()
        d = self.dock_dist[k].astype(np.int64)
        ok = ((kinds == CellKind.FREE) | (kinds == CellKind.ENDPOINT)) & (d >= near) & (d < 1 << 29)
        skip = set(int(c) for c in self.slot_access) | set(int(h) for h in ctl.homes)
        cand = [int(c) for c in np.flatnonzero(ok) if int(c) not in skip]
        cand.sort(key=lambda c: (int(d[c]), c))
        return cand[:count]

    def _approach(self, ctl, k: int, a: int) -> None:
        """Robot ``a`` works dock ``k``: before loading it heads for the dock only
        while no other agent stands on it (a dock is a dead end: one leaving it
        cannot swap with one coming in), else for a holding cell nearby."""
        t = self.tasks[self.by_agent[a]]
        if t.loaded or ctl.state[a] != S.PUTAWAY:
            return
        dock = int(self.dock_cells[k])
        others = np.flatnonzero(ctl.pos == dock)
        if others.size == 0 or int(others[0]) == a or not self.holding[k]:
            goal = dock
        else:
            taken = {int(g) for b, g in enumerate(ctl.goals) if b != a}
            goal = next((c for c in self.holding[k] if c not in taken), self.holding[k][0])
            if int(ctl.goals[a]) in self.holding[k]:
                goal = int(ctl.goals[a])
        if int(ctl.goals[a]) != goal:
            ctl.goals[a] = goal
            ctl.link.set_goal(a, goal)

    def receive_due(self, ctl) -> int:
        """Receive every inbound of the floor's warehouse due by now at a dock;
        returns the number of receipts made."""
        now = ctl.now()
        made = 0
        due = ctl.ledger.due_inbound(ctl.warehouse, now=now)
        view = self._stock_view(ctl) if due else None
        for inbound_id, sku, qty in due:
            k = self._pick_dock()
            rid = ctl.ledger.dock_inbound(inbound_id, self.dock_ids[k], at=now)
            self._add_loads(ctl, rid, sku, qty, k, view, created=ctl.step_no)
            self.received_units += qty
            self.receipts += 1
            made += 1
        return made

    def _add_loads(self, ctl, rid: int, sku: str, qty: int, k: int, view: dict, *, created: int) -> None:
        """Choose the slot for ``qty`` units of receipt ``rid`` waiting at dock
        ``k`` (claiming it if free) and add their robot loads to the pool."""
        slot = self._choose_slot(ctl, sku, qty, k, view)
        self.claimed.setdefault(slot, sku)
        left = qty
        while left > 0:
            n = min(self.config.load_units, left)
            left -= n
            self.tasks[self._next_id] = PutawayTask(
                id=self._next_id, receipt=rid, sku=sku, qty=n, dock=int(self.dock_cells[k]), slot=slot,
                cell=int(self.slot_access[self.slot_index[slot]]), created=created)
            self._next_id += 1

    def resume(self, ctl) -> dict[str, int]:
        """Take back the putaway work of a controller that died, from the ledger
        (call on a fresh ``Putaway`` attached to the restarted controller, after
        ``fleet.resume.resume_floor`` has set its clock).

        Every open receipt of the floor's warehouse (``Ledger.receipts``) has
        ``qty - stored`` units not yet on a slot. They were at the dock, or on a
        robot when the controller died: the loads on robots count as **back at
        the dock** (the dead controller's tasks lived only in its memory; on a
        floor the operators return the loads to the receipt's dock, the same rule
        ``fleet.resume`` applies to totes). Each receipt's units are split into
        robot loads at its dock, to a slot chosen as :meth:`receive_due` does
        (the dead process's slot claims are rebuilt from these loads). A load's
        waiting time counts from the receipt's time at the dock. The clock moves
        on to one step after the ledger's newest receipt or drop if it is behind
        it (``fleet.resume`` dates the restart from the orders only), so floor
        time never runs backwards. Then the inbound that came due while the
        controller was down is received.

        Returns counts: ``receipts`` and ``units`` taken back, ``loads`` made,
        ``received`` (receipts made now of inbound already due) and ``step``
        (the floor step resumed at).

        Raises ``RuntimeError`` if this ``Putaway`` already has tasks, and
        ``InputError`` if a receipt's dock is not on the layout (resume on the
        layout the shift ran on).
        """
        if self.tasks:
            raise RuntimeError("Putaway.resume needs a fresh Putaway (it already has tasks)")
        last = ctl.ledger.last_dock_change(warehouse=ctl.warehouse)
        if last is not None:  # floor time never runs backwards: resume after the newest receipt or drop too
            ctl.step_no = max(ctl.step_no, floor_seconds(last, ctl.start) + 1)
        open_ = ctl.ledger.receipts(warehouse=ctl.warehouse)
        view = self._stock_view(ctl) if open_ else None
        counts = {"receipts": 0, "units": 0, "loads": 0, "received": 0}
        for r in open_:
            if r.dock not in self.dock_ids:
                raise InputError(f"receipt {r.id}: dock {r.dock!r} is not on layout {ctl.layout.name!r}")
            k = self.dock_ids.index(r.dock)
            waited = floor_seconds(r.at, ctl.start)
            before = len(self.tasks)
            self._add_loads(ctl, r.id, r.sku, r.at_dock, k, view, created=min(max(waited, 0), ctl.step_no))
            counts["receipts"] += 1
            counts["units"] += r.at_dock
            counts["loads"] += len(self.tasks) - before
        self.resumed_receipts += counts["receipts"]
        self.resumed_units += counts["units"]
        counts["received"] = self.receive_due(ctl)
        counts["step"] = ctl.step_no
        return counts

    def _pick_dock(self) -> int:
        """The dock with the fewest units waiting (lowest index on ties)."""
        load = np.zeros(len(self.dock_cells), dtype=np.int64)
        for t in self.tasks.values():
            if not t.loaded:
                load[int(np.flatnonzero(self.dock_cells == t.dock)[0])] += t.qty
        return int(np.argmin(load))

    def _stock_view(self, ctl) -> dict:
        """What slot choice reads, fetched once per batch of receipts: units on
        hand per slot, the occupied slots, each SKU's slots, and the units of
        pending putaways per slot."""
        on_hand: dict[str, int] = {}
        occupied: set[str] = set()
        own: dict[str, list[int]] = {}
        for r in ctl.ledger.stock(warehouse=ctl.warehouse):
            on_hand[r.slot] = on_hand.get(r.slot, 0) + r.on_hand
            if r.on_hand > 0 or r.reserved > 0:
                occupied.add(r.slot)
            if r.slot in self.slot_index:
                own.setdefault(r.sku, []).append(self.slot_index[r.slot])
        pending: dict[str, int] = {}
        for t in self.tasks.values():
            pending[t.slot] = pending.get(t.slot, 0) + t.qty
        return {"on_hand": on_hand, "occupied": occupied, "own": own, "pending": pending}

    def _choose_slot(self, ctl, sku: str, qty: int, k: int, view: dict | None = None) -> str:
        """The slot ``qty`` received units of ``sku`` at dock ``k`` go to (see the
        module docstring). ``view`` (:meth:`_stock_view`) is updated with the choice."""
        if view is None:
            view = self._stock_view(ctl)
        velocity = self.config.slotting == "velocity"
        cost = self.slot_cost if velocity else self.dock_dist[k][self.slot_access].astype(np.float64)
        on_hand, occupied, pending = view["on_hand"], view["occupied"], view["pending"]
        own = list(view["own"].get(sku, ()))
        own += [self.slot_index[s] for s, k_ in self.claimed.items() if k_ == sku]
        own = list(dict.fromkeys(own))
        fits = [i for i in own if self.reachable[i]
                and on_hand.get(self.slot_ids[i], 0) + pending.get(self.slot_ids[i], 0) + qty <= self.slot_capacity[i]]
        if fits:
            best = min(fits, key=lambda i: (cost[i], i))
        else:
            free = [i for i in range(len(self.slot_ids)) if self.reachable[i] and self.slot_ids[i] not in occupied
                    and self.slot_ids[i] not in self.claimed]
            if free:
                roomy = [i for i in free if self.slot_capacity[i] >= qty] or free
                roomy.sort(key=lambda i: (cost[i], i))
                if velocity:
                    v = min(max(float(self.velocity.get(sku, 1.0)), 0.0), 1.0)
                    best = roomy[int(round(v * (len(roomy) - 1)))]
                else:
                    best = roomy[0]
            elif own:  # no free slot: the SKU's own cheapest slot, over its capacity
                best = min(own, key=lambda i: (cost[i], i))
            else:
                best = int(np.argmin(np.where(self.reachable, cost, np.inf)))
        slot = self.slot_ids[best]
        pending[slot] = pending.get(slot, 0) + qty
        occupied.add(slot)
        return slot

    # -------------------------------------------------------------- assignment
    def urgent(self, task: PutawayTask, now_step: int, backlog: Mapping[str, int]) -> bool:
        """True if ``task`` goes before pick tours: its SKU has backordered units
        waiting, or it has waited ``urgent_after_s`` steps."""
        return backlog.get(task.sku, 0) > 0 or now_step - task.created >= self.config.urgent_after_s

    def assign(self, ctl, *, urgent_only: bool) -> int:
        """Give pool tasks (only the urgent ones if ``urgent_only``) to the
        nearest idle robots whose battery covers the job, one per free dock;
        returns the number assigned."""
        pool = [t for t in self.tasks.values() if t.agent < 0]
        if not pool:
            return 0
        backlog = ctl.ledger.backlog()
        ranked = sorted(pool, key=lambda t: (not self.urgent(t, ctl.step_no, backlog), t.created, t.id))
        if urgent_only:
            ranked = [t for t in ranked if self.urgent(t, ctl.step_no, backlog)]
        batt = ctl.link.batteries()
        pol = ctl.config.charging
        has_chargers = len(ctl.chargers) > 0
        idle = [int(a) for a in np.flatnonzero(ctl.idle_mask() & ~ctl.is_human)
                if not (has_chargers and batt[a] < pol.charge_below)]
        done = 0
        for t in ranked:
            if not idle:
                break
            k = int(np.flatnonzero(self.dock_cells == t.dock)[0])
            if k in self.dock_busy:
                continue
            dist = self.dock_dist[k]
            idle.sort(key=lambda a: (int(dist[int(ctl.pos[a])]), a))
            for a in idle:
                if self._covers(ctl, a, t, k):
                    idle.remove(a)
                    t.agent = a
                    self.by_agent[a] = t.id
                    self.dock_busy[k] = a
                    self._last[a] = int(ctl.pos[a])
                    ctl._set_goal(a, t.dock, S.PUTAWAY)
                    self._approach(ctl, k, a)
                    done += 1
                    break
        return done

    def _covers(self, ctl, a: int, t: PutawayTask, k: int) -> bool:
        """Robot ``a``'s battery covers the trip to the dock, the load, the trip
        to the slot and on to the nearest charger, plus the reserve."""
        if len(ctl.chargers) == 0:
            return True
        pol = ctl.config.charging
        p = ctl.params
        moves = float(self.dock_dist[k][int(ctl.pos[a])]) + float(self.dock_dist[k][t.cell])
        steps = moves + p.pick_s + p.unit_s * t.qty + p.drop_s
        need = (pol.tour_energy(p, moves=moves, picks=1, steps=steps)
                + pol.trip_energy(p, ctl.chargers.distance_from(t.cell)) + pol.reserve)
        return float(ctl.link.batteries()[a]) >= need

    # ------------------------------------------------------------------ events
    def on_event(self, ctl, ev) -> bool:
        """Act on a link event of a robot holding a putaway task; returns True
        if the event was handled here (the controller then ignores it).
        Faults are the controller's (it calls :meth:`release`)."""
        a = ev.agent
        tid = self.by_agent.get(a)
        if tid is None:
            return False
        t = self.tasks[tid]
        k = ev.kind
        st = ctl.state[a]
        cell = int(ctl.pos[a])
        if k == EventKind.ARRIVED and st == S.PUTAWAY:
            # an arrival can be reported twice (a goal re-given on the cell the
            # robot stands on): act only when no action is in flight
            if a not in self.acting:
                if not t.loaded and cell == t.dock:
                    ctl.link.command(Command(a, Action.PICK, ref=t.id, units=t.qty))
                    self.acting.add(a)
                elif t.loaded and cell == t.cell:
                    ctl.link.command(Command(a, Action.DROP, ref=t.id))
                    self.acting.add(a)
            return True
        if k == EventKind.PICKED and st == S.PUTAWAY and not t.loaded:
            self.acting.discard(a)
            t.loaded = True
            ctl._set_goal(a, t.cell, S.PUTAWAY)
            return True
        if k == EventKind.DROPPED and st == S.PUTAWAY and t.loaded:
            self.acting.discard(a)
            self._stored(ctl, a, t)
            return True
        if k == EventKind.CLEARED and st == S.FAULT:
            # a robot that faulted with a load carries it on to the slot
            ctl._set_goal(a, t.cell, S.PUTAWAY)
            return True
        return False

    def _stored(self, ctl, a: int, t: PutawayTask) -> None:
        now = ctl.now()
        changed = ctl.ledger.put_away(t.receipt, t.slot, t.qty, at=now)
        del self.tasks[t.id]
        del self.by_agent[a]
        self._last.pop(a, None)
        if not any(x.slot == t.slot for x in self.tasks.values()):
            self.claimed.pop(t.slot, None)
        self.putaways += 1
        self.units_put_away += t.qty
        ctl._go_home(a)
        self.released_orders += ctl.release_allocated(changed)

    def release(self, ctl, a: int) -> None:
        """Robot ``a`` faulted (or must charge): a task not yet loaded goes back
        to the pool (its units never left the dock); a loaded one stays on the
        robot, which carries it on when the fault clears."""
        self.acting.discard(a)  # a fault aborts the load or drop in flight
        tid = self.by_agent.get(a)
        if tid is None:
            return
        t = self.tasks[tid]
        if t.loaded:
            return
        t.agent = -1
        del self.by_agent[a]
        self._last.pop(a, None)
        for k, holder in list(self.dock_busy.items()):
            if holder == a:
                del self.dock_busy[k]

    def holds(self, a: int) -> bool:
        """True while robot ``a`` has a putaway task (loaded or not)."""
        return a in self.by_agent

    # -------------------------------------------------------------- accounting
    def units(self) -> dict[str, int]:
        """Units of open receipts by place: ``at_dock`` and ``on_robot``."""
        dock = sum(t.qty for t in self.tasks.values() if not t.loaded)
        robot = sum(t.qty for t in self.tasks.values() if t.loaded)
        return {"at_dock": dock, "on_robot": robot}


def putaway_errors(ctl) -> list[str]:
    """Where every received unit is, checked against the ledger: per open
    receipt, the units of its tasks (at the dock or on a robot) equal the
    ledger's ``qty - stored`` (``stored`` is on the slots, which the ledger's
    own invariants tie to its putaway rows); every task held by one robot and
    that robot by it; a loaded task's robot on a putaway or faulted. Returns
    the violations found (empty: all is well)."""
    pa = getattr(ctl, "putaway", None)
    if pa is None:
        return []
    errors: list[str] = []
    by_receipt: dict[int, int] = {}
    for t in pa.tasks.values():
        if t.qty <= 0:
            errors.append(f"putaway task {t.id} has {t.qty} units")
        by_receipt[t.receipt] = by_receipt.get(t.receipt, 0) + t.qty
        if t.agent >= 0:
            if pa.by_agent.get(t.agent) != t.id:
                errors.append(f"putaway task {t.id} names robot {t.agent}, which holds {pa.by_agent.get(t.agent)}")
            elif ctl.state[t.agent] not in (S.PUTAWAY, S.FAULT):
                errors.append(f"putaway task {t.id}: robot {t.agent} is {S(int(ctl.state[t.agent])).name}")
        elif t.loaded:
            errors.append(f"putaway task {t.id} is loaded but on no robot")
    for a, tid in pa.by_agent.items():
        if tid not in pa.tasks or pa.tasks[tid].agent != a:
            errors.append(f"robot {a} holds putaway task {tid}, which is not its")
    ledger_open = {r.id: r.at_dock for r in ctl.ledger.receipts(warehouse=ctl.warehouse)}
    for rid in set(ledger_open) | set(by_receipt):
        if ledger_open.get(rid, 0) != by_receipt.get(rid, 0):
            errors.append(f"receipt {rid}: ledger has {ledger_open.get(rid, 0)} units at the dock or on robots, "
                          f"the floor has {by_receipt.get(rid, 0)}")
    return errors
