"""Plan validation: simple, independent checks of multi-agent plans.

A plan is valid when

* every agent's path has the same number of steps,
* every path starts where the agent starts (if starts are given),
* every cell is inside the grid and passable for that agent,
* every move is to a 4-neighbour or a wait,
* no two agents occupy one cell at one step (vertex conflict), and
* no two agents swap cells in one step (edge conflict).

With headings (the rotation action model: 0=E, 1=S, 2=W, 3=N) every step is
also one of: forward one cell along the current heading (heading unchanged),
turn 90 degrees either way in place, or wait.

This module deliberately shares no code with the planners it checks.
"""

from __future__ import annotations

import json
from typing import Sequence

import numpy as np

__all__ = ["PlanError", "validate_paths", "is_valid_paths", "validate_plan", "validate_plan_file", "is_valid_plan_file"]

_STEP = {0: (0, 1), 1: (1, 0), 2: (0, -1), 3: (-1, 0)}


class PlanError(ValueError):
    """The first violation found in a plan.

    Attributes: ``kind`` (``"shape"``, ``"start"``, ``"bounds"``, ``"blocked"``,
    ``"jump"``, ``"vertex"``, ``"swap"``, ``"heading"``, ``"task"``), ``agent``
    (or a pair of agents), ``step`` and ``cells`` involved.
    """

    def __init__(self, kind: str, message: str, *, agent=None, step=None, cells=None):
        self.kind = kind
        self.agent = agent
        self.step = step
        self.cells = cells
        super().__init__(message)


def _as_array(paths) -> np.ndarray:
    if isinstance(paths, np.ndarray):
        arr = paths
    else:
        paths = list(paths)
        if not paths:
            return np.zeros((0, 1, 2), dtype=np.int64)
        lengths = {len(p) for p in paths}
        if len(lengths) != 1:
            for a, p in enumerate(paths):
                if len(p) != len(paths[0]):
                    raise PlanError("shape", f"agent {a}: path has {len(p)} cells, agent 0 has {len(paths[0])}", agent=a)
        arr = np.asarray(paths)
    if arr.ndim != 3 or arr.shape[2] != 2:
        raise PlanError("shape", f"paths must have shape (agents, steps + 1, 2), got {arr.shape}")
    if arr.shape[1] == 0:
        raise PlanError("shape", "paths are empty (need at least the start cell)")
    return arr.astype(np.int64)


def validate_paths(
    passable,
    paths,
    *,
    starts: Sequence | None = None,
    headings=None,
    agent_passable: Sequence | None = None,
) -> None:
    """Check a plan; raise :class:`PlanError` on the first violation.

    Parameters
    ----------
    passable:
        ``(rows, cols)`` bool array (or a :class:`robocore.Grid`, whose robot
        passability is used) of cells agents may stand on.
    paths:
        ``(agents, steps + 1, 2)`` array or nested lists of ``(row, col)``.
    starts:
        Optional ``(agents, 2)`` start cells the paths must begin at.
    headings:
        Optional ``(agents, steps + 1)`` headings for the rotation model.
    agent_passable:
        Optional per-agent passability masks (e.g. humans may walk a
        human-only zone); overrides ``passable`` for that agent when not None.
    """
    if hasattr(passable, "passable"):
        passable = passable.passable
    mask = np.asarray(passable, dtype=bool)
    rows, cols = mask.shape
    arr = _as_array(paths)
    n, t1, _ = arr.shape
    if starts is not None:
        st = np.asarray(starts, dtype=np.int64).reshape(-1, 2)
        if len(st) != n:
            raise PlanError("start", f"{len(st)} starts for {n} paths")
        for a in range(n):
            if tuple(arr[a, 0]) != tuple(st[a]):
                raise PlanError("start", f"agent {a}: path starts at {arr[a, 0].tolist()}, expected {st[a].tolist()}",
                                agent=a, step=0, cells=[arr[a, 0].tolist(), st[a].tolist()])
    # cells in bounds and passable
    r, c = arr[..., 0], arr[..., 1]
    oob = (r < 0) | (r >= rows) | (c < 0) | (c >= cols)
    if oob.any():
        a, t = map(int, np.argwhere(oob)[np.argmin(np.argwhere(oob)[:, 1])])
        raise PlanError("bounds", f"agent {a}: step {t}: cell {arr[a, t].tolist()} is outside the {rows} x {cols} grid",
                        agent=a, step=t, cells=[arr[a, t].tolist()])
    for a in range(n):
        m = mask if agent_passable is None or agent_passable[a] is None else np.asarray(agent_passable[a], dtype=bool)
        ok = m[r[a], c[a]]
        if not ok.all():
            t = int(np.argmin(ok))
            raise PlanError("blocked", f"agent {a}: step {t}: cell {arr[a, t].tolist()} is blocked",
                            agent=a, step=t, cells=[arr[a, t].tolist()])
    # moves are 4-neighbour or wait
    if t1 > 1:
        step_len = np.abs(np.diff(arr, axis=1)).sum(axis=2)
        bad = step_len > 1
        if bad.any():
            idx = np.argwhere(bad)
            a, t = map(int, idx[np.argmin(idx[:, 1])])
            raise PlanError("jump", f"agent {a}: step {t}->{t + 1}: {arr[a, t].tolist()} -> {arr[a, t + 1].tolist()} is not a 4-neighbour move",
                            agent=a, step=t + 1, cells=[arr[a, t].tolist(), arr[a, t + 1].tolist()])
    flat = r * cols + c  # (n, t1)
    size = rows * cols
    for t in range(t1):
        cur = flat[:, t]
        order = np.argsort(cur, kind="stable")
        s = cur[order]
        dup = np.flatnonzero(s[1:] == s[:-1])
        if dup.size:
            a1, a2 = sorted((int(order[dup[0]]), int(order[dup[0] + 1])))
            raise PlanError("vertex", f"step {t}: agents {a1} and {a2} both at {arr[a1, t].tolist()}",
                            agent=(a1, a2), step=t, cells=[arr[a1, t].tolist()])
        if t == 0:
            continue
        prev = flat[:, t - 1]
        moving = np.flatnonzero(prev != cur)
        if moving.size:
            fwd = prev[moving] * size + cur[moving]
            back = cur[moving] * size + prev[moving]
            hit = np.isin(back, fwd)
            if hit.any():
                i = int(moving[np.argmax(hit)])
                j = int(moving[np.flatnonzero(fwd == back[np.argmax(hit)])[0]])
                a1, a2 = sorted((i, j))
                raise PlanError("swap", f"step {t - 1}->{t}: agents {a1} and {a2} swap cells {arr[a1, t - 1].tolist()} and {arr[a2, t - 1].tolist()}",
                                agent=(a1, a2), step=t, cells=[arr[a1, t - 1].tolist(), arr[a2, t - 1].tolist()])
    if headings is not None:
        h = np.asarray(headings, dtype=np.int64)
        if h.shape != (n, t1):
            raise PlanError("shape", f"headings must have shape ({n}, {t1}), got {h.shape}")
        if ((h < 0) | (h > 3)).any():
            a, t = map(int, np.argwhere((h < 0) | (h > 3))[0])
            raise PlanError("heading", f"agent {a}: step {t}: heading {int(h[a, t])} is not 0-3", agent=a, step=t)
        for a in range(n):
            for t in range(t1 - 1):
                p0, p1 = arr[a, t], arr[a, t + 1]
                h0, h1 = int(h[a, t]), int(h[a, t + 1])
                if (p0 == p1).all():
                    if (h1 - h0) % 4 == 2:
                        raise PlanError("heading", f"agent {a}: step {t}->{t + 1}: turned 180 degrees in one step",
                                        agent=a, step=t + 1, cells=[p0.tolist()])
                else:
                    dr, dc = _STEP[h0]
                    if h1 != h0 or (p1[0] - p0[0], p1[1] - p0[1]) != (dr, dc):
                        raise PlanError("heading", f"agent {a}: step {t}->{t + 1}: moved {p0.tolist()} -> {p1.tolist()} while heading {h0}",
                                        agent=a, step=t + 1, cells=[p0.tolist(), p1.tolist()])


