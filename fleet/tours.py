"""Work on the floor: pick tasks, tote contents and the jobs agents carry out.

A :class:`FloorTask` is one open reservation of a released order (one order
line at one slot, ``qty`` units): the unit of picking. A :class:`Job` is what
one agent has been told to do: visit :class:`Stop` s in order, picking the
tasks listed at each, then hand the tote over at a pack station. Picked units
ride in the agent's tote as :class:`ToteItem` s until the drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FloorTask", "ToteItem", "Stop", "Job"]


@dataclass
class FloorTask:
    """One open reservation to pick: ``qty`` units of ``sku`` for
    ``(order_id, line_no)`` from ``slot``, reached from flat cell ``cell``.
    ``agent`` is -1 while the task waits in the pool, else the agent whose
    job holds it."""

    id: int  #: the ledger's reservation id
    order_id: str
    line_no: int
    sku: str
    slot: str
    cell: int
    qty: int
    priority: int = 0
    agent: int = -1


@dataclass(frozen=True)
class ToteItem:
    """Units picked into a tote (or staged at a station, or packed)."""

    task: int  #: reservation id
    order_id: str
    line_no: int
    sku: str
    qty: int


@dataclass
class Stop:
    """A cell to stand on and the tasks to pick there."""

    cell: int
    tasks: list[int]


@dataclass
class Job:
    """An agent's tour: ``stops`` in order (``next`` indexes the one it is
    heading to or picking at), then the pack station ``station`` (a flat cell).
    ``orders`` are the order ids the tour serves; ``distance`` is the
    planner's estimate of the tour's travel in cells."""

    stops: list[Stop]
    station: int
    orders: tuple[str, ...] = ()
    distance: int = 0
    next: int = 0
    assigned_step: int = 0
    picks_done: int = field(default=0)

    @property
    def remaining_tasks(self) -> list[int]:
        """Task ids not yet picked (the stop being picked included)."""
        return [t for s in self.stops[self.next:] for t in s.tasks]
