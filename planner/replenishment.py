"""Stock levels from demand forecasts: safety stock, reorder point, order-up-to.

A continuous-review (s, S) policy per SKU and warehouse, in units:

* ``safety_stock = z(service_level) * sigma * sqrt(lead_time)``, with ``sigma``
  the spread of daily forecast error;
* ``reorder_point s = expected demand over the lead time + safety_stock``;
* ``order_up_to S = s + expected demand over the review period`` (at least one
  day of demand, so each order covers the next review).

The *inventory position* is on hand, minus what is reserved for orders, plus
open inbound, minus backordered demand waiting for stock. When it is at or
below ``s``, order ``S - position`` (rounded up to a pack size). The fixed
baseline sets the same levels once from the historical mean and a fixed
cover instead of a forecast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

__all__ = ["StockLevels", "levels_from_forecast", "fixed_levels", "order_quantity"]


@dataclass(frozen=True)
class StockLevels:
    """Stock levels of one SKU in one warehouse, in units."""

    safety_stock: float
    reorder_point: float
    order_up_to: float


def _over(mean_daily, days: float) -> float:
    m = np.atleast_1d(np.asarray(mean_daily, dtype=np.float64))
    whole = int(math.floor(days))
    series = np.resize(m, whole + 1) if m.size <= whole else m
    return float(series[:whole].sum() + series[whole] * (days - whole))


def levels_from_forecast(mean_daily, sigma_daily: float, *, lead_time_days: float, review_days: float = 7.0,
                         service_level: float = 0.95) -> StockLevels:
    """Levels from a daily forecast (one number or a per-day sequence starting
    tomorrow; a short sequence repeats) and its daily error spread.

    Raises ``ValueError`` for a non-positive lead time or review period or a
    service level outside [0.5, 1).
    """
    if lead_time_days <= 0 or review_days <= 0:
        raise ValueError("lead time and review period must be positive days")
    if not 0.5 <= service_level < 1.0:
        raise ValueError(f"service level must be in [0.5, 1), got {service_level}")
    z = NormalDist().inv_cdf(service_level)
    ss = z * max(float(sigma_daily), 0.0) * math.sqrt(lead_time_days)
    rop = _over(mean_daily, lead_time_days) + ss
    m = np.atleast_1d(np.asarray(mean_daily, dtype=np.float64))
    after_lead = m[int(math.ceil(lead_time_days)):] if m.size > math.ceil(lead_time_days) else m
    cover = max(_over(after_lead, review_days), float(np.mean(m)) if m.size else 0.0)
    return StockLevels(ss, rop, rop + cover)


def fixed_levels(history, *, lead_time_days: float, review_days: float = 7.0, safety_days: float = 3.0) -> StockLevels:
    """A fixed reorder-point policy: the historical daily mean over the lead
    time plus ``safety_days`` of mean demand as buffer, set once."""
    mean = float(np.mean(np.asarray(history, dtype=np.float64))) if len(history) else 0.0
    ss = safety_days * mean
    rop = mean * lead_time_days + ss
    return StockLevels(ss, rop, rop + mean * review_days)


def order_quantity(position: float, levels: StockLevels, *, pack: int = 1) -> int:
    """Units to order now: ``S - position`` rounded up to ``pack`` when the
    position is at or below the reorder point, else 0."""
    if pack < 1:
        raise ValueError(f"pack size must be at least 1, got {pack}")
    if position > levels.reorder_point or levels.order_up_to <= 0:
        return 0
    need = levels.order_up_to - position
    return int(math.ceil(need / pack) * pack) if need > 0 else 0
