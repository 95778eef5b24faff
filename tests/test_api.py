"""Pin the public API of each package: a change here is a deliberate act."""

import importlib

import pytest

EXPECTED = {
    "robocore": {"CellKind", "Coord", "DIRECTIONS", "Grid", "InputError", "Layout", "Location", "Slot", "Zone",
                 "Address", "Event", "InvariantError", "Ledger", "LineRecord", "Order", "OrderLine", "OrderRecord",
                 "OrderSummary", "OutboxMessage", "Pick", "PickTask", "Reservation", "Sku", "State", "StockRow",
                 "Substitute", "Warehouse", "demo_catalog", "demo_warehouses", "iter_demo_catalog", "stock_layout",
                 "validate_order"},
    "planner": {"UNREACHABLE", "PlanError", "bfs_distances", "distance_table", "is_valid_paths", "validate_paths",
                "validate_plan", "validate_plan_file"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_public_api_is_pinned(name):
    mod = importlib.import_module(name)
    assert set(mod.__all__) >= EXPECTED[name]
    for sym in mod.__all__:
        assert hasattr(mod, sym), f"{name}.{sym} is in __all__ but missing"


def test_import_planner_is_headless_and_light():
    import subprocess
    import sys

    code = "import sys, planner, robocore; assert 'pygame' not in sys.modules and 'ortools' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
