"""Which notification each event implies, and dedup keys that stop duplicates."""

from __future__ import annotations

import json
from datetime import date, datetime

from robocore.carrier_events import CarrierEvent, CarrierSimulator
from robocore.carrier_events import CarrierEventKind as K
from robocore.notifications import (
    NotificationKind,
    notification_for_event,
    notify_confirmed,
    notify_delayed,
    notify_substituted,
    unique_notifications,
)
from robocore.shipping import choose_service

PROMISE = date(2026, 11, 26)


def ev(kind, when, expected=PROMISE, detail=""):
    return CarrierEvent("RP0000000018", kind, when, "hub", expected, detail)


def test_event_to_notification():
    t = datetime(2026, 11, 24, 18, 30)
    n = notification_for_event("A-1", ev(K.PICKED_UP, t), promised_date=PROMISE, carrier="RoboPost", service="RP-STD")
    assert n.kind == NotificationKind.SHIPPED and n.payload["tracking"] == "RP0000000018"
    assert n.payload["carrier"] == "RoboPost" and n.dedup_key == "A-1:shipped:RP0000000018"
    assert notification_for_event("A-1", ev(K.IN_TRANSIT, t), promised_date=PROMISE) is None
    assert notification_for_event("A-1", ev(K.OUT_FOR_DELIVERY, t), promised_date=PROMISE) is None
    late = notification_for_event("A-1", ev(K.IN_TRANSIT, t, date(2026, 11, 27), "delayed by 1"), promised_date=PROMISE)
    assert late.kind == NotificationKind.DELAYED and late.payload["new_date"] == "2026-11-27"
    assert late.dedup_key == "A-1:delayed:2026-11-27"
    d = notification_for_event("A-1", ev(K.DELIVERED, datetime(2026, 11, 26, 11, 5)), promised_date=PROMISE)
    assert d.kind == NotificationKind.DELIVERED and d.payload["delivered_at"] == "2026-11-26T11:05"
    x = notification_for_event("A-1", ev(K.EXCEPTION, t, None, "damaged in transit"), promised_date=PROMISE)
    assert x.kind == NotificationKind.DELAYED and x.payload["new_date"] == ""
    assert x.payload["reason"] == "damaged in transit"
    assert x.dedup_key == "A-1:delayed:exception:RP0000000018"


def test_order_level_notifications():
    c = notify_confirmed("A-2", promised_date=PROMISE)
    assert c.kind == "confirmed" and c.dedup_key == "A-2:confirmed" and c.payload == {"promised_date": "2026-11-26"}
    s = notify_substituted("A-2", line=3, sku="MUG-RED", substitute_sku="MUG-BLUE")
    assert s.dedup_key == "A-2:substituted:3:MUG-BLUE"
    d = notify_delayed("A-2", promised_date=PROMISE, new_date=date(2026, 12, 1), reason="backorder")
    expected = {"promised_date": "2026-11-26", "new_date": "2026-12-01", "reason": "backorder"}
    assert json.loads(d.payload_json()) == expected
    assert d.payload_json() == json.dumps(d.payload, sort_keys=True, separators=(",", ":"))


def test_a_late_parcel_gives_shipped_one_delay_and_delivered():
    t = datetime(2026, 11, 23, 10, 0)
    choice = choose_service(1.0, from_region="1", to_region="1", ship_time=t, promised_date=PROMISE)
    events = CarrierSimulator(5, exception_rate=0.0, late_rate=1.0).events("RP0000000018", choice)
    notes = [notification_for_event("A-3", e, promised_date=choice.delivery_date) for e in events]
    uniq = unique_notifications(notes)
    assert [n.kind for n in uniq] == ["shipped", "delayed", "delivered"]
    assert uniq[1].payload["new_date"] == events[-1].time.date().isoformat()
    # replaying the history adds nothing new
    assert unique_notifications(notes + notes) == uniq


def test_notifications_are_hashable_values():
    a = notify_confirmed("A-4", promised_date=PROMISE)
    b = notify_confirmed("A-4", promised_date=PROMISE)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
