"""The pack desk after a controller restart (``fleet.packdesk``, ``fleet.resume``).

A desk is "crashed" by dropping it (and closing its ledger) at a chosen point;
a fresh desk on the same ledger file must then continue the tracking serials,
ship orders left ``packed``, and play the carrier events of parcels shipped
before the crash, ending exactly where an uninterrupted desk ends. Every
ledger test ends by checking the ledger invariants.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fleet.packdesk import PackDesk
from fleet.tours import ToteItem
from robocore import Address, InputError, Ledger, Order, OrderLine, Sku, Warehouse
from robocore.shipping import DEFAULT_SERVICES, choose_service, service_choice
from robocore.tracking import tracking_number, tracking_serial, valid_tracking_number

T0 = datetime(2026, 3, 2, 8, 0)  # a Monday
SEED = 11
#: rates high enough that a handful of parcels runs late, and some end in an exception
RATES = {"exception_rate": 0.25, "late_rate": 0.5}
SKUS = [Sku("SMALL", "small", "misc", (100, 80, 60), 0.4, 5.0),
        Sku("MID", "mid", "misc", (280, 200, 140), 3.0, 9.0),
        Sku("BIG", "big", "misc", (700, 500, 450), 14.0, 30.0)]
#: (order id, lines, postcode); O3 and O5 need several parcels (big units ship in cartons of one)
ORDERS = [("O1", [("SMALL", 2)], "10115"), ("O2", [("MID", 1), ("SMALL", 1)], "80331"),
          ("O3", [("BIG", 3)], "20095"), ("O4", [("MID", 2), ("SMALL", 3)], "50667"),
          ("O5", [("BIG", 2), ("MID", 1)], "01067"), ("O6", [("SMALL", 1)], "70173")]


def created(k: int) -> datetime:
    return T0 + timedelta(minutes=10 * k)


def shipped(k: int) -> datetime:
    return T0 + timedelta(hours=1, minutes=10 * k)


def new_ledger(path) -> Ledger:
    """A ledger with every order of ORDERS confirmed, picked and marked picked."""
    led = Ledger(path)
    led.add_warehouse(Warehouse("WH", region="region-1", handling_days=0, cost=1.0), at=T0)
    led.add_skus(SKUS, at=T0)
    for k, s in enumerate(SKUS):
        led.receive("WH", f"A-{k}", s.id, 50, at=T0)
    for k, (oid, lines, pc) in enumerate(ORDERS):
        order = Order(oid, "cust", Address(name="C", street="S 1", city=f"City{pc}", postcode=pc, country="DE"),
                      tuple(OrderLine(s, q) for s, q in lines))
        rec = led.submit(order, confirm=True, at=created(k))
        led.release(oid, at=created(k))
        for r in rec.reservations:
            led.pick_reservation(r.id, at=created(k))
        led.mark_picked(oid, at=created(k))
    return led


def items(led: Ledger, oid: str) -> list[ToteItem]:
    rec = led.order(oid)
    return [ToteItem(task=r.id, order_id=oid, line_no=r.line_no, sku=r.sku, qty=r.picked)
            for r in rec.reservations if r.picked]


def desk_for(led: Ledger) -> PackDesk:
    desk = PackDesk(led, seed=SEED, **RATES)
    for k, (oid, _, _) in enumerate(ORDERS):  # the controller promises each order at intake
        desk.promise(led.order(oid), created(k))
    return desk


def play(desk: PackDesk, until: datetime) -> None:
    """Step floor time hour by hour (as the controller would, coarser) up to ``until``."""
    t = T0
    while t < until:
        t += timedelta(hours=1)
        desk.carrier_events(t)


def outcome(led: Ledger) -> dict:
    """Everything a restart must not change: states, parcels, the outbox and the order events."""
    return {
        "orders": {o.id: (o.state, led.order(o.id).parcels) for o in led.orders()},
        "outbox": sorted((m.order_id, m.kind, m.key, str(m.payload), m.at) for m in led.outbox()),
        "events": sorted((e.order_id, e.at, str(e.from_state), e.to_state, e.reason) for e in led.events()),
    }


def uninterrupted(path) -> dict:
    led = new_ledger(path)
    desk = desk_for(led)
    for k, (oid, _, _) in enumerate(ORDERS):
        desk.pack_and_ship(oid, items(led, oid), shipped(k))
        desk.carrier_events(shipped(k))
    play(desk, T0 + timedelta(days=21))
    led.check_invariants()
    out = outcome(led)
    led.close()
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return uninterrupted(tmp_path_factory.mktemp("ref") / "ledger.sqlite")


def assert_no_repeats(led: Ledger) -> None:
    tns = led.tracking_numbers()
    assert tns and len(tns) == len(set(tns)) and all(valid_tracking_number(t) for t in tns)
    outbox = led.outbox()
    assert len({(m.order_id, m.kind, m.key) for m in outbox}) == len(outbox)


def test_reference_run_exercises_delivery_exception_delay_and_multi_parcel_orders(reference):
    states = {oid: s for oid, (s, _) in reference["orders"].items()}
    assert set(states.values()) <= {"delivered", "exception"} and "delivered" in states.values()
    assert "exception" in states.values()  # a 25 % exception rate over 11 parcels (seed 11)
    assert max(len(p) for _, p in reference["orders"].values()) >= 3
    assert any(kind == "delayed" for _, kind, *_ in reference["outbox"])
    serials = sorted(tracking_serial(p["tracking"]) for _, ps in reference["orders"].values() for p in ps)
    assert serials == list(range(1, len(serials) + 1))  # one counter over all carriers


def test_two_desks_in_sequence_never_repeat_a_tracking_number(tmp_path):
    path = tmp_path / "ledger.sqlite"
    led = new_ledger(path)
    first = desk_for(led)
    for k, (oid, _, _) in enumerate(ORDERS[:3]):
        first.pack_and_ship(oid, items(led, oid), shipped(k))
    before = set(led.tracking_numbers())
    top = max(tracking_serial(t) for t in before)
    del first
    led.close()
    led = Ledger.open_existing(path)
    second = desk_for(led)  # reads the highest serial in use when it is built
    for k, (oid, _, _) in list(enumerate(ORDERS))[3:]:
        second.pack_and_ship(oid, items(led, oid), shipped(k))
    after = set(led.tracking_numbers()) - before
    assert after and not after & before
    assert min(tracking_serial(t) for t in after) == top + 1
    assert_no_repeats(led)
    led.check_invariants()
    led.close()


def test_foreign_tracking_numbers_do_not_disturb_the_serial(tmp_path):
    led = new_ledger(tmp_path / "ledger.sqlite")
    led.mark_packed("O1", [{"id": "O1-P1", "weight_kg": 0.8}], at=shipped(0))
    mine = tracking_number("GL", 41)
    led.mark_shipped("O1", [{"id": "O1-P1", "carrier": "GreenLine Freight", "service": "GL-ECO", "tracking": mine}],
                     at=shipped(0))
    led.mark_packed("O2", [{"id": "O2-P1", "weight_kg": 0.8}], at=shipped(1))
    led.mark_shipped("O2", [{"id": "O2-P1", "carrier": "other", "service": "x", "tracking": "ZZ999999999"}],
                     at=shipped(1))
    desk = desk_for(led)
    desk.pack_and_ship("O6", items(led, "O6"), shipped(5))
    (p,) = led.order("O6").parcels
    assert tracking_serial(p["tracking"]) == 42
    assert led.tracking_numbers() == sorted([mine, "ZZ999999999", p["tracking"]])
    led.check_invariants()
    led.close()


@pytest.mark.parametrize("crash_after, played_hours", [(2, 30), (5, 54)])
def test_crash_between_pack_and_ship_then_resume_ends_as_without_the_crash(tmp_path, monkeypatch, reference,
                                                                           crash_after, played_hours):
    """Orders 0..crash_after-1 ship and their carrier events up to
    ``played_hours`` are played (at 54 h: one order delivered, one in
    exception, two multi-parcel orders part delivered); the desk dies in
    order ``crash_after``'s ``mark_shipped``; a fresh desk on the same file takes the shipped parcels' tracking back, ships the
    packed order at the same floor time, and everything ends as in the
    uninterrupted run: the same states, parcels, tracking numbers, outbox
    and order events."""
    path = tmp_path / "ledger.sqlite"
    led = new_ledger(path)
    desk = desk_for(led)
    for k, (oid, _, _) in enumerate(ORDERS[:crash_after]):
        desk.pack_and_ship(oid, items(led, oid), shipped(k))
    desk.carrier_events(T0 + timedelta(hours=played_hours))
    played = {o.id: o.state for o in led.orders()}
    assert "shipped" in played.values()
    crash_oid = ORDERS[crash_after][0]

    def dies(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(led, "mark_shipped", dies)
    with pytest.raises(RuntimeError, match="killed"):
        desk.pack_and_ship(crash_oid, items(led, crash_oid), shipped(crash_after))
    monkeypatch.undo()
    assert led.order(crash_oid).state == "packed" and all(p["tracking"] is None for p in led.order(crash_oid).parcels)
    del desk
    led.close()

    led = Ledger.open_existing(path)
    desk = PackDesk(led, seed=SEED, **RATES)
    counts = desk.resume()
    shipped_before = [oid for oid, s in played.items() if s == "shipped"]
    assert counts["orders"] == len(shipped_before) and counts["untracked"] == 0
    assert counts["parcels"] == sum(len(led.order(o).parcels) for o in shipped_before)
    assert desk.resume() == {"orders": 0, "parcels": 0, "untracked": 0}  # parcels already followed are skipped
    for k, (oid, _, _) in enumerate(ORDERS):
        if k >= crash_after:
            desk.promise(led.order(oid), created(k))
    result = desk.ship(crash_oid, shipped(crash_after))
    assert result["state"] == "shipped"
    assert all(valid_tracking_number(p["tracking"]) for p in led.order(crash_oid).parcels)
    for k, (oid, _, _) in list(enumerate(ORDERS))[crash_after + 1:]:
        desk.pack_and_ship(oid, items(led, oid), shipped(k))
    play(desk, T0 + timedelta(days=21))
    assert_no_repeats(led)
    led.check_invariants()
    assert outcome(led) == reference
    led.close()


def delivery_times(led: Ledger, oid: str, ship_time: datetime, promised) -> list[datetime]:
    """When each parcel of ``oid`` is delivered, by a simulator without
    exceptions or delays, for the parcel's recorded service."""
    from robocore.carrier_events import CarrierSimulator

    sim = CarrierSimulator(SEED, exception_rate=0.0, late_rate=0.0)
    services = {s.code: s for s in DEFAULT_SERVICES}
    rec = led.order(oid)
    out = []
    for p in rec.parcels:
        choice = service_choice(services[p["service"]], p["weight_kg"], from_region="1",
                                to_region=rec.ship_to.postcode[0], ship_time=ship_time, promised_date=promised)
        out.append(sim.events(p["tracking"], choice, to_city=rec.ship_to.city)[-1].time)
    return sorted(out)


