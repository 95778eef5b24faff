"""Putaway after a controller restart: a shift with replenishment is stopped
while receipts wait at a dock and loads ride on robots, then resumed on the
same ledger file (``run_shift(..., resume=True)``). The open receipts go back
into putaway at their docks, nothing is lost or stored twice, the backorders
waiting for that stock are allocated and released, and a restarted stock
review does not order again what is already on order or at the docks."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace

import numpy as np
import pytest

from fleet.putaway import Putaway, PutawayConfig, putaway_errors
from fleet.replenish import ReplenishConfig, Replenisher
from fleet.resume import resume_step
from fleet.shift import run_shift
from fleet.simlink import SimLink
from robocore import Ledger, Warehouse, demo_catalog
from robocore.motion import MotionParams
from tests.fleet_helpers import FirstOrderAssigner, PlainDesk
from tests.test_putaway import BASE, _trajectory_valid, dock_layout

SPEC = replace(BASE, robots=4, humans=1, hours=1.0, seed=2, fault_rate=0.0, replenish="fixed", review_hours=0.1,
               lead_time_hours=0.05, load_units=20, backlog=None, motion=MotionParams())


class Crash:
    """``on_step`` of the first run: stop the shift (the controller "dies") at
    the first step with putaway work both waiting at a dock and loaded on a
    robot; remember where everything was."""

    def __init__(self):
        self.pos = None
        self.step = None

    def __call__(self, ctl):
        pa = ctl.putaway
        if pa is None or ctl.step_no < 600:
            return True
        waiting = [t for t in pa.tasks.values() if not t.loaded]
        loaded = [t for t in pa.tasks.values() if t.loaded]
        if not (waiting and loaded):
            return True
        self.pos = ctl.pos.copy()
        self.step = ctl.step_no
        self.on_robots = sum(t.qty for t in loaded)
        self.at_dock = sum(t.qty for t in waiting)
        self.units_put_away = pa.units_put_away
        return False


class Resumed:
    """``on_step`` of the resumed run: what the floor held after the restart."""

    def __init__(self):
        self.first = None

    def __call__(self, ctl):
        if self.first is None:
            pa = ctl.putaway
            self.first = {"step": ctl.step_no, "errors": putaway_errors(ctl), "units": pa.units(),
                          "tasks": {t.id: (t.receipt, t.qty, t.dock, t.slot) for t in pa.tasks.values()}}
        return True


def _same_place(pos):
    """``make_link`` for the resumed run: robots and humans where they stood
    when the controller died (a SimLink started on those cells)."""

    def make_link(grid, kinds, starts, **options):
        return SimLink(grid, kinds, pos, **options)

    return make_link


@pytest.fixture(scope="module", params=["fixed", "forecast"])
def restart(request, tmp_path_factory):
    spec = replace(SPEC, replenish=request.param)
    db = str(tmp_path_factory.mktemp("resume") / "ledger.sqlite")
    layout = dock_layout()
    crash = Crash()
    res = run_shift(spec, layout=layout, db=db, assigner=FirstOrderAssigner(), make_desk=PlainDesk, check_every=1,
                    on_step=crash)
    assert crash.step is not None, "the shift never had putaway work at a dock and on a robot at once"
    led = res.controller.ledger
    at_crash = {
        "receipts": {r.id: (r.sku, r.dock, r.qty, r.stored) for r in led.receipts(warehouse="WH-1")},
        "open_inbound": [row[0] for row in led.open_inbound(warehouse="WH-1")],
        "backlog": led.backlog(),
        "backordered": {o.id for o in led.orders("backordered")},
        # the newest ledger write, in floor steps: an order change, a receipt or a drop
        "last_write": max(resume_step(led, SPEC.start) - 1,
                          int((led.last_dock_change().replace(tzinfo=None) - SPEC.start).total_seconds())),
        "report": res.report,
    }
    led.check_invariants()
    res.close()
    probe = Resumed()
    res2 = run_shift(spec, layout=layout, db=db, resume=True, make_link=_same_place(crash.pos),
                     assigner=FirstOrderAssigner(), make_desk=PlainDesk, check_every=1, on_step=probe)
    yield crash, at_crash, probe, res2
    res2.close()


def test_open_receipts_go_back_to_their_docks(restart):
    crash, at_crash, probe, res = restart
    ctl = res.controller
    first = probe.first
    assert at_crash["receipts"] and crash.on_robots > 0 and crash.at_dock > 0
    # right after the restart, the floor's putaway work is the ledger's: every unit not on a slot is at its dock
    assert first["errors"] == []
    assert first["step"] > at_crash["last_write"]  # the clock resumed after the newest write, never before it
    assert first["units"]["at_dock"] + first["units"]["on_robot"] >= crash.at_dock + crash.on_robots
    resumed = {rid: 0 for rid in at_crash["receipts"]}
    dock_cell = {d.id: ctl.grid.index(d.cell) for d in ctl.layout.docks}
    for receipt, qty, dock, _ in first["tasks"].values():
        if receipt in resumed:
            resumed[receipt] += qty
            assert dock == dock_cell[at_crash["receipts"][receipt][1]]  # at the receipt's own dock
            assert qty <= SPEC.load_units
    assert resumed == {rid: q - s for rid, (_, _, q, s) in at_crash["receipts"].items()}
    assert res.report["putaway_resumed_units"] == sum(resumed.values()) == crash.at_dock + crash.on_robots


def test_every_received_unit_is_put_away_once(restart):
    crash, at_crash, probe, res = restart
    ctl = res.controller
    led = ctl.ledger
    assert putaway_errors(ctl) == []
    led.check_invariants()  # stored == the sum of its putaway rows, never more than received
    # the receipts open at the crash were all carried to slots after the restart, exactly once
    done = {r.id: r for r in led.receipts(open_only=False)}
    for rid, (sku, _, qty, _) in at_crash["receipts"].items():
        assert done[rid].stored == qty, rid
    # every received unit is on a slot or still accounted at the dock / on a robot
    left = ctl.putaway.units()
    total_received = sum(r.qty for r in done.values())
    total_stored = sum(r.stored for r in done.values())
    assert total_received == total_stored + left["at_dock"] + left["on_robot"]
    assert led.totals()["at_dock"] == left["at_dock"] + left["on_robot"]
    assert total_stored == crash.units_put_away + res.report["units_put_away"]
    # the inbound still on order at the crash arrived and was received after the restart
    received_ids = {r.inbound_id for r in done.values()}
    assert set(at_crash["open_inbound"]) <= received_ids
    assert res.report["collisions"] == 0
    _trajectory_valid(res)


def test_backorders_waiting_for_the_resumed_stock_are_released(restart):
    crash, at_crash, probe, res = restart
    led = res.controller.ledger
    skus = {sku for sku, *_ in at_crash["receipts"].values()}
    waiting = [o for o in at_crash["backordered"] if {ln.sku for ln in led.order(o).lines} & skus]
    assert waiting, "no backorder waited for the stock at the docks"
    moved = [o for o in waiting if led.order(o).state != "backordered"]
    assert moved
    assert res.report["released_on_arrival"] >= 1
    # nothing the ledger allocated is left off the floor: allocated orders are released
    assert not led.orders("allocated") and not led.orders("partially_allocated")
    for o in moved:
        assert led.order(o).state in ("released", "picking", "picked", "packed", "shipped", "delivered")


class _Floor:
    """The little of a controller a review reads: ledger, warehouse, clock."""

    T0 = dt.datetime(2026, 3, 2, 8, 0)

    def __init__(self, ledger, step):
        self.ledger, self.warehouse, self.step_no = ledger, "WH-1", step

    def now(self):
        return self.T0 + dt.timedelta(seconds=self.step_no)


def test_a_restarted_review_does_not_order_again():
    """The replenisher learns what is on order from the ledger, not from its
    memory: a fresh one (a restarted controller's) orders nothing more while
    the purchase is open, nor while its units wait at the dock."""
    skus = demo_catalog(2, seed=1)
    ids = [s.id for s in skus]
    hist = np.array([[4.0] * 24, [1.0] * 24])
    cfg = ReplenishConfig(policy="fixed", review_hours=1.0, lead_time_hours=2.0, safety_hours=1.0)
    with Ledger() as led:
        led.add_warehouse(Warehouse("WH-1", "region-1", handling_days=0), at=_Floor.T0)
        led.add_skus(skus, at=_Floor.T0)
        led.receive("WH-1", "A", ids[0], 3, at=_Floor.T0)
        led.receive("WH-1", "B", ids[1], 100, at=_Floor.T0)
        first = Replenisher(ids, warehouse="WH-1", history=hist, config=cfg)
        (iid,) = first.review(_Floor(led, 1800))
        again = Replenisher(ids, warehouse="WH-1", history=hist, config=cfg)
        assert again.review(_Floor(led, 1801)) == []
        led.dock_inbound(iid, "D01", at=_Floor.T0 + dt.timedelta(hours=3))
        assert Replenisher(ids, warehouse="WH-1", history=hist, config=cfg).review(_Floor(led, 3 * 3600 + 1)) == []
        assert [r.at_dock for r in led.receipts()] == [13]
        led.check_invariants()


def test_resume_needs_a_fresh_putaway_and_a_known_dock(restart):
    """On the resumed floor with another ledger: a receipt at dock D01 becomes
    loads there; resuming twice is refused; a receipt at a dock the layout does
    not have is a one-line input error naming it."""
    from robocore.errors import InputError

    ctl = restart[3].controller
    saved = ctl.ledger
    with Ledger() as led:
        skus = demo_catalog(1, seed=3)
        led.add_warehouse(Warehouse("WH-1", "region-1", handling_days=0), at=_Floor.T0)
        led.add_skus(skus, at=_Floor.T0)
        iid = led.add_inbound(skus[0].id, "WH-1", 45, _Floor.T0.date(), at=_Floor.T0)
        led.dock_inbound(iid, "D01", at=_Floor.T0)
        ctl.ledger = led
        try:
            pa = Putaway(ctl, config=PutawayConfig(load_units=20))
            counts = pa.resume(ctl)
            assert (counts["receipts"], counts["units"], counts["loads"]) == (1, 45, 3)
            assert sorted(t.qty for t in pa.tasks.values()) == [5, 20, 20]
            assert {t.dock for t in pa.tasks.values()} == {ctl.grid.index(ctl.layout.docks[0].cell)}
            assert len({t.slot for t in pa.tasks.values()}) == 1 and pa.claimed
            with pytest.raises(RuntimeError, match="fresh"):
                pa.resume(ctl)
            iid = led.add_inbound(skus[0].id, "WH-1", 5, _Floor.T0.date(), at=_Floor.T0)
            led.dock_inbound(iid, "NOWHERE", at=_Floor.T0)
            with pytest.raises(InputError, match="NOWHERE"):
                Putaway(ctl).resume(ctl)
        finally:
            ctl.ledger = saved
        led.check_invariants()


def test_serve_rejects_a_bad_replenish_policy(tmp_path):
    import subprocess
    import sys

    from tests.test_serve_cmd import ENV

    p = subprocess.run([sys.executable, "-m", "robocore", "serve", "--robots", "2", "--insecure", "--rate", "10",
                        "--replenish", "bogus", "--out", str(tmp_path / "r")], cwd=tmp_path, env=ENV,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--replenish" in p.stderr and "bogus" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "r").exists()


def test_serve_killed_with_inbound_at_the_docks_resumes_the_putaway(tmp_path):
    """``robocore serve --replenish fixed`` over the bridge, kill -9 while
    receipts wait at the docks (some loads already dropped), start it again on
    the same ledger and port: the robots reconnect, the open receipts go on
    being put away, and the ledger ends consistent (the controller's own end-of-shift
    accounting, putaway included, passed: exit 0)."""
    import json
    import signal
    import subprocess

    from tests.test_serve_cmd import ORDER_STATES, _endpoint, _free_port, _reap, _restart_after_kill, _start

    port = str(_free_port())
    db = tmp_path / "ledger.sqlite"
    common = ["serve", "--robots", "3", "--humans", "1", "--insecure", "--port", port, "--rate", "60",
              "--hours", "0.4", "--db", str(db), "--replenish", "fixed", "--review-hours", "0.05",
              "--lead-time-hours", "0.02", "--stock-units", "2", "--load-units", "10", "--json"]
    first = _start([*common, "--out", str(tmp_path / "run1")], tmp_path, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE)
    robots = second = None
    at_kill = {}
    try:
        ep = _endpoint(first)
        robots = _start(["robot", "--lockstep", "--count", "3", "--connect", ep, "--insecure"], tmp_path,
                        stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end and first.poll() is None:
            time.sleep(0.1)
            with Ledger.open_existing(db) as led:
                rs = led.receipts(open_only=False)
                picked = sum(ln.picked for o in led.orders() for ln in led.order(o.id).lines)
                if picked >= 3 and any(r.stored > 0 for r in rs) and any(r.at_dock > 0 for r in rs):
                    first.send_signal(signal.SIGKILL)
                    at_kill = {r.id: (r.qty, r.stored) for r in rs if r.at_dock > 0}
                    break
        first.wait(10)
        assert at_kill, "the first controller never had receipts at the docks"
        second, stdout = _restart_after_kill(first, common, tmp_path, timeout_s=120)
    finally:
        _reap(first, second, robots)
    report = json.loads(stdout)
    assert report["resumed"] is True and report["replenish"] == "fixed"
    # what the restarted controller took back is what the ledger had at the docks (less drops made between
    # our look and the kill)
    assert 0 < report["putaway_resumed_units"] <= sum(q - s for q, s in at_kill.values())
    assert report["putaways"] > 0
    assert report["collisions"] == 0 and report["link_robots_gone"] == []
    assert sum(report[k] for k in ORDER_STATES) == report["orders_received"]
    with Ledger.open_existing(db) as led:
        led.check_invariants()
        stored = {r.id: r.stored for r in led.receipts(open_only=False)}
        # the receipts at the docks at the kill were carried on after the restart (never beyond what came in)
        assert sum(stored[rid] for rid in at_kill) > sum(s for _, s in at_kill.values())
        assert all(stored[rid] <= q for rid, (q, _) in at_kill.items())
