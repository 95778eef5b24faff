"""Multi-agent path finding: a lifelong PIBT planner and one-shot ``solve``.

:class:`LifelongPlanner` plans one step at a time: given every agent's cell and
current goal it returns every agent's next cell, with no vertex and no swap
conflict. It keeps what must persist between steps (priorities, the distance
cache, step timings). The algorithm is PIBT (see :mod:`planner.pibt` and
``docs/mapf.md``).

Priorities (after the paper): an agent's priority grows by one every step it
is not at its goal and drops back to its initial fraction in [0, 1) when it is
at its goal or has just been given a new goal. Humans come before every robot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = ["LifelongPlanner", "PlannerStats", "SolveIncomplete", "solve"]


@dataclass(frozen=True)
class PlannerStats:
    """Summary of a planner's steps: count, wall time per step (ms) and the
    distance cache counters (robot cache; human cache if humans were seen)."""

    steps: int
    median_ms: float
    p99_ms: float
    max_ms: float
    over_budget: int
    cache_hits: int
    cache_misses: int
    cache_evictions: int
    cache_overflows: int


class SolveIncomplete(RuntimeError):
    """:func:`solve` hit ``max_steps`` before every agent stood on its goal.

    ``paths`` holds the partial (valid, conflict-free) plan of ``max_steps``
    steps and ``arrived`` the bool mask of agents on their goals at the end.
    """

    def __init__(self, message: str, *, paths: np.ndarray, arrived: np.ndarray):
        super().__init__(message)
        self.paths = paths
        self.arrived = arrived


class LifelongPlanner:
    """Step-by-step collision-free multi-agent planner (PIBT on distance tables).

    Parameters
    ----------
    grid:
        The floor (:class:`robocore.Grid`).
    seed:
        Seeds the initial priority fractions and the tie-breaking noise; the
        same seed and inputs give the same moves.
    cache_mb:
        Memory bound (MiB) of the distance-table cache (robots; a second cache
        of the same bound is created for humans on first use).
    step_budget_ms:
        Per-step wall-time budget. PIBT needs no search beyond the step, so the
        budget is only monitored: steps over it are counted in
        ``stats.over_budget``. No windowed improvement search is run with the
        spare time (``docs/mapf.md`` explains why).
    actions:
        ``"move"`` (4-connected moves plus wait) or ``"rotate"`` (League of
        Robot Runners 2024: forward, turn, wait); with ``"rotate"`` use
        :meth:`step_rotate`.
    prefer_free:
        Break distance ties in favour of cells nobody stands on now (default);
        ``False`` gives the plain paper ordering (for measurements).

    Attributes
    ----------
    step_ms: list of per-step wall times in milliseconds.
    cache: the robot :class:`planner.distcache.DistanceCache`.
    """

    def __init__(self, grid, *, seed: int = 0, cache_mb: float = 512, step_budget_ms: float | None = None,
                 actions: str = "move", prefer_free: bool = True):
        from planner.distcache import DistanceCache

        if actions not in ("move", "rotate"):
            raise ValueError(f"actions must be 'move' or 'rotate', got {actions!r}")
        if step_budget_ms is not None and not step_budget_ms > 0:
            raise ValueError(f"step_budget_ms must be positive, got {step_budget_ms}")
        self.grid = grid
        self.seed = int(seed)
        self.cache_mb = float(cache_mb)
        self.step_budget_ms = step_budget_ms
        self.actions = actions
        self.prefer_free = bool(prefer_free)
        # robot and human tables share one dtype (the kernel picks either per agent)
        self._dtype = np.uint16 if int(grid.human_passable.sum()) < 65535 else np.int32
        self.cache = DistanceCache(grid, max_mb=cache_mb, dtype=self._dtype)
        self.hcache = None
        self.rows, self.cols = grid.rows, grid.cols
        self._passable = np.ascontiguousarray(grid.passable.ravel().astype(np.uint8))
        self._hpassable = np.ascontiguousarray(grid.human_passable.ravel().astype(np.uint8))
        n = self.rows * self.cols
        self._occ_now = np.full(n, -1, dtype=np.int64)
        self._occ_next = np.full(n, -1, dtype=np.int64)
        self._prio: np.ndarray | None = None
        self._base: np.ndarray | None = None
        self._last_goals: np.ndarray | None = None
        self._dummy_tables = np.zeros((1, 1), dtype=self.cache.dtype)
        self._steps = 0
        self._err = np.zeros(1, dtype=np.int64)
        self.step_ms: list[float] = []
        self.over_budget = 0

    # ----------------------------------------------------------------- public
    def step(self, positions: np.ndarray, goals: np.ndarray, *, hold: np.ndarray | None = None,
             humans: np.ndarray | None = None) -> np.ndarray:
        """Next flat cell of every agent (a new ``int64`` array of shape ``(N,)``).

        Parameters
        ----------
        positions, goals:
            ``(N,)`` flat cells. Goals may repeat; an agent whose goal is its
            cell stays unless another agent needs the cell.
        hold:
            ``bool (N,)``: agents that must not move this step (fixed obstacles).
        humans:
            ``bool (N,)``: human pickers, planned first with absolute priority
            on human passability (HUMAN_ONLY cells allowed). Robots never stand
            on HUMAN_ONLY cells and never enter a cell a human stands on now or
            will stand on next step.

        Raises
        ------
        ValueError
            On mismatched shapes, cells outside the grid, an agent on a cell it
            may not stand on, two agents on one cell, or a goal an agent may
            not stand on.
        """
        if self.actions != "move":
            raise ValueError("this planner uses the rotation model: call step_rotate")
        nxt, _ = self._step(positions, goals, None, hold, humans)
        return nxt

    def step_rotate(self, positions: np.ndarray, headings: np.ndarray, goals: np.ndarray, *,
                    hold: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rotation model: next cells and headings ``(N,)`` each. Each agent
        either moves one cell along its heading, turns 90 degrees, or waits.

        Raises ``ValueError`` as :meth:`step` does, and on headings outside 0-3.
        """
        if self.actions != "rotate":
            raise ValueError("this planner uses the move model: call step")
        h = np.ascontiguousarray(headings, dtype=np.int64)
        if h.shape != np.shape(positions):
            raise ValueError(f"headings shape {h.shape} != positions shape {np.shape(positions)}")
        if h.size and (h.min() < 0 or h.max() > 3):
            raise ValueError("headings must be 0-3 (0=E 1=S 2=W 3=N)")
        return self._step(positions, goals, h, hold, None)

    def prepare(self, goals: np.ndarray, *, humans: np.ndarray | None = None) -> float:
        """Build the distance tables of ``goals`` and load the kernel before
        the first step (the League's preprocessing phase); returns seconds.
        Not counted in ``step_ms``.

        Raises ``ValueError`` if a goal is outside the grid.
        """
        from planner.pibt import W_OCC, pibt_step

        t0 = time.perf_counter()
        goal = np.ascontiguousarray(goals, dtype=np.int64)
        hum = np.zeros(goal.size, dtype=np.bool_) if humans is None else np.asarray(humans, dtype=np.bool_)
        if (~hum).any():
            self.cache.slots(goal[~hum])
        if hum.any():
            if self.hcache is None:
                from planner.distcache import DistanceCache

                self.hcache = DistanceCache(self.grid, max_mb=self.cache_mb, human=True, dtype=self._dtype)
            self.hcache.slots(goal[hum])
        e = np.empty(0, dtype=np.int64)
        b = np.empty(0, dtype=np.bool_)
        pibt_step(e, e, e, e, b, b, e, self.cache.tables, self.cache.cell_id, self.cache.unreachable, e,
                  self._dummy_tables, self.cache.cell_id, self.cache.unreachable, self._passable, self._hpassable,
                  np.uint64(0), W_OCC, self.rows, self.cols, self.actions == "rotate", self._occ_now, self._occ_next,
                  np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), self._err)
        return time.perf_counter() - t0

    @property
    def stats(self) -> PlannerStats:
        ms = np.asarray(self.step_ms, dtype=np.float64)
        cs = self.cache.stats
        hs = self.hcache.stats if self.hcache is not None else None
        add = (lambda f: getattr(cs, f) + (getattr(hs, f) if hs is not None else 0))
        return PlannerStats(
            steps=len(ms),
            median_ms=float(np.median(ms)) if ms.size else 0.0,
            p99_ms=float(np.percentile(ms, 99)) if ms.size else 0.0,
            max_ms=float(ms.max()) if ms.size else 0.0,
            over_budget=self.over_budget,
            cache_hits=add("hits"), cache_misses=add("misses"), cache_evictions=add("evictions"),
            cache_overflows=add("overflows"),
        )

    # ---------------------------------------------------------------- private
    def _check(self, positions, goals, hold, humans):
        pos = np.ascontiguousarray(positions, dtype=np.int64)
        goal = np.ascontiguousarray(goals, dtype=np.int64)
        if pos.ndim != 1 or goal.shape != pos.shape:
            raise ValueError(f"positions and goals must both have shape (N,), got {pos.shape} and {goal.shape}")
        n = pos.size
        hold_a = np.zeros(n, dtype=np.bool_) if hold is None else np.ascontiguousarray(hold, dtype=np.bool_)
        hum = np.zeros(n, dtype=np.bool_) if humans is None else np.ascontiguousarray(humans, dtype=np.bool_)
        if hold_a.shape != pos.shape or hum.shape != pos.shape:
            raise ValueError("hold and humans must have shape (N,) like positions")
        size = self.rows * self.cols
        for name, arr in (("position", pos), ("goal", goal)):
            if n and (arr.min() < 0 or arr.max() >= size):
                a = int(np.flatnonzero((arr < 0) | (arr >= size))[0])
                raise ValueError(f"agent {a}: {name} {int(arr[a])} is outside the {self.rows} x {self.cols} grid")
        return pos, goal, hold_a, hum

    def _priorities(self, pos, goal, n):
        if self._prio is None or self._prio.size != n:
            rng = np.random.default_rng([self.seed, 0x5EED])
            self._base = rng.random(n)
            self._prio = self._base.copy()
            self._last_goals = goal.copy()
        reset = (pos == goal) | (goal != self._last_goals)
        self._prio += 1.0
        self._prio[reset] = self._base[reset]
        self._last_goals = goal.copy()
        return self._prio

    def _step(self, positions, goals, headings, hold, humans):
        from planner.pibt import ERR_DUPLICATE, ERR_POSITION, OK, W_OCC, pibt_step

        t0 = time.perf_counter()
        pos, goal, hold_a, hum = self._check(positions, goals, hold, humans)
        n = pos.size
        any_h = bool(hum.any())
        rob = ~hum
        slot = np.full(n, -1, dtype=np.int64)
        if rob.any():
            slot[rob] = self.cache.slots(goal[rob])
        hslot = np.full(n, -1, dtype=np.int64)
        if any_h:
            if self.hcache is None:
                from planner.distcache import DistanceCache

                self.hcache = DistanceCache(self.grid, max_mb=self.cache_mb, human=True, dtype=self._dtype)
            hslot[hum] = self.hcache.slots(goal[hum])
            htables, hcell, hun = self.hcache.tables, self.hcache.cell_id, self.hcache.unreachable
        else:
            htables, hcell, hun = self._dummy_tables, self.cache.cell_id, self.cache.unreachable
        prio = self._priorities(pos, goal, n)
        key = prio + np.where(hum, 1e15, 0.0)
        order = np.argsort(-key, kind="stable").astype(np.int64)
        noise_key = np.uint64(step_key(self.seed, self._steps))
        rotate = headings is not None
        head = headings if rotate else np.zeros(n, dtype=np.int64)
        nxt = np.empty(n, dtype=np.int64)
        nhead = np.empty(n, dtype=np.int64)
        status = pibt_step(pos, goal, head, order, hold_a, hum, slot, self.cache.tables, self.cache.cell_id,
                           self.cache.unreachable, hslot, htables, hcell, hun, self._passable, self._hpassable,
                           noise_key, W_OCC if self.prefer_free else 0.0, self.rows, self.cols, rotate, self._occ_now,
                           self._occ_next, nxt, nhead, self._err)
        if status != OK:
            a = int(self._err[0])
            who = "human" if hum[a] else "robot"
            if status == ERR_DUPLICATE:
                raise ValueError(f"agent {a}: position {self.grid.coord(int(pos[a]))} is taken by another agent")
            what, cell = ("position", pos[a]) if status == ERR_POSITION else ("goal", goal[a])
            raise ValueError(f"agent {a}: {what} {self.grid.coord(int(cell))} is not passable for a {who}")
        self._steps += 1
        ms = (time.perf_counter() - t0) * 1e3
        self.step_ms.append(ms)
        if self.step_budget_ms is not None and ms > self.step_budget_ms:
            self.over_budget += 1
        return nxt, nhead


