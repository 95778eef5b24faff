"""Customer orders: the values a client submits, and their validation.

Constructing an :class:`Order` never rejects a bad quantity, so that an invalid
order can still be stored (as ``rejected``) by the shift simulation;
:func:`validate_order` (called by ``Ledger.submit``) raises
:class:`~robocore.errors.InputError` naming the order and the line.

>>> o = Order(id="A-17", customer="C-1", ship_to=Address(region="north"),
...           lines=(OrderLine("SKU-1", 2), OrderLine("SKU-2", -3)))
>>> validate_order(o)
Traceback (most recent call last):
...
robocore.errors.InputError: order 'A-17' line 2: quantity must be a positive integer, got -3
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from robocore.errors import InputError

__all__ = ["Address", "OrderLine", "Order", "validate_order", "order_problems"]


@dataclass(frozen=True)
class Address:
    """Where an order ships to. ``region`` is compared with ``Warehouse.region``."""

    name: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    region: str = ""
    country: str = ""

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, obj: Any, *, what: str = "ship_to", source: str | None = None) -> "Address":
        """Build from a mapping of string fields; unknown keys raise ``InputError``."""
        if not isinstance(obj, Mapping):
            raise InputError(f"{what} must be an object, got {type(obj).__name__}", source=source)
        names = {f.name for f in fields(cls)}
        extra = sorted(set(obj) - names)
        if extra:
            raise InputError(f"{what}: unknown field {extra[0]!r}", source=source)
        for k, v in obj.items():
            if not isinstance(v, str):
                raise InputError(f"{what}.{k} must be a string, got {v!r}", source=source)
        return cls(**dict(obj))


@dataclass(frozen=True)
class OrderLine:
    """One line: a SKU and a quantity (a positive ``int``; ``bool`` is not one)."""

    sku: str
    qty: int


@dataclass(frozen=True)
class Order:
    """A customer order as submitted.

    Attributes
    ----------
    id: the client's order id, the idempotency key of ``Ledger.submit``.
    customer: customer id or name.
    ship_to: the delivery address.
    lines: the order lines, numbered 1, 2, ... in this order.
    service_level: free text (``"standard"``, ``"express"``, ...).
    ship_complete: True if the order must ship whole from one warehouse;
        False allows partial shipment and a split across warehouses.
    priority: higher is more urgent.
    """

    id: str
    customer: str
    ship_to: Address
    lines: tuple[OrderLine, ...]
    service_level: str = "standard"
    ship_complete: bool = True
    priority: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))

    def to_dict(self) -> dict:
        """The JSON shape accepted by :meth:`from_dict`."""
        return {
            "id": self.id,
            "customer": self.customer,
            "ship_to": self.ship_to.to_dict(),
            "lines": [{"sku": ln.sku, "qty": ln.qty} for ln in self.lines],
            "service_level": self.service_level,
            "ship_complete": self.ship_complete,
            "priority": self.priority,
        }

    @classmethod
    def from_dict(cls, obj: Any, *, source: str | None = None) -> "Order":
        """Build an order from its JSON shape (see ``docs/ledger.md``).

        Raises ``InputError`` for a missing or mistyped field; quantities are
        checked by :func:`validate_order`, so ``qty`` must be a JSON integer here
        but may be zero or negative.
        """
        if not isinstance(obj, Mapping):
            raise InputError(f"an order must be a JSON object, got {type(obj).__name__}", source=source)
        known = {"id", "customer", "ship_to", "lines", "service_level", "ship_complete", "priority"}
        oid = obj.get("id")
        if not isinstance(oid, str) or not oid.strip():
            raise InputError(f"order id must be a non-empty string, got {oid!r}", source=source)
        where = f"order {oid!r}"
        extra = sorted(set(obj) - known)
        if extra:
            raise InputError(f"{where}: unknown field {extra[0]!r}", source=source)
        customer = obj.get("customer", "")
        if not isinstance(customer, str):
            raise InputError(f"{where}: customer must be a string, got {customer!r}", source=source)
        ship_to = Address.from_dict(obj.get("ship_to", {}), what=f"{where}: ship_to", source=source)
        lines_in = obj.get("lines")
        if not isinstance(lines_in, list):
            raise InputError(f"{where}: lines must be a list, got {lines_in!r}", source=source)
        lines = []
        for i, ln in enumerate(lines_in, 1):
            if not isinstance(ln, Mapping) or set(ln) - {"sku", "qty"}:
                raise InputError(f"{where} line {i}: must be an object with 'sku' and 'qty', got {ln!r}", source=source)
            sku, qty = ln.get("sku"), ln.get("qty")
            if not isinstance(sku, str):
                raise InputError(f"{where} line {i}: sku must be a string, got {sku!r}", source=source)
            if not isinstance(qty, int) or isinstance(qty, bool):
                raise InputError(f"{where} line {i}: quantity must be a positive integer, got {qty!r}", source=source)
            lines.append(OrderLine(sku, qty))
        service = obj.get("service_level", "standard")
        if not isinstance(service, str) or not service:
            raise InputError(f"{where}: service_level must be a non-empty string, got {service!r}", source=source)
        complete = obj.get("ship_complete", True)
        if not isinstance(complete, bool):
            raise InputError(f"{where}: ship_complete must be true or false, got {complete!r}", source=source)
        prio = obj.get("priority", 0)
        if not isinstance(prio, int) or isinstance(prio, bool):
            raise InputError(f"{where}: priority must be an integer, got {prio!r}", source=source)
        return cls(id=oid, customer=customer, ship_to=ship_to, lines=tuple(lines), service_level=service,
                   ship_complete=complete, priority=prio)


def order_problems(order: Order, *, known_skus=None) -> list[str]:
    """Every problem with ``order`` as one-line messages (empty when valid).

    ``known_skus``, if given, is a container of SKU ids; a line naming any other
    SKU is a problem.
    """
    if not isinstance(order.id, str) or not order.id.strip():
        return [f"order id must be a non-empty string, got {order.id!r}"]
    where = f"order {order.id!r}"
    out: list[str] = []
    if not isinstance(order.customer, str):
        out.append(f"{where}: customer must be a string, got {order.customer!r}")
    if not isinstance(order.ship_to, Address):
        out.append(f"{where}: ship_to must be an Address, got {type(order.ship_to).__name__}")
    if not isinstance(order.priority, int) or isinstance(order.priority, bool):
        out.append(f"{where}: priority must be an integer, got {order.priority!r}")
    if not isinstance(order.ship_complete, bool):
        out.append(f"{where}: ship_complete must be a bool, got {order.ship_complete!r}")
    if not isinstance(order.service_level, str) or not order.service_level:
        out.append(f"{where}: service_level must be a non-empty string, got {order.service_level!r}")
    if not order.lines:
        out.append(f"{where}: has no lines")
    for i, ln in enumerate(order.lines, 1):
        if not isinstance(ln, OrderLine):
            out.append(f"{where} line {i}: must be an OrderLine, got {type(ln).__name__}")
            continue
        if not isinstance(ln.sku, str) or not ln.sku:
            out.append(f"{where} line {i}: sku must be a non-empty string, got {ln.sku!r}")
        elif known_skus is not None and ln.sku not in known_skus:
            out.append(f"{where} line {i}: unknown SKU {ln.sku!r}")
        q = ln.qty
        if not isinstance(q, int) or isinstance(q, bool) or q <= 0:
            out.append(f"{where} line {i}: quantity must be a positive integer, got {q!r}")
    return out


def validate_order(order: Order, *, known_skus=None) -> None:
    """Raise ``InputError`` with the first problem of :func:`order_problems`."""
    problems = order_problems(order, known_skus=known_skus)
    if problems:
        raise InputError(problems[0])
