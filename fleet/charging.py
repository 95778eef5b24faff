"""Charging policy: when a robot goes to charge, to which charger, and whether
its battery covers a tour.

The rule is *never strand*: a robot takes a tour only if its battery covers
the tour's estimated energy plus the trip from the tour's end (its pack
station) to the nearest charger plus a reserve; an idle robot below
``charge_below`` percent goes to the nearest free charger; a robot charges
until ``charge_until`` percent. While travelling, a robot whose battery no
longer covers the trip to the nearest charger plus the reserve abandons its
tour (its unpicked lines go back to the pool) and goes to charge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from robocore.motion import MotionParams

__all__ = ["ChargingPolicy", "Chargers"]


@dataclass(frozen=True, kw_only=True)
class ChargingPolicy:
    """Thresholds in battery percent. Raises ``ValueError`` when
    ``0 <= reserve < charge_below < charge_until <= 100`` does not hold."""

    charge_below: float = 30.0  #: an idle robot below this goes to charge
    charge_until: float = 95.0  #: a charging robot is released at this level
    reserve: float = 5.0  #: never plan to arrive at a charger with less than this
    margin: float = 1.3  #: multiplier on estimated tour travel (detours, waits)

    def __post_init__(self) -> None:
        if not 0.0 <= self.reserve < self.charge_below < self.charge_until <= 100.0:
            raise ValueError("charging thresholds must satisfy 0 <= reserve < charge_below < charge_until <= 100, got "
                             f"{self.reserve}, {self.charge_below}, {self.charge_until}")

    def tour_energy(self, params: MotionParams, *, moves: float, picks: int, steps: float) -> float:
        """Estimated battery percent a tour of ``moves`` cells, ``picks`` pick
        actions and ``steps`` steps in all uses (margin included)."""
        return (self.margin * moves * params.drain_per_move + picks * params.drain_per_pick
                + self.margin * steps * params.drain_idle)

    def trip_energy(self, params: MotionParams, cells: float) -> float:
        """Battery percent to travel ``cells`` cells (margin included)."""
        return self.margin * cells * (params.drain_per_move + params.drain_idle)


class Chargers:
    """Charger cells, who holds each, and distances to them.

    Parameters
    ----------
    cells:
        Flat charger cells.
    tables:
        ``(len(cells), rows * cols)`` robot distance tables, one per charger.
    """

    def __init__(self, cells, tables: np.ndarray):
        self.cells = np.asarray(cells, dtype=np.int64)
        self.tables = np.asarray(tables)
        self.owner = np.full(len(self.cells), -1, dtype=np.int64)
        if len(self.cells):
            self.nearest_dist = self.tables.min(axis=0)
        else:
            self.nearest_dist = None

    def __len__(self) -> int:
        return len(self.cells)

    def distance_from(self, cell: int) -> int:
        """Cells from ``cell`` to the nearest charger (free or not)."""
        return int(self.nearest_dist[cell]) if self.nearest_dist is not None else 1 << 30

    def claim(self, agent: int, cell: int, *, occupied=None) -> int | None:
        """Reserve the nearest free charger for ``agent`` at ``cell``; return
        its index, or ``None`` when every charger is taken. Chargers someone
        stands on (``occupied``: flat cells) are not free: a charger is often
        a dead end, and the robot leaving it cannot swap with one coming in."""
        free_mask = self.owner < 0
        if occupied is not None:
            free_mask &= ~np.isin(self.cells, np.asarray(occupied))
        free = np.flatnonzero(free_mask)
        if free.size == 0:
            return None
        d = self.tables[free, cell]
        k = int(free[np.argmin(d)])
        self.owner[k] = agent
        return k

    def release(self, agent: int) -> None:
        self.owner[self.owner == agent] = -1

    def held_by(self, agent: int) -> int | None:
        k = np.flatnonzero(self.owner == agent)
        return int(k[0]) if k.size else None
