"""Simulated carrier events: ordered, consistent with transit, reproducible by seed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from robocore.carrier_events import CarrierEventKind as K
from robocore.carrier_events import CarrierSimulator
from robocore.errors import InputError
from robocore.shipping import add_business_days, choose_service
from robocore.tracking import tracking_number

START = datetime(2026, 11, 23, 9, 0)  # Monday


def shipments(n: int, *, seed: int = 0):
    """``n`` parcels spread over two weeks of ship times, regions and promises."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = START + timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        a, b = str(rng.randint(0, 9)), str(rng.randint(0, 9))
        promised = t.date() + timedelta(days=rng.randint(1, 8))
        choice = choose_service(rng.uniform(0.2, 20), from_region=a, to_region=b, ship_time=t, promised_date=promised)
        out.append((tracking_number(choice.service.carrier, i), choice))
    return out


def test_events_are_ordered_and_consistent_with_transit():
    sim = CarrierSimulator(1, exception_rate=0.0, late_rate=0.0)
    for tracking, choice in shipments(300):
        ev = sim.events(tracking, choice)
        kinds = [e.kind for e in ev]
        assert kinds[0] == K.PICKED_UP and kinds[-2:] == [K.OUT_FOR_DELIVERY, K.DELIVERED]
        assert set(kinds[1:-2]) == {K.IN_TRANSIT}
        assert all(a.time < b.time for a, b in zip(ev, ev[1:]))
        assert all(e.tracking == tracking for e in ev)
        assert choice.pickup <= ev[0].time <= choice.pickup + timedelta(minutes=90)
        assert ev[-1].time.date() == choice.delivery_date == ev[-2].time.date()
        assert ev[-1].time.weekday() < 5
        assert all(e.expected_date == choice.delivery_date for e in ev)


def test_late_parcels_arrive_one_or_two_business_days_late_and_say_so():
    sim = CarrierSimulator(2, exception_rate=0.0, late_rate=1.0)
    for tracking, choice in shipments(200):
        ev = sim.events(tracking, choice)
        got = ev[-1].time.date()
        assert got in (add_business_days(choice.delivery_date, 1), add_business_days(choice.delivery_date, 2))
        delay = [e for e in ev if e.detail.startswith("delayed")]
        assert len(delay) == 1 and delay[0].expected_date == got
        assert delay[0].time.date() == choice.delivery_date
        assert all(a.time < b.time for a, b in zip(ev, ev[1:]))


def test_exceptions_end_the_story():
    sim = CarrierSimulator(3, exception_rate=1.0, late_rate=0.2)
    for tracking, choice in shipments(200):
        ev = sim.events(tracking, choice)
        assert ev[0].kind == K.PICKED_UP and ev[-1].kind == K.EXCEPTION
        assert K.DELIVERED not in [e.kind for e in ev]
        assert ev[-1].expected_date is None and ev[-1].detail
        assert all(a.time < b.time for a, b in zip(ev, ev[1:]))


def test_rates_are_respected_roughly():
    sim = CarrierSimulator(4, exception_rate=0.05, late_rate=0.2)
    n_exc = n_late = 0
    ships = shipments(2000, seed=9)
    for tracking, choice in ships:
        ev = sim.events(tracking, choice)
        if ev[-1].kind == K.EXCEPTION:
            n_exc += 1
        elif ev[-1].time.date() > choice.delivery_date:
            n_late += 1
    assert 0.03 < n_exc / len(ships) < 0.07
    assert 0.16 < n_late / (len(ships) - n_exc) < 0.24


def test_reproducible_by_seed_and_independent_of_order():
    ships = shipments(50)
    a = [CarrierSimulator(7, late_rate=0.3, exception_rate=0.1).events(t, c) for t, c in ships]
    sim = CarrierSimulator(7, late_rate=0.3, exception_rate=0.1)
    b = [sim.events(t, c) for t, c in reversed(ships)][::-1]
    assert a == b
    c = [CarrierSimulator(8, late_rate=0.3, exception_rate=0.1).events(t, ch) for t, ch in ships]
    assert a != c


@pytest.mark.parametrize("kw", [{"late_rate": 1.5}, {"exception_rate": -0.1}])
def test_bad_rates_raise(kw):
    with pytest.raises(InputError, match="within 0..1"):
        CarrierSimulator(0, **kw)


def test_holidays_push_delivery():
    t = datetime(2026, 12, 23, 10, 0)  # Wednesday
    choice = choose_service(1.0, from_region="1", to_region="1", ship_time=t, promised_date=date(2026, 12, 24),
                            holidays=[date(2026, 12, 24), date(2026, 12, 25)])
    assert choice.delivery_date == date(2026, 12, 28)
    ev = CarrierSimulator(0, exception_rate=0, late_rate=0, holidays=[date(2026, 12, 24), date(2026, 12, 25)]).events(
        "RP0000000018", choice)
    assert ev[-1].time.date() == date(2026, 12, 28)
    assert all(e.time.date() not in (date(2026, 12, 24), date(2026, 12, 25)) for e in ev[1:])
