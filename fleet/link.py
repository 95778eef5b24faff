"""The controller's one interface to the agents on the floor.

A :class:`RobotLink` carries, every step, the next cell of every agent (the
planner's output) and occasional commands (pick, drop, charge, stop), and
brings back where every agent is, its battery, and events (arrived, picked,
dropped, fault, cleared, battery low/empty, charged). The in-process
simulation (:class:`fleet.simlink.SimLink`) implements it; the ZeroMQ bridge
implements it for separate-process or physical robots, so the same controller
drives both.

The event types are :class:`robocore.motion.MotionEvent` /
:class:`robocore.motion.EventKind`, shared with the robot side.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from robocore.motion import Action, EventKind, MotionEvent

__all__ = ["RobotLink", "Command", "Action", "EventKind", "MotionEvent"]


@dataclass(frozen=True)
class Command:
    """An in-place action for one agent.

    ``action`` is :class:`robocore.motion.Action` (``PICK`` with ``units``,
    ``DROP``, ``CHARGE``, or ``NONE`` to stop the running action); ``ref`` is
    echoed back in the PICKED/DROPPED/FAULT event that ends it.
    """

    agent: int
    action: Action
    ref: int = -1
    units: int = 1


class RobotLink(ABC):
    """Send moves and commands to every agent; read positions and events back.

    Agents are numbered ``0..N-1``; cells are flat indexes (``robocore.grid``).
    One call of :meth:`tick` is one time step: moves sent with :meth:`send_moves`
    and commands sent before it take effect in that step.
    """

    @property
    @abstractmethod
    def kinds(self) -> np.ndarray:
        """``(N,)`` ``uint8`` :class:`robocore.agents.AgentKind` per agent."""

    @abstractmethod
    def positions(self) -> np.ndarray:
        """``(N,)`` ``int64`` flat cell of every agent now."""

    @abstractmethod
    def batteries(self) -> np.ndarray:
        """``(N,)`` ``float64`` battery percent (100 for humans)."""

    @abstractmethod
    def movable(self) -> np.ndarray:
        """``(N,)`` bool: agents that can take a move in the coming step (not
        busy with an action, not faulted, humans with enough move credit)."""

    @abstractmethod
    def set_goal(self, agent: int, cell: int) -> None:
        """Tell ``agent`` its current destination; it reports ARRIVED there."""

    @abstractmethod
    def command(self, cmd: Command) -> None:
        """Start (or, with ``Action.NONE``, stop) an in-place action.

        Raises :class:`robocore.motion.MotionError` if the agent cannot.
        """

    @abstractmethod
    def send_moves(self, next_cells: np.ndarray) -> None:
        """The next cell of every agent for the coming step (own cell = wait)."""

    @abstractmethod
    def tick(self) -> list[MotionEvent]:
        """Advance one step; return the events of that step in agent order
        within each kind of event."""

    def close(self) -> None:  # pragma: no cover - nothing to release in-process
        """Release the link's resources."""
