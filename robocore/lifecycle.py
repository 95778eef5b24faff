"""The order lifecycle: states and the one table of allowed transitions.

Every state change of an order goes through :func:`check_transition`, which
raises :class:`~robocore.errors.InputError` naming the order and both states
when the table does not allow it. ``docs/lifecycle.md`` explains each row.

>>> check_transition("A-17", State.RECEIVED, State.CONFIRMED)
>>> check_transition("A-17", "shipped", "cancelled")
Traceback (most recent call last):
...
robocore.errors.InputError: order 'A-17': cannot go from shipped to cancelled
"""

from __future__ import annotations

from enum import StrEnum

from robocore.errors import InputError

__all__ = ["State", "TRANSITIONS", "FINAL_STATES", "PAUSE_STATES", "check_transition", "can_transition"]


class State(StrEnum):
    """An order's state. The values are what the ledger stores."""

    RECEIVED = "received"
    CONFIRMED = "confirmed"
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    RELEASED = "released"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    EXCEPTION = "exception"


S = State

#: The allowed transitions: ``TRANSITIONS[a]`` is the set of states an order in
#: state ``a`` may move to. From ``on_hold`` and ``exception`` an order may only
#: go back to the state it left (the ledger checks that) or be cancelled.
TRANSITIONS: dict[State, frozenset[State]] = {
    S.RECEIVED: frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED, S.ON_HOLD}),
    S.CONFIRMED: frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.CANCELLED, S.ON_HOLD}),
    S.ALLOCATED: frozenset({S.RELEASED, S.CANCELLED, S.ON_HOLD}),
    S.PARTIALLY_ALLOCATED: frozenset({S.ALLOCATED, S.RELEASED, S.CANCELLED, S.ON_HOLD}),
    S.BACKORDERED: frozenset({S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.CANCELLED, S.ON_HOLD}),
    S.RELEASED: frozenset({S.PICKING, S.CANCELLED, S.ON_HOLD, S.EXCEPTION}),
    S.PICKING: frozenset({S.PICKED, S.CANCELLED, S.EXCEPTION}),
    S.PICKED: frozenset({S.PACKED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION}),
    S.SHIPPED: frozenset({S.DELIVERED, S.EXCEPTION}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.ON_HOLD: frozenset({S.RECEIVED, S.CONFIRMED, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED,
                          S.RELEASED, S.PICKED, S.PACKED, S.CANCELLED}),
    S.EXCEPTION: frozenset({S.RELEASED, S.PICKING, S.PICKED, S.PACKED, S.SHIPPED, S.CANCELLED}),
}

#: States with no way out.
FINAL_STATES: frozenset[State] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

#: States that remember where they were entered from and resume there.
PAUSE_STATES: frozenset[State] = frozenset({S.ON_HOLD, S.EXCEPTION})


def can_transition(src: str, dst: str) -> bool:
    """True if the table allows ``src -> dst`` (unknown names give False)."""
    try:
        return State(dst) in TRANSITIONS[State(src)]
    except ValueError:
        return False


def check_transition(order_id: str, src: str, dst: str, *, resume_to: str | None = None) -> None:
    """Raise :class:`InputError` unless ``src -> dst`` is allowed for ``order_id``.

    From a pause state (``on_hold``, ``exception``) the only moves are to
    ``cancelled`` and back to the state it was entered from, which the caller
    passes as ``resume_to`` when resuming.
    """
    ok = can_transition(src, dst)
    if ok and src in PAUSE_STATES and dst != State.CANCELLED:
        ok = resume_to is not None and dst == resume_to
    if not ok:
        raise InputError(f"order {order_id!r}: cannot go from {src} to {dst}")
