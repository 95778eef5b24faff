"""Putaway on the floor: inbound received at a dock, carried to a slot by a
robot, available only once dropped; backorders allocated on the drop; faults
mid-putaway lose nothing. Every run proves the line and putaway accounting
after every step and validates the trajectory."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from fleet.accounting import LineError, check_lines
from fleet.putaway import Putaway, PutawayConfig, putaway_errors
from fleet.shift import ShiftSpec, run_shift
from robocore.agents import AgentKind, AgentState
from robocore.grid import CellKind, Grid
from robocore.layout import Layout, Location
from robocore.motion import MotionParams
from robocore.orders import Address, Order, OrderLine
from tests.fleet_helpers import FirstOrderAssigner, PlainDesk, tiny_layout

BASE = ShiftSpec(layout="tiny", robots=3, humans=0, hours=0.25, seed=5, skus=30, fault_rate=0.0, stock_units=2,
                 backlog=0)
T0 = BASE.start


def dock_layout() -> Layout:
    """``tiny_layout`` with two docks in the top row."""
    lay = tiny_layout()
    k = lay.grid.kinds.copy()
    docks = (Location("D01", (0, 0)), Location("D02", (0, 5)))
    for d in docks:
        k[d.cell] = CellKind.DOCK
    return Layout(Grid(k), name="tiny-dock", slots=lay.slots, stations=lay.stations, chargers=lay.chargers,
                  docks=docks, spawns=lay.spawns, zones=lay.zones)


def _orders(sku: str, have: int) -> list[Order]:
    """One order taking all ``have`` units of ``sku``, then one that must wait for more."""
    addr = Address(name="c", street="s 1", city="c", postcode="10000", region="region-1", country="DE")
    return [Order(id="TAKE-ALL", customer="c", ship_to=addr, lines=(OrderLine(sku, have),)),
            Order(id="WAITS", customer="c", ship_to=addr, lines=(OrderLine(sku, 3),))]


class Drill:
    """``on_step``: at step 1 attach putaway and open inbound of ``sku`` due at
    ``due_s``; record what the ledger says while the units are on the floor;
    optionally fault putaway robots."""

    def __init__(self, sku: str, qty: int, *, due_s: int = 20, fault_unloaded: bool = False,
                 fault_loaded: bool = False, load_units: int = 40):
        self.sku, self.qty, self.due_s = sku, qty, due_s
        self.fault_unloaded, self.fault_loaded = fault_unloaded, fault_loaded
        self.load_units = load_units
        self.available_while_on_floor: list[int] = []
        self.faulted: dict[str, tuple[int, int]] = {}
        self.places: list[dict] = []

    def __call__(self, ctl):
        if ctl.putaway is None:
            ctl.putaway = Putaway(ctl, config=PutawayConfig(check_every=10, load_units=self.load_units))
            ctl.ledger.add_inbound(self.sku, ctl.warehouse, self.qty, T0.date(),
                                   due_at=T0 + dt.timedelta(seconds=self.due_s), at=ctl.now())
            return
        pa = ctl.putaway
        if pa.tasks:
            self.available_while_on_floor.append(ctl.ledger.available(self.sku))
            self.places.append(pa.units())
        for a, tid in list(pa.by_agent.items()):
            t = pa.tasks[tid]
            if (self.fault_unloaded and "unloaded" not in self.faulted and not t.loaded
                    and ctl.state[a] == AgentState.PUTAWAY and int(ctl.pos[a]) != t.dock):
                self.faulted["unloaded"] = (a, tid)
                ctl.link.inject_fault(a)
            elif (self.fault_loaded and "loaded" not in self.faulted and t.loaded
                  and int(ctl.pos[a]) not in (t.dock, t.cell)):
                self.faulted["loaded"] = (a, tid)
                ctl.link.inject_fault(a)


def _stocked(spec: ShiftSpec, layout) -> tuple[str, int]:
    """A SKU the shift stocks and its units (same seed: the same stocking as the run)."""
    from robocore.catalog import Warehouse, demo_catalog, stock_layout
    from robocore.ledger import Ledger
    from fleet.shift import _slotting

    with Ledger() as led:
        led.add_warehouse(Warehouse(id="WH-1", region="region-1", handling_days=0, cost=2.0), at=spec.start)
        skus = demo_catalog(spec.skus, seed=spec.seed)
        rows = stock_layout(led, "WH-1", layout, _slotting(skus, layout, seed=spec.seed), seed=spec.seed,
                            max_qty=spec.stock_units, at=spec.start)
        sku = rows[0][1]
        return sku, led.available(sku)


def _run(drill: Drill, spec=BASE, layout=None):
    layout = layout or dock_layout()
    sku, have = _stocked(spec, layout)
    drill.sku = sku
    res = run_shift(spec, layout=layout, assigner=FirstOrderAssigner(), make_desk=PlainDesk, on_step=drill,
                    check_every=1, generate=False, extra_orders=_orders(sku, have))
    return res, sku


def _trajectory_valid(res) -> None:
    from planner.validate import validate_paths

    rec = res.recorder
    g = res.layout.grid
    per_agent = [g.human_passable if k == AgentKind.HUMAN else None for k in rec.kinds]
    validate_paths(g.passable, rec.positions().transpose(1, 0, 2), agent_passable=per_agent)


def test_inbound_is_available_only_after_the_drop_and_the_backorder_follows():
    drill = Drill("", 30)
    res, sku = _run(drill)
    ctl = res.controller
    led = ctl.ledger
    r = res.report
    # the waiting order was backordered, then allocated by the drop, released and shipped
    assert led.order("WAITS").state == "shipped"
    assert r["released_on_arrival"] == 1
    assert any(e.to_state == "backordered" for e in led.events("WAITS"))
    # while the 30 units were at the dock or on the robot, none was available
    assert drill.available_while_on_floor and max(drill.available_while_on_floor) == 0
    assert any(p["at_dock"] == 30 for p in drill.places) and any(p["on_robot"] == 30 for p in drill.places)
    # one receipt, one robot load, all of it on one slot: 30 - 3 shipped
    assert (r["inbound_receipts"], r["units_received"], r["putaways"], r["units_put_away"]) == (1, 30, 1, 30)
    assert r["putaway_moves"] > 0
    assert led.receipts() == [] and led.totals()["at_dock"] == 0
    assert led.available(sku) == 27
    # the robot stood on the dock to load and on the slot's pick cell to drop
    st = res.recorder.states
    assert (st == AgentState.PUTAWAY).any()
    assert r["collisions"] == 0
    _trajectory_valid(res)
    led.check_invariants()
    res.close()


def test_large_inbound_is_split_into_robot_loads():
    drill = Drill("", 50, load_units=20)
    res, sku = _run(drill)
    r = res.report
    assert (r["putaways"], r["units_put_away"]) == (3, 50)  # 20 + 20 + 10
    assert res.controller.ledger.order("WAITS").state == "shipped"
    _trajectory_valid(res)
    res.controller.ledger.check_invariants()
    res.close()


def test_fault_before_loading_returns_the_task_to_the_pool():
    drill = Drill("", 30, fault_unloaded=True)
    spec = replace(BASE, motion=MotionParams(repair_s=400))
    res, sku = _run(drill, spec)
    ctl = res.controller
    assert "unloaded" in drill.faulted
    a, _ = drill.faulted["unloaded"]
    # another robot did the putaway while the first stood faulted
    r = res.report
    assert (r["putaways"], r["units_put_away"]) == (1, 30)
    assert ctl.ledger.order("WAITS").state == "shipped"
    assert r["faults"] == 1 and r["collisions"] == 0
    _trajectory_valid(res)
    ctl.ledger.check_invariants()
    res.close()


def test_fault_with_a_load_keeps_it_on_the_robot_until_cleared():
    drill = Drill("", 30, fault_loaded=True)
    spec = replace(BASE, motion=MotionParams(repair_s=120))
    res, sku = _run(drill, spec)
    ctl = res.controller
    assert "loaded" in drill.faulted
    a, tid = drill.faulted["loaded"]
    st = res.recorder.states[:, a]
    assert (st == AgentState.FAULT).sum() >= 100
    # the load rode out the fault on the robot and was put away after it
    assert res.report["units_put_away"] == 30
    assert ctl.ledger.receipts() == []
    assert ctl.ledger.order("WAITS").state == "shipped"
    _trajectory_valid(res)
    ctl.ledger.check_invariants()
    res.close()


def test_accounting_catches_a_lost_putaway_unit():
    drill = Drill("", 30, due_s=5)
    lost = {}

    def lose(ctl):
        drill(ctl)
        pa = ctl.putaway
        if pa.tasks and not lost:
            t = next(iter(pa.tasks.values()))
            t.qty -= 1
            lost["errors"] = putaway_errors(ctl)
            with pytest.raises(LineError, match="receipt"):
                check_lines(ctl)
            t.qty += 1
        return not lost

    layout = dock_layout()
    sku, have = _stocked(BASE, layout)
    drill.sku = sku
    res = run_shift(BASE, layout=layout, assigner=FirstOrderAssigner(), make_desk=PlainDesk, on_step=lose,
                    generate=False, extra_orders=_orders(sku, have))
    assert lost["errors"] and "ledger has 30" in lost["errors"][0]
    res.controller.ledger.check_invariants()
    res.close()


def test_slot_choice_prefers_the_skus_own_slot_then_the_nearest_free_one():
    layout = dock_layout()
    drill = Drill("", 1, due_s=3000)  # arrives after the run: we only want the floor set up
    res, sku = _run(drill, replace(BASE, hours=0.01))
    ctl = res.controller
    pa = ctl.putaway
    own = {r.slot for r in ctl.ledger.stock(sku) if r.on_hand > 0}
    # room on its own slot (capacity 60): there
    assert pa._choose_slot(ctl, sku, 5, 0) in own
    # too much for any of its slots: the free slot nearest dock 0
    occupied = {r.slot for r in ctl.ledger.stock(warehouse=ctl.warehouse) if r.on_hand > 0 or r.reserved > 0}
    free = [i for i, s in enumerate(pa.slot_ids) if s not in occupied and pa.reachable[i]]
    slot = pa._choose_slot(ctl, sku, 60, 0)
    assert slot not in own and slot not in occupied
    d = pa.dock_dist[0][pa.slot_access]
    assert d[pa.slot_index[slot]] == min(d[i] for i in free)
    # velocity: a fast mover gets the cheapest free slot, a slow mover the dearest
    pv = Putaway(ctl, config=PutawayConfig(slotting="velocity"), velocity={"FAST": 0.0, "SLOW": 1.0})
    cost = pv.slot_cost
    free_cost = sorted(cost[i] for i in free)
    assert cost[pv.slot_index[pv._choose_slot(ctl, "FAST", 60, 0)]] == free_cost[0]
    assert cost[pv.slot_index[pv._choose_slot(ctl, "SLOW", 60, 0)]] == free_cost[-1]
    res.close()


def test_a_layout_without_a_dock_cannot_receive():
    from robocore.errors import InputError

    res = run_shift(replace(BASE, hours=0.001), layout=tiny_layout(), assigner=FirstOrderAssigner(),
                    make_desk=PlainDesk, generate=False)
    with pytest.raises(InputError, match="no dock"):
        Putaway(res.controller)
    res.close()


def test_config_checks():
    with pytest.raises(ValueError):
        PutawayConfig(load_units=0)
    with pytest.raises(ValueError):
        PutawayConfig(slotting="abc")
    assert np.isfinite(PutawayConfig().urgent_after_s)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faulty_floor_with_replenishment_loses_nothing(seed):
    """Frequent faults (while travelling, loading or carrying) on a small floor
    with replenishment: accounting proved after every step, every received
    unit put away or still at the dock / on a robot."""
    spec = replace(BASE, robots=4, humans=1, hours=0.5, seed=seed, fault_rate=2e-3, replenish="fixed",
                   review_hours=0.1, lead_time_hours=0.05, load_units=3, backlog=None,
                   motion=MotionParams(repair_s=60))
    res = run_shift(spec, layout=dock_layout(), assigner=FirstOrderAssigner(), make_desk=PlainDesk, check_every=1)
    ctl = res.controller
    r = res.report
    pa = ctl.putaway
    assert r["faults"] >= 3 and r["putaways"] >= 5
    left = pa.units()
    assert r["units_received"] == r["units_put_away"] + left["at_dock"] + left["on_robot"]
    assert ctl.ledger.totals()["at_dock"] == left["at_dock"] + left["on_robot"]
    assert r["collisions"] == 0
    _trajectory_valid(res)
    ctl.ledger.check_invariants()
    res.close()
