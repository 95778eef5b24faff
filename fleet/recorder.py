"""The trajectory of a run: every agent's cell and state at every step.

Saved as ``trajectory.npz`` with ``positions[T+1, N, 2]`` (``int16`` row,
col), ``states[T+1, N]`` (``uint8`` :class:`robocore.agents.AgentState`),
``kinds[N]`` (``uint8`` :class:`robocore.agents.AgentKind`) and
``goals[T+1, N]`` (``int32`` flat goal cell). Collisions are counted from it
by the independent validator :func:`planner.validate.validate_paths`.
"""

from __future__ import annotations

import numpy as np

from robocore.agents import AgentKind

__all__ = ["Recorder", "count_collisions"]


class Recorder:
    """Rows of positions, states and goals, grown in chunks.

    Parameters
    ----------
    kinds: ``(N,)`` agent kinds.
    cols: grid width (to turn flat cells into ``(row, col)``).
    expected_steps: initial capacity (rows grow as needed).
    """

    def __init__(self, kinds, *, cols: int, expected_steps: int = 1024):
        self.kinds = np.asarray(kinds, dtype=np.uint8)
        self.cols = int(cols)
        n = len(self.kinds)
        cap = max(int(expected_steps) + 1, 16)
        self._pos = np.zeros((cap, n), dtype=np.int32)
        self._state = np.zeros((cap, n), dtype=np.uint8)
        self._goal = np.zeros((cap, n), dtype=np.int32)
        self.rows = 0

    def record(self, positions, states, goals) -> None:
        if self.rows == len(self._pos):
            grow = len(self._pos)
            self._pos = np.concatenate([self._pos, np.zeros_like(self._pos[:grow])])
            self._state = np.concatenate([self._state, np.zeros_like(self._state[:grow])])
            self._goal = np.concatenate([self._goal, np.zeros_like(self._goal[:grow])])
        self._pos[self.rows] = positions
        self._state[self.rows] = states
        self._goal[self.rows] = goals
        self.rows += 1

    @property
    def flat(self) -> np.ndarray:
        """``(T+1, N)`` flat cells."""
        return self._pos[: self.rows]

    @property
    def states(self) -> np.ndarray:
        return self._state[: self.rows]

    def positions(self) -> np.ndarray:
        """``(T+1, N, 2)`` ``int16`` ``(row, col)``."""
        f = self.flat
        return np.stack([f // self.cols, f % self.cols], axis=-1).astype(np.int16)

    def save(self, path) -> None:
        np.savez_compressed(path, positions=self.positions(), states=self.states, kinds=self.kinds,
                            goals=self._goal[: self.rows])


def count_collisions(grid, positions, kinds) -> int:
    """Steps at which the validator finds a vertex or edge conflict (0 for a
    safe run), from a ``(T+1, N, 2)`` trajectory.

    Robots are checked against robot passability, humans against human
    passability (so a robot on a ``HUMAN_ONLY`` cell counts too). After a
    violation the check resumes past it.
    """
    from planner.validate import PlanError, validate_paths

    kinds = np.asarray(kinds)
    per_agent = [grid.human_passable if k == AgentKind.HUMAN else None for k in kinds]
    paths = np.asarray(positions).transpose(1, 0, 2).astype(np.int64)  # (N, T+1, 2)
    count = 0
    start = 0
    t1 = paths.shape[1]
    while start < t1:
        try:
            validate_paths(grid.passable, paths[:, start:], agent_passable=per_agent)
            break
        except PlanError as err:
            count += 1
            t = int(err.step or 0)
            # a cell violation at t: resume after t; a move violation into t: resume at t
            start += t + 1 if err.kind in ("vertex", "blocked", "bounds") else max(t, 1)
    return count