def test_delivered_only_when_every_parcel_is(tmp_path):
    """A multi-parcel order whose first parcel was delivered before the
    crash is delivered by the resumed desk when its last parcel is, not before."""
    path = tmp_path / "ledger.sqlite"
    led = new_ledger(path)
    desk = PackDesk(led, seed=SEED, exception_rate=0.0, late_rate=0.0)
    promised = desk.promise(led.order("O3"), created(2))
    desk.pack_and_ship("O3", items(led, "O3"), shipped(2))
    delivered = delivery_times(led, "O3", shipped(2), promised)
    assert len(delivered) == 3 and delivered[0] < delivered[-1]
    desk.carrier_events(delivered[0])  # the first parcel delivered, the order not yet
    assert led.order("O3").state == "shipped"
    del desk
    led.close()
    led = Ledger.open_existing(path)
    desk = PackDesk(led, seed=SEED, exception_rate=0.0, late_rate=0.0)
    assert desk.resume() == {"orders": 1, "parcels": 3, "untracked": 0}
    desk.carrier_events(delivered[-1] - timedelta(minutes=1))
    assert led.order("O3").state == "shipped"
    desk.carrier_events(delivered[-1])
    assert led.order("O3").state == "delivered"
    (ev,) = [e for e in led.events("O3") if e.to_state == "delivered"]
    assert ev.at.replace(tzinfo=None) == delivered[-1]
    assert len(led.outbox(order_id="O3", kind="delivered")) == 1
    led.check_invariants()
    led.close()


