"""The in-process :class:`~fleet.link.RobotLink`: simulated robots and human
pickers driven by :class:`robocore.motion.Motion` in the controller's process."""

from __future__ import annotations

import numpy as np

from fleet.link import Command, RobotLink
from robocore.grid import Grid
from robocore.motion import Action, Motion, MotionEvent, MotionParams

__all__ = ["MotionLink", "SimLink"]


class MotionLink(RobotLink):
    """A :class:`RobotLink` whose agents' state lives in a
    :class:`robocore.motion.Motion` in this process: positions, batteries,
    actions, goals and faults are read from and sent to ``self.motion``.
    Subclasses set ``self.motion`` and define :meth:`tick` (how a step's moves
    are carried out). ``fleet.zmqlink.ZmqLink`` is not one: its robots'
    state lives in the robot processes and comes back in their VDA 5050 states."""

    motion: Motion
    _next: np.ndarray | None = None
    _pending: list[MotionEvent]

    @property
    def kinds(self) -> np.ndarray:
        return self.motion.kinds

    @property
    def step_no(self) -> int:
        return self.motion.step_no

    def positions(self) -> np.ndarray:
        return self.motion.pos

    def batteries(self) -> np.ndarray:
        return self.motion.battery

    def movable(self) -> np.ndarray:
        return self.motion.movable()

    def set_goal(self, agent: int, cell: int) -> None:
        self.motion.set_goal(agent, cell)

    def command(self, cmd: Command) -> None:
        if cmd.action == Action.NONE:
            self.motion.stop(cmd.agent)
        else:
            self.motion.start(cmd.agent, cmd.action, ref=cmd.ref, units=cmd.units)

    def send_moves(self, next_cells: np.ndarray) -> None:
        self._next = np.asarray(next_cells, dtype=np.int64)

    def inject_fault(self, agent: int) -> None:
        """Fault ``agent`` now (fault drills and tests); the FAULT event is
        reported by the next :meth:`tick`."""
        self._pending.append(self.motion.inject_fault(agent))


class SimLink(MotionLink):
    """Simulated agents in this process.

    Parameters
    ----------
    grid, kinds, starts, params, battery, seed:
        As :class:`robocore.motion.Motion`.

    Raises
    ------
    ValueError
        On bad start cells (see :class:`~robocore.motion.Motion`).
    """

    def __init__(self, grid: Grid, kinds, starts, *, params: MotionParams = MotionParams(), battery=100.0, seed: int = 0):
        self.motion = Motion(grid, kinds, starts, params=params, battery=battery, seed=seed)
        self._next: np.ndarray | None = None
        self._pending: list[MotionEvent] = []

    def tick(self) -> list[MotionEvent]:
        nxt = self.motion.pos if self._next is None else self._next
        self._next = None
        events = self._pending + self.motion.advance(nxt)
        self._pending = []
        return events
