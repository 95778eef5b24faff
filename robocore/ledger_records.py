"""The frozen values :class:`robocore.ledger.Ledger` returns from its queries."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from robocore.orders import Address

__all__ = ["OrderRecord", "LineRecord", "Reservation", "PickTask", "Pick", "OrderSummary", "Event",
           "OutboxMessage", "StockRow", "Substitute", "Receipt", "InvariantError"]


class InvariantError(AssertionError):
    """The ledger broke one of its invariants; the message lists every violation."""


@dataclass(frozen=True)
class Reservation:
    """Units of one order line held at one location. ``open = qty - picked``."""

    id: int
    order_id: str
    line_no: int
    sku: str
    warehouse: str
    slot: str
    qty: int
    picked: int
    void: bool

    @property
    def open(self) -> int:
        return 0 if self.void else self.qty - self.picked


@dataclass(frozen=True)
class LineRecord:
    """An order line as stored.

    ``allocated`` counts units of non-void reservations (open + picked);
    ``backordered = qty - allocated - short`` (0 once cut by a partial release).
    ``expected_date`` is the backorder's expected ship date, or None with
    ``expected_reason`` saying why.
    """

    line_no: int
    sku: str
    qty: int | None
    allocated: int
    picked: int
    shipped: int
    returned: int
    short: int
    backordered: int
    expected_date: date | None
    expected_reason: str
    substituted_from: str | None


@dataclass(frozen=True)
class OrderRecord:
    """An order with its lines, reservations and parcels, as stored now."""

    id: str
    customer: str
    ship_to: Address
    service_level: str
    ship_complete: bool
    priority: int
    state: str
    reason: str
    resume_state: str | None
    created_at: datetime
    updated_at: datetime
    lines: tuple[LineRecord, ...]
    reservations: tuple[Reservation, ...]
    parcels: tuple[dict, ...]

    @property
    def warehouses(self) -> tuple[str, ...]:
        """The warehouses its non-void reservations are in, sorted."""
        return tuple(sorted({r.warehouse for r in self.reservations if not r.void}))

    def to_dict(self) -> dict:
        """A JSON-ready dict (dates and times as ISO strings)."""
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["updated_at"] = self.updated_at.isoformat()
        for ln in d["lines"]:
            ln["expected_date"] = None if ln["expected_date"] is None else ln["expected_date"].isoformat()
        d["warehouses"] = list(self.warehouses)
        d["lines"] = list(d["lines"])
        d["reservations"] = list(d["reservations"])
        d["parcels"] = list(d["parcels"])
        return d


@dataclass(frozen=True)
class PickTask:
    """An open reservation of a released (or picking) order: go to ``slot``, take ``qty``."""

    reservation_id: int
    order_id: str
    line_no: int
    sku: str
    warehouse: str
    slot: str
    qty: int
    priority: int


@dataclass(frozen=True)
class Pick:
    """Units taken off a shelf into a tote for an order line."""

    id: int
    order_id: str
    line_no: int
    sku: str
    warehouse: str
    slot: str
    qty: int
    at: datetime


@dataclass(frozen=True)
class OrderSummary:
    """One row of ``Ledger.orders``: ``lines`` is the line count, ``units`` their total quantity."""

    id: str
    state: str
    customer: str
    priority: int
    lines: int
    units: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Event:
    """A state change (or, with ``from_state == to_state``, a note) of one order."""

    id: int
    order_id: str
    at: datetime
    from_state: str | None
    to_state: str
    reason: str


@dataclass(frozen=True)
class OutboxMessage:
    """A message to the customer, unique per (order, kind, key)."""

    id: int
    order_id: str
    kind: str
    key: str
    payload: dict
    at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class StockRow:
    """One SKU at one location."""

    warehouse: str
    slot: str
    sku: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Substitute:
    """A candidate substitute: lower ``score`` is nearer; ``available`` is the most
    units free in any one warehouse."""

    sku: str
    name: str
    price: float
    available: int
    score: float


@dataclass(frozen=True)
class Receipt:
    """Inbound received at a dock: ``qty`` units of ``sku``, of which ``stored``
    are already put away onto slots. ``at_dock = qty - stored`` units are on
    hand at the dock (or on a robot carrying them) and not allocatable."""

    id: int
    inbound_id: int
    sku: str
    warehouse: str
    dock: str
    qty: int
    stored: int
    at: datetime

    @property
    def at_dock(self) -> int:
        return self.qty - self.stored