def test_resume_tracks_the_recorded_service_even_if_the_choice_would_now_differ(tmp_path):
    """A parcel recorded with a dearer, faster service than ``choose_service``
    picks is followed with that service's pickup and delivery date, never
    switched; a parcel of an unknown service is left untracked."""
    led = new_ledger(tmp_path / "ledger.sqlite")
    desk = desk_for(led)
    promised = desk.promised["O2"]  # to postcode 8xxxx: zone 4, where AC-EXP is a day faster
    cheapest = choose_service(0.8, from_region="1", to_region="8", ship_time=shipped(1), promised_date=promised)
    assert cheapest.service.code != "AC-EXP"
    led.mark_packed("O2", [{"id": "O2-P1", "weight_kg": 0.8}], at=shipped(1))
    led.mark_shipped("O2", [{"id": "O2-P1", "carrier": "Atlas Courier", "service": "AC-EXP",
                             "tracking": tracking_number("AC", 7)}], at=shipped(1))
    led.mark_packed("O1", [{"id": "O1-P1", "weight_kg": 0.8}], at=shipped(0))
    led.mark_shipped("O1", [{"id": "O1-P1", "carrier": "Atlas Courier", "service": "AC-SAMEDAY",
                             "tracking": tracking_number("AC", 8)}], at=shipped(0))
    fresh = PackDesk(led, seed=SEED, exception_rate=0.0, late_rate=0.0)
    assert fresh.resume() == {"orders": 1, "parcels": 1, "untracked": 1}
    (when,) = delivery_times(led, "O2", shipped(1), promised)
    assert when.date() < fresh.sim.events(tracking_number("AC", 7), cheapest)[-1].time.date()
    fresh.carrier_events(when - timedelta(minutes=1))
    assert led.order("O2").state == "shipped"
    fresh.carrier_events(when)
    assert led.order("O2").state == "delivered"
    assert [e.at.replace(tzinfo=None) for e in led.events("O2") if e.to_state == "delivered"] == [when]
    fresh.carrier_events(T0 + timedelta(days=21))
    assert led.order("O1").state == "shipped"
    led.check_invariants()
    led.close()


