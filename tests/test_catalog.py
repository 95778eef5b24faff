import doctest

import numpy as np
import pytest

import robocore.ledger as ledger_mod
from robocore import (CellKind, Grid, InputError, Layout, Ledger, Sku, Slot, Warehouse, demo_catalog,
                      demo_warehouses, stock_layout)


def test_demo_catalog_is_seeded_and_valid():
    a, b, c = demo_catalog(300, seed=7), demo_catalog(300, seed=7), demo_catalog(300, seed=8)
    assert a == b and a != c
    assert len({s.id for s in a}) == 300 and len({s.category for s in a}) > 10
    for s in a:
        assert s.dims_mm[0] >= s.dims_mm[1] >= s.dims_mm[2] >= 20 and 0.01 <= s.weight_kg <= 25
        assert 1.0 <= s.price <= 500.0 and set(s.attributes) == {"colour", "material", "size"}
    assert 0 < sum(s.upright_only for s in a) < 60
    assert [w.id for w in demo_warehouses(3, seed=1)] == ["WH-1", "WH-2", "WH-3"]


def test_sku_and_warehouse_validation():
    with pytest.raises(InputError, match=r"SKU 'X': dims_mm must be three positive integers"):
        Sku("X", "n", "c", (1, 0, 2), 1.0, 1.0)
    with pytest.raises(InputError, match=r"SKU 'X': price must be a non-negative number"):
        Sku("X", "n", "c", (1, 1, 2), 1.0, -1.0)
    with pytest.raises(InputError, match=r"warehouse 'W': handling_days"):
        Warehouse("W", handling_days=-1)
    assert hash(Sku("X", "n", "c", (1, 1, 2), 1.0, 1.0, attributes={"a": 1}))


def _layout():
    kinds = np.zeros((3, 6), dtype=np.uint8)
    kinds[0, :] = CellKind.RACK
    slots = tuple(Slot(f"S{c}", (0, c), (1, c), capacity=5) for c in range(6))
    return Layout(Grid(kinds), name="tiny", slots=slots)


def test_stock_layout_fills_slots_reproducibly():
    cat = demo_catalog(4, seed=1)
    results = []
    for _ in range(2):
        with Ledger() as led:
            led.add_warehouse(Warehouse("WH-1"))
            rows = stock_layout(led, "WH-1", _layout(), cat, seed=3, fill=0.5)
            results.append(rows)
            assert len(rows) == 3 and all(1 <= q <= 5 for _, _, q in rows)
            assert sum(r.on_hand for r in led.stock()) == sum(q for _, _, q in rows)
            assert led._db.execute("SELECT COUNT(*) FROM locations WHERE capacity = 5").fetchone()[0] == 6
            led.check_invariants()
    assert results[0] == results[1]
    with Ledger() as led:
        with pytest.raises(InputError, match="unknown warehouse 'WH-9'"):
            stock_layout(led, "WH-9", _layout(), cat, seed=3)
        led.check_invariants()


def test_ledger_doctest():
    assert doctest.testmod(ledger_mod).failed == 0


def test_stock_layout_on_a_bundled_layout_feeds_the_pick_list():
    from maps import load_layout

    from robocore import Address, Order, OrderLine

    layout = load_layout("small")
    cat = demo_catalog(50, seed=2)
    with Ledger() as led:
        led.add_warehouse(Warehouse("WH-1", region="north"))
        rows = stock_layout(led, "WH-1", layout, cat, seed=4, fill=0.5)
        assert len(rows) == round(0.5 * len(layout.slots))
        sku, qty = rows[0][1], min(r[2] for r in rows if r[1] == rows[0][1])
        led.submit(Order("O1", "c", Address(region="north"), (OrderLine(sku, qty),)), confirm=True)
        led.release("O1")
        tasks = led.pick_list("WH-1")
        assert sum(t.qty for t in tasks) == qty
        for t in tasks:
            layout.slot(t.slot)  # every pick stop is a slot of the layout
        led.check_invariants()
