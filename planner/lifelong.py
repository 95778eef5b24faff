"""Lifelong MAPF runs: tasks revealed and assigned step by step, moves planned
by :class:`planner.mapf.LifelongPlanner`, everything recorded for a plan file.

A *task* is a sequence of errand cells visited in order (League of Robot
Runners 2024; a 2023 task and a random task are one errand). An agent with a
task heads for its current errand; standing on it (any heading) completes the
errand, and completing the last finishes the task, at that step. A free agent
(no task) is given one by the task source the same step; an agent with nothing
to do holds its cell (it can still be pushed aside).

Task sources (all deterministic given their seed):

* :class:`RandomTasks`: a fresh random cell from a given set whenever an agent
  is free (``robocore mapf MAP --agents N``).
* :class:`RoundRobinTasks`: the League 2023 ``roundrobin`` strategy: agent
  ``k``'s ``j``-th task is line ``(j * team_size + k) mod len(tasks)`` of the
  task file.
* :class:`GreedyTasks`: the League 2024 pool: ``ceil(num_tasks_reveal *
  team_size)`` tasks are open at a time, revealed in file order (wrapping
  around); each free agent, in agent order, takes the open unassigned task
  whose first errand is nearest to it (Manhattan distance; ties to the task
  revealed first). A taken task leaves the pool and the next one is revealed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = ["RandomTasks", "RoundRobinTasks", "GreedyTasks", "LifelongRun", "run_lifelong", "pool_size"]


class RandomTasks:
    """One-errand tasks on cells drawn uniformly from ``cells`` (flat indexes)."""

    name = "random"

    def __init__(self, cells, *, seed: int = 0):
        self.cells = np.asarray(cells, dtype=np.int64)
        if self.cells.size == 0:
            raise ValueError("no cells to draw random tasks from")
        self.rng = np.random.default_rng([int(seed), 0x7A5C])

    def assign(self, free: np.ndarray, positions: np.ndarray) -> list[tuple[int, tuple[int, ...]]]:
        draws = self.rng.choice(self.cells, size=free.size)
        return [(int(a), (int(c),)) for a, c in zip(free, draws)]


class RoundRobinTasks:
    """League 2023 ``roundrobin``: agent ``k`` does tasks ``k, k + team, ...``."""

    name = "roundrobin"

    def __init__(self, tasks, team_size: int):
        self.tasks = [tuple(int(c) for c in t) for t in tasks]
        if not self.tasks:
            raise ValueError("the task list is empty")
        self.team = int(team_size)
        self.count = np.zeros(self.team, dtype=np.int64)

    def assign(self, free, positions):
        out = []
        for a in free.tolist():
            i = (int(self.count[a]) * self.team + a) % len(self.tasks)
            self.count[a] += 1
            out.append((a, self.tasks[i]))
        return out


class GreedyTasks:
    """League 2024 task pool with nearest-task assignment (see the module doc)."""

    name = "greedy"

    def __init__(self, tasks, *, pool_size: int, cols: int):
        self.tasks = [tuple(int(c) for c in t) for t in tasks]
        if not self.tasks:
            raise ValueError("the task list is empty")
        self.pool_size = max(1, int(pool_size))
        self.cols = int(cols)
        self.next_task = 0
        self.pool: list[tuple[int, ...]] = []
        self._fr = np.empty(0, dtype=np.int64)
        self._fc = np.empty(0, dtype=np.int64)
        self._reveal()

    def _reveal(self):
        while len(self.pool) < self.pool_size:
            self.pool.append(self.tasks[self.next_task % len(self.tasks)])
            self.next_task += 1
        first = np.array([t[0] for t in self.pool], dtype=np.int64)
        self._fr, self._fc = first // self.cols, first % self.cols

    def assign(self, free, positions):
        out = []
        if free.size == 0:
            return out
        taken = np.zeros(len(self.pool), dtype=bool)
        big = np.iinfo(np.int64).max
        for a in free.tolist():
            r, c = divmod(int(positions[a]), self.cols)
            d = np.abs(self._fr - r) + np.abs(self._fc - c)
            d[taken] = big
            i = int(np.argmin(d))
            if taken[i]:
                break  # pool exhausted for this step
            taken[i] = True
            out.append((a, self.pool[i]))
        self.pool = [t for t, x in zip(self.pool, taken) if not x]
        self._reveal()
        return out


@dataclass(frozen=True)
class LifelongRun:
    """What a lifelong run did.

    ``paths``: ``int64 (N, steps + 1)`` flat cells; ``headings``: the same shape
    for the rotation model, else None; ``tasks``: one dict per task ever
    assigned (``agent``, ``errands`` flat cells, ``assigned`` and ``finished``
    steps, ``finished`` None if open); ``step_ms``: planner wall time per
    step; ``wall_s``: whole run, task handling included; ``preprocess_s``:
    building the first goals' distance tables and loading the kernel before
    step 1 (:meth:`LifelongPlanner.prepare`, the League's preprocessing).
    """

    paths: np.ndarray
    headings: np.ndarray | None
    tasks: list
    tasks_finished: int
    step_ms: np.ndarray
    wall_s: float
    planner: str
    preprocess_s: float = 0.0
    over_budget: int = 0

    def plan_dict(self, grid, *, map_path: str) -> dict:
        """The plan file of DESIGN.md (``robocore mapf --out``)."""
        cols = grid.cols
        p = self.paths
        coords = np.stack([p // cols, p % cols], axis=-1)
        ms = self.step_ms
        plan = {
            "map": str(map_path), "rows": grid.rows, "cols": cols, "steps": int(p.shape[1] - 1),
            "paths": coords.tolist(), "tasks_finished": int(self.tasks_finished), "planner": self.planner,
            "wall_s": round(float(self.wall_s), 3),
            "step_ms": {"median": float(np.median(ms)) if ms.size else 0.0,
                        "p99": float(np.percentile(ms, 99)) if ms.size else 0.0},
            "tasks": [{"agent": t["agent"], "goal": list(divmod(t["errands"][-1], cols)),
                       "assigned": t["assigned"], "finished": t["finished"]} for t in self.tasks],
        }
        if self.headings is not None:
            plan["headings"] = self.headings.tolist()
        return plan


def run_lifelong(grid, starts, source, *, steps: int, actions: str = "move", seed: int = 0, cache_mb: float = 512,
                 step_budget_ms: float | None = None, progress=None, record: bool = True,
                 prefer_free: bool = True) -> LifelongRun:
    """Run lifelong MAPF for ``steps`` steps.

    Parameters
    ----------
    grid: :class:`robocore.Grid`.
    starts: ``(N,)`` distinct flat start cells.
    source: a task source (:class:`RandomTasks`, :class:`RoundRobinTasks`,
        :class:`GreedyTasks`, or any object with ``assign(free_agents,
        positions) -> [(agent, errands), ...]`` and a ``name``).
    steps: number of time steps.
    actions: ``"move"`` or ``"rotate"`` (agents start heading east, 0).
    seed, cache_mb, step_budget_ms, prefer_free: passed to the planner.
    progress: optional callable ``progress(step, tasks_finished)`` after each step.
    record: keep every step's cells (``paths``); without it ``paths`` holds
        the first and last step only (benchmarks of large runs).

    Raises
    ------
    ValueError
        On bad starts or task cells (see :meth:`LifelongPlanner.step`).
    """
    from planner.mapf import LifelongPlanner

    t_start = time.perf_counter()
    pos = np.asarray(starts, dtype=np.int64).copy()
    n = pos.size
    rotate = actions == "rotate"
    planner = LifelongPlanner(grid, seed=seed, cache_mb=cache_mb, step_budget_ms=step_budget_ms, actions=actions,
                              prefer_free=prefer_free)
    head = np.zeros(n, dtype=np.int64)
    task_of = np.full(n, -1, dtype=np.int64)  # index into records
    errand = np.zeros(n, dtype=np.int64)
    goal = pos.copy()
    records: list[dict] = []
    finished = 0
    hist = [pos.copy()]
    hhist = [head.copy()] if rotate else None

    def give(t):
        free = np.flatnonzero(task_of < 0)
        for a, errands in source.assign(free, pos):
            records.append({"agent": a, "errands": tuple(errands), "assigned": t, "finished": None})
            task_of[a] = len(records) - 1
            errand[a] = 0
            goal[a] = errands[0]

    def advance(t):
        nonlocal finished
        for _ in range(64):  # tasks whose next errand is where the agent stands complete at once
            at = np.flatnonzero((task_of >= 0) & (pos == goal))
            if at.size == 0:
                return
            for a in at.tolist():
                rec = records[task_of[a]]
                errand[a] += 1
                if errand[a] >= len(rec["errands"]):
                    rec["finished"] = t
                    finished += 1
                    task_of[a] = -1
                    goal[a] = pos[a]
                else:
                    goal[a] = rec["errands"][errand[a]]
            give(t)

    give(0)
    advance(0)
    preprocess_s = planner.prepare(goal)
    for t in range(1, int(steps) + 1):
        if rotate:
            pos, head = planner.step_rotate(pos, head, goal)
        else:
            pos = planner.step(pos, goal)
        idle = task_of < 0
        goal[idle] = pos[idle]
        if record:
            hist.append(pos)
            if rotate:
                hhist.append(head)
        advance(t)
        if progress is not None:
            progress(t, finished)
    if not record:
        hist.append(pos)
        if rotate:
            hhist.append(head)
    paths = np.stack(hist, axis=1) if n else np.zeros((0, len(hist)), dtype=np.int64)
    headings = (np.stack(hhist, axis=1) if n else np.zeros((0, len(hhist)), dtype=np.int64)) if rotate else None
    name = f"pibt-{actions}"
    return LifelongRun(paths, headings, records, finished, np.asarray(planner.step_ms), time.perf_counter() - t_start,
                       name, preprocess_s, planner.over_budget)


def pool_size(num_tasks_reveal: float, team_size: int) -> int:
    """Open tasks in the League 2024 pool: ``ceil(num_tasks_reveal * team_size)``."""
    return int(math.ceil(float(num_tasks_reveal) * int(team_size)))