def test_an_order_put_back_to_shipped_after_a_carrier_exception_is_not_replayed(tmp_path):
    """Its carrier story ended in the exception (the dead desk had nothing
    more queued for it): replaying it would raise the exception again."""
    path = tmp_path / "ledger.sqlite"
    led = new_ledger(path)
    desk = desk_for(led)
    desk.pack_and_ship("O1", items(led, "O1"), shipped(0))
    desk.pack_and_ship("O2", items(led, "O2"), shipped(1))
    led.mark_exception("O1", "carrier says lost", at=shipped(2))
    led.resume("O1", reason="found at the hub", at=shipped(3))
    del desk
    fresh = PackDesk(led, seed=SEED, **RATES)
    assert fresh.resume() == {"orders": 1, "parcels": len(led.order("O2").parcels), "untracked": 1}
    fresh.carrier_events(T0 + timedelta(days=21))
    assert led.order("O1").state == "shipped" and led.order("O2").state in ("delivered", "exception")
    assert_no_repeats(led)
    led.check_invariants()
    led.close()


def test_service_choice_is_the_option_choose_service_weighs():
    for w in (0.3, 4.0, 29.0):
        for ship in (T0, T0 + timedelta(hours=9), T0 + timedelta(days=4, hours=15)):
            promised = (ship + timedelta(days=3)).date()
            best = choose_service(w, from_region="1", to_region="7", ship_time=ship, promised_date=promised)
            again = service_choice(best.service, w, from_region="1", to_region="7", ship_time=ship,
                                   promised_date=promised)
            assert again == best
    heavy = next(s for s in DEFAULT_SERVICES if s.code == "AC-EXP")
    with pytest.raises(InputError, match="AC-EXP"):
        service_choice(heavy, 31.0, from_region="1", to_region="1", ship_time=T0, promised_date=T0.date())


