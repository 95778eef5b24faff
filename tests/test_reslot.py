"""Periodic re-slotting (``robocore.reslot`` and ``robocore stock reslot``)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest

from maps import save_layout
from robocore import Ledger
from robocore.catalog import Sku, Warehouse
from robocore.errors import InputError
from robocore.reslot import pick_costs, reslot_recommendation, slot_velocities
from tests.fleet_helpers import tiny_layout
from tests.test_order_cli import run

AT = datetime(2026, 3, 2, 8, 0)


def test_pick_costs_price_human_only_slots_by_a_human_walk():
    lay = tiny_layout()
    cost = dict(zip((s.id for s in lay.slots), pick_costs(lay)))
    # H-02 is picked from (8, 2) on HUMAN_ONLY floor: robots never reach it,
    # a human walks from PS-1 at (0, 3) west to column 1, down the side aisle
    # and in: 2 + 8 + 1 = 11 moves each way
    assert cost["H-02"] == 22.0
    assert cost["A-03-N"] == 4.0  # (2, 3), two moves below PS-1, and back


def test_slot_velocities_draw_from_the_cheapest_slot_first():
    # 10 units a day over 7 days = 70 units: the cheapest slot (cost 2) gives
    # its 50, the next (cost 4) the remaining 20, the dearest nothing
    rows = [("far", 40, 9.0), ("near", 50, 2.0), ("mid", 60, 4.0)]
    assert slot_velocities(rows, 10.0, 7.0) == pytest.approx([0.0, 50 / 7, 20 / 7])
    assert slot_velocities(rows, 0.0, 7.0) == [0.0, 0.0, 0.0]
    assert slot_velocities(rows, 1000.0, 1.0) == pytest.approx([40.0, 50.0, 60.0])
    with pytest.raises(ValueError, match="horizon_days"):
        slot_velocities(rows, 1.0, 0)


def _ledger(tmp_path, placement):
    """A ledger on the tiny layout with ``placement``: slot -> (sku, qty)."""
    led = Ledger(str(tmp_path / "l.sqlite"))
    led.add_warehouse(Warehouse(id="WH-1", region="r", handling_days=0, cost=1.0), at=AT)
    skus = sorted({s for s, _ in placement.values()})
    led.load(skus=[Sku(id=s, name=s, category="c", dims_mm=(100, 100, 100), weight_kg=1.0, price=1.0) for s in skus],
             locations=[("WH-1", s) for s in tiny_layout().slots],
             stock=[("WH-1", slot, sku, qty) for slot, (sku, qty) in placement.items()], at=AT)
    return led


def test_a_fast_mover_in_a_far_slot_is_moved_near(tmp_path):
    lay = tiny_layout()
    cost = dict(zip((s.id for s in lay.slots), pick_costs(lay)))
    near = min(cost, key=lambda s: (cost[s], s))
    far = max(cost, key=lambda s: (cost[s], s))
    led = _ledger(tmp_path, {near: ("SLOW", 50), far: ("FAST", 50)})
    try:
        rep = reslot_recommendation(led, lay, warehouse="WH-1", velocity={"FAST": 5.0, "SLOW": 0.1},
                                    horizon_days=7)
        # now: FAST (5 a day) pays the far round trip, SLOW (0.1) the near one
        assert rep.travel_now == pytest.approx(5.0 * cost[far] + 0.1 * cost[near])
        moved = {m.sku: m for m in rep.moves}
        assert moved["FAST"].src == far and cost[moved["FAST"].dst] == cost[near]
        assert moved["FAST"].qty == 50
        # after: FAST in a cheapest slot, and SLOW no worse than the far slot
        assert rep.travel_after <= 5.0 * cost[near] + 0.1 * cost[far] + 1e-9
        assert rep.saving_fraction > 0.5
        # the moves never put two SKUs in one slot
        placed = {near: "SLOW", far: "FAST"}
        for m in rep.moves:
            placed.pop(m.src, None)
        for m in rep.moves:
            assert m.dst not in placed
            placed[m.dst] = m.sku
        assert len(placed) == 2
        led.check_invariants()
    finally:
        led.close()


def test_reslot_rejects_bad_input_and_changes_nothing(tmp_path):
    lay = tiny_layout()
    led = _ledger(tmp_path, {lay.slots[0].id: ("A", 5)})
    try:
        with pytest.raises(InputError, match="unknown warehouse 'WH-9'"):
            reslot_recommendation(led, lay, warehouse="WH-9", velocity={})
        with pytest.raises(InputError, match="--horizon"):
            reslot_recommendation(led, lay, warehouse="WH-1", velocity={}, horizon_days=0)
        with pytest.raises(InputError, match="--max-moves"):
            reslot_recommendation(led, lay, warehouse="WH-1", velocity={}, max_moves=0)
        other = tiny_layout()
        object.__setattr__(other, "slots", other.slots[1:])
        with pytest.raises(InputError, match=f"stocked slot '{lay.slots[0].id}'"):
            reslot_recommendation(led, other, warehouse="WH-1", velocity={"A": 1.0})
        led.check_invariants()
    finally:
        led.close()


@pytest.fixture(scope="module")
def shift_ledger(tmp_path_factory):
    """A ledger with a day of demand history: a short shift on random slots."""
    from fleet.shift import ShiftSpec, run_shift

    d = tmp_path_factory.mktemp("reslot")
    res = run_shift(ShiftSpec(layout="small", robots=4, humans=0, hours=0.5, orders=30, seed=2, skus=40),
                    db=str(d / "ledger.sqlite"))
    save_layout(res.layout, d / "layout.json")
    res.close()
    return d


def test_stock_reslot_cli_recommends_moves_that_save_travel(shift_ledger):
    db = shift_ledger / "ledger.sqlite"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    r = run("stock", "reslot", "--db", db, "--layout", shift_ledger / "layout.json", "--max-moves", "20", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["warehouse"] == "WH-1" and out["horizon_days"] == 7
    assert 0 < len(out["moves"]) <= 20
    assert out["travel_after"] < out["travel_now"]
    assert out["saving_fraction"] == pytest.approx(1 - out["travel_after"] / out["travel_now"], abs=1e-3)
    assert {"sku", "from", "to", "qty", "saving"} <= set(out["moves"][0])
    # a recommendation only: the ledger is untouched
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # the text form ends with the summary line on stderr
    r = run("stock", "reslot", "--db", db, "--layout", shift_ledger / "layout.json", "--max-moves", "3")
    assert r.returncode == 0 and "expected travel" in r.stderr and r.stdout.startswith("sku\tfrom\tto")


@pytest.mark.parametrize("args, message", [
    (["--warehouse", "WH-9"], "unknown warehouse 'WH-9'"),
    (["--horizon", "0"], "--horizon"),
    (["--max-moves", "x"], "--max-moves"),
])
def test_stock_reslot_cli_bad_input_is_one_line(shift_ledger, args, message):
    db = shift_ledger / "ledger.sqlite"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    r = run("stock", "reslot", "--db", db, "--layout", shift_ledger / "layout.json", *args)
    assert r.returncode == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_stock_reslot_cli_wrong_layout_names_the_slot(shift_ledger):
    r = run("stock", "reslot", "--db", shift_ledger / "ledger.sqlite", "--layout", "medium")
    assert r.returncode == 2 and "stocked slot" in r.stderr and "is not in layout" in r.stderr
