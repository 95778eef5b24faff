"""A whole shift, end to end: build the floor, stream orders in, run the
controller step by step, write the run folder. ``robocore run`` and
``robocore bench`` are thin wrappers around :func:`run_shift`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from robocore.agents import AgentKind, AgentState
from robocore.errors import InputError
from robocore.grid import CellKind
from robocore.motion import MotionParams

__all__ = ["ShiftSpec", "ShiftResult", "run_shift", "place_agents", "live_frame", "REPORT_KEYS"]

#: Keys every ``report.json`` has (``docs/run-folder.md`` explains each).
REPORT_KEYS = (
    "orders_received", "orders_shipped", "orders_backordered", "orders_cancelled", "orders_rejected", "orders_open",
    "lines_picked", "lines_per_hour", "on_time_rate", "collisions", "steps", "wall_s", "robots", "humans",
    "planner_step_ms", "putaways", "stockout_sku_hours", "avg_units_held",
)

WAREHOUSE = "WH-1"

#: Units on a stocked slot are drawn uniformly from 1 to this (or the slot's capacity).
STOCK_MAX_QTY = 100


@dataclass(frozen=True, kw_only=True)
class ShiftSpec:
    """What to simulate. Raises ``InputError`` for values out of range."""

    layout: str = "medium"  #: bundled layout name or a layout file
    robots: int = 30
    humans: int = 6
    hours: float = 8.0
    orders: int | None = None  #: exactly this many orders; the run ends when all are done
    rate_per_hour: float | None = None  #: order arrivals per hour (None: sized to the fleet)
    backlog: int | None = None  #: orders waiting at the start (None: 5% of the shift's orders)
    seed: int = 0
    policy: str = "batch"  #: "batch" (batching + routed tours) or "single" (pick-by-order, S-shape)
    slotting: str = "random"  #: "random" placement, or "velocity": fast movers in the slots nearest the pack stations
    skus: int = 400
    fault_rate: float = 2e-6  #: per working robot per step
    bad_fraction: float = 0.01
    cancel_fraction: float = 0.01
    start: datetime = datetime(2026, 3, 2, 8, 0)  #: a Monday, 08:00 UTC
    motion: MotionParams = field(default_factory=MotionParams)  #: its fault_rate is replaced by ``fault_rate``
    stock_units: int = STOCK_MAX_QTY  #: units per stocked slot at the start: 1..min(capacity, this)
    replenish: str = "off"  #: in-shift replenishment: "off", "fixed" reorder point or "forecast" (docs/putaway.md)
    review_hours: float = 1.0  #: floor hours between replenishment reviews
    lead_time_hours: float = 1.0  #: floor hours from a purchase to its arrival at a dock
    load_units: int = 40  #: units a robot carries per putaway trip
    safety_hours: float = 1.0  #: fixed reorder point policy: safety buffer in hours of mean demand

    def __post_init__(self) -> None:
        if not isinstance(self.robots, int) or self.robots < 0:
            raise InputError(f"--robots must be a non-negative integer, got {self.robots!r}")
        if not isinstance(self.humans, int) or self.humans < 0:
            raise InputError(f"--humans must be a non-negative integer, got {self.humans!r}")
        if self.robots + self.humans == 0:
            raise InputError("--robots and --humans: the floor needs at least one agent")
        if not self.hours > 0 or self.hours > 24 * 7:
            raise InputError(f"--hours must be in (0, 168], got {self.hours!r}")
        if self.orders is not None and (not isinstance(self.orders, int) or self.orders < 1):
            raise InputError(f"--orders must be a positive integer, got {self.orders!r}")
        if self.rate_per_hour is not None and not self.rate_per_hour > 0:
            raise InputError(f"order rate must be positive, got {self.rate_per_hour!r}")
        if self.policy not in ("batch", "single"):
            raise InputError(f"policy must be 'batch' or 'single', got {self.policy!r}")
        if self.slotting not in ("random", "velocity"):
            raise InputError(f"--slotting must be 'random' or 'velocity', got {self.slotting!r}")
        if self.skus < 1:
            raise InputError(f"skus must be positive, got {self.skus!r}")
        if not isinstance(self.stock_units, int) or self.stock_units < 1:
            raise InputError(f"--stock-units must be a positive integer, got {self.stock_units!r}")
        if self.replenish not in ("off", "fixed", "forecast"):
            raise InputError(f"--replenish must be 'off', 'fixed' or 'forecast', got {self.replenish!r}")
        if not self.review_hours > 0 or not self.lead_time_hours > 0:
            raise InputError(f"--review-hours and --lead-time-hours must be positive, got {self.review_hours!r} "
                             f"and {self.lead_time_hours!r}")
        if not self.safety_hours >= 0:
            raise InputError(f"--safety-hours must be >= 0, got {self.safety_hours!r}")
        if not isinstance(self.load_units, int) or self.load_units < 1:
            raise InputError(f"--load-units must be a positive integer, got {self.load_units!r}")

    def link_params(self) -> MotionParams:
        """The agents' motion parameters: ``motion`` with ``fault_rate`` (what the
        link, and robot processes over the bridge, are built with)."""
        return replace(self.motion, fault_rate=self.fault_rate)


@dataclass
class ShiftResult:
    """A finished shift: the report, the controller (its ledger still open:
    call :meth:`close`), the trajectory recorder and the layout."""

    report: dict
    controller: object
    recorder: object
    layout: object

    def close(self) -> None:
        """Close the run's ledger."""
        self.controller.ledger.close()


