"""The inventory ledger: allocation, lifecycle operations, outbox, invariants.

Every test ends by checking the ledger invariants.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robocore import (Address, InputError, InvariantError, Ledger, Order, OrderLine, Sku, State, Warehouse,
                      demo_catalog)
from tests.naive_orders import NaiveLedger

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)


def sku(i, cat="kitchen", price=10.0, **attrs):
    return Sku(f"S{i}", f"item {i}", cat, (100, 80, 60), 0.5, price, attributes=attrs)


@pytest.fixture
def led():
    ledger = Ledger()
    ledger.load(warehouses=[Warehouse("N", region="north", handling_days=1, cost=4.0),
                            Warehouse("S", region="south", handling_days=1, cost=2.0),
                            Warehouse("F", region="north", handling_days=3, cost=0.0)],
                skus=[sku(i) for i in range(1, 6)], at=T0)
    yield ledger
    ledger.close()


def order(oid, *lines, region="north", complete=True, priority=0):
    return Order(oid, "cust", Address(region=region, postcode="1000", country="NL"),
                 tuple(OrderLine(s, q) for s, q in lines), ship_complete=complete, priority=priority)


def test_allocation_prefers_soonest_then_cheapest(led):
    for w in ("N", "S", "F"):
        led.receive(w, "A1", "S1", 10, at=T0)
    # N and S both ship in 1 day; to a north address S costs 2 + 5 = 7, N costs 4: N wins
    rec = led.submit(order("O1", ("S1", 2)), confirm=True, at=T0)
    assert rec.state == "allocated" and rec.warehouses == ("N",)
    # to a south address S costs 2 and N costs 4 + 5: S wins
    rec = led.submit(order("O2", ("S1", 2), region="south"), confirm=True, at=T0)
    assert rec.warehouses == ("S",)
    # F is free but 3 days away: only chosen when N and S cannot ship the whole order
    rec = led.submit(order("O3", ("S1", 9)), confirm=True, at=T0)
    assert rec.warehouses == ("F",)
    msg = led.outbox(order_id="O1", kind="confirmed")[0]
    assert msg.payload == {"warehouses": ["N"], "ship_date": "2026-11-28"}
    led.check_invariants()


def test_ship_complete_backorders_instead_of_splitting(led):
    led.receive("N", "A1", "S1", 3, at=T0)
    led.receive("S", "B1", "S1", 3, at=T0)
    led.add_inbound("S1", "F", 10, date(2026, 12, 1), at=T0)
    rec = led.submit(order("O1", ("S1", 5)), confirm=True, at=T0)
    assert rec.state == "backordered" and rec.reservations == ()
    # inbound on Dec 1 at F plus F's 3 handling days
    assert rec.lines[0].expected_date == date(2026, 12, 4) and rec.lines[0].backordered == 5
    assert led.available("S1") == 6
    (msg,) = led.outbox(order_id="O1", kind="backordered")
    assert msg.payload["lines"][0]["expected_date"] == "2026-12-04"
    led.check_invariants()


def test_partial_order_splits_across_warehouses(led):
    led.receive("N", "A1", "S1", 3, at=T0)
    led.receive("S", "B1", "S1", 3, at=T0)
    rec = led.submit(order("O1", ("S1", 5), complete=False), confirm=True, at=T0)
    assert rec.state == "allocated"
    assert sorted((r.warehouse, r.qty) for r in rec.reservations) == [("N", 3), ("S", 2)]
    rec = led.submit(order("O2", ("S1", 4), complete=False), confirm=True, at=T0)
    assert rec.state == "partially_allocated"
    assert rec.lines[0].allocated == 1 and rec.lines[0].backordered == 3
    assert rec.lines[0].expected_date is None and "no open inbound" in rec.lines[0].expected_reason
    assert led.available("S1") == 0
    led.check_invariants()


def test_line_draws_from_several_slots_most_available_first(led):
    led.receive("N", "A1", "S1", 2, at=T0)
    led.receive("N", "A2", "S1", 5, at=T0)
    led.receive("N", "A3", "S1", 1, at=T0)
    rec = led.submit(order("O1", ("S1", 7)), confirm=True, at=T0)
    assert [(r.slot, r.qty) for r in rec.reservations] == [("A2", 5), ("A1", 2)]
    led.check_invariants()


def test_backorder_date_counts_older_backorders_and_delay_is_notified(led):
    led.add_inbound("S2", "N", 4, date(2026, 12, 1), at=T0)
    led.add_inbound("S2", "N", 10, date(2026, 12, 10), at=T0)
    a = led.submit(order("O1", ("S2", 3)), confirm=True, at=T0)
    b = led.submit(order("O2", ("S2", 3)), confirm=True, at=T0)
    assert a.lines[0].expected_date == date(2026, 12, 2)
    assert b.lines[0].expected_date == date(2026, 12, 11)  # the first 4 are promised to O1
    assert led.order("O2").lines[0].expected_reason == ""
    c = led.submit(order("O3", ("S2", 20)), confirm=True, at=T0)
    assert c.lines[0].expected_date is None and "short by 12" in c.lines[0].expected_reason
    # O1 gets cancelled: O2's date moves up on the next attempt; a moved date is a "delayed" message
    led.cancel("O1", "changed mind", at=T0)
    led.retry_backorders(at=T0)
    assert led.order("O2").lines[0].expected_date == date(2026, 12, 2)
    assert [m.key for m in led.outbox(order_id="O2", kind="delayed")] == ["1=2026-12-02"]
    assert len(led.outbox(order_id="O2", kind="backordered")) == 1
    led.check_invariants()


def test_inbound_received_fills_backorders_in_priority_order(led):
    iid = led.add_inbound("S3", "S", 5, date(2026, 11, 30), at=T0)
    led.submit(order("LOW", ("S3", 4)), confirm=True, at=T0)
    led.submit(order("HIGH", ("S3", 4), priority=5), confirm=True, at=T0)
    changed = led.receive_inbound(iid, "B9", at=T0)
    assert changed == ["HIGH"]
    assert led.order("HIGH").state == "allocated" and led.order("LOW").state == "backordered"
    with pytest.raises(InputError, match="already received"):
        led.receive_inbound(iid, "B9", at=T0)
    led.check_invariants()


def test_full_lifecycle_and_events(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    led.receive("N", "A2", "S2", 5, at=T0)
    rec = led.submit(order("O1", ("S1", 2), ("S2", 1)), confirm=True, at=T0)
    led.release("O1", at=T0)
    tasks = led.pick_list("N")
    assert [(t.order_id, t.line_no, t.slot, t.qty) for t in tasks] == [("O1", 1, "A1", 2), ("O1", 2, "A2", 1)]
    led.record_pick("O1", 1, "A1", 1, at=T0)
    assert led.order("O1").state == "picking"
    with pytest.raises(InputError, match="still to pick"):
        led.mark_picked("O1", at=T0)
    with pytest.raises(InputError, match="exceeds the open reservation of 1"):
        led.record_pick("O1", 1, "A1", 2, at=T0)
    led.record_pick("O1", 1, "A1", 1, at=T0)
    led.pick_reservation(tasks[1].reservation_id, at=T0)
    assert led.pick_list("N") == []
    assert led.stock("S1")[0].on_hand == 3 and led.stock("S1")[0].reserved == 0
    led.mark_picked("O1", at=T0)
    led.mark_packed("O1", [{"id": "P1", "carton": "S2", "weight_kg": 1.2}], at=T0)
    led.mark_shipped("O1", [{"id": "P1", "carrier": "postnl", "service": "std", "tracking": "3S123"}], at=T0)
    rec = led.mark_delivered("O1", at=T0)
    assert rec.state == "delivered" and [ln.shipped for ln in rec.lines] == [2, 1]
    assert rec.parcels[0]["tracking"] == "3S123" and rec.parcels[0]["carton"] == "S2"
    path = [(e.from_state, e.to_state) for e in led.events("O1")]
    assert path == [(None, "received"), ("received", "confirmed"), ("confirmed", "allocated"),
                    ("allocated", "released"), ("released", "picking"), ("picking", "picked"),
                    ("picked", "packed"), ("packed", "shipped"), ("shipped", "delivered")]
    assert all(e.at == T0 for e in led.events("O1"))
    kinds = [m.kind for m in led.outbox(order_id="O1")]
    assert kinds == ["confirmed", "shipped", "delivered"]
    assert led.totals() == {"received": 10, "adjusted": 0, "on_hand": 7, "reserved": 0, "in_totes": 0, "shipped": 3,
                            "at_dock": 0}
    led.check_invariants()


def test_illegal_transition_names_order_and_states(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    led.submit(order("O1", ("S1", 1)), confirm=True, at=T0)
    with pytest.raises(InputError, match=r"order 'O1': cannot go from allocated to picked"):
        led.mark_picked("O1", at=T0)
    with pytest.raises(InputError, match=r"unknown order 'nope'"):
        led.release("nope", at=T0)
    led.check_invariants()


def test_cancel_after_picking_returns_stock_to_its_slot(led):
    led.receive("N", "A1", "S1", 4, at=T0)
    led.receive("N", "A2", "S1", 4, at=T0)
    led.submit(order("O1", ("S1", 6)), confirm=True, at=T0)
    led.release("O1", at=T0)
    for t in led.pick_list("N"):
        led.pick_reservation(t.reservation_id, at=T0)
    led.mark_picked("O1", at=T0)
    assert led.totals()["in_totes"] == 6 and led.totals()["on_hand"] == 2
    rec = led.cancel("O1", "fraud check failed", at=T0)
    assert rec.state == "cancelled" and "6 picked unit(s) returned" in rec.reason
    assert {(r.slot, r.on_hand, r.reserved) for r in led.stock("S1")} == {("A1", 4, 0), ("A2", 4, 0)}
    assert led.totals()["in_totes"] == 0
    with pytest.raises(InputError, match="cannot go from cancelled to released"):
        led.release("O1", at=T0)
    led.check_invariants()


def test_hold_exception_and_resume(led):
    led.receive("N", "A1", "S1", 4, at=T0)
    led.submit(order("O1", ("S1", 1)), confirm=True, at=T0)
    rec = led.hold("O1", "address check", at=T0)
    assert rec.state == "on_hold" and rec.resume_state == "allocated" and led.available("S1") == 3
    with pytest.raises(InputError, match="cannot go from on_hold to released"):
        led.release("O1", at=T0)
    assert led.unhold("O1", at=T0).state == "allocated"
    led.release("O1", at=T0)
    assert led.mark_exception("O1", "robot fault", at=T0).state == "exception"
    assert led.resume("O1", reason="fault cleared", at=T0).state == "released"
    with pytest.raises(InputError, match="not on hold"):
        led.resume("O1", at=T0)
    led.check_invariants()


def test_partial_release_cuts_the_backordered_rest(led):
    led.receive("N", "A1", "S1", 2, at=T0)
    led.submit(order("O1", ("S1", 5), complete=False), confirm=True, at=T0)
    rec = led.release("O1", at=T0)
    assert rec.state == "released" and rec.lines[0].short == 3 and rec.lines[0].backordered == 0
    assert "3 backordered unit(s) cut" in led.events("O1")[-1].reason
    led.check_invariants()


def test_submit_is_idempotent_and_rejects_conflicting_resend(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    o = order("O1", ("S1", 2))
    first = led.submit(o, confirm=True, at=T0)
    again = led.submit(o, confirm=True, at=T0)
    assert again == first and len(led.orders()) == 1 and len(led.events("O1")) == 3
    assert led.available("S1") == 3
    with pytest.raises(InputError, match="already submitted with different content"):
        led.submit(order("O1", ("S1", 3)), at=T0)
    led.check_invariants()


def test_invalid_order_raises_or_is_stored_rejected(led):
    bad = order("A-17", ("S1", 1), ("S1", -3))
    before = led.table_counts()
    with pytest.raises(InputError, match=r"^order 'A-17' line 2: quantity must be a positive integer, got -3$"):
        led.submit(bad, at=T0)
    with pytest.raises(InputError, match=r"order 'A-18' line 1: unknown SKU 'NOPE'"):
        led.submit(order("A-18", ("NOPE", 1)), at=T0)
    assert led.table_counts() == before
    rec = led.submit(bad, reject_invalid=True, at=T0)
    assert rec.state == "rejected" and "got -3" in rec.reason
    assert led.outbox(order_id="A-17", kind="rejected")[0].payload["reasons"] == [rec.reason]
    assert led.submit(bad, reject_invalid=True, at=T0).state == "rejected"
    assert led.counts()["rejected"] == 1
    led.check_invariants()


def test_submit_many_is_all_or_nothing(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    before = led.table_counts()
    with pytest.raises(InputError, match="line 1: quantity"):
        led.submit_many([order("O1", ("S1", 1)), order("O2", ("S1", 0))], confirm=True, at=T0)
    assert led.table_counts() == before
    recs = led.submit_many([order("O1", ("S1", 1)), order("O2", ("S1", 2))], confirm=True, at=T0)
    assert [r.state for r in recs] == ["allocated", "allocated"] and led.available("S1") == 2
    led.check_invariants()


def test_substitutes_ranked_and_accepted():
    with Ledger() as led:
        led.add_warehouse(Warehouse("N", region="north"), at=T0)
        led.add_skus([sku(1, colour="red", size=5), sku(2, colour="red", size=5, price=11.0),
                      sku(3, colour="red", size=9), sku(4, colour="blue", size=5, price=30.0),
                      sku(5, colour="red", size=5, price=10.0), sku(6, cat="garden", colour="red", size=5)], at=T0)
        for i in (2, 3, 4, 6):
            led.receive("N", f"A{i}", f"S{i}", 10, at=T0)
        led.receive("N", "A5", "S5", 1, at=T0)  # exact match but too few units
        led.submit(order("O1", ("S1", 2)), confirm=True, at=T0)
        subs = led.substitutes("O1", 1)
        assert [s.sku for s in subs] == ["S2", "S3", "S4"]
        assert subs[0].score < subs[1].score < subs[2].score and subs[0].available == 10
        led.decline_substitute("O1", 1, at=T0)
        assert led.order("O1").state == "backordered"
        with pytest.raises(InputError, match="not an offered substitute"):
            led.accept_substitute("O1", 1, "S6", at=T0)
        rec = led.accept_substitute("O1", 1, "S2", at=T0)
        assert rec.state == "allocated" and rec.lines[0].sku == "S2" and rec.lines[0].substituted_from == "S1"
        assert led.outbox(order_id="O1", kind="substituted")[0].payload == {"line": 1, "from": "S1", "to": "S2"}
        notes = [e.reason for e in led.events("O1") if e.from_state == e.to_state]
        assert notes == ["line 1: substitutes declined, 'S1' stays backordered",
                         "line 1: substitute 'S2' accepted for 'S1'"]
        led.check_invariants()


def test_notify_is_idempotent(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    led.submit(order("O1", ("S1", 1)), at=T0)
    assert led.notify("O1", "delayed", {"date": "2026-12-01"}, key="2026-12-01", at=T0) is True
    assert led.notify("O1", "delayed", {"date": "2026-12-01"}, key="2026-12-01", at=T0) is False
    assert led.notify("O1", "delayed", {"date": "2026-12-02"}, key="2026-12-02", at=T0) is True
    msgs = led.outbox(order_id="O1", kind="delayed")
    assert [m.key for m in msgs] == ["2026-12-01", "2026-12-02"]
    assert led.mark_sent([msgs[0].id], at=T0) == 1 and led.mark_sent([msgs[0].id], at=T0) == 0
    assert [m.key for m in led.outbox(unsent_only=True, kind="delayed")] == ["2026-12-02"]
    led.check_invariants()


def test_adjust_respects_reservations(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    led.submit(order("O1", ("S1", 3)), confirm=True, at=T0)
    with pytest.raises(InputError, match="below reserved 3"):
        led.adjust("N", "A1", "S1", -3, "cycle count", at=T0)
    led.adjust("N", "A1", "S1", -2, "cycle count", at=T0)
    assert led.totals()["adjusted"] == -2 and led.available("S1") == 0
    led.check_invariants()


def test_counts_orders_and_unknown_state(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    led.submit(order("O1", ("S1", 1)), confirm=True, at=T0)
    led.submit(order("O2", ("S1", 1)), at=T0)
    c = led.counts()
    assert c["allocated"] == 1 and c["received"] == 1 and set(c) == {s.value for s in State}
    assert [o.id for o in led.orders("received")] == ["O2"]
    with pytest.raises(InputError, match="unknown order state 'nope'"):
        led.orders("nope")
    led.check_invariants()


def test_load_rejects_unknown_sku_naming_the_row_and_writes_nothing(led):
    before = led.table_counts()
    with pytest.raises(InputError, match=r"stock row 2: unknown SKU 'ZZ'"):
        led.receive_many([("N", "A1", "S1", 1), ("N", "A2", "ZZ", 1)], at=T0)
    with pytest.raises(InputError, match=r"stock row 1: unknown warehouse 'X'"):
        led.receive_many([("X", "A1", "S1", 1)], at=T0)
    with pytest.raises(InputError, match=r"stock row 1: quantity must be a positive integer, got 0"):
        led.receive_many([("N", "A1", "S1", 0)], at=T0)
    assert led.table_counts() == before
    led.check_invariants()


def test_check_invariants_reports_corruption(led):
    led.receive("N", "A1", "S1", 5, at=T0)
    led.submit(order("O1", ("S1", 2)), confirm=True, at=T0)
    led.check_invariants()
    led._db.execute("UPDATE stock SET on_hand = 4")  # a unit vanishes behind the ledger's back
    with pytest.raises(InvariantError, match=r"on hand 4 != received 5"):
        led.check_invariants()
    led._db.execute("UPDATE stock SET on_hand = 5, reserved = 1")
    with pytest.raises(InvariantError, match=r"reserved 1 != open reservations 2"):
        led.check_invariants()
    led._db.execute("UPDATE stock SET reserved = 2")
    led.check_invariants()


def test_file_ledger_reopens_and_rejects_foreign_files(tmp_path):
    p = tmp_path / "l.db"
    with Ledger(p) as led:
        led.add_warehouse(Warehouse("N"), at=T0)
        led.add_skus(demo_catalog(3, seed=1), at=T0)
        led.receive("N", "A1", "SKU-0000001", 3, at=T0)
        assert led._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    junk = tmp_path / "junk.db"
    junk.write_text("not a database, just text " * 100)
    with pytest.raises(InputError, match="not a robocore ledger"):
        Ledger(junk)
    with pytest.raises(InputError, match="ledger file not found"):
        Ledger.open_existing(tmp_path / "missing.db")
    with Ledger.open_existing(p) as led:
        assert led.available("SKU-0000001") == 3
        led.check_invariants()


# ----------------------------------------------------------------------------- against the naive model
WHS = [("N", "north", 1, 4.0), ("S", "south", 1, 2.0), ("F", "north", 2, 0.0)]
SKUS = ["S1", "S2", "S3"]

stock_rows = st.lists(st.tuples(st.sampled_from([w[0] for w in WHS]), st.sampled_from(["A", "B", "C"]),
                                st.sampled_from(SKUS), st.integers(1, 6)), max_size=12)
order_specs = st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 8)), min_size=1,
                                          max_size=3),
                                 st.sampled_from(["north", "south"]), st.booleans(),
                                 st.sampled_from(["none", "release", "pick", "cancel", "pick_cancel"])),
                       min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stock=stock_rows, specs=order_specs, retry=st.booleans())
def test_ledger_matches_naive_model(stock, specs, retry):
    check_against_naive(stock, specs, retry)


# many small slots per SKU, lines sharing a SKU: allocation reads only the first
# slots in its order (as many as the units needed), which must not change its choice
many_slots = st.lists(st.tuples(st.sampled_from([w[0] for w in WHS]), st.sampled_from([f"S{k:02d}" for k in range(12)]),
                                st.sampled_from(SKUS[:2]), st.integers(1, 3)), max_size=30)
shared_sku_orders = st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(SKUS[:2]), st.integers(1, 4)), min_size=1,
                                                max_size=3),
                                       st.sampled_from(["north", "south"]), st.booleans(),
                                       st.sampled_from(["none", "release", "pick", "cancel"])),
                             min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stock=many_slots, specs=shared_sku_orders, retry=st.booleans())
def test_ledger_matches_naive_model_on_many_small_slots(stock, specs, retry):
    check_against_naive(stock, specs, retry)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stock=stock_rows, specs=order_specs, retry=st.booleans())
def test_ledger_matches_naive_model_exhaustive(stock, specs, retry):
    check_against_naive(stock, specs, retry)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stock=many_slots, specs=shared_sku_orders, retry=st.booleans())
def test_ledger_matches_naive_model_on_many_small_slots_exhaustive(stock, specs, retry):
    check_against_naive(stock, specs, retry)


def check_against_naive(stock, specs, retry):
    naive = NaiveLedger(WHS)
    with Ledger() as led:
        led.load(warehouses=[Warehouse(w, region=r, handling_days=h, cost=c) for w, r, h, c in WHS],
                 skus=[sku(int(s[1:])) for s in SKUS], at=T0)
        for wh, slot, s, q in stock:
            led.receive(wh, slot, s, q, at=T0)
            naive.receive(wh, slot, s, q)
        for i, (lines, region, complete, action) in enumerate(specs):
            oid = f"O{i}"
            rec = led.submit(order(oid, *lines, region=region, complete=complete), confirm=True, at=T0)
            naive.submit(oid, lines, region, complete)
            naive.allocate(oid)
            assert rec.state == naive.orders[oid]["state"]
            if action != "none" and rec.state == "allocated":
                led.release(oid, at=T0)
                naive.release(oid)
                if action in ("pick", "pick_cancel"):
                    for t in led.pick_list("N") + led.pick_list("S") + led.pick_list("F"):
                        if t.order_id == oid:
                            led.pick_reservation(t.reservation_id, at=T0)
                    naive.pick_all(oid)
            if action in ("cancel", "pick_cancel"):
                led.cancel(oid, "test", at=T0)
                naive.cancel(oid)
        if retry:
            led.retry_backorders(at=T0)
            for oid in sorted((o for o in naive.orders if naive.orders[o]["state"] in
                               ("backordered", "partially_allocated")),
                              key=lambda o: int(o[1:])):
                naive.allocate(oid)
        for oid, o in naive.orders.items():
            rec = led.order(oid)
            assert rec.state == o["state"], oid
            got = sorted((r.line_no, r.warehouse, r.slot, r.qty) for r in rec.reservations if not r.void)
            assert got == sorted((r[0], r[1], r[2], r[4]) for r in o["res"]), oid
        got_stock = {(r.warehouse, r.slot, r.sku): [r.on_hand, r.reserved] for r in led.stock()}
        assert got_stock == naive.stock
        led.check_invariants()
