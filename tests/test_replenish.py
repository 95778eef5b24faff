"""In-shift replenishment: reviews that order inbound in floor hours, arriving
at a dock and put away by the fleet (fleet.replenish, fleet.stockwatch)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from fleet.orderstream import Arrival
from fleet.replenish import ReplenishConfig, Replenisher, hourly_demand
from fleet.shift import REPORT_KEYS, ShiftSpec, run_shift
from fleet.stockwatch import StockWatch
from robocore import Ledger, Warehouse, demo_catalog
from robocore.errors import InputError
from robocore.orders import Address, Order, OrderLine

T0 = dt.datetime(2026, 3, 2, 8, 0)
ADDR = Address(name="c", street="s 1", city="c", postcode="10000", region="region-1", country="DE")


def _order(oid, *lines):
    return Order(id=oid, customer="c", ship_to=ADDR, lines=tuple(OrderLine(s, q) for s, q in lines))


def test_hourly_demand_buckets_lines_by_floor_hour():
    arr = [Arrival(10, _order("a", ("S1", 2), ("S2", 1))), Arrival(3599, _order("b", ("S1", 1))),
           Arrival(3600, _order("c", ("S2", 4), ("NOPE", 9), ("S1", -1))), Arrival(7300, _order("d", ("S1", 5)))]
    y = hourly_demand(arr, ["S1", "S2"], 2)
    assert y.tolist() == [[3, 0], [1, 4]]


class _Floor:
    """The little of a controller a review reads: ledger, warehouse, clock."""

    def __init__(self, ledger, step):
        self.ledger, self.warehouse, self.step_no = ledger, "WH-1", step

    def now(self):
        return T0 + dt.timedelta(seconds=self.step_no)


@pytest.fixture
def ledger():
    skus = demo_catalog(2, seed=1)
    led = Ledger()
    led.add_warehouse(Warehouse("WH-1", "region-1", handling_days=0), at=T0)
    led.add_skus(skus, at=T0)
    led.receive("WH-1", "A", skus[0].id, 3, at=T0)
    led.receive("WH-1", "B", skus[1].id, 100, at=T0)
    yield led, [s.id for s in skus]
    led.close()


def test_fixed_review_orders_below_the_reorder_point_due_after_the_lead_time(ledger):
    led, skus = ledger
    # 4 units an hour of the first SKU, 1 of the second
    hist = np.array([[4.0] * 24, [1.0] * 24])
    cfg = ReplenishConfig(policy="fixed", review_hours=1.0, lead_time_hours=2.0, safety_hours=1.0)
    rep = Replenisher(skus, warehouse="WH-1", history=hist, config=cfg)
    # fixed levels: ROP = 4 * 2 + 4 * 1 = 12, S = 12 + 4 = 16 (first SKU); the second has 100 >= its ROP 3
    ids = rep.review(_Floor(led, 1800))
    assert len(ids) == 1
    (row,) = led.open_inbound()
    assert row[1] == skus[0] and row[3] == 16 - 3
    due = T0 + dt.timedelta(seconds=1800, hours=2)
    assert led.due_inbound("WH-1", now=due - dt.timedelta(seconds=1)) == []
    assert led.due_inbound("WH-1", now=due) == [(ids[0], skus[0], 13)]
    # the next review sees the open inbound in the position: nothing more
    assert rep.review(_Floor(led, 3600)) == []
    assert (rep.reviews, rep.purchases, rep.units_ordered) == (2, 1, 13)
    led.check_invariants()


def test_forecast_review_uses_history_and_the_shifts_own_hours(ledger):
    led, skus = ledger
    hist = np.array([[4.0, 5.0, 3.0, 4.0] * 12, [1.0, 0.0, 2.0, 1.0] * 12])
    rep = Replenisher(skus, warehouse="WH-1", history=hist,
                      config=ReplenishConfig(policy="forecast", lead_time_hours=1.0))
    rep.observe(_order("x", (skus[0], 30)), 100)  # a burst in the first hour of the shift
    fc_before = rep.forecasts(3599)[(skus[0], "WH-1")]
    fc_after = rep.forecasts(3600)[(skus[0], "WH-1")]
    assert np.mean(fc_after[0]) > np.mean(fc_before[0])  # the complete hour is in the history now
    assert 3.0 < np.mean(fc_before[0]) < 5.0
    ids = rep.review(_Floor(led, 3600))
    assert ids and all(led.open_inbound()[i][1] == skus[0] for i in range(len(ids)))
    led.check_invariants()


def test_config_and_spec_checks():
    with pytest.raises(ValueError):
        ReplenishConfig(policy="sometimes")
    with pytest.raises(ValueError):
        ReplenishConfig(lead_time_hours=0)
    with pytest.raises(ValueError):
        Replenisher(["S"], warehouse="W", history=np.zeros((1, 4)), config=ReplenishConfig())
    with pytest.raises(InputError, match="--replenish"):
        ShiftSpec(replenish="weekly")
    with pytest.raises(InputError, match="--lead-time-hours"):
        ShiftSpec(lead_time_hours=-1)
    with pytest.raises(InputError, match="--stock-units"):
        ShiftSpec(stock_units=0)


def test_stock_watch_counts_zero_available_sku_hours(ledger):
    led, skus = ledger
    w = StockWatch(skus + ["GONE"], warehouse="WH-1", every=900)
    w.maybe_sample(led, 0)
    w.maybe_sample(led, 450)  # not a multiple: no sample
    w.maybe_sample(led, 900)
    assert w.samples == 2
    assert w.stockout_sku_hours == pytest.approx(2 * 900 / 3600)  # "GONE" twice
    assert w.avg_units_held == 103


SPEC = ShiftSpec(layout="small", robots=6, humans=1, hours=2.0, seed=2, skus=50, stock_units=4, fault_rate=0.0,
                 review_hours=0.5, lead_time_hours=0.5)


@pytest.fixture(scope="module")
def runs():
    out = {}
    for policy in ("off", "fixed", "forecast"):
        res = run_shift(replace(SPEC, replenish=policy), check_every=60)
        out[policy] = res.report
        res.controller.ledger.check_invariants()
        res.close()
    return out


def test_replenishment_in_the_shift_cuts_stockouts(runs):
    off, fixed, fc = runs["off"], runs["fixed"], runs["forecast"]
    for r in runs.values():
        for k in REPORT_KEYS:
            assert k in r
        assert r["collisions"] == 0
    assert off["putaways"] == 0 and off["replenishment_orders"] == 0
    for r in (fixed, fc):
        assert r["replenishment_reviews"] == 4  # at 0, 0.5, 1 and 1.5 h
        assert r["replenishment_orders"] > 0 and r["inbound_receipts"] > 0
        assert r["putaways"] > 0 and 0 < r["units_put_away"] <= r["units_received"] <= r["units_ordered"]
        assert r["stockout_sku_hours"] < off["stockout_sku_hours"]
        assert r["orders_backordered"] <= off["orders_backordered"]


def test_same_seed_same_report_with_replenishment(runs):
    res = run_shift(replace(SPEC, replenish="forecast"))
    a, b = dict(res.report), dict(runs["forecast"])
    res.close()
    for r in (a, b):
        r.pop("wall_s"), r.pop("speedup"), r.pop("planner_step_ms")
    assert a == b


def _cli(*args, cwd):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    return subprocess.run([sys.executable, "-m", "robocore", *args], capture_output=True, text=True, cwd=cwd,
                          env=env)


def test_run_command_with_replenishment(tmp_path):
    import json

    out = tmp_path / "r"
    p = _cli("run", "--layout", "small", "--robots", "6", "--humans", "1", "--hours", "1.5", "--seed", "4",
             "--replenish", "fixed", "--review-hours", "0.5", "--lead-time-hours", "0.25", "--stock-units", "3",
             "--load-units", "10", "--out", str(out), "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["replenish"] == "fixed" and r["replenishment_reviews"] == 3
    assert r["putaways"] > 0 and r["collisions"] == 0
    # loads of at most 10 units
    assert r["putaways"] >= r["units_put_away"] / 10
    with Ledger.open_existing(out / "ledger.sqlite") as led:
        got = sum(x.stored for x in led.receipts(open_only=False))
        assert got == r["units_put_away"]
        led.check_invariants()


@pytest.mark.parametrize("args", [["--replenish", "daily"], ["--review-hours", "0"], ["--lead-time-hours", "x"],
                                  ["--stock-units", "0"], ["--load-units", "-1"]])
def test_bad_replenish_flags_exit_2(args, tmp_path):
    p = _cli("run", "--layout", "small", *args, "--out", str(tmp_path / "x"), cwd=tmp_path)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) <= 2 and "Traceback" not in p.stderr
