"""Lockstep simulated time over the bridge, with nothing but VDA 5050 order updates.

In simulation the controller owns the clock. At each step it *releases one
more node* of every robot's plan (an order update stitched at the last base
node, the rest of the plan as horizon), and robots in lockstep mode traverse
their released nodes as soon as they receive them and report their state. The
controller steps the clock when every live robot's state shows the step's node
traversed (``lastNodeSequenceId == 2 * step``), or when ``step_timeout_s``
passes, in which case the robots that did not report are *late* for that
step. The trajectory therefore follows the plan step for step, as fast as the
machine allows, and is as conflict-free as the plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

from bridge.controller import BridgeController
from bridge.messages import parse_node_id

__all__ = ["LockstepDriver", "LockstepResult"]


@dataclass
class LockstepResult:
    """What a lockstep run did.

    ``trajectories[serial][t]`` is the cell the robot reported after step t
    (its start at t = 0); ``late[t]`` the robots that missed step t's deadline.
    """

    trajectories: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    late: dict[int, list[str]] = field(default_factory=dict)
    steps: int = 0
    wall_s: float = 0.0


class LockstepDriver:
    """Drive robots along per-step plans in lockstep.

    Parameters
    ----------
    controller:
        A :class:`BridgeController` whose robots run in lockstep mode
        (``SimRobots(..., lockstep=True)``, ``robocore robot --lockstep``).
    horizon:
        Planned cells sent beyond the released one (the horizon), per update.
    step_timeout_s:
        Longest wait for a step's states before the clock moves on.
    """

    def __init__(self, controller: BridgeController, *, horizon: int = 4, step_timeout_s: float = 2.0):
        self.ctl = controller
        self.horizon = int(horizon)
        self.step_timeout_s = float(step_timeout_s)

    def run(self, paths: dict[str, Sequence[Sequence[int]]], *, order_prefix: str = "plan") -> LockstepResult:
        """Drive each robot along ``paths[serial]`` (one cell per step; equal lengths).

        Every robot must be connected and standing on ``paths[serial][0]``.

        Raises
        ------
        ValueError
            If the paths have different lengths.
        """
        plans = {s: [(int(c[0]), int(c[1])) for c in p] for s, p in paths.items()}
        lengths = {len(p) for p in plans.values()}
        if len(lengths) > 1:
            raise ValueError(f"paths have different lengths: {sorted(lengths)}")
        steps = lengths.pop() - 1 if lengths else 0
        res = LockstepResult(trajectories={s: [p[0]] for s, p in plans.items()}, steps=steps)
        t0 = time.monotonic()
        for s, p in plans.items():
            self.ctl.assign(s, f"{order_prefix}-{s}", p[: 1 + self.horizon], released=1)
        self._wait(plans, 0, res)
        for t in range(1, steps + 1):
            for s, p in plans.items():
                self.ctl.extend(s, p[t - 1: t + 1 + self.horizon], released=2)
            self._wait(plans, t, res)
        res.wall_s = time.monotonic() - t0
        return res

    def _wait(self, plans, t: int, res: LockstepResult) -> None:
        want = 2 * t
        waiting = set(plans)
        deadline = time.monotonic() + self.step_timeout_s
        while waiting and time.monotonic() < deadline:
            self.ctl.pump(5)
            for s in list(waiting):
                st = self.ctl.states.get(s)
                if st is not None and not self.ctl.pending(s) and st["lastNodeSequenceId"] >= want:
                    waiting.discard(s)
        if waiting:
            res.late[t] = sorted(waiting)
        if t:
            for s in plans:
                st = self.ctl.states.get(s)
                cell = res.trajectories[s][-1]
                if st is not None:
                    try:
                        cell = parse_node_id(st["lastNodeId"])
                    except ValueError:
                        # not a cell: keep the last known one
                        pass
                res.trajectories[s].append(cell)
