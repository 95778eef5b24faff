"""A seeded stream of customer orders (and a few cancellations) for a shift.

Orders arrive as a Poisson process at ``rate_per_hour``; a ``backlog`` of
them is already waiting at the start of the shift (orders placed overnight).
Lines per order are geometric (mean ``mean_lines``, at most 8); SKUs are
drawn from the stocked ones with a Zipf-like popularity (a few fast movers,
a long tail); quantities are 1-3. A ``bad_fraction`` of the orders is invalid
on purpose (an unknown SKU, or a quantity of 0 or less), to exercise the
rejection path; a ``cancel_fraction`` is cancelled by the customer some
minutes after it was placed. Customers live in postcode regions 0-9 (the
first digit of a five-digit postcode), which set the carrier zones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Arrival", "Cancellation", "order_stream", "popularity", "expected_units"]

#: Mean units per order line the stream draws (uniform 1..3).
MEAN_QTY = 2.0


def popularity(n: int) -> np.ndarray:
    """The stream's draw weight of the ``n`` SKUs in popularity order
    (``1 / rank ** 0.8``, normalised to sum to 1)."""
    w = 1.0 / np.arange(1, int(n) + 1) ** 0.8
    return w / w.sum()


def expected_units(n_skus: int, n_orders: float, *, mean_lines: float = 2.0) -> np.ndarray:
    """Units of each of ``n_skus`` SKUs (popularity order) that ``n_orders``
    orders of :func:`order_stream` ask for on average: orders x lines per
    order x :data:`MEAN_QTY` x :func:`popularity` (lines are drawn without
    repeating a SKU within an order, which flattens the top SKUs a little;
    this is the planning estimate, not an exact expectation)."""
    return popularity(n_skus) * float(n_orders) * float(mean_lines) * MEAN_QTY


@dataclass(frozen=True)
class Arrival:
    step: int  #: floor second at which the order arrives
    order: object  #: ``robocore.orders.Order``


@dataclass(frozen=True)
class Cancellation:
    step: int
    order_id: str


def order_stream(skus, *, hours: float, rate_per_hour: float, n_orders: int | None = None, backlog: int = 0,
                 seed: int = 0, mean_lines: float = 2.0, bad_fraction: float = 0.01,
                 cancel_fraction: float = 0.01, express_fraction: float = 0.2) -> tuple[list[Arrival], list[Cancellation]]:
    """Arrivals (sorted by step) and cancellations (sorted) for a shift.

    Parameters
    ----------
    skus: SKU ids to order from (popularity follows this order: the first is
        the most popular).
    hours: shift length; no order arrives after it.
    rate_per_hour: mean arrivals per hour after the backlog.
    n_orders: if given, exactly this many orders (backlog included), arriving
        at ``rate_per_hour`` (the shift length then only caps the arrivals).
    backlog: orders waiting at step 0.

    Raises ``ValueError`` for an empty SKU list or a non-positive rate.
    """
    from robocore.orders import Address, Order, OrderLine

    skus = list(skus)
    if not skus:
        raise ValueError("no SKUs to order from")
    if rate_per_hour <= 0:
        raise ValueError(f"rate_per_hour must be positive, got {rate_per_hour}")
    rng = np.random.default_rng(seed)
    horizon = int(round(hours * 3600))
    steps: list[int] = [0] * max(int(backlog), 0)
    t = 0.0
    limit = n_orders if n_orders is not None else None
    while limit is None or len(steps) < limit:
        t += rng.exponential(3600.0 / rate_per_hour)
        if t >= horizon:
            break
        steps.append(int(t))
    if limit is not None:
        steps = steps[:limit]
    weights = popularity(len(skus))
    arrivals: list[Arrival] = []
    cancels: list[Cancellation] = []
    for i, step in enumerate(steps):
        oid = f"O-{seed}-{i + 1:06d}"
        n_lines = int(rng.geometric(1.0 / max(mean_lines, 1.0)))
        n_lines = max(1, min(n_lines, 8, len(skus)))
        chosen = rng.choice(len(skus), size=n_lines, replace=False, p=weights)
        lines = [OrderLine(sku=skus[int(k)], qty=int(rng.integers(1, 4))) for k in chosen]
        roll = rng.random()
        if roll < bad_fraction / 2:
            lines[0] = OrderLine(sku=f"NO-SUCH-SKU-{i}", qty=lines[0].qty)
        elif roll < bad_fraction:
            lines[-1] = OrderLine(sku=lines[-1].sku, qty=-int(rng.integers(0, 3)))
        service = "express" if rng.random() < express_fraction else "standard"
        digit = int(rng.integers(0, 10))
        order = Order(id=oid, customer=f"C-{int(rng.integers(1, 10_000)):05d}",
                      ship_to=Address(name=f"Customer {i + 1}", street=f"Main street {int(rng.integers(1, 200))}",
                                      city=f"City {digit}", postcode=f"{digit}{int(rng.integers(0, 10_000)):04d}",
                                      region=f"region-{digit}", country="DE"),
                      lines=tuple(lines), service_level=service)
        arrivals.append(Arrival(step=int(step), order=order))
        if rng.random() < cancel_fraction:
            cancels.append(Cancellation(step=int(step) + int(rng.integers(60, 1800)), order_id=oid))
    cancels.sort(key=lambda c: (c.step, c.order_id))
    return arrivals, cancels
