"""Value types of pick planning: orders to pick, agents that pick, tours.

Units: distances in moves (grid cells), times in steps (one step is one cell
of robot travel at speed 1.0), volume and weight in any unit the caller uses
consistently for orders and carts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from robocore.grid import Coord

__all__ = ["PickOrder", "PickAgent", "Tour", "AGENT_KINDS"]

#: Agent kinds: robots stand on robot-passable cells, humans also on HUMAN_ONLY ones.
AGENT_KINDS = ("robot", "human")


def _cell(v) -> Coord:
    r, c = v
    return (int(r), int(c))


@dataclass(frozen=True)
class PickOrder:
    """An order released to the floor.

    Attributes
    ----------
    id: the order's id (unique within one planning call).
    picks: cells the picker must stand on, one per order line (a cell may repeat).
    volume, weight: the order's size against a cart's capacities (>= 0).

    Raises ``ValueError`` for no picks or a negative volume/weight.
    """

    id: str
    picks: tuple[Coord, ...]
    volume: float = 0.0
    weight: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "picks", tuple(_cell(p) for p in self.picks))
        if not self.picks:
            raise ValueError(f"order {self.id!r}: has no picks")
        for name in ("volume", "weight"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise ValueError(f"order {self.id!r}: {name} must be a finite number >= 0, got {v!r}")


@dataclass(frozen=True)
class PickAgent:
    """A robot or a human picker with a cart.

    Attributes
    ----------
    id: the agent's id.
    kind: ``"robot"`` or ``"human"``.
    position: where the agent is now; ``None`` means at the depot.
    capacity_orders: orders (totes) one tour may carry, >= 1.
    capacity_volume, capacity_weight: cart limits (``inf`` = none).
    speed: cells per step, > 0 (robots 1.0 by convention).
    pick_time: steps spent per pick line, >= 0.
    zone: cells this agent may pick at (``None`` = anywhere its kind may
        stand). It limits where the agent picks, not where it walks.

    Raises ``ValueError`` on an unknown kind or a bad number.
    """

    id: str
    kind: str = "robot"
    position: Optional[Coord] = None
    capacity_orders: int = 8
    capacity_volume: float = math.inf
    capacity_weight: float = math.inf
    speed: float = 1.0
    pick_time: float = 0.0
    zone: Optional[frozenset] = None

    def __post_init__(self) -> None:
        if self.kind not in AGENT_KINDS:
            raise ValueError(f"agent {self.id!r}: kind must be one of {', '.join(AGENT_KINDS)}, got {self.kind!r}")
        if self.position is not None:
            object.__setattr__(self, "position", _cell(self.position))
        if self.zone is not None:
            object.__setattr__(self, "zone", frozenset(_cell(c) for c in self.zone))
        if not isinstance(self.capacity_orders, int) or isinstance(self.capacity_orders, bool) or self.capacity_orders < 1:
            raise ValueError(f"agent {self.id!r}: capacity_orders must be an integer >= 1, got {self.capacity_orders!r}")
        for name, low, strict in (("capacity_volume", 0, True), ("capacity_weight", 0, True), ("speed", 0, True),
                                  ("pick_time", 0, False)):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or math.isnan(v) or (v <= low if strict else v < low):
                raise ValueError(f"agent {self.id!r}: {name} must be a number {'>' if strict else '>='} {low}, got {v!r}")
        if math.isinf(self.speed) or math.isinf(self.pick_time):
            raise ValueError(f"agent {self.id!r}: speed and pick_time must be finite")


@dataclass(frozen=True)
class Tour:
    """One cart run: an agent picks some orders and returns.

    Attributes
    ----------
    agent: the agent's id.
    orders: ids of the orders picked, in the order they were batched.
    route: the stop sequence: the depot, every pick cell in visiting order
        (each distinct cell once; one on the depot or end cell is not
        repeated), then the end cell (the depot unless an end was given). Consecutive stops are joined by shortest grid paths;
        :func:`planner.distmatrix.expand_route` gives every cell.
    distance: grid length of the route in moves.
    start, finish: when the agent starts and ends the tour, in steps from
        now (the first tour of an agent starts after it reaches the depot).
    """

    agent: str
    orders: tuple[str, ...]
    route: tuple[Coord, ...]
    distance: int
    start: float = 0.0
    finish: float = 0.0
