"""Carriers, services, zones, promised delivery dates and service choice.

Times are naive :class:`datetime.datetime` values in the warehouse's local
time; dates are :class:`datetime.date`. Weights are kg, rates euros.

Zone model
----------
Regions are postcode areas 0-9: the first digit of a five-digit postcode (as
the German *Leitregionen*), that digit alone, or a region name (see
:func:`region_of`). The zone between two regions grows with the distance
between their digits::

    |a - b|   0   1-2   3-5   6-9
    zone      1    2     3     4

Promise rules
-------------
An order confirmed at ``t`` is ready to ship at ``t + processing_hours``
(the floor works around the clock). A service ships on the ready day if that
day is one of its pickup weekdays, not a holiday, and the parcel is ready by
the service's cut-off; otherwise on the next pickup day (at its cut-off).
Delivery is ``transit_days`` business days (Monday to Friday, not a holiday)
after the pickup day. Nothing is picked up on Saturdays or Sundays. The
promised date for a service level is the *latest* such delivery date over the
services of that level, a date every service of the level keeps, which leaves
room to choose the cheapest one when the parcel is packed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
import re
import zlib
from typing import Iterable, Protocol

from robocore.errors import InputError

__all__ = [
    "DEFAULT_CARRIERS",
    "DEFAULT_SERVICES",
    "AddressLike",
    "Carrier",
    "Service",
    "ServiceChoice",
    "ServiceLevel",
    "add_business_days",
    "choose_service",
    "pickup_time",
    "promise_date",
    "region_of",
    "region_of_address",
    "service_choice",
    "zone",
]

#: Number of zones in every service's rate and transit tables.
ZONES = 4


class ServiceLevel(StrEnum):
    ECONOMY = "economy"
    STANDARD = "standard"
    EXPRESS = "express"


@dataclass(frozen=True)
class Carrier:
    """A parcel carrier. ``tracking_prefix`` is two upper-case letters."""

    id: str
    name: str
    tracking_prefix: str

    def __post_init__(self) -> None:
        p = self.tracking_prefix
        if len(p) != 2 or not p.isascii() or not p.isalpha() or not p.isupper():
            raise InputError(f"carrier '{self.id}': tracking prefix must be two upper-case letters, got {p!r}")


@dataclass(frozen=True, kw_only=True)
class Service:
    """One product of a carrier (keyword arguments only).

    Parameters
    ----------
    carrier: who runs it.
    code: unique service code, e.g. ``"RP-STD"``.
    level: economy, standard or express.
    base: euros per parcel, per zone 1..4.
    per_kg: euros per kg of parcel weight, per zone 1..4.
    transit_days: business days from pickup to delivery, per zone 1..4.
    cutoff: latest local time a parcel can be ready to go out that day.
    pickup_weekdays: weekdays with a pickup, Monday = 0 .. Friday = 4.
    max_weight: heaviest parcel accepted, kg.
    """

    carrier: Carrier
    code: str
    level: ServiceLevel
    base: tuple[float, float, float, float]
    per_kg: tuple[float, float, float, float]
    transit_days: tuple[int, int, int, int]
    cutoff: time
    pickup_weekdays: frozenset[int] = field(default=frozenset({0, 1, 2, 3, 4}))
    max_weight: float = 31.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", ServiceLevel(self.level))
        object.__setattr__(self, "pickup_weekdays", frozenset(self.pickup_weekdays))
        for name in ("base", "per_kg", "transit_days"):
            if len(getattr(self, name)) != ZONES:
                raise InputError(f"service '{self.code}': {name} needs {ZONES} zone values")
        if not self.pickup_weekdays or not self.pickup_weekdays <= {0, 1, 2, 3, 4}:
            raise InputError(
                f"service '{self.code}': pickup weekdays must be a non-empty subset of Monday..Friday (0..4)"
            )
        if any(d < 1 for d in self.transit_days):
            raise InputError(f"service '{self.code}': transit days must be >= 1 (no same-day services)")

    def rate(self, weight: float, zone: int) -> float:
        """Price in euros of a parcel of ``weight`` kg to ``zone`` (1..4), rounded to cents."""
        if not 1 <= zone <= ZONES:
            raise InputError(f"zone must be 1..{ZONES}, got {zone}")
        return round(self.base[zone - 1] + self.per_kg[zone - 1] * weight, 2)


class AddressLike(Protocol):
    """What shipping and labels read from an address (``robocore.orders.Address`` has it)."""

    name: str
    street: str
    postcode: str
    city: str
    country: str
    region: str


ROBOPOST = Carrier("robopost", "RoboPost", "RP")
ATLAS = Carrier("atlas", "Atlas Courier", "AC")
GREENLINE = Carrier("greenline", "GreenLine Freight", "GL")

#: Three carriers: a national post, an express courier and a cheap consolidator.
DEFAULT_CARRIERS: tuple[Carrier, ...] = (ROBOPOST, ATLAS, GREENLINE)

#: Their services; rates in euros, transit in business days, zones 1..4.
DEFAULT_SERVICES: tuple[Service, ...] = (
    Service(carrier=ROBOPOST, code="RP-ECO", level=ServiceLevel.ECONOMY, cutoff=time(18, 0),
            base=(3.10, 3.40, 3.80, 4.30), per_kg=(0.20, 0.28, 0.36, 0.45), transit_days=(2, 3, 3, 4)),
    Service(carrier=ROBOPOST, code="RP-STD", level=ServiceLevel.STANDARD, cutoff=time(17, 0),
            base=(4.20, 4.60, 5.10, 5.70), per_kg=(0.30, 0.38, 0.46, 0.55), transit_days=(1, 2, 2, 2)),
    Service(carrier=ATLAS, code="AC-STD", level=ServiceLevel.STANDARD, cutoff=time(16, 0),
            base=(4.80, 5.00, 5.30, 5.60), per_kg=(0.25, 0.30, 0.35, 0.40), transit_days=(1, 1, 2, 2)),
    Service(carrier=ATLAS, code="AC-EXP", level=ServiceLevel.EXPRESS, cutoff=time(15, 0),
            base=(9.50, 10.50, 11.50, 12.90), per_kg=(0.60, 0.70, 0.80, 0.95), transit_days=(1, 1, 1, 1),
            max_weight=30.0),
    Service(carrier=GREENLINE, code="GL-ECO", level=ServiceLevel.ECONOMY, cutoff=time(14, 0),
            base=(2.60, 2.90, 3.20, 3.60), per_kg=(0.18, 0.22, 0.30, 0.38), transit_days=(3, 3, 4, 5),
            pickup_weekdays=frozenset({0, 2, 4})),
)


_LABEL_DIGITS = re.compile(r"^[A-Za-z][A-Za-z _-]*?(\d+)$")


def region_of(code: str) -> str:
    """The region digit (``"0"``..``"9"``) of a postcode, a digit, or a region label.

    ``"10115"`` -> ``"1"`` (first digit of a five-digit postcode); ``"7"`` ->
    ``"7"``; a label ending in a number uses that number modulo 10
    (``"region-3"`` -> ``"3"``, ``"region-12"`` -> ``"2"``); any other label
    (``"north"``) maps to ``crc32(label) % 10``, stable across runs, so named
    regions work without a table (equal names share a region).

    Raises
    ------
    InputError: an empty code, or digits that are neither one digit nor a
        five-digit postcode.
    """
    s = str(code).strip()
    if not s:
        raise InputError("region: empty; expected a 5-digit postcode, a region digit 0-9 or a region name")
    if s.isascii() and s.isdigit():
        if len(s) in (1, 5):
            return s[0]
        raise InputError(f"region: expected a postcode of 5 digits or a region digit 0-9, got {code!r}")
    m = _LABEL_DIGITS.match(s)
    if m:
        return str(int(m.group(1)) % 10)
    return str(zlib.crc32(s.lower().encode("utf-8")) % 10)


def region_of_address(address: AddressLike) -> str:
    """The region of an address: from its postcode if that is five digits, else from its ``region``."""
    pc = str(getattr(address, "postcode", "") or "").strip()
    if len(pc) == 5 and pc.isascii() and pc.isdigit():
        return pc[0]
    return region_of(getattr(address, "region", "") or pc)


def zone(from_region: str, to_region: str) -> int:
    """Zone 1..4 between two regions (postcodes or region digits); see the module docs.

    >>> zone("10115", "14467"), zone("1", "3"), zone("2", "7"), zone("0", "9")
    (1, 2, 3, 4)
    """
    d = abs(int(region_of(from_region)) - int(region_of(to_region)))
    if d == 0:
        return 1
    if d <= 2:
        return 2
    if d <= 5:
        return 3
    return 4


def _is_business_day(d: date, holidays: frozenset[date]) -> bool:
    return d.weekday() < 5 and d not in holidays


def add_business_days(d: date, days: int, *, holidays: Iterable[date] = ()) -> date:
    """The date ``days`` business days (Mon-Fri, not a holiday) after ``d``.

    >>> add_business_days(date(2026, 11, 27), 1)  # a Friday
    datetime.date(2026, 11, 30)
    """
    hol = frozenset(holidays)
    out = d
    left = days
    while left > 0:
        out += timedelta(days=1)
        if _is_business_day(out, hol):
            left -= 1
    return out


def pickup_time(ready: datetime, service: Service, *, holidays: Iterable[date] = ()) -> datetime:
    """When a parcel ready at ``ready`` leaves with ``service``: a pickup day at its cut-off.

    Ready by the cut-off on a pickup day (not a holiday): that day; otherwise
    the next pickup day.
    """
    hol = frozenset(holidays)
    d = ready.date()
    if not (ready.time() <= service.cutoff):
        d += timedelta(days=1)
    for _ in range(400):
        if d.weekday() in service.pickup_weekdays and d not in hol:
            return datetime.combine(d, service.cutoff)
        d += timedelta(days=1)
    raise InputError(f"service '{service.code}': no pickup day within 400 days of {ready:%Y-%m-%d} (holiday list?)")


def _delivery(ready: datetime, service: Service, z: int, hol: frozenset[date]) -> tuple[datetime, date]:
    pick = pickup_time(ready, service, holidays=hol)
    return pick, add_business_days(pick.date(), service.transit_days[z - 1], holidays=hol)


def promise_date(
    order_time: datetime,
    *,
    service_level: ServiceLevel | str,
    processing_hours: float,
    from_region: str,
    to_region: str,
    services: Iterable[Service] = DEFAULT_SERVICES,
    holidays: Iterable[date] = (),
) -> date:
    """The delivery date promised when an order is confirmed at ``order_time``.

    The latest delivery date over the services of ``service_level`` for a
    parcel ready ``processing_hours`` after ``order_time`` (see the module
    docs for the rules).

    Raises
    ------
    InputError: unknown service level, no service of that level, negative
        processing time, or a bad region.
    """
    try:
        level = ServiceLevel(service_level)
    except ValueError:
        raise InputError(f"unknown service level {service_level!r} (economy, standard or express)") from None
    if not processing_hours >= 0:
        raise InputError(f"processing_hours must be >= 0, got {processing_hours!r}")
    z = zone(from_region, to_region)
    hol = frozenset(holidays)
    ready = order_time + timedelta(hours=processing_hours)
    dates = [_delivery(ready, s, z, hol)[1] for s in services if s.level == level]
    if not dates:
        raise InputError(f"no carrier service offers the {level.value} level")
    return max(dates)


@dataclass(frozen=True)
class ServiceChoice:
    """The service a parcel goes with: its price, pickup, expected delivery and lateness."""

    service: Service
    cost: float
    zone: int
    pickup: datetime
    delivery_date: date
    late: bool


def _choice(s: Service, weight: float, z: int, ship_time: datetime, promised_date: date,
            hol: frozenset[date]) -> ServiceChoice:
    pick, when = _delivery(ship_time, s, z, hol)
    return ServiceChoice(s, s.rate(weight, z), z, pick, when, when > promised_date)


def _check_weight(parcel_weight: float) -> None:
    if not (parcel_weight > 0 and parcel_weight < float("inf")):
        raise InputError(f"parcel weight must be a positive number of kg, got {parcel_weight!r}")


def service_choice(
    service: Service,
    parcel_weight: float,
    *,
    from_region: str,
    to_region: str,
    ship_time: datetime,
    promised_date: date,
    holidays: Iterable[date] = (),
) -> ServiceChoice:
    """What sending a parcel ready at ``ship_time`` with ``service`` means: its
    price, pickup, expected delivery date and whether that misses ``promised_date``.

    :func:`choose_service` weighs these choices; this gives the one for a
    service already chosen (a parcel shipped before a restart is tracked with
    the service it went with, whatever the choice would be now).

    Raises
    ------
    InputError: a non-positive or non-finite weight, a bad region, or a parcel
        heavier than ``service`` accepts.
    """
    _check_weight(parcel_weight)
    if parcel_weight > service.max_weight:
        raise InputError(f"parcel of {parcel_weight:g} kg is heavier than service '{service.code}' accepts "
                         f"({service.max_weight:g} kg)")
    return _choice(service, parcel_weight, zone(from_region, to_region), ship_time, promised_date,
                   frozenset(holidays))


def choose_service(
    parcel_weight: float,
    *,
    from_region: str,
    to_region: str,
    ship_time: datetime,
    promised_date: date,
    services: Iterable[Service] = DEFAULT_SERVICES,
    holidays: Iterable[date] = (),
) -> ServiceChoice:
    """The cheapest service that delivers a parcel ready at ``ship_time`` by ``promised_date``.

    When no service makes the promise, the one delivering earliest (then the
    cheapest), with ``late=True``. Ties on cost go to the earlier delivery,
    then to the service code. Each option is :func:`service_choice`'s.

    Raises
    ------
    InputError: a non-positive or non-finite weight, a bad region, or a parcel
        heavier than every service accepts.
    """
    _check_weight(parcel_weight)
    z = zone(from_region, to_region)
    hol = frozenset(holidays)
    options = [_choice(s, parcel_weight, z, ship_time, promised_date, hol)
               for s in services if parcel_weight <= s.max_weight]
    if not options:
        raise InputError(f"parcel of {parcel_weight:g} kg is heavier than every carrier service accepts")
    on_time = [o for o in options if not o.late]
    if on_time:
        return min(on_time, key=lambda o: (o.cost, o.delivery_date, o.service.code))
    return min(options, key=lambda o: (o.delivery_date, o.cost, o.service.code))
