"""Replenishment inside a shift: periodic stock reviews that order inbound,
which arrives at a dock within the shift and is put away by the fleet.

Time scale: a shift is hours long, so a supplier lead time in days would never
arrive inside one. In-shift replenishment therefore runs on **floor hours**:
one demand *period* is one floor hour, the forecast is per period, and the
lead time, the review interval and (for the fixed policy) the safety buffer
are given in floor hours. The planner's and ``robocore.replenishment``'s
"days" are these periods; inbound is written with a ``due_at`` time (``now``
plus the lead time) and arrives through ``fleet.putaway``.

Every ``review_hours`` of floor time, :meth:`Replenisher.review` plans with
:func:`robocore.replenishment.plan_replenishment` for every stocked SKU of the
floor's warehouse and writes the purchases to the ledger:

* ``forecast``: levels from :func:`planner.forecast.forecast_demand` on the
  hourly demand history (the history before the shift, then the shift's own
  complete hours), re-forecast at every review;
* ``fixed``: a fixed reorder point (:func:`planner.replenishment.fixed_levels`:
  the mean hourly demand of the history before the shift over the lead time
  plus ``safety_hours`` of mean demand), set once.

The history before the shift is ``history_hours`` of orders drawn from the
same order generator as the shift with another seed (earlier shifts of the
same warehouse); :meth:`observe` adds the shift's own orders as they arrive.
See ``docs/putaway.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

__all__ = ["ReplenishConfig", "Replenisher", "hourly_demand"]

POLICIES = ("off", "fixed", "forecast")


@dataclass(frozen=True, kw_only=True)
class ReplenishConfig:
    """In-shift replenishment settings (floor hours). Raises ``ValueError`` out of range."""

    policy: str = "off"  #: "off", "fixed" (reorder point set once) or "forecast" (re-forecast every review)
    review_hours: float = 1.0  #: floor hours between stock reviews
    lead_time_hours: float = 1.0  #: floor hours from a purchase to its arrival at the dock
    service_level: float = 0.95  #: forecast policy: target cycle service level
    safety_hours: float = 1.0  #: fixed policy: safety buffer in hours of mean demand
    history_hours: int = 48  #: hours of demand history before the shift
    pack: int = 1  #: purchase quantities are multiples of this

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"replenishment policy must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        if not self.review_hours > 0 or not self.lead_time_hours > 0:
            raise ValueError("review and lead time must be positive hours")
        if not 0.5 <= self.service_level < 1.0:
            raise ValueError(f"service level must be in [0.5, 1), got {self.service_level}")
        if self.safety_hours < 0 or self.history_hours < 1 or self.pack < 1:
            raise ValueError("safety_hours >= 0, history_hours >= 1 and pack >= 1 are required")


def hourly_demand(arrivals, skus, hours: int) -> np.ndarray:
    """Units ordered per SKU (rows, in ``skus`` order) per hour (columns) from
    ``fleet.orderstream.Arrival`` s; lines of unknown SKUs or with a
    quantity below 1 are skipped."""
    index = {s: i for i, s in enumerate(skus)}
    y = np.zeros((len(skus), hours))
    for arr in arrivals:
        h = arr.step // 3600
        if h >= hours:
            continue
        for ln in arr.order.lines:
            i = index.get(ln.sku)
            if i is not None and isinstance(ln.qty, int) and ln.qty >= 1:
                y[i, h] += ln.qty
    return y


class Replenisher:
    """Stock reviews of one warehouse during a shift.

    Parameters
    ----------
    skus: the SKU ids to review (the stocked ones).
    warehouse: the ledger's warehouse id.
    history: ``(len(skus), H)`` hourly demand before the shift.
    config: :class:`ReplenishConfig` (its policy must not be "off").
    """

    def __init__(self, skus, *, warehouse: str, history, config: ReplenishConfig):
        from planner.replenishment import fixed_levels

        if config.policy == "off":
            raise ValueError("replenishment is off: nothing to review")
        self.skus = list(skus)
        self.index = {s: i for i, s in enumerate(self.skus)}
        self.warehouse = warehouse
        self.config = config
        self.history = np.asarray(history, dtype=np.float64)
        if self.history.shape[0] != len(self.skus):
            raise ValueError(f"history has {self.history.shape[0]} rows for {len(self.skus)} SKUs")
        self.observed = np.zeros((len(self.skus), 0))
        self.review_steps = max(1, int(round(config.review_hours * 3600)))
        self.fixed = None
        if config.policy == "fixed":
            self.fixed = {(s, warehouse): fixed_levels(self.history[i], lead_time_days=config.lead_time_hours,
                                                       review_days=config.review_hours,
                                                       safety_days=config.safety_hours)
                          for i, s in enumerate(self.skus)}
        self.reviews = 0
        self.purchases = 0  #: inbound rows written
        self.units_ordered = 0

    def observe(self, order, step: int) -> None:
        """Count a received (not rejected) customer order's lines in hour ``step // 3600``."""
        h = step // 3600
        if h >= self.observed.shape[1]:
            grow = np.zeros((len(self.skus), h + 1 - self.observed.shape[1]))
            self.observed = np.concatenate([self.observed, grow], axis=1)
        for ln in order.lines:
            i = self.index.get(ln.sku)
            if i is not None and isinstance(ln.qty, int) and ln.qty >= 1:
                self.observed[i, h] += ln.qty

    def due(self, step: int) -> bool:
        """True if a review is due at floor step ``step``."""
        return step % self.review_steps == 0

    def review(self, ctl) -> list[int]:
        """Review stock now and write the purchases (due ``lead_time_hours``
        from now); returns the new inbound ids."""
        from robocore.replenishment import apply_replenishment, plan_replenishment

        cfg = self.config
        now = ctl.now()
        kw = dict(today=now.date(), lead_time_days=cfg.lead_time_hours, review_days=cfg.review_hours,
                  service_level=cfg.service_level, pack=cfg.pack)
        if self.fixed is not None:
            actions = plan_replenishment(ctl.ledger, None, levels=self.fixed, **kw)
        else:
            actions = plan_replenishment(ctl.ledger, self.forecasts(ctl.step_no), **kw)
        ids = apply_replenishment(ctl.ledger, actions, at=now,
                                  due_at=now + timedelta(hours=cfg.lead_time_hours))
        self.reviews += 1
        self.purchases += len(ids)
        self.units_ordered += sum(a.qty for a in actions)
        return ids

    def forecasts(self, step: int) -> dict:
        """``{(sku, warehouse): (mean per hour, sigma per hour)}`` from the history
        and the shift's complete hours before ``step``."""
        from planner.forecast import forecast_demand

        cfg = self.config
        done = min(step // 3600, self.observed.shape[1])
        y = np.concatenate([self.history, self.observed[:, :done]], axis=1)
        horizon = int(math.ceil(cfg.lead_time_hours + cfg.review_hours)) + 1
        starts = np.zeros(len(self.skus), dtype=np.int64)
        res = forecast_demand(y, horizon=horizon, starts=starts, origins=4)
        return {(s, self.warehouse): (res.mean[i], float(res.sigma[i])) for i, s in enumerate(self.skus)}
