"""Simulated carrier tracking events for shipped parcels.

A parcel handed over with a :class:`robocore.shipping.ServiceChoice` produces,
in time order:

* ``picked_up`` shortly after the pickup (0-90 minutes after the cut-off);
* ``in_transit`` once a night (02:00-05:00) on each business day between the
  pickup day and the delivery day, at least once (the evening of the pickup
  when delivery is the next day); each carries the date the carrier then
  expects to deliver;
* when the parcel runs late (probability ``late_rate``, 1 or 2 business days
  late), an extra ``in_transit`` on the originally expected day, 07:00, with
  the new expected date;
* ``out_for_delivery`` 07:30-09:30 and ``delivered`` 10:00-18:00 on the
  delivery day;
* or, with probability ``exception_rate``, an ``exception`` at a random point
  after the pickup, which ends the parcel's story (lost, damaged or
  undeliverable).

Every parcel draws from its own random stream, seeded by the simulator's
seed and the tracking number, so the events of a parcel do not depend on
which other parcels were simulated, or in what order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Iterable

from robocore.errors import InputError
from robocore.shipping import ServiceChoice, add_business_days

__all__ = ["CarrierEvent", "CarrierEventKind", "CarrierSimulator"]


class CarrierEventKind(StrEnum):
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


#: Kinds after which a parcel has no more events.
TERMINAL = frozenset({CarrierEventKind.DELIVERED, CarrierEventKind.EXCEPTION})

_EXCEPTIONS = ("damaged in transit", "address not found", "lost in the network", "refused by recipient")


@dataclass(frozen=True)
class CarrierEvent:
    """One tracking event: what happened to parcel ``tracking``, when and where.

    ``expected_date`` is the delivery date the carrier expects at this point
    (``None`` after an exception); ``detail`` explains an exception or a delay.
    """

    tracking: str
    kind: CarrierEventKind
    time: datetime
    location: str
    expected_date: date | None
    detail: str = ""


def _at(d: date, minutes: int) -> datetime:
    return datetime.combine(d, time(0, 0)) + timedelta(minutes=minutes)


class CarrierSimulator:
    """Seeded source of carrier events.

    Parameters
    ----------
    seed: reproducibility; the same seed and parcel give the same events.
    exception_rate: probability a parcel ends in an exception, 0..1.
    late_rate: probability a parcel arrives 1-2 business days after the
        service's expected date, 0..1.
    holidays: dates with no delivery (as in :mod:`robocore.shipping`).

    Raises
    ------
    InputError: a rate outside 0..1.
    """

    def __init__(self, seed: int, *, exception_rate: float = 0.01, late_rate: float = 0.05,
                 holidays: Iterable[date] = ()):
        for name, v in (("exception_rate", exception_rate), ("late_rate", late_rate)):
            if not 0.0 <= v <= 1.0:
                raise InputError(f"{name} must be within 0..1, got {v!r}")
        self.seed = int(seed)
        self.exception_rate = float(exception_rate)
        self.late_rate = float(late_rate)
        self.holidays = frozenset(holidays)

    def events(self, tracking: str, choice: ServiceChoice, *, to_city: str = "") -> list[CarrierEvent]:
        """The whole event history of parcel ``tracking`` shipped with ``choice``, in time order."""
        rng = random.Random(f"{self.seed}/{tracking}")
        K = CarrierEventKind
        origin = f"{choice.service.carrier.name} hub {choice.pickup.date():%a}"
        dest = f"delivery base {to_city}".strip()
        planned = choice.delivery_date
        late_days = rng.choice((1, 2)) if rng.random() < self.late_rate else 0
        actual = add_business_days(planned, late_days, holidays=self.holidays) if late_days else planned
        pick = choice.pickup + timedelta(minutes=rng.randint(0, 90))
        out = [CarrierEvent(tracking, K.PICKED_UP, pick, origin, planned)]
        # nightly sorting scans on the business days strictly between pickup and delivery
        day = pick.date()
        scans = []
        d = day + timedelta(days=1)
        while d < planned:
            if d.weekday() < 5 and d not in self.holidays:
                scans.append(d)
            d += timedelta(days=1)
        if scans:
            for k, d in enumerate(scans):
                t = _at(d, rng.randint(120, 300))
                out.append(CarrierEvent(tracking, K.IN_TRANSIT, t, f"sorting centre {k + 1}", planned))
        else:
            t = max(pick + timedelta(minutes=30), pick.replace(hour=21, minute=rng.randint(0, 59), second=0))
            out.append(CarrierEvent(tracking, K.IN_TRANSIT, t, "sorting centre 1", planned))
        if late_days:
            t = max(_at(planned, 7 * 60), out[-1].time + timedelta(minutes=1))
            out.append(CarrierEvent(tracking, K.IN_TRANSIT, t, "sorting centre (delayed)", actual,
                                    f"delayed by {late_days} business day(s)"))
            # more nightly scans while the parcel waits
            d = planned + timedelta(days=1)
            while d < actual:
                if d.weekday() < 5 and d not in self.holidays:
                    out.append(CarrierEvent(tracking, K.IN_TRANSIT, _at(d, rng.randint(120, 300)),
                                            "sorting centre (delayed)", actual))
                d += timedelta(days=1)
        ofd = _at(actual, rng.randint(450, 570))
        out.append(CarrierEvent(tracking, K.OUT_FOR_DELIVERY, ofd, dest, actual))
        out.append(CarrierEvent(tracking, K.DELIVERED, _at(actual, rng.randint(600, 1080)), dest, actual))
        if rng.random() < self.exception_rate:
            # the exception replaces everything from a random event after the pickup on
            cut = rng.randint(1, len(out) - 1)
            prev = out[cut - 1].time
            nxt = out[cut].time
            span = max(1, int((nxt - prev).total_seconds() // 60))
            t = prev + timedelta(minutes=rng.randint(1, span))
            out = out[:cut] + [CarrierEvent(tracking, K.EXCEPTION, t, out[cut].location, None, rng.choice(_EXCEPTIONS))]
        return out
