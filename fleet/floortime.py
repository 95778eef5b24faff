"""The floor clock against the ledger's times.

The floor clock (``Controller.start``, ``Controller.now()``) is naive UTC;
the ledger hands back aware datetimes (and treats naive ones as UTC). Every
comparison of the two goes through :func:`naive_utc`.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["naive_utc", "floor_seconds"]


def naive_utc(t: datetime) -> datetime:
    """``t`` as naive UTC (an aware time converted, a naive one as it is)."""
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo is not None else t


def floor_seconds(t: datetime, start: datetime) -> int:
    """Whole seconds of floor time from ``start`` to ``t`` (negative before the start)."""
    return int((naive_utc(t) - naive_utc(start)).total_seconds())