def place_agents(layout, robots: int, humans: int) -> tuple[np.ndarray, np.ndarray, list]:
    """Start cells and kinds for ``robots`` robots then ``humans`` humans,
    and each agent's pick zone (flat cells, or None).

    Robots start on the layout's spawn (parking) cells, then on free floor
    (ENDPOINT, then FREE cells in row-major order, away from slot access,
    station and charger cells). Humans are dealt round-robin to the layout's
    ``pick`` zones (if any) and start (and park) on ``HUMAN_ONLY`` floor if
    the layout has some, else on free cells of their zone.

    Raises ``InputError`` when the floor has too few cells.
    """
    g = layout.grid
    kinds = g.kinds.ravel()
    taken: set[int] = set()
    reserved = {g.index(s.access) for s in layout.slots}
    reserved |= {g.index(s.cell) for s in (*layout.stations, *layout.chargers)}
    cells: list[int] = []
    for c in layout.spawns:
        if len(cells) == robots:
            break
        f = g.index(c)
        cells.append(f)
        taken.add(f)
    if len(cells) < robots:
        for kind in (CellKind.ENDPOINT, CellKind.FREE):
            for f in np.flatnonzero(kinds == kind):
                f = int(f)
                if f in taken or f in reserved:
                    continue
                cells.append(f)
                taken.add(f)
                if len(cells) == robots:
                    break
            if len(cells) == robots:
                break
    if len(cells) < robots:
        raise InputError(f"layout {layout.name!r}: room for {len(cells)} robots, asked for {robots}")
    pick_zones = [z for z in layout.zones if z.kind == "pick"]
    zones: list = [None] * robots
    hum_ok = g.human_passable.ravel()
    # humans park where robots never go (HUMAN_ONLY floor) when there is some:
    # robots cannot push a human out of the way, so an idle human on a travel
    # lane would block it
    parking = [int(f) for f in np.flatnonzero(kinds == CellKind.HUMAN_ONLY) if int(f) not in reserved]
    for h in range(humans):
        zone = pick_zones[h % len(pick_zones)] if pick_zones else None
        zcells = frozenset(g.index(c) for c in zone.cells) if zone is not None else None
        pool = parking + (sorted(zcells) if zcells else [int(f) for f in np.flatnonzero(hum_ok)])
        start = next((f for f in pool if hum_ok[f] and f not in taken and f not in reserved), None)
        if start is None:
            start = next((f for f in pool if hum_ok[f] and f not in taken), None)
        if start is None:
            raise InputError(f"layout {layout.name!r}: no free cell for human {h}")
        cells.append(start)
        taken.add(start)
        zones.append(zcells)
    kinds_out = np.array([AgentKind.ROBOT] * robots + [AgentKind.HUMAN] * humans, dtype=np.uint8)
    return np.array(cells, dtype=np.int64), kinds_out, zones


