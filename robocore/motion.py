"""The agent motion model: how simulated robots and human pickers move, pick,
drain and charge their batteries, and fail.

This module is shared by the in-process simulation (``fleet.simlink``) and the
separate-process simulated robots of the bridge, so it imports nothing from
``fleet``, ``planner`` or ``bridge``. It holds every agent of a floor in flat
numpy arrays and advances them one time step at a time.

One time step is one second of floor time and one cell of robot travel.

* **Robots** move at most one cell per step (4-connected or wait). Each move
  drains ``drain_per_move`` percent of battery, each finished pick
  ``drain_per_pick``, and every step ``drain_idle``. A robot whose battery
  reaches 0 cannot move until it is charged (the controller's charging policy
  exists so that this never happens). On a charger cell with a ``CHARGE``
  action a robot gains ``charge_per_step`` percent a step up to 100.
* **Humans** move on the same grid at ``human_speed`` cells per step: each step
  adds ``human_speed`` to a move credit (capped at 1); a human may move only
  when the credit is at least 1, and a move spends 1. Humans have no battery
  and no faults; they may stand on ``HUMAN_ONLY`` cells, robots may not.
* **Actions** (pick, drop, charge) take a number of steps during which the
  agent must not move. A pick lasts ``pick_s + unit_s * units`` steps
  (``human_pick_s``/``human_unit_s`` for humans), a drop ``drop_s`` steps.
* **Faults**: each step every working robot fails with probability
  ``fault_rate``. The draw is a counter-based hash of ``(seed, agent id,
  step)`` (:func:`fault_draws`), not a stream: agent ``a``'s draw at step ``t``
  does not depend on the other agents, so a robot process holding only some
  of the floor's robots (``bridge.simrobots``) draws exactly the faults the
  in-process simulation draws for them. A faulted robot stops where it is,
  loses its running action, and is an obstacle until it is repaired
  ``repair_s`` steps later (``None``: never).

:class:`Motion` checks every commanded move (a 4-neighbour or wait, onto a cell
this kind of agent may stand on, and none while the agent may not move) and
raises :class:`MotionError` otherwise. It does not prevent two agents from
sharing or swapping cells: that is the planner's job, checked independently
on the recorded trajectory by ``planner.validate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from robocore.agents import AgentKind
from robocore.grid import CellKind, Grid

__all__ = ["MotionParams", "MotionError", "Action", "EventKind", "MotionEvent", "Motion", "fault_draws"]


@dataclass(frozen=True, kw_only=True)
class MotionParams:
    """Physical parameters of simulated agents. Times are in steps (seconds),
    battery in percent of capacity.

    Raises ``ValueError`` from the constructor when a value is out of range.
    """

    human_speed: float = 0.7  #: cells per step, in (0, 1]
    pick_s: int = 4  #: robot steps per pick action
    unit_s: int = 1  #: robot steps per unit picked
    human_pick_s: int = 6  #: human steps per pick action
    human_unit_s: int = 2  #: human steps per unit picked
    drop_s: int = 5  #: steps to hand a tote over at a pack station
    drain_per_move: float = 0.008  #: percent per cell moved (robots)
    drain_per_pick: float = 0.02  #: percent per finished pick (robots)
    drain_idle: float = 0.0005  #: percent per step, always (robots)
    charge_per_step: float = 0.06  #: percent gained per step on a charger
    low_battery: float = 20.0  #: a BATTERY_LOW event fires when a robot drops below this
    fault_rate: float = 0.0  #: per working robot per step
    repair_s: int | None = 900  #: steps until a fault is cleared; None = never

    def __post_init__(self) -> None:
        if not 0.0 < self.human_speed <= 1.0:
            raise ValueError(f"human_speed must be in (0, 1] cells per step, got {self.human_speed}")
        for name in ("pick_s", "unit_s", "human_pick_s", "human_unit_s", "drop_s"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 0:
                raise ValueError(f"{name} must be a non-negative integer number of steps, got {v!r}")
        for name in ("drain_per_move", "drain_per_pick", "drain_idle", "charge_per_step", "low_battery"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be a probability, got {self.fault_rate}")
        if self.repair_s is not None and (not isinstance(self.repair_s, int) or self.repair_s < 1):
            raise ValueError(f"repair_s must be a positive integer or None, got {self.repair_s!r}")


class MotionError(RuntimeError):
    """A commanded move or action the agent cannot perform (a controller or
    planner bug, or a bad wire message)."""


class Action(IntEnum):
    """What an agent is doing in place. Stored as ``int8``."""

    NONE = 0
    PICK = 1
    DROP = 2
    CHARGE = 3


class EventKind(IntEnum):
    """Things an agent reports. Values are stable (they go on the wire)."""

    ARRIVED = 0  #: reached the goal it was last given (``value`` = cell)
    PICKED = 1  #: finished a pick action (``ref`` = the action's reference)
    DROPPED = 2  #: finished a drop action (``ref``)
    FAULT = 3  #: stopped by a fault; ``ref`` = the aborted action's reference or -1
    CLEARED = 4  #: fault repaired; the agent may move again
    BATTERY_LOW = 5  #: battery fell below ``low_battery`` (``value`` = percent)
    CHARGED = 6  #: battery full on a charger; the charge action ended
    BATTERY_EMPTY = 7  #: battery reached 0; the robot cannot move


@dataclass(frozen=True)
class MotionEvent:
    """One report: ``kind`` at ``step`` (the step just completed) for ``agent``."""

    kind: EventKind
    agent: int
    step: int
    ref: int = -1
    value: float = 0.0


class Motion:
    """Every agent of a floor, advanced one step at a time.

    Parameters
    ----------
    grid:
        The floor.
    kinds:
        ``(N,)`` :class:`~robocore.agents.AgentKind` per agent.
    starts:
        ``(N,)`` flat start cells, distinct, passable for each agent's kind.
    params:
        :class:`MotionParams`.
    battery:
        Initial battery in percent, a scalar or ``(N,)`` (ignored for humans).
    seed:
        Seed of the fault draws.
    ids:
        ``(N,)`` agent number of each agent on the floor, for the fault draws
        (default ``0..N-1``; a robot process holding robots 3 and 7 of a
        floor passes ``[3, 7]``).

    Raises
    ------
    ValueError
        On a start cell that is repeated, outside the grid or not passable.
    """

    def __init__(self, grid: Grid, kinds, starts, *, params: MotionParams = MotionParams(), battery=100.0, seed: int = 0,
                 ids=None):
        self.grid = grid
        self.params = params
        self.kinds = np.ascontiguousarray(kinds, dtype=np.uint8)
        n = len(self.kinds)
        self.pos = np.array(starts, dtype=np.int64).reshape(-1)
        if len(self.pos) != n:
            raise ValueError(f"{len(self.pos)} start cells for {n} agents")
        if n and (self.pos.min() < 0 or self.pos.max() >= grid.size):
            raise ValueError("a start cell is outside the grid")
        if len(np.unique(self.pos)) != n:
            raise ValueError("two agents start on the same cell")
        self.is_human = self.kinds == AgentKind.HUMAN
        self.is_robot = ~self.is_human
        self._robot_ok = grid.passable.ravel()
        self._human_ok = grid.human_passable.ravel()
        self._charger = (grid.kinds.ravel() == CellKind.CHARGER)
        ok = np.where(self.is_human, self._human_ok[self.pos], self._robot_ok[self.pos])
        if not ok.all():
            a = int(np.argmin(ok))
            raise ValueError(f"agent {a}: start cell {grid.coord(int(self.pos[a]))} is not passable for it")
        self.battery = np.where(self.is_robot, np.broadcast_to(np.asarray(battery, dtype=np.float64), (n,)), 100.0).astype(np.float64)
        self.credit = np.where(self.is_human, 1.0, 1.0)
        self.action = np.zeros(n, dtype=np.int8)
        self.action_left = np.zeros(n, dtype=np.int32)
        self.action_ref = np.full(n, -1, dtype=np.int64)
        self.action_units = np.zeros(n, dtype=np.int32)
        self.fault = np.zeros(n, dtype=bool)
        self.fault_left = np.zeros(n, dtype=np.int64)
        self.goal = self.pos.copy()
        self._goal_pending = np.zeros(n, dtype=bool)
        self.moves = np.zeros(n, dtype=np.int64)  #: cells moved so far, per agent
        self.step_no = 0
        self.ids = np.arange(n, dtype=np.uint64) if ids is None else np.asarray(ids, dtype=np.int64).astype(np.uint64)
        if self.ids.shape != (n,):
            raise ValueError(f"{len(self.ids)} ids for {n} agents")
        self.seed = int(seed)
        self._cols = grid.cols

    @property
    def n(self) -> int:
        return len(self.kinds)

    # ---------------------------------------------------------------- queries
    def movable(self) -> np.ndarray:
        """``(N,)`` bool: agents that may move in the coming step."""
        m = (self.action == Action.NONE) & ~self.fault
        m &= np.where(self.is_human, self.credit >= 1.0, self.battery > 0.0)
        return m

    # --------------------------------------------------------------- commands
    def set_goal(self, agent: int, cell: int) -> None:
        """Tell ``agent`` where it is heading; an ARRIVED event fires when it
        stands there at the end of a step (at the next step if already there)."""
        self.goal[agent] = int(cell)
        self._goal_pending[agent] = True

    def start(self, agent: int, action: Action, *, ref: int = -1, units: int = 1) -> None:
        """Begin an in-place action. Raises :class:`MotionError` if the agent is
        faulted or busy, or asks to charge off a charger (or is a human)."""
        if self.fault[agent]:
            raise MotionError(f"agent {agent}: cannot {Action(action).name.lower()} while faulted")
        if self.action[agent] != Action.NONE:
            raise MotionError(f"agent {agent}: busy with {Action(int(self.action[agent])).name.lower()}")
        p = self.params
        if action == Action.PICK:
            if units < 1:
                raise MotionError(f"agent {agent}: pick of {units} units")
            if self.is_human[agent]:
                dur = p.human_pick_s + p.human_unit_s * units
            else:
                dur = p.pick_s + p.unit_s * units
        elif action == Action.DROP:
            dur = p.drop_s
        elif action == Action.CHARGE:
            if self.is_human[agent] or not self._charger[self.pos[agent]]:
                raise MotionError(f"agent {agent}: charge away from a charger")
            dur = 1 << 30
        else:
            raise MotionError(f"agent {agent}: unknown action {action!r}")
        self.action[agent] = int(action)
        self.action_left[agent] = max(int(dur), 1)
        self.action_ref[agent] = int(ref)
        self.action_units[agent] = int(units)

    def stop(self, agent: int) -> None:
        """End the agent's running action at once (e.g. leave a charger early)."""
        self.action[agent] = Action.NONE
        self.action_left[agent] = 0
        self.action_ref[agent] = -1

    # ------------------------------------------------------------------- step
    def advance(self, next_cells) -> list[MotionEvent]:
        """Move every agent to ``next_cells`` (``(N,)`` flat, its own cell = wait),
        run actions, batteries and faults for one step; return the events.

        Raises :class:`MotionError` on a move that is not a 4-neighbour or a
        wait, onto a cell the agent may not stand on, or by an agent that may
        not move (busy, faulted, out of credit or battery).
        """
        nxt = np.asarray(next_cells, dtype=np.int64)
        if nxt.shape != self.pos.shape:
            raise MotionError(f"expected {self.n} next cells, got shape {nxt.shape}")
        p = self.params
        cols = self._cols
        moved = nxt != self.pos
        if moved.any():
            if (nxt < 0).any() or (nxt >= self.grid.size).any():
                a = int(np.flatnonzero((nxt < 0) | (nxt >= self.grid.size))[0])
                raise MotionError(f"agent {a}: next cell {int(nxt[a])} is outside the grid")
            r0, c0 = np.divmod(self.pos, cols)
            r1, c1 = np.divmod(nxt, cols)
            bad = moved & ((np.abs(r1 - r0) + np.abs(c1 - c0)) != 1)
            if bad.any():
                a = int(np.flatnonzero(bad)[0])
                raise MotionError(f"agent {a}: {self.grid.coord(int(self.pos[a]))} -> {self.grid.coord(int(nxt[a]))} is not a 4-neighbour move")
            ok = np.where(self.is_human, self._human_ok[nxt], self._robot_ok[nxt])
            if not ok.all():
                a = int(np.argmin(ok))
                raise MotionError(f"agent {a}: cell {self.grid.coord(int(nxt[a]))} is not passable for it")
            stuck = moved & ~self.movable()
            if stuck.any():
                a = int(np.flatnonzero(stuck)[0])
                raise MotionError(f"agent {a}: moved while it may not move")
        self.step_no += 1
        t = self.step_no
        events: list[MotionEvent] = []
        self.pos = nxt.copy()
        self.moves += moved
        # humans: move credit
        h = self.is_human
        self.credit = np.where(h, np.minimum(np.where(moved, self.credit - 1.0, self.credit) + p.human_speed, 1.0), 1.0)
        # batteries: moves and idle drain (robots only)
        before = self.battery.copy()
        r = self.is_robot
        self.battery = np.where(r, self.battery - p.drain_idle - p.drain_per_move * moved, self.battery)
        # actions
        busy = self.action != Action.NONE
        if busy.any():
            charging = self.action == Action.CHARGE
            if charging.any():
                self.battery = np.where(charging, self.battery + p.charge_per_step, self.battery)
                full = charging & (self.battery >= 100.0)
                for a in np.flatnonzero(full):
                    self.battery[a] = 100.0
                    self.stop(int(a))
                    events.append(MotionEvent(EventKind.CHARGED, int(a), t, value=100.0))
            timed = busy & ~charging
            if timed.any():
                self.action_left[timed] -= 1
                done = timed & (self.action_left <= 0)
                for a in np.flatnonzero(done):
                    a = int(a)
                    kind = EventKind.PICKED if self.action[a] == Action.PICK else EventKind.DROPPED
                    if kind == EventKind.PICKED and self.is_robot[a]:
                        self.battery[a] -= p.drain_per_pick
                    ref = int(self.action_ref[a])
                    self.stop(a)
                    events.append(MotionEvent(kind, a, t, ref=ref))
        np.maximum(self.battery, 0.0, out=self.battery)
        low = r & (before >= p.low_battery) & (self.battery < p.low_battery)
        for a in np.flatnonzero(low):
            events.append(MotionEvent(EventKind.BATTERY_LOW, int(a), t, value=float(self.battery[a])))
        empty = r & (before > 0.0) & (self.battery <= 0.0)
        for a in np.flatnonzero(empty):
            events.append(MotionEvent(EventKind.BATTERY_EMPTY, int(a), t, value=0.0))
        # repairs, then new faults (one draw per agent per step, always)
        if self.fault.any():
            self.fault_left[self.fault] -= 1
            fixed = self.fault & (self.fault_left <= 0)
            for a in np.flatnonzero(fixed):
                self.fault[a] = False
                events.append(MotionEvent(EventKind.CLEARED, int(a), t))
        if p.fault_rate > 0.0:
            draw = fault_draws(self.seed, self.ids, t)
            working = r & ~self.fault & (moved | (self.action == Action.PICK))
            new = working & (draw < p.fault_rate)
            for a in np.flatnonzero(new):
                self.inject_fault(int(a), _events=events)
        # arrivals
        arr = self._goal_pending & (self.pos == self.goal) & ~self.fault
        for a in np.flatnonzero(arr):
            self._goal_pending[a] = False
            events.append(MotionEvent(EventKind.ARRIVED, int(a), t, value=float(self.goal[a])))
        return events

    def inject_fault(self, agent: int, *, _events: list | None = None) -> MotionEvent:
        """Fault ``agent`` now (tests and fault drills); returns the FAULT event
        (also appended to the step's events when called from :meth:`advance`)."""
        ref = int(self.action_ref[agent]) if self.action[agent] != Action.NONE else -1
        self.stop(agent)
        self.fault[agent] = True
        self.fault_left[agent] = self.params.repair_s if self.params.repair_s is not None else 1 << 62
        ev = MotionEvent(EventKind.FAULT, agent, self.step_no, ref=ref)
        if _events is not None:
            _events.append(ev)
        return ev


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer on a ``uint64`` array (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def fault_draws(seed: int, ids, step: int) -> np.ndarray:
    """Uniform draws in ``[0, 1)`` for agents ``ids`` at ``step`` under ``seed``.

    A pure function of ``(seed, id, step)`` (splitmix64 finalizer chained over
    the three), so any subset of agents, in any process, gets the same draw
    for the same agent and step.

    >>> a = fault_draws(0, [0, 1, 2], 5)
    >>> bool((fault_draws(0, [2], 5) == a[2:]).all()) and bool(((0 <= a) & (a < 1)).all())
    True
    """
    ids = np.asarray(ids, dtype=np.int64).astype(np.uint64).reshape(-1)
    k = np.full(ids.shape, np.uint64(seed % (1 << 64)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = _mix(k * _GOLD + np.uint64(step % (1 << 64)))
        x = _mix(x + ids * _GOLD + _GOLD)
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
