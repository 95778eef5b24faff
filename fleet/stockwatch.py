"""Stock over a shift: stock-out SKU-hours and average units held.

:class:`StockWatch` samples the ledger every ``every`` floor seconds: for each
watched SKU its available units (on hand minus reserved, over the floor's
warehouse's slots), and the units held (on hand on the slots plus units
received at a dock and not yet put away). Stock at a dock or on a robot is not
available. A SKU at zero available in a sample counts ``every / 3600``
stock-out SKU-hours.
"""

from __future__ import annotations

__all__ = ["StockWatch"]


class StockWatch:
    """Samples of stock of ``skus`` in ``warehouse``, every ``every`` steps."""

    def __init__(self, skus, *, warehouse: str, every: int = 60):
        if every < 1:
            raise ValueError(f"every must be >= 1 step, got {every}")
        self.skus = list(dict.fromkeys(skus))
        self.warehouse = warehouse
        self.every = int(every)
        self.samples = 0
        self.zero_samples = 0  #: sum over samples of the SKUs at zero available
        self.held_sum = 0  #: sum over samples of the units held

    def sample(self, ledger) -> None:
        """Take one sample from ``ledger`` (a ``robocore.Ledger``)."""
        by_sku = ledger.stock_by_sku(warehouse=self.warehouse)
        held = sum(h for h, _ in by_sku.values())
        held += sum(r.at_dock for r in ledger.receipts(warehouse=self.warehouse))
        self.samples += 1
        self.zero_samples += sum(1 for s in self.skus if by_sku.get(s, (0, 0))[1] <= 0)
        self.held_sum += held

    def maybe_sample(self, ledger, step: int) -> None:
        """Sample if ``step`` is a multiple of ``every``."""
        if step % self.every == 0:
            self.sample(ledger)

    @property
    def stockout_sku_hours(self) -> float:
        """SKU-hours at zero available stock."""
        return self.zero_samples * self.every / 3600.0

    @property
    def avg_units_held(self) -> float:
        """Mean units held over the samples (0 before the first)."""
        return self.held_sum / self.samples if self.samples else 0.0
