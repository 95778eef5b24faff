"""The floor controller end to end on a hand-made floor, with the real ledger
and lifelong planner, and test-only simple assigner and pack desk (the
default assigner and desk are exercised in test_shift.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fleet.accounting import LineError, Place, check_lines, line_places
from fleet.shift import REPORT_KEYS, ShiftSpec, run_shift
from robocore.agents import AgentKind, AgentState
from robocore.grid import CellKind
from robocore.motion import MotionParams
from tests.fleet_helpers import FirstOrderAssigner, PlainDesk, tiny_layout

BASE = ShiftSpec(layout="tiny", robots=4, humans=1, hours=0.5, orders=24, seed=3, skus=40, fault_rate=0.0)


def _run(spec=BASE, **kw):
    kw.setdefault("assigner", FirstOrderAssigner())
    kw.setdefault("make_desk", PlainDesk)
    return run_shift(spec, layout=tiny_layout(), **kw)


@pytest.fixture(scope="module")
def checked():
    """One run with the line accounting proved after every step."""
    return _run(check_every=1)


def test_every_order_done_and_accounted(checked):
    r = checked.report
    assert r["orders_received"] == 24
    assert r["orders_shipped"] + r["orders_backordered"] + r["orders_cancelled"] + r["orders_rejected"] == 24
    assert r["orders_open"] == 0
    assert r["orders_shipped"] >= 15
    assert r["lines_picked"] > r["orders_shipped"] // 2
    assert r["collisions"] == 0
    # every unit of every line ended shipped, backordered, cancelled or rejected
    places = line_places(checked.controller)
    for key, p in places.items():
        assert p[Place.RESERVED] == p[Place.ON_TOUR] == p[Place.IN_TOTE] == p[Place.STAGED] == p[Place.PACKED] == 0, key


def test_report_has_keys_and_five_way_sum(checked):
    r = checked.report
    for k in REPORT_KEYS:
        assert k in r
    assert (r["orders_shipped"] + r["orders_backordered"] + r["orders_cancelled"] + r["orders_rejected"]
            + r["orders_open"]) == r["orders_received"]
    assert set(r["planner_step_ms"]) == {"median", "p99"}


def test_trajectory_is_conflict_free_and_robots_stay_off_human_only(checked):
    from planner.validate import validate_paths

    rec = checked.recorder
    g = checked.layout.grid
    pos = rec.positions()
    assert pos.dtype == np.int16 and pos.shape == (checked.report["steps"] + 1, 5, 2)
    per_agent = [g.human_passable if k == AgentKind.HUMAN else None for k in rec.kinds]
    validate_paths(g.passable, pos.transpose(1, 0, 2), agent_passable=per_agent)
    robots = rec.kinds == AgentKind.ROBOT
    kinds_under = g.kinds.ravel()[rec.flat[:, robots]]
    assert not (kinds_under == CellKind.HUMAN_ONLY).any()


def test_humans_never_share_or_swap_with_robots(checked):
    f = checked.recorder.flat
    h = checked.recorder.kinds == AgentKind.HUMAN
    for t in range(1, len(f)):
        hum_now, hum_prev = set(f[t, h]), set(f[t - 1, h])
        rob_now, rob_prev = f[t, ~h], f[t - 1, ~h]
        assert not hum_now & set(rob_now)
        # no robot enters the cell a human just left while the human enters the robot's
        for a in np.flatnonzero(~h):
            for b in np.flatnonzero(h):
                assert not (f[t, a] == f[t - 1, b] and f[t, b] == f[t - 1, a] and f[t, a] != f[t - 1, a])


def test_humans_pick_only_in_their_zone(checked):
    ctl = checked.controller
    zone = ctl.zones[4]
    assert zone is not None
    human_picks = [tid for _, a, tid in ctl.pick_log if a == 4]
    assert human_picks, "the human picker picked nothing"
    # the picked tasks' cells: read back from the ledger's picks via the layout's slots
    for step, a, tid in ctl.pick_log:
        if a == 4:
            assert checked.recorder.flat[step, 4] in zone


def test_same_seed_same_report():
    a = _run().report
    b = _run().report
    for k in ("wall_s", "speedup", "planner_step_ms"):
        a.pop(k), b.pop(k)
    assert a == b
    c = _run(replace(BASE, seed=4)).report
    c.pop("wall_s"), c.pop("speedup"), c.pop("planner_step_ms")
    assert c != a


def test_bad_orders_are_rejected_with_a_reason():
    res = _run(replace(BASE, bad_fraction=0.4, orders=20))
    r = res.report
    assert r["orders_rejected"] >= 3
    assert len(r["rejections"]) == r["orders_rejected"]
    for rj in r["rejections"]:
        assert "unknown SKU" in rj["reason"] or "quantity" in rj["reason"], rj
    assert r["orders_open"] == 0


def test_fault_mid_tour_lines_repicked_by_another_agent():
    state = {}

    def drill(ctl):
        if "agent" in state or ctl.step_no < 30:
            return
        for a in range(ctl.n):
            job = ctl.jobs[a]
            if (ctl.kinds[a] == AgentKind.ROBOT and ctl.state[a] == AgentState.TO_PICK and job is not None
                    and len(job.remaining_tasks) >= 1):
                state["agent"] = a
                state["tasks"] = list(job.remaining_tasks)
                state["step"] = ctl.step_no
                ctl.link.inject_fault(a)
                return

    spec = replace(BASE, motion=MotionParams(repair_s=200))
    res = _run(spec, on_step=drill, check_every=1)
    ctl = res.controller
    assert "agent" in state, "no robot was on a tour to fault"
    assert ctl.faults >= 1
    a = state["agent"]
    t_fault = state["step"]
    # the faulted robot stood still and was FAULT until repaired
    st = res.recorder.states
    assert (st[t_fault + 2: t_fault + 150, a] == AgentState.FAULT).all()
    assert (res.recorder.flat[t_fault + 1: t_fault + 150, a] == res.recorder.flat[t_fault + 1, a]).all()
    pickers = {tid: ag for _, ag, tid in ctl.pick_log}
    repicked = [tid for tid in state["tasks"] if tid in pickers and pickers[tid] != a]
    assert repicked, "the faulted robot's lines were not picked by another agent"
    r = res.report
    assert r["orders_open"] == 0 and r["collisions"] == 0


def test_charging_happens_and_batteries_never_empty():
    motion = MotionParams(drain_per_move=0.25, drain_idle=0.01, drain_per_pick=0.2, charge_per_step=1.0)
    res = _run(replace(BASE, motion=motion, orders=40, hours=1.0), check_every=25)
    r = res.report
    assert r["charges"] >= 1
    assert r["stranded"] == 0
    assert r["min_battery"] > 0.0
    assert (res.recorder.states == AgentState.CHARGING).any()
    assert r["orders_open"] == 0


def test_check_lines_catches_a_lost_line(checked):
    ctl = checked.controller
    # fabricate a loss: a staged unit nobody accounts for would break the sums
    from fleet.tours import ToteItem

    rec = ctl.ledger.order(next(iter(ctl.shipped_at)))
    ln = rec.lines[0]
    ctl.staged["X"] = [ToteItem(task=-1, order_id=rec.id, line_no=ln.line_no, sku=ln.sku, qty=1)]
    try:
        with pytest.raises(LineError):
            check_lines(ctl)
    finally:
        ctl.staged.pop("X")
    check_lines(ctl)


def test_cancellations_leave_no_trace_on_the_floor():
    """Cancel one order on a tour, one with units in a tote and one in the pool,
    while the line accounting is proved every step."""
    done = {}

    def drill(ctl):
        for a in range(ctl.n):
            job = ctl.jobs[a]
            if "tour" not in done and job is not None and job.remaining_tasks and not ctl.totes[a]:
                oid = ctl.tasks[job.remaining_tasks[0]].order_id
                if ctl.cancel(oid, "drill: on a tour"):
                    done["tour"] = oid
            if "tote" not in done and ctl.totes[a]:
                oid = ctl.totes[a][0].order_id
                if ctl.cancel(oid, "drill: in a tote"):
                    done["tote"] = oid
        pool = ctl.pool()
        if "pool" not in done and pool:
            oid = next(iter(pool))
            if ctl.cancel(oid, "drill: in the pool"):
                done["pool"] = oid

    res = _run(replace(BASE, orders=20), check_every=1, on_step=drill)
    assert set(done) == {"tour", "tote", "pool"}
    r = res.report
    assert r["orders_cancelled"] >= 3 and r["orders_open"] == 0
    ctl = res.controller
    for oid in done.values():
        assert ctl.ledger.order(oid).state == "cancelled"
        assert not any(t.order_id == oid for t in ctl.tasks.values())
        assert not any(it.order_id == oid for tote in ctl.totes for it in tote)
    ctl.ledger.check_invariants()


def test_a_robot_still_busy_with_an_action_is_not_offered_work():
    """After a controller restart a robot may still be finishing an action the
    dead controller started (``fleet.resume``): while the link reports it busy
    it is not idle for tours, charging or putaway, so no second action is sent."""
    from fleet.link import Command
    from robocore.motion import Action

    res = _run(replace(BASE, orders=2, hours=0.2))
    try:
        ctl = res.controller
        robots = np.flatnonzero(~ctl.is_human)
        idle = [a for a in robots if ctl.state[a] == AgentState.IDLE]
        a = int(idle[0])
        assert a in {i.index for i in ctl.idle_agents()}
        ctl.link.command(Command(a, Action.PICK, ref=-1, units=3))  # the restarted controller did not send this
        assert ctl.state[a] == AgentState.IDLE and not ctl.link.movable()[a]
        assert not ctl.idle_mask()[a]
        assert a not in {i.index for i in ctl.idle_agents()}
        ctl.link.tick()
        assert ctl.idle_mask()[ctl.is_human].tolist() == (ctl.state[ctl.is_human] == AgentState.IDLE).tolist()
        res.controller.ledger.check_invariants()
    finally:
        res.close()