def is_valid_paths(passable, paths, **kwargs) -> bool:
    """``True`` if :func:`validate_paths` finds no violation."""
    try:
        validate_paths(passable, paths, **kwargs)
    except PlanError:
        return False
    return True


def validate_plan(plan: dict, passable) -> None:
    """Check a plan-file dict (see DESIGN.md) against a passability mask.

    Checks the paths as :func:`validate_paths` does, that ``rows``, ``cols``
    and ``steps`` agree with the paths, and that every finished task's agent
    stood on the task's goal at its ``finished`` step.
    """
    if hasattr(passable, "passable"):
        passable = passable.passable
    mask = np.asarray(passable, dtype=bool)
    for key in ("rows", "cols", "steps", "paths"):
        if key not in plan:
            raise PlanError("shape", f"plan has no {key!r}")
    if (int(plan["rows"]), int(plan["cols"])) != mask.shape:
        raise PlanError("shape", f"plan is {plan['rows']} x {plan['cols']}, map is {mask.shape[0]} x {mask.shape[1]}")
    arr = _as_array(plan["paths"])
    if arr.shape[0] and arr.shape[1] != int(plan["steps"]) + 1:
        raise PlanError("shape", f"paths have {arr.shape[1]} cells each, expected steps + 1 = {int(plan['steps']) + 1}")
    validate_paths(mask, arr, headings=plan.get("headings"))
    for i, task in enumerate(plan.get("tasks") or []):
        fin = task.get("finished")
        if fin is None:
            continue
        a, goal = int(task["agent"]), [int(v) for v in task["goal"]]
        if not 0 <= a < arr.shape[0] or not 0 <= int(fin) < arr.shape[1]:
            raise PlanError("task", f"task {i}: agent {a} or step {fin} is out of range", agent=a, step=fin)
        if arr[a, int(fin)].tolist() != goal:
            raise PlanError("task", f"task {i}: agent {a} is at {arr[a, int(fin)].tolist()} at step {fin}, not at its goal {goal}",
                            agent=a, step=int(fin), cells=[arr[a, int(fin)].tolist(), goal])
        if task.get("assigned") is not None and int(task["assigned"]) > int(fin):
            raise PlanError("task", f"task {i}: finished at step {fin} before it was assigned at {task['assigned']}", agent=a, step=int(fin))


def validate_plan_file(path, passable=None) -> dict:
    """Load a plan JSON file and check it; return the plan dict.

    If ``passable`` is not given, the map named in the plan's ``"map"`` field
    is loaded with :func:`maps.load_layout`.
    """
    with open(path, encoding="utf-8") as fh:
        plan = json.load(fh)
    if passable is None:
        from maps import load_layout

        passable = load_layout(plan["map"]).grid
    validate_plan(plan, passable)
    return plan


def is_valid_plan_file(path, passable=None) -> bool:
    try:
        validate_plan_file(path, passable)
    except PlanError:
        return False
    return True