def test_tracking_serial_inverts_tracking_number():
    for prefix, serial in (("RP", 1), ("AC", 123456789), ("GL", 999_999_999)):
        assert tracking_serial(tracking_number(prefix, serial)) == serial
    for bad in ("RP0012345664", "RP12", "", "rp0012345674"):
        with pytest.raises(InputError, match="tracking number"):
            tracking_serial(bad)


def test_ship_refuses_an_order_that_is_not_packed(tmp_path):
    led = new_ledger(tmp_path / "ledger.sqlite")
    desk = desk_for(led)
    with pytest.raises(InputError, match="O1.*not packed"):
        desk.ship("O1", shipped(0))
    assert led.order("O1").state == "picked" and led.tracking_numbers() == []
    led.check_invariants()
    led.close()


def test_controller_dies_between_pack_and_ship_and_the_resumed_shift_ships_and_tracks_everything(tmp_path,
                                                                                               monkeypatch):
    """A shift with the real pack desk dies inside the fourth ``mark_shipped``
    (the order is left ``packed``); ``run_shift(resume=True)`` on the same
    ledger ships it at the restart with new, unrepeated tracking numbers, and
    the resumed desk follows every parcel shipped before the crash: played
    far enough, every shipped order ends delivered or in exception, with no
    notification twice."""
    from fleet.shift import ShiftSpec, run_shift
    from tests.fleet_helpers import FirstOrderAssigner, tiny_layout

    spec = ShiftSpec(layout="tiny", robots=4, humans=1, hours=0.5, orders=8, seed=3, skus=40, fault_rate=0.0,
                     cancel_fraction=0.0)
    db = str(tmp_path / "ledger.sqlite")
    real = Ledger.mark_shipped
    calls = []

    def dies_on_the_fourth(self, order_id, parcels, *, at=None):
        calls.append(order_id)
        if len(calls) == 4:
            raise RuntimeError("controller killed")
        return real(self, order_id, parcels, at=at)

    monkeypatch.setattr(Ledger, "mark_shipped", dies_on_the_fourth)
    with pytest.raises(RuntimeError, match="controller killed"):
        run_shift(spec, layout=tiny_layout(), assigner=FirstOrderAssigner(), db=db)
    monkeypatch.undo()
    with Ledger.open_existing(db) as led:
        dead = calls[3]
        assert led.order(dead).state == "packed"
        before = {o.id: led.order(o.id).parcels for o in led.orders("shipped")}
        assert len(before) == 3
    res = run_shift(spec, layout=tiny_layout(), assigner=FirstOrderAssigner(), db=db, resume=True)
    try:
        led, desk = res.controller.ledger, res.controller.desk
        rec = led.order(dead)
        assert rec.state in ("shipped", "delivered", "exception") and res.controller.shipped_at[dead] >= 0
        assert rec.parcels and all(valid_tracking_number(p["tracking"]) for p in rec.parcels)
        for oid, parcels in before.items():  # what was shipped stays as it was
            assert led.order(oid).parcels == parcels
        assert_no_repeats(led)
        assert res.report["orders_open"] == 0
        desk.carrier_events(res.controller.start + timedelta(days=21))
        ends = {o.id: o.state for o in led.orders()}
        assert all(ends[oid] in ("delivered", "exception") for oid in before)
        assert set(ends.values()) <= {"delivered", "exception", "backordered", "rejected", "cancelled"}
        assert_no_repeats(led)
        led.check_invariants()
    finally:
        res.close()
