"""The floor controller: one tick of floor time at a time, orders in, totes out.

Each :meth:`Controller.step` (one second of floor time):

1. every ``assign_every`` steps, batch the pool of released order lines into
   tours for the idle agents (the assigner, ``fleet.assign``);
2. give every agent its goal (next pick's access cell, its pack station, a
   charger, or its parking cell) and plan the next move of every agent at once
   with the lifelong multi-agent planner (humans flagged, with right of way;
   busy or faulted agents held);
3. send the moves through the :class:`~fleet.link.RobotLink` and read back
   positions and events;
4. act on the events: start picks on arrival, record picks in the ledger,
   drop totes at pack stations, hand complete orders to the pack desk
   (``fleet.packdesk``: cartons, labels, carrier), start and end charging,
   take faulted robots' work back into the pool;
5. charging policy (``fleet.charging``) and the carrier's tracking events;
6. record the step (positions and states) for the trajectory.

With a :class:`fleet.putaway.Putaway` attached as ``putaway``, arrived
inbound is received at a dock at the start of a step, urgent putaways take
idle robots before step 1's tour batching and the others after it, and the
putaway robots' events go to it first (``docs/putaway.md``).

Orders enter with :meth:`Controller.receive` (submit + confirm/allocate +
release through the ledger) and leave with :meth:`Controller.cancel`. Where
every order line is at every tick is proved by :func:`fleet.accounting.check_lines`.
See ``docs/controller.md``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from fleet.charging import Chargers, ChargingPolicy
from fleet.floortime import floor_seconds, naive_utc
from fleet.link import Command, RobotLink
from fleet.tours import FloorTask, Job, ToteItem
from robocore.agents import AgentKind, AgentState
from robocore.grid import CellKind
from robocore.layout import Layout
from robocore.motion import Action, EventKind, MotionParams

__all__ = ["FleetConfig", "Controller", "AgentInfo"]

S = AgentState
_WORKING = np.array([s in (S.TO_PICK, S.PICKING, S.TO_STATION, S.DROPPING, S.PUTAWAY) for s in range(max(S) + 1)])
_TRAVEL = np.array([s in (S.TO_PICK, S.TO_STATION) for s in range(max(S) + 1)])


@dataclass(frozen=True, kw_only=True)
class FleetConfig:
    """Controller settings (times in steps = seconds of floor time)."""

    assign_every: int = 5  #: batch the pool for idle agents this often
    robot_orders: int = 10  #: orders a robot tote carries at most
    robot_volume_l: float = 600.0  #: cart volume (its totes together), litres
    human_orders: int = 4  #: orders a human picker's cart carries at most
    human_volume_l: float = 400.0  #: a human picker's cart, litres
    max_tour_orders: int = 0  #: 0 = the capacity; 1 = pick-by-order (one order per tour)
    battery_every: int = 5  #: run the charging policy this often (steps)
    batch_wait_s: int = 180  #: hold a small pool back this long so tours fill up (0 = dispatch at once)
    charging: ChargingPolicy = field(default_factory=ChargingPolicy)

    def __post_init__(self) -> None:
        if self.assign_every < 1:
            raise ValueError(f"assign_every must be >= 1 step, got {self.assign_every}")
        if self.robot_orders < 1 or self.human_orders < 1:
            raise ValueError("tote capacities must be at least one order")


@dataclass(frozen=True)
class AgentInfo:
    """What the assigner needs to know about one idle agent."""

    index: int
    kind: AgentKind
    cell: int
    capacity_orders: int
    capacity_volume: float
    speed: float
    pick_time: float
    zone: frozenset[int] | None  #: flat cells it may pick from (None = anywhere it can stand)


class Controller:
    """The floor controller for one warehouse.

    Parameters
    ----------
    layout:
        The floor.
    link:
        The agents (``fleet.simlink.SimLink`` in-process).
    mover:
        The lifelong planner: ``mover.step(positions, goals, *, hold, humans) -> next cells``
        (``planner.mapf.LifelongPlanner``).
    ledger:
        ``robocore.Ledger`` holding the warehouse's stock.
    warehouse:
        The ledger's warehouse id for this floor.
    assigner:
        Object with ``assign(controller, agents: list[AgentInfo], pool: dict[str, list[FloorTask]]) -> list[tuple[int, Job]]``.
    desk:
        The pack desk: ``promise(order_record, now) -> date | None``,
        ``pack_and_ship(order_id, items, now) -> dict`` and
        ``carrier_events(now) -> list``; for a restart (``fleet.resume``) also
        ``ship(order_id, now) -> dict`` (a packed order) and, optionally,
        ``resume() -> dict`` (take back the tracking of shipped parcels); see
        ``fleet.packdesk``.
    params:
        The agents' :class:`~robocore.motion.MotionParams` (for energy estimates).
    homes:
        ``(N,)`` flat parking cells (defaults to the start cells).
    zones:
        Per agent, the flat cells it may pick from, or None.
    start:
        Simulated datetime of step 0.
    config:
        :class:`FleetConfig`.
    """

    def __init__(self, layout: Layout, link: RobotLink, mover, ledger, *, warehouse: str, assigner, desk,
                 params: MotionParams = MotionParams(), homes=None, zones=None,
                 start: datetime = datetime(2026, 3, 2, 8, 0), config: FleetConfig = FleetConfig()):
        from planner.distance import bfs_distances

        self.layout = layout
        self.grid = layout.grid
        self.link = link
        self.mover = mover
        self.ledger = ledger
        self.warehouse = warehouse
        self.assigner = assigner
        self.desk = desk
        self.params = params
        self.config = config
        self.start = start
        self.kinds = np.asarray(link.kinds, dtype=np.uint8)
        self.n = len(self.kinds)
        self.is_human = self.kinds == AgentKind.HUMAN
        self.pos = np.array(link.positions(), dtype=np.int64)
        self.homes = self.pos.copy() if homes is None else np.asarray(homes, dtype=np.int64)
        self.zones: list[frozenset[int] | None] = list(zones) if zones is not None else [None] * self.n
        self.state = np.zeros(self.n, dtype=np.uint8)
        self.goals = self.homes.copy()
        self.jobs: list[Job | None] = [None] * self.n
        self.totes: list[list[ToteItem]] = [[] for _ in range(self.n)]
        self.step_no = 0
        g = self.grid
        rows, cols = g.rows, g.cols
        robot_ok = g.passable_flat
        human_ok = np.ascontiguousarray(g.human_passable.ravel().astype(np.uint8))
        # slot access cells
        self.slot_cell = {s.id: g.index(s.access) for s in layout.slots}
        # pack stations: distance tables for robots and humans
        self.station_cells = np.array([g.index(s.cell) for s in layout.stations], dtype=np.int64)
        if len(self.station_cells) == 0:
            raise ValueError(f"layout {layout.name!r} has no pack station")
        self.station_dist = np.stack([bfs_distances(robot_ok, rows, cols, int(c)) for c in self.station_cells])
        self.station_dist_h = np.stack([bfs_distances(human_ok, rows, cols, int(c)) for c in self.station_cells])
        self.station_queue = np.zeros(len(self.station_cells), dtype=np.int64)
        # agents heading to each station, in order; only the first approaches the
        # station cell, the others wait on distinct holding cells nearby
        self.station_lines: list[list[int]] = [[] for _ in self.station_cells]
        self.wait_cells = [self._holding_cells(k) for k in range(len(self.station_cells))]
        ch_cells = [g.index(c.cell) for c in layout.chargers]
        ch_tables = (np.stack([bfs_distances(robot_ok, rows, cols, int(c)) for c in ch_cells])
                     if ch_cells else np.zeros((0, g.size), dtype=np.int32))
        self.chargers = Chargers(ch_cells, ch_tables)
        # the floor's work
        self.tasks: dict[int, FloorTask] = {}  # open reservations on the floor (pool or on a tour)
        self.staged: dict[str, list[ToteItem]] = {}  # at a pack station, waiting for the rest of the order
        self.on_floor: dict[str, int] = {}  # order id -> its open tasks + tote items (0: all staged)
        self.floor_orders: dict[str, dict] = {}  # order id -> {"received": step, "promise": date|None, ...}
        self.order_state: dict[str, str] = {}
        self.rejected: dict[str, str] = {}
        # statistics
        self.planner_ms: list[float] = []
        self.lines_picked = 0
        self.units_picked = 0
        self.travel_cells = 0  # moves made while on a tour (to picks, to a station)
        self.moves = np.zeros(self.n, dtype=np.int64)
        self.working_steps = np.zeros(self.n, dtype=np.int64)
        self.faults = 0
        self.charges = 0
        self.stranded = 0
        self.shipped_at: dict[str, int] = {}
        self.on_time: dict[str, bool] = {}
        self.events_seen = 0
        self.min_battery = 100.0
        self.pick_log: list[tuple[int, int, int]] = []  # (step, agent, task id) per recorded pick
        self.putaway = None  # a fleet.putaway.Putaway: inbound from the docks to the slots
        for a in range(self.n):
            self.link.set_goal(a, int(self.goals[a]))

    # ------------------------------------------------------------------ time
    def now(self, step: int | None = None) -> datetime:
        """Simulated datetime of ``step`` (default: the current step)."""
        return self.start + timedelta(seconds=self.step_no if step is None else step)

    # ---------------------------------------------------------------- intake
    def receive(self, order) -> str:
        """Take in a customer order: submit (invalid orders are stored as
        rejected with the reason), confirm and allocate, promise a date,
        release it to the floor. Returns the order's state afterwards."""
        now = self.now()
        rec = self.ledger.submit(order, reject_invalid=True, confirm=True, at=now)
        self.order_state[rec.id] = rec.state
        if rec.state == "rejected":
            self.rejected[rec.id] = rec.reason
            return rec.state
        self.floor_orders[rec.id] = {"received": self.step_no, "promise": self.desk.promise(rec, now)}
        return self._release(rec)

    def adopt_order(self, rec) -> None:
        """Put ``rec`` (an order record the ledger holds, which this controller
        never received: after a restart, ``fleet.resume``) on the floor's books:
        when it arrived in floor time (not after now) and its promised date."""
        created = naive_utc(rec.created_at)
        received = min(max(0, floor_seconds(created, self.start)), self.step_no)
        self.floor_orders[rec.id] = {"received": received, "promise": self.desk.promise(rec, created)}

    def release_allocated(self, order_ids) -> int:
        """Release to the floor the orders of ``order_ids`` that the ledger has
        allocated since they were received backordered (stock put away;
        ``Ledger.put_away`` returns their ids). An order this controller knows
        only from the ledger (backordered before a restart, ``fleet.resume``)
        is taken onto the floor here, dated from its creation. Orders it does
        not know are left alone. Returns how many were released."""
        n = 0
        for oid in order_ids:
            if oid not in self.floor_orders and oid not in self.order_state:
                continue
            rec = self.ledger.order(oid)
            self.order_state[oid] = rec.state
            if rec.state in ("allocated", "partially_allocated"):
                if oid not in self.floor_orders:
                    self.adopt_order(rec)
                self._release(rec)
                n += 1
        return n

    def _release(self, rec) -> str:
        """Release an allocated order and put its open reservations in the pool."""
        if rec.state in ("allocated", "partially_allocated"):
            rec = self.ledger.release(rec.id, at=self.now())
            self.order_state[rec.id] = rec.state
            for pt in self.ledger.pick_list(self.warehouse, order_id=rec.id):
                open_qty = int(pt.qty)
                if open_qty <= 0 or int(pt.reservation_id) in self.tasks:
                    continue
                self.tasks[int(pt.reservation_id)] = FloorTask(
                    id=int(pt.reservation_id), order_id=pt.order_id, line_no=int(pt.line_no), sku=pt.sku,
                    slot=pt.slot, cell=self.slot_cell[pt.slot], qty=open_qty, priority=int(pt.priority))
                self.on_floor[pt.order_id] = self.on_floor.get(pt.order_id, 0) + 1
        return rec.state

    def cancel(self, order_id: str, reason: str) -> bool:
        """Cancel an order if it has not shipped: its pool and tour lines leave
        the floor, units already in a tote or staged go back to stock (the
        ledger returns them to their slots). Returns True if cancelled."""
        state = self.order_state.get(order_id)
        if state is None or state in ("shipped", "delivered", "cancelled", "rejected"):
            return False
        rec = self.ledger.cancel(order_id, reason, at=self.now())
        self.order_state[order_id] = rec.state
        touched = set()
        for tid in [t.id for t in self.tasks.values() if t.order_id == order_id]:
            task = self.tasks.pop(tid)
            if task.agent >= 0:
                job = self.jobs[task.agent]
                for stop in job.stops[job.next:]:
                    if tid in stop.tasks:
                        stop.tasks.remove(tid)
                touched.add(task.agent)
        for a in range(self.n):
            if self.totes[a]:
                self.totes[a] = [it for it in self.totes[a] if it.order_id != order_id]
        self.staged.pop(order_id, None)
        self.on_floor.pop(order_id, None)
        for a in sorted(touched):
            if self.state[a] == S.TO_PICK:
                self._head_to_next(a)  # skip stops left empty (or go to a station / home)
        return True

    # ------------------------------------------------------------------ step
    def step(self) -> list:
        """Advance the floor one step (one second). Returns the link's events."""
        pa = self.putaway
        if pa is not None:
            pa.tick(self)
        if self.step_no % self.config.assign_every == 0:
            if pa is not None:
                pa.assign(self, urgent_only=True)
            self._assign()
            if pa is not None:
                pa.assign(self, urgent_only=False)
        hold = ~np.asarray(self.link.movable(), dtype=bool)
        t0 = time.perf_counter()
        nxt = np.asarray(self.mover.step(self.pos, self.goals, hold=hold, humans=self.is_human), dtype=np.int64)
        self.planner_ms.append((time.perf_counter() - t0) * 1000.0)
        self.link.send_moves(nxt)
        events = self.link.tick()
        self.step_no += 1
        new_pos = np.array(self.link.positions(), dtype=np.int64)
        moved = new_pos != self.pos
        self.moves += moved
        self.travel_cells += int(np.count_nonzero(moved & _TRAVEL[self.state]))
        self.pos = new_pos
        for ev in events:
            self._on_event(ev)
        for k, line in enumerate(self.station_lines):
            if line and self.goals[line[0]] != self.station_cells[k]:
                self._station_goals(k)
        if self.step_no % self.config.battery_every == 0:
            self._battery_watch()
        for ev in self.desk.carrier_events(self.now()):
            self._on_carrier(ev)
        self.working_steps += _WORKING[self.state]
        if not self.is_human.all():
            self.min_battery = min(self.min_battery, float(self.link.batteries()[~self.is_human].min()))
        self.events_seen += len(events)
        return events

    # ---------------------------------------------------------------- goals
    def _set_goal(self, a: int, cell: int, state: AgentState) -> None:
        self.state[a] = state
        self.goals[a] = cell
        self.link.set_goal(a, int(cell))

    def _go_home(self, a: int) -> None:
        self._set_goal(a, int(self.homes[a]), S.IDLE)

    def _holding_cells(self, k: int, *, near: int = 4, count: int = 24) -> list[int]:
        """Free floor cells at least ``near`` moves from station ``k``, nearest
        first, where agents queue for it (never slot access cells, stations,
        chargers or cells next to another station)."""
        g = self.grid
        kinds = g.kinds.ravel()
        access = set(self.slot_cell.values())
        d = self.station_dist[k].astype(np.int64)
        others = self.station_dist.min(axis=0)
        ok = ((kinds == CellKind.FREE) | (kinds == CellKind.ENDPOINT)) & (d >= near) & (d < 1 << 29) & (others >= 2)
        cand = [int(c) for c in np.flatnonzero(ok) if int(c) not in access]
        cand.sort(key=lambda c: (int(d[c]), c))
        return cand[:count]

    def _station_goals(self, k: int) -> None:
        """Re-goal everyone in station ``k``'s line: the head to the station,
        the rest to holding cells in line order."""
        line = self.station_lines[k]
        cell = int(self.station_cells[k])
        waits = self.wait_cells[k]
        # the head approaches only when nobody else stands on the station cell:
        # a station is often a dead end, and an agent leaving it cannot swap
        # with one coming in
        occ = np.flatnonzero(self.pos == cell)
        free = occ.size == 0 or (bool(line) and int(occ[0]) == line[0])
        for i, a in enumerate(line):
            if self.state[a] != S.TO_STATION:
                continue
            if (i == 0 and free) or not waits:
                goal = cell
            elif self.is_human[a]:
                # robots cannot push a waiting human aside: humans wait at their
                # parking cell (off the robots' lanes), not beside the station
                goal = int(self.homes[a])
            else:
                goal = waits[(i - 1 if free else i) % len(waits)]
            if self.goals[a] != goal:
                self.goals[a] = goal
                self.link.set_goal(a, goal)

    def _leave_station_line(self, a: int, job) -> None:
        k = np.flatnonzero(self.station_cells == job.station)
        if k.size:
            k = int(k[0])
            self.station_queue[k] -= 1
            if a in self.station_lines[k]:
                self.station_lines[k].remove(a)
                self._station_goals(k)

    def _nearest_station(self, a: int, cell: int) -> int:
        dist = self.station_dist_h if self.is_human[a] else self.station_dist
        d = dist[:, cell].astype(np.int64) + self.station_queue * self.params.drop_s * 2
        return int(np.argmin(d))

    def _head_to_next(self, a: int) -> None:
        """Send agent ``a`` to its job's next stop with tasks left, or to its station."""
        job = self.jobs[a]
        while job.next < len(job.stops) and not job.stops[job.next].tasks:
            job.next += 1
        if job.next < len(job.stops):
            self._set_goal(a, job.stops[job.next].cell, S.TO_PICK)
        elif self.totes[a]:
            k = self._nearest_station(a, int(self.pos[a]))
            job.station = int(self.station_cells[k])
            self.station_queue[k] += 1
            self.station_lines[k].append(a)
            self._set_goal(a, job.station, S.TO_STATION)
            self._station_goals(k)
        else:
            self.jobs[a] = None
            self._go_home(a)

    # ---------------------------------------------------------------- events
    def _on_event(self, ev) -> None:
        a = ev.agent
        k = ev.kind
        st = self.state[a]
        if self.putaway is not None and self.putaway.on_event(self, ev):
            return
        if k == EventKind.ARRIVED:
            cell = int(self.pos[a])
            if st == S.TO_PICK and cell == self.goals[a]:
                stop = self.jobs[a].stops[self.jobs[a].next]
                units = sum(self.tasks[t].qty for t in stop.tasks)
                self.link.command(Command(a, Action.PICK, ref=self.jobs[a].next, units=max(units, 1)))
                self.state[a] = S.PICKING
            elif st == S.TO_STATION and cell == self.jobs[a].station:
                self.link.command(Command(a, Action.DROP, ref=0))
                self.state[a] = S.DROPPING
            elif st == S.TO_CHARGER and cell == self.goals[a]:
                self.link.command(Command(a, Action.CHARGE))
                self.state[a] = S.CHARGING
                self.charges += 1
        elif k == EventKind.PICKED and st == S.PICKING:
            self._picked(a)
        elif k == EventKind.DROPPED and st == S.DROPPING:
            self._dropped(a)
        elif k == EventKind.FAULT:
            self._fault(a)
        elif k == EventKind.CLEARED and st == S.FAULT:
            self.jobs[a] = None
            if self.totes[a]:
                self.jobs[a] = Job(stops=[], station=-1, assigned_step=self.step_no)
                self._head_to_next(a)
            else:
                self._go_home(a)
        elif k == EventKind.CHARGED and st == S.CHARGING:
            self.chargers.release(a)
            self._go_home(a)
        elif k == EventKind.BATTERY_EMPTY:
            self.stranded += 1
            self._fault(a)

    def _picked(self, a: int) -> None:
        job = self.jobs[a]
        stop = job.stops[job.next]
        now = self.now()
        for tid in stop.tasks:
            task = self.tasks.pop(tid)
            self.ledger.pick_reservation(tid, task.qty, at=now)
            self.totes[a].append(ToteItem(task=tid, order_id=task.order_id, line_no=task.line_no, sku=task.sku, qty=task.qty))
            self.order_state[task.order_id] = "picking"
            self.lines_picked += 1
            self.pick_log.append((self.step_no, a, tid))
            self.units_picked += task.qty
        stop.tasks = []
        job.next += 1
        self._head_to_next(a)

    def _dropped(self, a: int) -> None:
        job = self.jobs[a]
        orders = []
        for it in self.totes[a]:
            self.staged.setdefault(it.order_id, []).append(it)
            self.on_floor[it.order_id] -= 1
            if it.order_id not in orders:
                orders.append(it.order_id)
        self.totes[a] = []
        self.jobs[a] = None
        self._go_home(a)
        self._leave_station_line(a, job)
        for oid in orders:
            self._maybe_pack(oid)

    def _order_on_floor(self, order_id: str) -> bool:
        """True while some unit of the order is in the pool, on a tour or in a tote
        (``on_floor`` counts its open tasks and tote items; ``check_lines``
        cross-checks the count)."""
        return self.on_floor.get(order_id, 0) > 0

    def _maybe_pack(self, order_id: str) -> None:
        if order_id not in self.staged or self._order_on_floor(order_id):
            return
        self.pack_staged(order_id)

    def pack_staged(self, order_id: str, *, mark_picked: bool = True) -> None:
        """Pack and ship ``order_id``'s staged units, every line picked
        (``mark_picked=False``: the ledger already has the order picked, as
        after a controller restart, ``fleet.resume``)."""
        now = self.now()
        items = self.staged.pop(order_id)
        if mark_picked:
            self.ledger.mark_picked(order_id, at=now)
        self._shipped(order_id, self.desk.pack_and_ship(order_id, items, now))

    def ship_packed(self, order_id: str) -> None:
        """Ship ``order_id``, which the ledger holds ``packed`` with its parcels
        (a controller that died between packing and shipping it; ``fleet.resume``)."""
        self._shipped(order_id, self.desk.ship(order_id, self.now()))

    def _shipped(self, order_id: str, result: dict) -> None:
        self.order_state[order_id] = result["state"]
        if result["state"] in ("shipped", "delivered"):
            self.shipped_at[order_id] = self.step_no
            self.on_time[order_id] = bool(result.get("on_time", True))

    def _on_carrier(self, ev) -> None:
        oid = ev["order_id"]
        if ev["state"] is not None:
            self.order_state[oid] = ev["state"]

    # ---------------------------------------------------------------- faults
    def _release_job(self, a: int) -> None:
        """Put agent ``a``'s unpicked tasks back in the pool."""
        job = self.jobs[a]
        if job is None:
            return
        for tid in job.remaining_tasks:
            if tid in self.tasks:
                self.tasks[tid].agent = -1
        for stop in job.stops[job.next:]:
            stop.tasks = []
        self.jobs[a] = None
        if self.state[a] in (S.TO_STATION, S.DROPPING):
            self.state[a] = S.IDLE
            self._leave_station_line(a, job)

    def _fault(self, a: int) -> None:
        """A robot stopped: its unpicked lines go back to the pool (to be
        re-batched for another agent); its tote stays on it until the fault
        is cleared, then it takes the tote to a pack station."""
        self.faults += 1
        self._release_job(a)
        if self.putaway is not None:
            self.putaway.release(self, a)
        self.chargers.release(a)
        self.state[a] = S.FAULT
        self.goals[a] = self.pos[a]

    # -------------------------------------------------------------- charging
    def _battery_watch(self) -> None:
        robots = ~self.is_human
        if len(self.chargers) == 0:
            return
        batt = self.link.batteries()
        pol = self.config.charging
        st = self.state
        # charging robots past charge_until go back to work
        done = robots & (st == S.CHARGING) & (batt >= pol.charge_until)
        for a in np.flatnonzero(done):
            self.link.command(Command(int(a), Action.NONE))
            self.chargers.release(int(a))
            self._go_home(int(a))
        # idle robots below charge_below go to charge
        low = robots & self.idle_mask() & (batt < pol.charge_below)
        for a in np.flatnonzero(low):
            self._send_to_charger(int(a))
        # robots on a tour whose battery only just covers the trip to a charger
        travelling = robots & ((st == S.TO_PICK) | (st == S.TO_STATION))
        if travelling.any():
            need = pol.trip_energy(self.params, self.chargers.nearest_dist[self.pos].astype(np.float64)) + pol.reserve
            urgent = travelling & (batt < need)
            for a in np.flatnonzero(urgent):
                self._release_job(int(a))
                self._send_to_charger(int(a))

    def _send_to_charger(self, a: int) -> None:
        k = self.chargers.claim(a, int(self.pos[a]), occupied=self.pos)
        if k is None:
            if self.state[a] != S.IDLE:
                self._go_home(a)
            return
        self._set_goal(a, int(self.chargers.cells[k]), S.TO_CHARGER)

    def covers(self, a: int, job: Job) -> bool:
        """True if robot ``a``'s battery covers ``job`` plus the trip from its
        last stop to a station and on to the nearest charger plus the reserve
        (humans: always)."""
        if self.is_human[a] or len(self.chargers) == 0:
            return True
        pol = self.config.charging
        cells = [int(self.pos[a])] + [s.cell for s in job.stops]
        cols = self.grid.cols
        moves = 0
        for u, v in zip(cells, cells[1:]):
            moves += abs(u // cols - v // cols) + abs(u % cols - v % cols)
        moves = max(moves, job.distance)
        last = cells[-1]
        k = self._nearest_station(a, last)
        to_station = int(self.station_dist[k, last])
        to_charger = self.chargers.distance_from(int(self.station_cells[k]))
        picks = len(job.stops)
        steps = moves + to_station + picks * (self.params.pick_s + 3 * self.params.unit_s)
        need = (pol.tour_energy(self.params, moves=moves + to_station, picks=picks, steps=steps)
                + pol.trip_energy(self.params, to_charger) + pol.reserve)
        return float(self.link.batteries()[a]) >= need

    # ------------------------------------------------------------ assignment
    def idle_mask(self) -> np.ndarray:
        """``(N,)`` bool: agents idle and free to take work now. A robot the
        link still reports busy is not free: after a controller restart
        (``fleet.resume``) a robot may be finishing an action the dead
        controller started, and a new one would be refused."""
        return (self.state == S.IDLE) & (np.asarray(self.link.movable(), dtype=bool) | self.is_human)

    def idle_agents(self) -> list[AgentInfo]:
        """Agents free for a tour now: idle, not faulted, robots not due to charge."""
        out = []
        batt = self.link.batteries()
        p = self.params
        cfg = self.config
        for a in np.flatnonzero(self.idle_mask()):
            a = int(a)
            human = bool(self.is_human[a])
            if not human and len(self.chargers) and batt[a] < cfg.charging.charge_below:
                continue
            cap = cfg.human_orders if human else cfg.robot_orders
            if cfg.max_tour_orders:
                cap = min(cap, cfg.max_tour_orders)
            out.append(AgentInfo(
                index=a, kind=AgentKind.HUMAN if human else AgentKind.ROBOT, cell=int(self.pos[a]),
                capacity_orders=cap, capacity_volume=cfg.human_volume_l if human else cfg.robot_volume_l,
                speed=p.human_speed if human else 1.0,
                pick_time=float(p.human_pick_s if human else p.pick_s), zone=self.zones[a]))
        return out

    def pool(self) -> dict[str, list[FloorTask]]:
        """Unassigned tasks grouped by order, orders by priority then arrival."""
        groups: dict[str, list[FloorTask]] = {}
        for t in self.tasks.values():
            if t.agent < 0:
                groups.setdefault(t.order_id, []).append(t)
        return groups

    def _assign(self) -> None:
        pool = self.pool()
        if not pool:
            return
        agents = self.idle_agents()
        if not agents:
            return
        wait = self.config.batch_wait_s
        if wait and len(pool) < sum(a.capacity_orders for a in agents):
            oldest = min(self.floor_orders[o]["received"] for o in pool)
            if self.step_no - oldest < wait:
                return  # let the pool grow so tours carry several orders
        for a, job in self.assigner.assign(self, agents, pool):
            if self.state[a] != S.IDLE or self.jobs[a] is not None:
                raise RuntimeError(f"assigner gave agent {a} a job while it is busy")
            if not self.covers(a, job):
                self._send_to_charger(a)
                continue
            for stop in job.stops:
                for tid in stop.tasks:
                    task = self.tasks[tid]
                    if task.agent >= 0:
                        raise RuntimeError(f"assigner put task {tid} on two tours")
                    task.agent = a
            job.assigned_step = self.step_no
            self.jobs[a] = job
            self._head_to_next(a)

    # ------------------------------------------------------------- queries
    def open_orders(self) -> int:
        """Orders not yet in a state the floor is done with (shipped,
        delivered, cancelled, rejected, backordered)."""
        done = {"shipped", "delivered", "cancelled", "rejected", "backordered", "exception"}
        return sum(1 for s in self.order_state.values() if s not in done)
