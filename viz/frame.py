"""One picture of the floor: where every agent is at one step, and what it does.

A :class:`Frame` is what every frame source yields and what the viewer and the
snapshot renderer draw. Only ``step``, ``positions``, ``states`` and ``kinds``
are required; everything else is drawn when present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["Frame"]


def _array(value, *, dtype, shape_tail: tuple[int, ...], n: int | None, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(dtype)  # an empty list reads as float64
    if arr.dtype.kind not in "iub" or arr.ndim != 1 + len(shape_tail) or arr.shape[1:] != shape_tail:
        want = "(N" + "".join(f", {d}" for d in shape_tail) + ")"
        raise ValueError(f"frame {name}: expected an integer array of shape {want}, got {arr.dtype} {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"frame {name}: {arr.shape[0]} agents, positions has {n}")
    return arr.astype(dtype, copy=False)


@dataclass(frozen=True, eq=False)
class Frame:
    """The floor at one step.

    Attributes
    ----------
    step:
        Simulation step (one step = one cell of robot travel = one second of
        floor time unless ``hud["time_s"]`` says otherwise).
    positions:
        ``(N, 2)`` integer ``(row, col)`` of every agent.
    states:
        ``(N,)`` :class:`robocore.agents.AgentState` codes.
    kinds:
        ``(N,)`` :class:`robocore.agents.AgentKind` codes.
    headings:
        Optional ``(N,)`` heading codes, 0=E 1=S 2=W 3=N; any other value means
        "no heading" and draws no mark.
    goals:
        Optional ``(N, 2)`` goal cells; a negative row means "no goal".
    paths:
        Optional planned paths: an ``(N, H, 2)`` integer array (cells with a
        negative row are padding) or a sequence of ``N`` ``(L_i, 2)`` arrays.
        Element ``i`` starts at (or next to) agent ``i``'s position.
    tote_fill:
        Optional ``(N,)`` floats in ``[0, 1]``: how full each robot's tote is.
    station_queues:
        Optional ``{station id: robots queued}`` drawn beside each pack station.
    dock_parcels:
        Optional ``{dock id: parcels waiting}`` drawn beside each dock door.
    hud:
        Optional heads-up values, e.g. ``time_s``, ``orders_backlog``,
        ``orders_in_progress``, ``orders_shipped``, ``orders_late``,
        ``lines_per_hour``, ``utilisation`` (0..1), ``planner_step_ms``; any
        other key is shown as ``key: value``.
    agent_ids:
        Optional names of the agents for tooltips (default ``robot 3`` /
        ``human 7`` by index).

    Raises
    ------
    ValueError
        If an array has the wrong shape or a non-integer dtype.
    """

    step: int
    positions: np.ndarray
    states: np.ndarray
    kinds: np.ndarray
    headings: np.ndarray | None = None
    goals: np.ndarray | None = None
    paths: Any = None
    tote_fill: np.ndarray | None = None
    station_queues: Mapping[str, int] = field(default_factory=dict)
    dock_parcels: Mapping[str, int] = field(default_factory=dict)
    hud: Mapping[str, Any] = field(default_factory=dict)
    agent_ids: Sequence[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", int(self.step))
        pos = np.asarray(self.positions)
        if pos.size == 0:
            pos = pos.reshape(0, 2).astype(np.int64)
        pos = _array(pos, dtype=np.int64, shape_tail=(2,), n=None, name="positions")
        n = pos.shape[0]
        object.__setattr__(self, "positions", pos)
        object.__setattr__(self, "states", _array(self.states, dtype=np.int64, shape_tail=(), n=n, name="states"))
        object.__setattr__(self, "kinds", _array(self.kinds, dtype=np.int64, shape_tail=(), n=n, name="kinds"))
        if self.headings is not None:
            object.__setattr__(self, "headings",
                               _array(self.headings, dtype=np.int64, shape_tail=(), n=n, name="headings"))
        if self.goals is not None:
            object.__setattr__(self, "goals", _array(self.goals, dtype=np.int64, shape_tail=(2,), n=n, name="goals"))
        if self.tote_fill is not None:
            fill = np.asarray(self.tote_fill, dtype=np.float64)
            if fill.shape != (n,):
                raise ValueError(f"frame tote_fill: expected shape ({n},), got {fill.shape}")
            object.__setattr__(self, "tote_fill", fill)
        if self.paths is not None and not isinstance(self.paths, np.ndarray):
            paths = list(self.paths)
            if len(paths) != n:
                raise ValueError(f"frame paths: {len(paths)} paths for {n} agents")
            object.__setattr__(self, "paths", paths)
        elif self.paths is not None:
            p = self.paths
            if p.dtype.kind not in "iu" or p.ndim != 3 or p.shape[0] != n or p.shape[2] != 2:
                raise ValueError(f"frame paths: expected an integer array of shape ({n}, H, 2), "
                                 f"got {p.dtype} {p.shape}")
        if self.agent_ids is not None and len(self.agent_ids) != n:
            raise ValueError(f"frame agent_ids: {len(self.agent_ids)} ids for {n} agents")

    @property
    def n_agents(self) -> int:
        return int(self.positions.shape[0])

    def agent_name(self, i: int) -> str:
        """The tooltip name of agent ``i``."""
        if self.agent_ids is not None:
            return str(self.agent_ids[i])
        from robocore.agents import AgentKind

        kind = int(self.kinds[i])
        label = AgentKind(kind).name.lower() if kind in AgentKind._value2member_map_ else f"kind{kind}"
        return f"{label} {i}"

    def path_moves(self, agents: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """The planned paths as unit moves ``(row, col, drow, dcol, agent)``, five ``(M,)`` int32 arrays.

        Each move goes from ``(row, col)`` to ``(row + drow, col + dcol)``;
        waits, padding and jumps of more than one cell are dropped. ``agents``
        (indexes) restricts the result to those agents' paths.
        """
        if self.paths is None or self.n_agents == 0:
            z = np.zeros(0, np.int32)
            return z, z, z, z, z
        ids = np.arange(self.n_agents, dtype=np.int32) if agents is None else np.asarray(agents, dtype=np.int32)
        if isinstance(self.paths, np.ndarray):
            p = self.paths if agents is None else self.paths[ids]
            if p.shape[1] < 2 or len(ids) == 0:
                z = np.zeros(0, np.int32)
                return z, z, z, z, z
            r, c = p[..., 0].astype(np.int32), p[..., 1].astype(np.int32)
            dr, dc = r[:, 1:] - r[:, :-1], c[:, 1:] - c[:, :-1]
            i, j = np.nonzero((np.abs(dr) + np.abs(dc) == 1) & (r[:, :-1] >= 0) & (r[:, 1:] >= 0))
            return r[i, j], c[i, j], dr[i, j], dc[i, j], ids[i]
        rows, cols, drs, dcs, who = [], [], [], [], []
        for i in ids.tolist():
            q = np.asarray(self.paths[i], dtype=np.int32).reshape(-1, 2)
            if len(q) < 2:
                continue
            d = q[1:] - q[:-1]
            keep = (np.abs(d).sum(axis=1) == 1) & (q[:-1, 0] >= 0) & (q[1:, 0] >= 0)
            rows.append(q[:-1, 0][keep])
            cols.append(q[:-1, 1][keep])
            drs.append(d[keep, 0])
            dcs.append(d[keep, 1])
            who.append(np.full(int(keep.sum()), i, np.int32))
        if not rows:
            z = np.zeros(0, np.int32)
            return z, z, z, z, z
        return tuple(np.concatenate(x).astype(np.int32) for x in (rows, cols, drs, dcs, who))

    def path_segments(self, agents: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The planned paths as unit moves: ``(from_cells (M, 2), to_cells (M, 2), agent (M,))``.

        Waits, padding and jumps of more than one cell are dropped. ``agents``
        (indexes) restricts the result to those agents' paths.
        """
        r, c, dr, dc, agent = self.path_moves(agents)
        a = np.stack([r, c], axis=1).astype(np.int64)
        b = np.stack([r + dr, c + dc], axis=1).astype(np.int64)
        return a, b, agent.astype(np.int64)

    def path_length(self) -> int:
        """The longest planned path, in cells (0 without paths)."""
        if self.paths is None:
            return 0
        if isinstance(self.paths, np.ndarray):
            return int(self.paths.shape[1])
        return max((len(p) for p in self.paths), default=0)
