"""Ledger: inbound received at a dock, put away onto slots; schema migration."""

import datetime as dt
import sqlite3

import pytest

from robocore import Address, Ledger, Order, OrderLine, Warehouse, demo_catalog
from robocore.errors import InputError
from robocore.ledger import SCHEMA_VERSION

T0 = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def ledger():
    sku = demo_catalog(1, seed=3)[0]
    led = Ledger()
    led.add_warehouse(Warehouse("WH-1", "north", handling_days=0), at=T0)
    led.add_skus([sku], at=T0)
    led.receive("WH-1", "A-01", sku.id, 2, at=T0)
    yield led, sku.id
    led.close()


def test_dock_stock_is_not_allocatable_until_put_away(ledger):
    led, sku = ledger
    rec = led.submit(Order("O1", "c", Address(region="north"), (OrderLine(sku, 5),)), confirm=True, at=T0)
    assert rec.state == "backordered"
    ib = led.add_inbound(sku, "WH-1", 10, T0.date(), due_at=T0 + dt.timedelta(hours=2), at=T0)
    # not due yet at T0 + 1 h, due at T0 + 2 h
    assert led.due_inbound("WH-1", now=T0 + dt.timedelta(hours=1)) == []
    assert led.due_inbound("WH-1", now=T0 + dt.timedelta(hours=2)) == [(ib, sku, 10)]
    rid = led.dock_inbound(ib, "D01", at=T0 + dt.timedelta(hours=2))
    assert led.open_inbound(sku) == []
    assert led.available(sku) == 2  # the dock's 10 are not available
    (r,) = led.receipts(sku)
    assert (r.id, r.qty, r.stored, r.at_dock, r.dock) == (rid, 10, 0, 10, "D01")
    assert led.totals()["at_dock"] == 10
    # the backorder is dated from the dock stock (today)
    led.retry_backorders(sku=sku, at=T0 + dt.timedelta(hours=2))
    assert led.order("O1").lines[0].expected_date == T0.date()
    # the first drop is not enough for 5; the second one allocates the order
    assert led.put_away(rid, "A-02", 2, at=T0 + dt.timedelta(hours=3)) == []
    assert led.available(sku) == 4
    changed = led.put_away(rid, "A-01", 8, at=T0 + dt.timedelta(hours=3))
    assert changed == ["O1"]
    assert led.order("O1").state == "allocated"
    assert led.available(sku) == 12 - 5
    assert led.receipts(sku) == [] and led.receipts(sku, open_only=False)[0].stored == 10
    t = led.totals()
    assert t["at_dock"] == 0 and t["received"] == 12
    led.check_invariants()


def test_last_dock_change_is_the_newest_receipt_or_drop(ledger):
    led, sku = ledger
    assert led.last_dock_change() is None
    ib = led.add_inbound(sku, "WH-1", 10, T0.date(), at=T0)
    rid = led.dock_inbound(ib, "D01", at=T0 + dt.timedelta(minutes=5))
    assert led.last_dock_change() == (T0 + dt.timedelta(minutes=5)).replace(tzinfo=dt.timezone.utc)
    led.put_away(rid, "A-01", 4, at=T0 + dt.timedelta(minutes=9))
    assert led.last_dock_change(warehouse="WH-1") == (T0 + dt.timedelta(minutes=9)).replace(tzinfo=dt.timezone.utc)
    assert led.last_dock_change(warehouse="WH-2") is None
    led.check_invariants()


def test_put_away_rejects_bad_quantities(ledger):
    led, sku = ledger
    ib = led.add_inbound(sku, "WH-1", 4, T0.date(), at=T0)
    assert led.due_inbound("WH-1", now=T0) == [(ib, sku, 4)]  # no due_at: the start of the expected day
    rid = led.dock_inbound(ib, "D01", at=T0)
    with pytest.raises(InputError, match="3 at the dock|4 at the dock"):
        led.put_away(rid, "A-01", 5, at=T0)
    with pytest.raises(InputError, match="positive integer"):
        led.put_away(rid, "A-01", 0, at=T0)
    with pytest.raises(InputError, match="unknown receipt"):
        led.put_away(999, "A-01", 1, at=T0)
    with pytest.raises(InputError, match="already received"):
        led.dock_inbound(ib, "D01", at=T0)
    with pytest.raises(InputError, match="due_at"):
        led.add_inbound(sku, "WH-1", 4, T0.date(), due_at=T0 + dt.timedelta(days=1), at=T0)
    assert led.totals()["at_dock"] == 4
    led.check_invariants()


def test_invariants_catch_a_receipt_out_of_step(ledger):
    led, sku = ledger
    rid = led.dock_inbound(led.add_inbound(sku, "WH-1", 4, T0.date(), at=T0), "D01", at=T0)
    led.put_away(rid, "A-01", 3, at=T0)
    led._db.execute("UPDATE receipts SET stored = 1 WHERE id = ?", (rid,))
    with pytest.raises(AssertionError, match=f"receipt {rid}: stored 1 != putaways 3"):
        led.check_invariants()


def _downgrade(path, version: int) -> None:
    """Turn a fresh ledger file into one of schema ``version`` (1 or 2) by
    removing what later versions added (``_MIGRATIONS`` in reverse)."""
    db = sqlite3.connect(path)
    db.execute("DROP TABLE putaways")
    db.execute("DROP TABLE receipts")
    db.execute("ALTER TABLE inbound RENAME TO inbound_v3")
    db.execute("CREATE TABLE inbound (id INTEGER PRIMARY KEY, sku TEXT NOT NULL REFERENCES skus (id), "
               "warehouse TEXT NOT NULL REFERENCES warehouses (id), qty INTEGER NOT NULL CHECK (qty > 0), "
               "expected TEXT NOT NULL, received_at TEXT)")
    db.execute("DROP TABLE inbound_v3")
    if version == 1:
        db.execute("ALTER TABLE locations DROP COLUMN pick_rank")
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_ledger_is_migrated(tmp_path, version):
    path = tmp_path / "old.sqlite"
    with Ledger(path) as led:
        led.add_warehouse(Warehouse("WH-1", "north", handling_days=0), at=T0)
    _downgrade(path, version)
    cols = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(inbound)")}
    assert "due_at" not in cols
    sku = demo_catalog(1, seed=3)[0]
    with Ledger(path) as led:
        led.add_skus([sku], at=T0)
        ib = led.add_inbound(sku.id, "WH-1", 3, T0.date(), due_at=T0, at=T0)
        rid = led.dock_inbound(ib, "D01", at=T0)
        led.put_away(rid, "S-1", 3, at=T0)
        assert led.available(sku.id) == 3
        led.check_invariants()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_ledger_is_a_clear_error(tmp_path):
    path = tmp_path / "new.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE x (a)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(InputError, match=f"schema version {SCHEMA_VERSION + 1}"):
        Ledger(path)
