"""Zones, promise dates around cut-offs, weekends and holidays, and service choice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robocore.errors import InputError
from robocore.orders import Address as Addr
from robocore.shipping import (
    DEFAULT_SERVICES,
    Carrier,
    Service,
    ServiceLevel,
    add_business_days,
    choose_service,
    pickup_time,
    promise_date,
    region_of,
    region_of_address,
    zone,
)

FRI = date(2026, 11, 27)  # a Friday
assert FRI.weekday() == 4
MON = FRI + timedelta(days=3)
TUE = FRI + timedelta(days=4)
WED = FRI + timedelta(days=5)

C = Carrier("test", "Test Parcel", "TP")
NEXT_DAY = Service(carrier=C, code="T-1", level=ServiceLevel.STANDARD, base=(5, 5, 5, 5), per_kg=(0, 0, 0, 0),
                   transit_days=(1, 1, 1, 1), cutoff=time(17, 0))


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


def promise(t: datetime, hours: float = 0.5, **kw) -> date:
    return promise_date(t, service_level="standard", processing_hours=hours, from_region="1", to_region="1",
                        services=[NEXT_DAY], **kw)


def test_zone_table():
    assert [zone("1", str(d)) for d in range(10)] == [2, 1, 2, 2, 3, 3, 3, 4, 4, 4]
    assert zone("10115", "80331") == 4 and zone("10115", "12043") == 1
    assert region_of(" 80331 ") == "8"
    assert region_of("region-3") == "3" and region_of("region-12") == "2" and region_of("north 7") == "7"
    assert region_of_address(Addr(postcode="04109", region="region-5")) == "0"
    assert region_of_address(Addr(postcode="SW1A", region="region-5")) == "5"


@pytest.mark.parametrize("bad", ["", "  ", "1234", "123456"])
def test_bad_region_raises(bad):
    with pytest.raises(InputError, match="postcode"):
        zone(bad, "1")


def test_named_regions_map_to_a_stable_digit():
    import zlib

    assert region_of("north") == str(zlib.crc32(b"north") % 10) == region_of(" North ")
    assert zone("north", "north") == 1
    assert region_of_address(Addr(region="south")) == region_of("south")


def test_before_cutoff_ships_today():
    assert promise(at(FRI - timedelta(days=2), 9)) == FRI - timedelta(days=1)  # Wed -> Thu


def test_exactly_at_cutoff_ships_today():
    assert promise(at(FRI, 16, 30), hours=0.5) == MON


def test_friday_after_cutoff_ships_monday():
    assert pickup_time(at(FRI, 17, 15), NEXT_DAY) == at(MON, 17)
    assert promise(at(FRI, 16, 45)) == TUE  # ready 17:15 > 17:00


def test_friday_before_cutoff_delivers_monday_not_saturday():
    assert promise(at(FRI, 10)) == MON


def test_weekend_orders_ship_monday():
    assert promise(at(FRI + timedelta(days=1), 10)) == TUE
    assert promise(at(FRI + timedelta(days=2), 23)) == TUE


def test_processing_time_crosses_the_cutoff_and_midnight():
    assert promise(at(FRI, 12), hours=4) == MON  # ready 16:00
    assert promise(at(FRI, 12), hours=6) == TUE  # ready 18:00
    assert promise(at(FRI - timedelta(days=1), 23), hours=2) == MON  # ready Fri 01:00


def test_holidays_skip_pickup_and_delivery():
    assert promise(at(FRI, 18), holidays=[MON]) == WED  # no pickup Mon: Tue pickup, Wed delivery
    assert promise(at(FRI, 10), holidays=[MON]) == TUE  # delivery skips the holiday


def test_pickup_weekdays_are_respected():
    mwf = Service(carrier=C, code="T-MWF", level=ServiceLevel.ECONOMY, base=(1, 1, 1, 1), per_kg=(0, 0, 0, 0),
                  transit_days=(1, 1, 1, 1), cutoff=time(14, 0), pickup_weekdays=frozenset({0, 2, 4}))
    assert pickup_time(at(TUE, 9), mwf) == at(WED, 14)
    assert pickup_time(at(WED, 15), mwf) == at(FRI + timedelta(days=7), 14)


def test_weekend_pickups_are_rejected():
    with pytest.raises(InputError, match="Monday..Friday"):
        Service(carrier=C, code="T-SAT", level=ServiceLevel.STANDARD, base=(5,) * 4, per_kg=(0,) * 4,
                transit_days=(1,) * 4, cutoff=time(17), pickup_weekdays=frozenset({5}))


def test_promise_is_kept_by_every_service_of_the_level():
    t = at(FRI - timedelta(days=3), 11)  # Tuesday
    p = promise_date(t, service_level="economy", processing_hours=2, from_region="1", to_region="8")
    for s in DEFAULT_SERVICES:
        if s.level == "economy":
            got = choose_service(1.0, from_region="1", to_region="8", ship_time=t + timedelta(hours=2),
                                 promised_date=p, services=[s])
            assert not got.late and got.delivery_date <= p
    # zone 4 (|1 - 8| = 7). RP-ECO: Tue pickup + 4 business days = Mon 30 Nov.
    # GL-ECO picks up Mon/Wed/Fri: Wed 25 Nov + 5 business days = Wed 2 Dec, the later one.
    assert p == date(2026, 12, 2)


def test_unknown_level_and_bad_processing_raise():
    with pytest.raises(InputError, match="service level 'overnight'"):
        promise_date(at(FRI, 9), service_level="overnight", processing_hours=1, from_region="1", to_region="1")
    with pytest.raises(InputError, match="processing_hours"):
        promise_date(at(FRI, 9), service_level="standard", processing_hours=-1, from_region="1", to_region="1")


def test_choose_cheapest_service_that_meets_the_promise():
    ship = at(FRI - timedelta(days=3), 10)  # Tuesday 10:00, zone 1
    far = ship.date() + timedelta(days=14)
    loose = choose_service(2.0, from_region="1", to_region="1", ship_time=ship, promised_date=far)
    assert loose.service.code == "GL-ECO" and not loose.late
    assert loose.cost == round(2.60 + 0.18 * 2.0, 2)
    next_day = ship.date() + timedelta(days=1)
    tight = choose_service(2.0, from_region="1", to_region="1", ship_time=ship, promised_date=next_day)
    # next-day in zone 1: RP-STD (4.80), AC-STD (5.30), AC-EXP (10.70); RP-STD is cheapest
    assert tight.service.code == "RP-STD" and tight.cost == 4.80 and not tight.late


def test_no_service_in_time_gives_the_fastest_flagged_late():
    ship = at(FRI, 10)
    got = choose_service(2.0, from_region="1", to_region="9", ship_time=ship, promised_date=FRI)
    assert got.late and got.service.code == "AC-EXP" and got.delivery_date == MON


def test_weight_limits():
    ship = at(FRI - timedelta(days=3), 10)
    got = choose_service(30.5, from_region="1", to_region="1", ship_time=ship, promised_date=ship.date())
    assert got.service.code != "AC-EXP"  # express takes 30 kg at most
    with pytest.raises(InputError, match="heavier than every"):
        choose_service(40.0, from_region="1", to_region="1", ship_time=ship, promised_date=ship.date())
    with pytest.raises(InputError, match="positive"):
        choose_service(0.0, from_region="1", to_region="1", ship_time=ship, promised_date=ship.date())


def test_rate_is_base_plus_per_kg_by_zone():
    s = DEFAULT_SERVICES[0]
    assert s.rate(3.0, 4) == round(s.base[3] + 3.0 * s.per_kg[3], 2)
    with pytest.raises(InputError, match="zone"):
        s.rate(1.0, 5)


def test_add_business_days_over_a_weekend():
    assert add_business_days(FRI, 1) == MON
    assert add_business_days(FRI, 0) == FRI
    assert add_business_days(FRI, 5) == FRI + timedelta(days=7)


times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda t: t.replace(second=0, microsecond=0))


@settings(max_examples=300, deadline=None)
@given(t=times, hours=st.floats(0, 72), level=st.sampled_from(list(ServiceLevel)),
       a=st.integers(0, 9), b=st.integers(0, 9), w=st.floats(0.05, 30.0))
def test_promise_properties(t, hours, level, a, b, w):
    p = promise_date(t, service_level=level, processing_hours=hours, from_region=str(a), to_region=str(b))
    assert p.weekday() < 5
    assert p > (t + timedelta(hours=hours)).date()
    # a later order never gets an earlier promise
    later = promise_date(t + timedelta(hours=1), service_level=level, processing_hours=hours, from_region=str(a),
                         to_region=str(b))
    assert later >= p
    # the promise is kept when the parcel is ready on time, and by the cheapest such service
    ready = t + timedelta(hours=hours)
    got = choose_service(w, from_region=str(a), to_region=str(b), ship_time=ready, promised_date=p)
    assert not got.late and got.delivery_date <= p
    assert got.pickup.weekday() < 5 and got.pickup >= ready
    on_time = [
        s.rate(w, got.zone) for s in DEFAULT_SERVICES
        if w <= s.max_weight
        and add_business_days(pickup_time(ready, s).date(), s.transit_days[got.zone - 1]) <= p
    ]
    assert got.cost == min(on_time)
