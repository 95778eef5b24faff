"""Customer notifications as plain values, and the rules that decide them.

A :class:`Notification` is what the fleet writes into the ledger's outbox
table. Its ``dedup_key`` names the fact it reports, so writing the same fact
twice (a replayed event, a second scan saying the same thing) is a no-op
for a table with a unique key on it:

===============  ==================================================  =====================================
kind             when                                                dedup key
===============  ==================================================  =====================================
``confirmed``    the order is confirmed with a promised date         ``<order>:confirmed``
``delayed``      the expected date moves past the promise            ``<order>:delayed:<new date>``
                 (or the parcel hits a carrier exception)            ``<order>:delayed:exception:<tracking>``
``substituted``  a line is filled with a substitute SKU              ``<order>:substituted:<line>:<sku>``
``shipped``      the carrier picks a parcel up                       ``<order>:shipped:<tracking>``
``delivered``    the carrier delivers a parcel                       ``<order>:delivered:<tracking>``
===============  ==================================================  =====================================

Payload values are strings (dates in ISO format), ready for JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Iterable

from robocore.carrier_events import CarrierEvent, CarrierEventKind

__all__ = [
    "Notification",
    "NotificationKind",
    "notification_for_event",
    "notify_confirmed",
    "notify_delayed",
    "notify_delivered",
    "notify_shipped",
    "notify_substituted",
    "unique_notifications",
]


class NotificationKind(StrEnum):
    CONFIRMED = "confirmed"
    DELAYED = "delayed"
    SUBSTITUTED = "substituted"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class Notification:
    """One message to a customer about order ``order_id``."""

    order_id: str
    kind: NotificationKind
    payload: dict[str, str] = field(hash=False)
    dedup_key: str

    def payload_json(self) -> str:
        """The payload as compact JSON with sorted keys."""
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":"))


def notify_confirmed(order_id: str, *, promised_date: date) -> Notification:
    """The order is confirmed and promised for ``promised_date``."""
    return Notification(order_id, NotificationKind.CONFIRMED, {"promised_date": promised_date.isoformat()},
                        f"{order_id}:confirmed")


def notify_delayed(order_id: str, *, promised_date: date, new_date: date | None, reason: str,
                   tracking: str = "") -> Notification:
    """The order will arrive after ``promised_date``: on ``new_date``, or unknown (``None``)."""
    payload = {"promised_date": promised_date.isoformat(), "reason": reason,
               "new_date": new_date.isoformat() if new_date else ""}
    if tracking:
        payload["tracking"] = tracking
    key = f"{order_id}:delayed:{new_date.isoformat()}" if new_date else f"{order_id}:delayed:exception:{tracking}"
    return Notification(order_id, NotificationKind.DELAYED, payload, key)


def notify_substituted(order_id: str, *, line: int, sku: str, substitute_sku: str) -> Notification:
    """Line ``line`` of the order ships ``substitute_sku`` instead of ``sku``."""
    return Notification(order_id, NotificationKind.SUBSTITUTED,
                        {"line": str(line), "sku": sku, "substitute_sku": substitute_sku},
                        f"{order_id}:substituted:{line}:{substitute_sku}")


def notify_shipped(order_id: str, *, tracking: str, carrier: str = "", service: str = "",
                   expected_date: date | None = None) -> Notification:
    """A parcel of the order left with the carrier under ``tracking``."""
    payload = {"tracking": tracking, "carrier": carrier, "service": service,
               "expected_date": expected_date.isoformat() if expected_date else ""}
    return Notification(order_id, NotificationKind.SHIPPED, payload, f"{order_id}:shipped:{tracking}")


def notify_delivered(order_id: str, *, tracking: str, when: str) -> Notification:
    """A parcel of the order was delivered at ``when`` (ISO timestamp)."""
    return Notification(order_id, NotificationKind.DELIVERED, {"tracking": tracking, "delivered_at": when},
                        f"{order_id}:delivered:{tracking}")


def notification_for_event(order_id: str, event: CarrierEvent, *, promised_date: date,
                           carrier: str = "", service: str = "") -> Notification | None:
    """The notification a carrier event implies for its order, or ``None``.

    * ``picked_up`` -> ``shipped`` (with the tracking number);
    * ``in_transit`` or ``out_for_delivery`` whose expected date is after the
      promise -> ``delayed`` with that date (the same date twice gives the same
      dedup key);
    * ``delivered`` -> ``delivered``;
    * ``exception`` -> ``delayed`` with no date and the carrier's reason;
    * anything else -> ``None``.
    """
    K = CarrierEventKind
    if event.kind == K.PICKED_UP:
        return notify_shipped(order_id, tracking=event.tracking, carrier=carrier, service=service,
                              expected_date=event.expected_date)
    if event.kind in (K.IN_TRANSIT, K.OUT_FOR_DELIVERY):
        if event.expected_date is not None and event.expected_date > promised_date:
            return notify_delayed(order_id, promised_date=promised_date, new_date=event.expected_date,
                                  reason=event.detail or "carrier delay", tracking=event.tracking)
        return None
    if event.kind == K.DELIVERED:
        return notify_delivered(order_id, tracking=event.tracking, when=event.time.isoformat(timespec="minutes"))
    if event.kind == K.EXCEPTION:
        return notify_delayed(order_id, promised_date=promised_date, new_date=None,
                              reason=event.detail or "carrier exception", tracking=event.tracking)
    return None


def unique_notifications(notes: Iterable[Notification | None]) -> list[Notification]:
    """The notifications in order, dropping ``None`` and later repeats of a dedup key."""
    seen: set[str] = set()
    out = []
    for n in notes:
        if n is not None and n.dedup_key not in seen:
            seen.add(n.dedup_key)
            out.append(n)
    return out