_MASK = (1 << 64) - 1


def step_key(seed: int, step: int) -> int:
    """The ``uint64`` noise key of step ``step`` under ``seed`` (see
    :func:`planner.pibt.noise`)."""
    return ((int(seed) & _MASK) * 0x9E3779B97F4A7C15 + int(step) * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & _MASK


def solve(grid, starts, goals, *, max_steps: int = 10_000, seed: int = 0) -> np.ndarray:
    """One-shot MAPF: conflict-free paths from ``starts`` to ``goals``.

    Runs :class:`LifelongPlanner` until every agent stands on its goal at the
    same step (agents then stop; PIBT may push an arrived agent off its goal
    and bring it back on the way).

    Parameters
    ----------
    grid: :class:`robocore.Grid`.
    starts, goals: ``(N,)`` flat cells (distinct starts; distinct goals are
        needed for everyone to arrive).
    max_steps: give up after this many steps.
    seed: tie-breaking seed.

    Returns
    -------
    ``int64 (N, T + 1)`` flat cells, ``T`` the first step at which all agents
    are on their goals.

    Raises
    ------
    SolveIncomplete
        If not all agents are on their goals after ``max_steps`` steps; the
        exception carries the partial plan (``paths``) and ``arrived``.
    ValueError
        On bad input (see :meth:`LifelongPlanner.step`).
    """
    pos = np.asarray(starts, dtype=np.int64).copy()
    goal = np.asarray(goals, dtype=np.int64).copy()
    planner = LifelongPlanner(grid, seed=seed)
    out = [pos.copy()]
    for _ in range(int(max_steps)):
        if np.array_equal(pos, goal):
            break
        pos = planner.step(pos, goal)
        out.append(pos)
    paths = np.stack(out, axis=1) if pos.size else np.zeros((0, len(out)), dtype=np.int64)
    if not np.array_equal(pos, goal):
        arrived = pos == goal
        raise SolveIncomplete(f"{int((~arrived).sum())} of {pos.size} agents not on their goals after {max_steps} steps",
                              paths=paths, arrived=arrived)
    return paths