def _load_layout(name_or_path):
    from maps import load_layout

    return load_layout(name_or_path)


def run_shift(spec: ShiftSpec, *, layout=None, out: str | os.PathLike | None = None, db: str | None = None,
              progress=None, check_every: int = 0, mover=None, assigner=None, make_desk=None, on_step=None,
              make_link=None, extra_orders=(), generate: bool = True, resume: bool = False) -> ShiftResult:
    """Simulate one shift and (with ``out``) write its run folder.

    Parameters
    ----------
    spec: :class:`ShiftSpec`.
    layout: a ready :class:`robocore.Layout` (else ``spec.layout`` is loaded).
    out: run folder to write (created); None writes nothing.
    db: ledger file (default ``out/ledger.sqlite``, or in memory without ``out``).
        Raises ``InputError`` if it already exists (a run never reuses a ledger).
    progress: a :class:`robocore.cli._common.Progress` to update, or None.
    check_every: run the line accounting check every this many steps (0: only at the end).
    mover, assigner: replace the lifelong planner or the tour assigner (defaults:
        ``planner.mapf.LifelongPlanner``, :class:`fleet.assign.TourAssigner`).
    make_desk: ``make_desk(ledger)`` returns the pack desk (default
        :class:`fleet.packdesk.PackDesk`).
    on_step: called as ``on_step(controller)`` after every step (the viewer);
        returning ``False`` ends the shift there.
    make_link: ``make_link(grid, kinds, starts, params=..., seed=...)`` returns the
        :class:`fleet.link.RobotLink` (default :class:`fleet.simlink.SimLink`;
        ``fleet.zmqlink.LoopbackFleet.link`` for robots over the bridge).
    extra_orders: :class:`robocore.orders.Order` values that arrive at step 0
        (``robocore serve --orders``), besides the generated stream.
    generate: False: no generated orders (only ``extra_orders``).
    resume: continue the shift of an existing ledger ``db`` after a controller
        restart (``fleet.resume``): its open work goes back on the floor, the
        clock resumes after its last change, and orders of the stream it
        already holds are not submitted again. With replenishment on, the
        receipts still at the docks go back into putaway
        (:meth:`fleet.putaway.Putaway.resume`), the stock review runs at once and
        the orders the ledger holds count in the demand history. The run folder
        then covers the resumed part. Needs ``make_link`` robots that report
        where they are (a :class:`fleet.simlink.SimLink` started on the cells
        the agents stood on, or robots over the bridge that reconnect).
    """
    from fleet.accounting import check_lines
    from fleet.controller import Controller, FleetConfig
    from fleet.orderstream import order_stream
    from fleet.recorder import Recorder, count_collisions
    from fleet.simlink import SimLink
    from fleet.stockwatch import StockWatch
    from robocore.catalog import Warehouse, demo_catalog, stock_layout
    from robocore.ledger import Ledger

    if layout is None:
        layout = _load_layout(spec.layout)
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
    if db is None:
        db = str(out / "ledger.sqlite") if out is not None else ":memory:"
    if resume:
        if db == ":memory:" or not os.path.exists(db):
            raise InputError("no ledger to resume", source=db)
    elif db != ":memory:" and os.path.exists(db):
        raise InputError("ledger file already exists; a run starts from a fresh ledger", source=db)
    starts, kinds, zones = place_agents(layout, spec.robots, spec.humans)
    ledger = Ledger.open_existing(db) if resume else Ledger(db)
    skus = demo_catalog(spec.skus, seed=spec.seed)
    popular = _slotting(skus, layout, seed=spec.seed)
    rate = spec.rate_per_hour or _default_rate(spec, layout)
    n_total = spec.orders
    backlog = spec.backlog if spec.backlog is not None else int(round(0.05 * (n_total or rate * spec.hours)))
    # a resumed shift stocks a throw-away ledger the same way, only to learn what the stream may order
    stock_into = Ledger(":memory:") if resume else ledger
    stock_into.add_warehouse(Warehouse(id=WAREHOUSE, region="region-1", handling_days=0, cost=2.0), at=spec.start)
    if spec.slotting == "velocity":
        dealt = _deal_by_use(popular, layout, orders=n_total or rate * spec.hours + backlog,
                             max_qty=spec.stock_units)
        stocked = stock_layout(stock_into, WAREHOUSE, layout, dealt, seed=spec.seed, max_qty=spec.stock_units,
                               slot_order=_velocity_slot_order(layout), at=spec.start)
    else:
        stocked = stock_layout(stock_into, WAREHOUSE, layout, popular, seed=spec.seed, max_qty=spec.stock_units,
                               at=spec.start)
    if resume:
        stock_into.close()
    on_shelf = {sku for _, sku, _ in stocked}
    stocked_ids = [s for s in dict.fromkeys(x.id for x in popular) if s in on_shelf]  # most popular first
    if generate:
        arrivals, cancels = order_stream(stocked_ids, hours=spec.hours, rate_per_hour=rate, n_orders=n_total,
                                         backlog=backlog, seed=spec.seed, bad_fraction=spec.bad_fraction,
                                         cancel_fraction=spec.cancel_fraction)
    else:
        arrivals, cancels = [], []
    if extra_orders:
        from fleet.orderstream import Arrival

        arrivals = [Arrival(0, o) for o in extra_orders] + list(arrivals)
    params = spec.link_params()
    link = (make_link or SimLink)(layout.grid, kinds, starts, params=params, seed=spec.seed)
    if mover is None:
        from planner.mapf import LifelongPlanner

        mover = LifelongPlanner(layout.grid, seed=spec.seed)
    if assigner is None:
        from fleet.assign import TourAssigner

        assigner = TourAssigner(layout, policy=spec.policy, seed=spec.seed)
    if make_desk is None:
        from fleet.packdesk import PackDesk

        desk = PackDesk(ledger, labels_dir=(out / "labels") if out is not None else None, seed=spec.seed)
    else:
        desk = make_desk(ledger)
    config = (FleetConfig(max_tour_orders=1, batch_wait_s=0) if spec.policy == "single" else FleetConfig())
    ctl = Controller(layout, link, mover, ledger, warehouse=WAREHOUSE, assigner=assigner, desk=desk,
                     params=params, homes=starts, zones=zones, start=spec.start, config=config)
    if resume:
        from fleet.resume import resume_floor

        resume_floor(ctl)
    restock = _restocking(spec, ctl, stocked_ids, rate)
    if resume and ctl.putaway is not None:
        ctl.putaway.resume(ctl)  # open receipts back at their docks, inbound due meanwhile received
    watch = StockWatch(stocked_ids, warehouse=WAREHOUSE, every=60)
    horizon = int(round(spec.hours * 3600))
    rec = Recorder(kinds, cols=layout.cols, expected_steps=horizon)
    rec.record(ctl.pos, ctl.state, ctl.goals)
    _warm_up(ctl, spec)
    ai = ci = 0
    # a resumed shift reviews stock at once (the controller may have died at a review or been down over
    # one); the review reads what is on order and at the docks from the ledger, so nothing is ordered twice
    review_now = resume
    t0 = time.perf_counter()
    while ctl.step_no < horizon:
        while ai < len(arrivals) and arrivals[ai].step <= ctl.step_no:
            arr = arrivals[ai]
            if arr.order.id in ctl.order_state:  # a resumed ledger holds it already
                if restock is not None and ctl.order_state[arr.order.id] != "rejected":
                    restock.observe(arr.order, arr.step)  # demand the dead controller had counted
            elif ctl.receive(arr.order) != "rejected" and restock is not None:
                restock.observe(arr.order, ctl.step_no)
            ai += 1
        while ci < len(cancels) and cancels[ci].step <= ctl.step_no:
            ctl.cancel(cancels[ci].order_id, "customer cancelled")
            ci += 1
        if restock is not None and (review_now or restock.due(ctl.step_no)):
            restock.review(ctl)
        review_now = False
        watch.maybe_sample(ledger, ctl.step_no)
        ctl.step()
        rec.record(ctl.pos, ctl.state, ctl.goals)
        if check_every and ctl.step_no % check_every == 0:
            check_lines(ctl)
        if on_step is not None and on_step(ctl) is False:
            break  # the caller (a closed viewer window) ends the shift early
        if progress is not None:
            progress.update(1, extra=f"shipped {len(ctl.shipped_at)}")
        if n_total is not None and ai == len(arrivals) and ctl.open_orders() == 0:
            break
    wall = time.perf_counter() - t0
    check_lines(ctl)
    ledger.check_invariants()
    collisions = count_collisions(layout.grid, rec.positions(), kinds)
    report = build_report(spec, ctl, rec, layout, wall_s=wall, collisions=collisions, rate=rate, watch=watch,
                          restock=restock)
    if out is not None:
        from maps import save_layout

        save_layout(layout, out / "layout.json")
        rec.save(out / "trajectory.npz")
        (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        _snapshot(layout, rec, out / "floor.png", report)
    return ShiftResult(report=report, controller=ctl, recorder=rec, layout=layout)


def _restocking(spec: ShiftSpec, ctl, stocked_ids: list[str], rate: float):
    """With ``spec.replenish`` on: attach putaway to the controller and return
    the :class:`fleet.replenish.Replenisher` (else None). The demand history
    before the shift is 48 hours of the same order generator with another seed."""
    if spec.replenish == "off":
        return None
    from fleet.orderstream import order_stream
    from fleet.putaway import Putaway, PutawayConfig
    from fleet.replenish import Replenisher, ReplenishConfig, hourly_demand

    n = max(len(stocked_ids) - 1, 1)
    ctl.putaway = Putaway(ctl, config=PutawayConfig(load_units=spec.load_units,
                                                    slotting="velocity" if spec.slotting == "velocity" else "nearest"),
                          velocity={s: i / n for i, s in enumerate(stocked_ids)})
    cfg = ReplenishConfig(policy=spec.replenish, review_hours=spec.review_hours, lead_time_hours=spec.lead_time_hours,
                          safety_hours=spec.safety_hours)
    past, _ = order_stream(stocked_ids, hours=cfg.history_hours, rate_per_hour=rate, seed=spec.seed + 104_729,
                           bad_fraction=0.0, cancel_fraction=0.0)
    history = hourly_demand(past, stocked_ids, cfg.history_hours)
    return Replenisher(stocked_ids, warehouse=WAREHOUSE, history=history, config=cfg)


def _slotting(skus, layout, *, seed: int, fill: float = 0.8) -> list:
    """The SKU list to deal over the slots, fast movers repeated: SKUs get a
    seeded popularity rank (the order stream draws them with weight
    ``1 / rank ** 0.8``) and slots in proportion to it, at least one each
    (popularity-based slotting, so that fast movers do not run out first).
    The list is in popularity order, most popular first."""
    from fleet.orderstream import popularity

    rng = np.random.default_rng([seed, 17])
    ranked = [skus[i] for i in rng.permutation(len(skus))]
    n = len(ranked)
    n_fill = int(round(fill * len(layout.slots)))
    weights = popularity(n)
    extra = np.floor(weights * max(n_fill - n, 0)).astype(int)
    out = []
    for sku, k in zip(ranked, extra):
        out += [sku] * (1 + int(k))
    return out


def _deal_by_use(popular: list, layout, *, orders: float, max_qty: int = STOCK_MAX_QTY) -> list:
    """``popular`` (the :func:`_slotting` list) reordered for velocity
    slotting: slot instances by the units expected to be drawn from each over
    the shift (``planner.slotting.deal_by_use``; the demand estimate is
    ``fleet.orderstream.expected_units`` for ``orders`` orders, a slot holds
    ``max_qty`` / 2 units on average). A fast mover's first slots
    come first; its reserve slots, which the shift will not reach (picks
    draw from a SKU's nearest slot first), go behind every slot that will
    be picked from."""
    from fleet.orderstream import expected_units
    from planner.slotting import deal_by_use

    ids = list(dict.fromkeys(x.id for x in popular))
    demand = dict(zip(ids, expected_units(len(ids), orders)))
    per_slot = float(np.mean([(1 + min(s.capacity, max_qty)) / 2.0 for s in layout.slots]))
    order = deal_by_use([x.id for x in popular], demand, units_per_slot=per_slot)
    return [popular[k] for k in order]


def _velocity_slot_order(layout) -> list[str]:
    """Slot ids cheapest first: round trip from the nearest pack station
    (``planner.slotting.slot_costs``); unreachable slots are left out. Dealing
    the popularity-ordered SKU list over this order puts the fast movers
    nearest the stations (velocity slotting)."""
    from planner.slotting import slot_costs

    cost = slot_costs(layout)
    return [layout.slots[i].id for i in np.argsort(cost, kind="stable") if np.isfinite(cost[i])]


def _default_rate(spec: ShiftSpec, layout) -> float:
    """Orders per hour that keep the fleet busy without drowning it: about
    25 lines an hour per robot and 18 per human at 2 lines an order."""
    return max(6.0, (spec.robots * 25.0 + spec.humans * 18.0) / 2.0)


def _warm_up(ctl, spec: ShiftSpec) -> None:
    """Compile (or load from Numba's cache) the kernels a shift uses, before
    the clock starts: a throw-away planner step, a one-item cartonization and,
    for the batching policy, a one-order tour plan. Nothing of the run's own
    state is touched."""
    from planner.mapf import LifelongPlanner

    g = ctl.grid
    cells = ctl.pos[:1]
    LifelongPlanner(g, seed=0).step(cells, cells, humans=ctl.is_human[:1])
    try:
        from planner.cartonize import cartonize
        from robocore.packing import Item

        cartonize([Item("warm-up", (100, 80, 50), 0.2), Item("warm-up", (90, 80, 40), 0.1)])
    except ImportError:  # pragma: no cover - packing is part of robocore
        pass
    if spec.policy == "batch" and ctl.layout.slots:
        from planner.pickplan import plan_tours
        from planner.picktypes import PickAgent, PickOrder

        slot = ctl.layout.slots[0]
        # start at the depot: the first agent may be a human parked on human-only floor
        depot = g.coord(int(ctl.station_cells[0]))
        agent = PickAgent(id="w", kind="robot", position=depot)
        if g.is_passable(slot.access):
            plan_tours(g, [PickOrder(id="w", picks=(slot.access,))], [agent], depot=depot, time_limit_s=0.01)


def live_frame(ctl):
    """The controller's floor now as a :class:`viz.Frame` (for ``--view``)."""
    from viz import Frame

    cols = ctl.grid.cols
    pos = np.stack([ctl.pos // cols, ctl.pos % cols], axis=1)
    goals = np.stack([ctl.goals // cols, ctl.goals % cols], axis=1)
    hours = max(ctl.step_no / 3600.0, 1e-9)
    lines = {ctl.layout.stations[k].id: len(line) for k, line in enumerate(ctl.station_lines)}
    cfg = ctl.config
    cap = np.where(ctl.is_human, cfg.human_orders, cfg.robot_orders).astype(np.float64)
    fill = np.array([len({it.order_id for it in tote}) for tote in ctl.totes], dtype=np.float64) / cap
    robots = ~np.asarray(ctl.is_human, dtype=bool)
    busy = np.isin(ctl.state, (AgentState.IDLE, AgentState.CHARGING, AgentState.TO_CHARGER), invert=True)
    util = float(busy[robots].mean()) if robots.any() else 0.0
    backlog = len(ctl.pool())
    return Frame(step=ctl.step_no, positions=pos, states=ctl.state.copy(), kinds=ctl.kinds, goals=goals,
                 tote_fill=np.minimum(fill, 1.0), station_queues=lines,
                 hud={"time_s": ctl.step_no, "orders_backlog": backlog, "orders_shipped": len(ctl.shipped_at),
                      "orders_in_progress": ctl.open_orders(), "lines_per_hour": round(ctl.lines_picked / hours, 1),
                      "utilisation": round(util, 3),
                      "planner_step_ms": round(ctl.planner_ms[-1], 3) if ctl.planner_ms else 0.0})


def _snapshot(layout, rec, path, report: dict) -> None:
    """``floor.png``: the floor and every agent at the last step (viz)."""
    from viz import Frame, render_snapshot

    frame = Frame(step=rec.rows - 1, positions=rec.positions()[-1], states=rec.states[-1], kinds=rec.kinds,
                  hud={"time_s": rec.rows - 1, "orders_shipped": report["orders_shipped"],
                       "lines_per_hour": report["lines_per_hour"], "utilisation": report["robot_utilisation"],
                       "planner_step_ms": report["planner_step_ms"]["median"]})
    render_snapshot(layout, frame, path)


def build_report(spec: ShiftSpec, ctl, rec, layout, *, wall_s: float, collisions: int, rate: float, watch=None,
                 restock=None) -> dict:
    """The KPIs of a finished shift (see ``docs/run-folder.md``). ``watch`` is the
    shift's :class:`fleet.stockwatch.StockWatch`, ``restock`` its
    :class:`fleet.replenish.Replenisher` (None: replenishment off)."""
    pa = ctl.putaway
    counts = ctl.ledger.counts()
    received = sum(counts.values())
    shipped = counts.get("shipped", 0) + counts.get("delivered", 0)
    backordered = counts.get("backordered", 0)
    cancelled = counts.get("cancelled", 0)
    rejected = counts.get("rejected", 0)
    open_ = received - shipped - backordered - cancelled - rejected
    steps = ctl.step_no
    hours = steps / 3600.0
    ms = np.asarray(ctl.planner_ms, dtype=np.float64)
    robots = ~ctl.is_human
    util = float(ctl.working_steps[robots].sum() / max(steps * robots.sum(), 1)) if robots.any() else 0.0
    cycle = [ctl.shipped_at[o] - ctl.floor_orders[o]["received"] for o in ctl.shipped_at if o in ctl.floor_orders]
    on_time = list(ctl.on_time.values())
    rejections = sorted(ctl.rejected.items())
    return {
        "layout": layout.name,
        "seed": spec.seed,
        "policy": spec.policy,
        "slotting": spec.slotting,
        "robots": spec.robots,
        "humans": spec.humans,
        "hours": spec.hours,
        "steps": steps,
        "orders_received": received,
        "orders_shipped": shipped,
        "orders_backordered": backordered,
        "orders_cancelled": cancelled,
        "orders_rejected": rejected,
        "orders_open": open_,
        "orders_by_state": {k: v for k, v in sorted(counts.items()) if v},
        "order_rate_per_hour": rate,
        "lines_picked": ctl.lines_picked,
        "units_picked": ctl.units_picked,
        "lines_per_hour": round(ctl.lines_picked / hours, 3) if hours else 0.0,
        "on_time_rate": round(sum(on_time) / len(on_time), 4) if on_time else None,
        "avg_cycle_time_s": round(float(np.mean(cycle)), 1) if cycle else None,
        "robot_utilisation": round(util, 4),
        "travel_cells": ctl.travel_cells,
        "travel_per_line": round(ctl.travel_cells / ctl.lines_picked, 3) if ctl.lines_picked else None,
        "parcels": getattr(ctl.desk, "parcels", 0),
        "faults": ctl.faults,
        "charges": ctl.charges,
        "stranded": ctl.stranded,
        "min_battery": round(ctl.min_battery, 3) if robots.any() else None,
        "collisions": collisions,
        "planner_step_ms": {"median": round(float(np.median(ms)), 4) if ms.size else 0.0,
                            "p99": round(float(np.percentile(ms, 99)), 4) if ms.size else 0.0},
        "rejections": [{"order": o, "reason": r} for o, r in rejections],
        "wall_s": round(wall_s, 3),
        "speedup": round(steps / wall_s, 1) if wall_s > 0 else None,
        "replenish": spec.replenish,
        "replenishment_reviews": restock.reviews if restock is not None else 0,
        "replenishment_orders": restock.purchases if restock is not None else 0,
        "units_ordered": restock.units_ordered if restock is not None else 0,
        "inbound_receipts": pa.receipts if pa is not None else 0,
        "units_received": pa.received_units if pa is not None else 0,
        "putaways": pa.putaways if pa is not None else 0,
        "units_put_away": pa.units_put_away if pa is not None else 0,
        "putaway_moves": pa.moves if pa is not None else 0,
        "released_on_arrival": pa.released_orders if pa is not None else 0,
        "putaway_resumed_units": pa.resumed_units if pa is not None else 0,
        "stockout_sku_hours": round(watch.stockout_sku_hours, 3) if watch is not None else None,
        "avg_units_held": round(watch.avg_units_held, 1) if watch is not None else None,
    }
