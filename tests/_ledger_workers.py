"""Worker functions run in child processes by tests/test_ledger_concurrency.py."""

from __future__ import annotations

import random
import sys

from robocore import Address, Ledger, Order, OrderLine, Sku, Warehouse


def setup(path: str, units: int) -> None:
    with Ledger(path) as led:
        led.load(warehouses=[Warehouse("N", region="north"), Warehouse("S", region="south", handling_days=2)],
                 skus=[Sku("HOT", "contended", "x", (10, 10, 10), 0.1, 1.0),
                       Sku("COLD", "plenty", "x", (10, 10, 10), 0.1, 1.0)],
                 stock=[("N", "A1", "HOT", units // 2), ("S", "B1", "HOT", units - units // 2),
                        ("N", "A2", "COLD", 10 ** 6)])


def submitter(path: str, worker: int, n: int, seed: int) -> int:
    """Submit ``n`` orders for the contended SKU; returns how many got any stock."""
    rng = random.Random(seed)
    got = 0
    with Ledger(path, timeout_s=60.0) as led:
        for i in range(n):
            o = Order(f"W{worker}-{i}", f"c{worker}", Address(region=rng.choice(["north", "south"])),
                      (OrderLine("HOT", rng.randint(1, 3)),), ship_complete=rng.random() < 0.5)
            rec = led.submit(o, confirm=True)
            got += rec.state in ("allocated", "partially_allocated")
    return got


def churn(path: str, start: int) -> None:
    """Loop forever over every kind of operation until killed."""
    rng = random.Random(start)
    led = Ledger(path, timeout_s=60.0)
    i = start
    while True:
        i += 1
        oid = f"K{i}"
        rec = led.submit(Order(oid, "k", Address(region="north"),
                               (OrderLine("COLD", rng.randint(1, 4)), OrderLine("HOT", 1))),
                         confirm=True, reject_invalid=True)
        if rec.state != "allocated":
            led.cancel(oid, "no stock")
            led.receive("S", "B1", "HOT", 2)
            continue
        led.release(oid)
        for t in led.pick_list("N", order_id=oid) + led.pick_list("S", order_id=oid):
            led.pick_reservation(t.reservation_id)
        if rng.random() < 0.3:
            led.cancel(oid, "changed mind")
            continue
        led.mark_picked(oid)
        led.mark_packed(oid, [{"id": "P1"}])
        led.mark_shipped(oid, [{"id": "P1", "carrier": "c", "service": "s", "tracking": oid}])
        if rng.random() < 0.5:
            led.mark_delivered(oid)
        sys.stdout.flush()
