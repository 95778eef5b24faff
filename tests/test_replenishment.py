import datetime as dt
import math

import pytest

from planner.replenishment import StockLevels, fixed_levels, levels_from_forecast, order_quantity
from robocore import Address, Ledger, Order, OrderLine, Warehouse, demo_catalog
from robocore.replenishment import apply_replenishment, plan_replenishment

T0 = dt.datetime(2026, 3, 2, 9, 0)


def test_levels_formula():
    lv = levels_from_forecast(4.0, 2.0, lead_time_days=9, review_days=7, service_level=0.95)
    ss = 1.6448536269514722 * 2.0 * 3.0
    assert lv.safety_stock == pytest.approx(ss)
    assert lv.reorder_point == pytest.approx(36 + ss)
    assert lv.order_up_to == pytest.approx(36 + ss + 28)
    # a per-day forecast is summed over the lead time
    lv = levels_from_forecast([1, 2, 3, 4], 0.0, lead_time_days=2.5, review_days=1)
    assert lv.reorder_point == pytest.approx(1 + 2 + 1.5)
    fx = fixed_levels([2, 4, 6], lead_time_days=5, review_days=7, safety_days=2)
    assert (fx.safety_stock, fx.reorder_point, fx.order_up_to) == (8, 28, 56)


def test_order_quantity_rounds_to_packs_and_respects_the_reorder_point():
    lv = StockLevels(5, 20, 50)
    assert order_quantity(21, lv) == 0
    assert order_quantity(20, lv) == 30
    assert order_quantity(-7, lv, pack=12) == 60
    with pytest.raises(ValueError):
        order_quantity(0, lv, pack=0)


@pytest.fixture
def ledger():
    sku = demo_catalog(1, seed=3)[0]
    led = Ledger()
    led.add_warehouse(Warehouse("WH-1", "north", handling_days=1), at=T0)
    led.add_warehouse(Warehouse("WH-2", "south", handling_days=1), at=T0)
    led.add_skus([sku], at=T0)
    led.receive("WH-1", "A-01", sku.id, 10, at=T0)
    led.receive("WH-2", "B-01", sku.id, 200, at=T0)
    yield led, sku.id
    led.close()


def test_transfer_from_surplus_then_purchase_and_backorders_get_dates(ledger):
    led, sku = ledger
    # a ship-complete order for 15 in the north: WH-1 has 10, WH-2 has 200 -> allocated from WH-2
    # take WH-2's stock down with big orders, then backorder one
    led.submit(Order("BIG", "c", Address(region="south"), (OrderLine(sku, 190),)), confirm=True, at=T0)
    rec = led.submit(Order("O1", "c", Address(region="north"), (OrderLine(sku, 25),)), confirm=True, at=T0)
    assert rec.state == "backordered"
    assert rec.lines[0].expected_date is None  # no open inbound yet
    forecasts = {(sku, "WH-1"): ([5.0] * 28, 1.0), (sku, "WH-2"): ([0.1] * 28, 0.1)}
    actions = plan_replenishment(led, forecasts, today=T0.date(), lead_time_days=7, transfer_days=2)
    kinds = [(a.kind, a.warehouse, a.source) for a in actions]
    # WH-1 position = 10 - 0 + 0 - 25 (backlog) = -15 <= ROP: refill to S
    wh1 = [a for a in actions if a.warehouse == "WH-1"]
    lv = wh1[0].levels
    assert sum(a.qty for a in wh1) == math.ceil(lv.order_up_to - (10 - 25))
    # WH-2 has 10 free, its own S is about 0.1*14+ss: the surplus goes over first
    assert kinds[0] == ("transfer", "WH-1", "WH-2")
    assert ("purchase", "WH-1", None) in kinds
    ids = apply_replenishment(led, actions, at=T0)
    assert len(ids) == len(actions)
    rec = led.order("O1")
    # the transfer (2 days) does not cover 25 units alone; the purchase (7 days) does: date = inbound + handling
    assert rec.lines[0].expected_date == (T0 + dt.timedelta(days=7 + 1)).date()
    assert any(m.kind == "backordered" for m in led.outbox(order_id="O1"))
    led.check_invariants()
    # receiving the inbound (the putaway) allocates the backorder automatically
    for inbound_id, *_ in led.open_inbound(sku, warehouse="WH-1"):
        led.receive_inbound(inbound_id, "A-02", at=T0 + dt.timedelta(days=7))
    assert led.order("O1").state == "allocated"
    assert led.backlog() == {}
    led.check_invariants()


def test_nothing_to_do_above_the_reorder_point(ledger):
    led, sku = ledger
    actions = plan_replenishment(led, {(sku, "WH-2"): (1.0, 0.5)}, today=T0.date())
    assert actions == []
    assert apply_replenishment(led, actions) == []
    led.check_invariants()
