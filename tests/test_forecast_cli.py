import json
import subprocess
import sys

import numpy as np
import pytest

from robocore.demand import read_demand_csv
from robocore.errors import InputError


def _run(*args):
    return subprocess.run([sys.executable, "-m", "robocore", "forecast", *args], capture_output=True, text=True)


@pytest.fixture
def demand_csv(tmp_path):
    rng = np.random.default_rng(0)
    lines = ["sku,date,qty"]
    import datetime as dt

    d0 = dt.date(2025, 1, 1)
    for d in range(200):
        day = (d0 + dt.timedelta(days=d)).isoformat()
        if d % 3 == 0:  # S2 has rows only every third day: the rest are zero demand
            lines.append(f"S2,{day},{int(rng.integers(1, 4))}")
        lines.append(f"S1,{day},{10 + (5 if d % 7 == 4 else 0)}")
    p = tmp_path / "demand.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_csv_history_fills_missing_days_with_zero(demand_csv):
    h = read_demand_csv(demand_csv)
    assert h.skus == ("S1", "S2")
    assert h.demand.shape == (2, 200)
    assert (h.demand[1, 1::3] == 0).all() and (h.demand[1, ::3] > 0).all()
    assert h.last_date.isoformat() == "2025-07-19"


def test_forecast_json_contract(demand_csv):
    proc = _run("--history", str(demand_csv), "--horizon", "14", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["start_date"] == "2025-07-20"
    assert [f["sku"] for f in out["forecasts"]] == ["S1", "S2"]
    s1, s2 = out["forecasts"]
    assert len(s1["mean"]) == 14 and len(s1["q90"]) == 14
    assert all(q >= m for q, m in zip(s1["q90"], s1["mean"]))
    # S1 is 10 a day, 15 every 7th day: the weekly peak is forecast
    assert abs(np.mean(s1["mean"]) - (10 + 5 / 7)) < 0.3
    assert max(s1["mean"]) > 13
    # S2 averages 2 units every third day
    assert abs(np.mean(s2["mean"]) - 2 / 3) < 0.25
    # reorder point covers 7 days of mean demand at least
    assert s1["reorder_point"] >= 7 * 10


@pytest.mark.parametrize(
    "content, message",
    [
        ("sku,when,qty\nS1,2025-01-01,1\n", "line 1: header must be sku,date,qty"),
        ("sku,date,qty\nS1,2025-01-01,1\nS1,01/02/2025,1\n", "line 3: date '01/02/2025' is not YYYY-MM-DD"),
        ("sku,date,qty\nS1,2025-01-01,-2\n", "line 2: qty must be a non-negative number, got -2"),
        ("sku,date,qty\nS1,2025-01-01,abc\n", "line 2: qty 'abc' is not a number"),
        ("sku,date,qty\nS1,2025-01-01\n", "line 2: expected 3 fields"),
        ("sku,date,qty\n", "no demand rows"),
    ],
)
def test_bad_csv_is_one_line_naming_the_line(tmp_path, content, message):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(InputError, match=message):
        read_demand_csv(p)
    proc = _run("--history", str(p), "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and message.split(": ", 1)[-1][:20] in proc.stderr


def test_missing_file_and_bad_flags(tmp_path, demand_csv):
    proc = _run("--history", str(tmp_path / "nope.csv"))
    assert proc.returncode == 2 and "nope.csv: file not found" in proc.stderr
    proc = _run("--history", str(demand_csv), "--horizon", "0")
    assert proc.returncode == 2 and "--horizon" in proc.stderr
    proc = _run("--history", str(demand_csv), "--sku", "ZZZ")
    assert proc.returncode == 2 and "'ZZZ'" in proc.stderr


def test_forecast_from_a_ledger_history(tmp_path):
    import datetime as dt

    from robocore import Address, Ledger, Order, OrderLine, Warehouse, demo_catalog

    db = tmp_path / "ledger.sqlite"
    skus = demo_catalog(3, seed=1)
    with Ledger(db) as led:
        led.add_warehouse(Warehouse("WH-1", "north"))
        led.add_skus(skus)
        d0 = dt.datetime(2026, 1, 5, 9, 0)
        for d in range(60):
            day = d0 + dt.timedelta(days=d)
            # SKU 0: 3 units every day; SKU 1: 6 units every other day
            led.submit(Order(f"A{d}", "c", Address(region="north"), (OrderLine(skus[0].id, 3),)), at=day)
            if d % 2 == 0:
                led.submit(Order(f"B{d}", "c", Address(region="north"), (OrderLine(skus[1].id, 6),)), at=day)
        # a rejected order is not demand
        led.submit(Order("BAD", "c", Address(region="north"), (OrderLine(skus[2].id, -1),)),
                   reject_invalid=True, at=d0)
        assert [r for r in led.demand_rows() if r[0] == skus[2].id] == []
        led.check_invariants()
    proc = _run("--db", str(db), "--horizon", "7", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["start_date"] == "2026-03-06"
    by = {f["sku"]: f for f in out["forecasts"]}
    assert set(by) == {skus[0].id, skus[1].id}
    assert np.allclose(by[skus[0].id]["mean"], 3.0, atol=0.2)
    assert abs(np.mean(by[skus[1].id]["mean"]) - 3.0) < 1.0


def test_forecast_from_a_missing_or_empty_ledger(tmp_path):
    proc = _run("--db", str(tmp_path / "none.sqlite"))
    assert proc.returncode == 2 and "ledger file not found" in proc.stderr
    from robocore import Ledger

    Ledger(tmp_path / "empty.sqlite").close()
    proc = _run("--db", str(tmp_path / "empty.sqlite"))
    assert proc.returncode == 2 and "no orders" in proc.stderr
