"""The ZeroMQ :class:`~fleet.link.RobotLink`: robots over the bridge, in lockstep simulated time.

:class:`ZmqLink` drives robots that speak the bridge protocol (``bridge``,
``docs/protocol.md``), in separate processes or on the floor, through a
:class:`bridge.controller.BridgeController`. The controller (``fleet.controller``)
drives it exactly as it drives the in-process :class:`fleet.simlink.SimLink`.

Every step (:meth:`ZmqLink.tick`) each robot gets one VDA 5050 order update
stitched at its last base node that *releases one more node*: the cell the
planner chose for it (its own cell for a wait), as
:class:`bridge.lockstep.LockstepDriver` does. Robots in lockstep mode
(``robocore robot --lockstep``) traverse it at once and report their state;
the step is over when every live robot's state shows the node traversed
(``lastNodeSequenceId`` of the released node and the update's ids), or after
``step_timeout_s``, in which case the robots that did not report are *late*
for that step (counted in :attr:`ZmqLink.late`) and taken at the released node
(VDA 5050: a released base is assumed driven). Robot positions are the
``lastNodeId`` of the robots' states.

What is not on the wire:

* **Humans** are not robots on the wire: they are simulated in this process
  by :class:`robocore.motion.Motion`, as in ``SimLink``.
* **In-place actions, batteries and faults** (pick, drop, charge durations,
  battery drain, random faults) are modelled in this process by the same
  :class:`~robocore.motion.Motion` for every agent, fed the positions the
  robots report. The robots' own ``batteryState`` is not read: a
  ``bridge.robot.Agv`` drains at ``robocore.motion``'s rates per moved or
  waited step, so it matches while a robot only drives, but picks and
  charging are not on the wire, so it diverges after the first pick.
* A robot that goes OFFLINE (its process died, or a clean shutdown) becomes a
  robot faulted for good: the controller takes its work back into the pool
  and plans around its last cell.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Sequence

import numpy as np

from bridge.controller import BridgeController
from bridge.messages import parse_node_id
from fleet.simlink import MotionLink
from robocore.grid import Grid
from robocore.motion import Motion, MotionEvent, MotionParams

__all__ = ["ZmqLink", "LoopbackFleet"]


class ZmqLink(MotionLink):
    """Robots over the bridge plus in-process humans, in lockstep.

    Parameters
    ----------
    grid, kinds, starts, params, battery, seed:
        As :class:`robocore.motion.Motion` (all agents, robots and humans).
    controller:
        A :class:`BridgeController` on a bound server.
    serials:
        Serial number of each robot agent, in agent order (one per robot).
    step_timeout_s:
        Longest wait for a step's states, seconds.
    connect_timeout_s:
        Longest wait in :meth:`connect` for every robot's first state.
    order_prefix:
        Order ids are ``<order_prefix>-<serial>``.

    Raises
    ------
    ValueError
        On bad start cells, or a serial count that is not the robot count.
    """

    def __init__(self, grid: Grid, kinds, starts, *, controller: BridgeController, serials: Sequence[str],
                 params: MotionParams = MotionParams(), battery=100.0, seed: int = 0,
                 step_timeout_s: float = 5.0, connect_timeout_s: float = 60.0, order_prefix: str = "shift"):
        self.motion = Motion(grid, kinds, starts, params=params, battery=battery, seed=seed)
        self.grid = grid
        self.ctl = controller
        self.robots = np.flatnonzero(self.motion.is_robot)
        if len(serials) != len(self.robots):
            raise ValueError(f"{len(serials)} serials for {len(self.robots)} robots")
        self.serials = [str(s) for s in serials]
        self.step_timeout_s = float(step_timeout_s)
        self.connect_timeout_s = float(connect_timeout_s)
        self.order_prefix = str(order_prefix)
        self.live = set(self.serials)
        self.late: dict[int, list[str]] = {}  #: step -> robots that missed its deadline
        self.gone: list[str] = []  #: robots that went OFFLINE, in order
        self.wait_s = 0.0  #: wall seconds spent waiting for states
        self._next: np.ndarray | None = None
        self._pending: list[MotionEvent] = []
        self._connected = False

    # ------------------------------------------------------------ connection
    def connect(self) -> None:
        """Wait for every robot's first state, put each on its start cell
        (``initPosition`` when it reports another one) and start its order.

        Raises
        ------
        TimeoutError
            If a robot does not report within ``connect_timeout_s``.
        """
        deadline = time.monotonic() + self.connect_timeout_s
        self._wait_for(lambda s, st: True, deadline, what="connect")
        cols = self.grid.cols
        moved = []
        for a, s in zip(self.robots, self.serials):
            want = divmod(int(self.motion.pos[a]), cols)
            if _cell(self.ctl.states[s]) != want:
                self.ctl.instant(s, "initPosition", blocking="HARD",
                                 parameters={"lastNodeId": f"r{want[0]}c{want[1]}"})
                moved.append(s)
        if moved:
            starts = {s: divmod(int(self.motion.pos[a]), cols) for a, s in zip(self.robots, self.serials)}
            self._wait_for(lambda s, st: _cell(st) == starts[s], deadline, what="initPosition")
        for a, s in zip(self.robots, self.serials):
            self.ctl.assign(s, f"{self.order_prefix}-{s}", [divmod(int(self.motion.pos[a]), cols)], released=1)
        self._wait_for(lambda s, st: not self.ctl.pending(s) and st["orderId"] == f"{self.order_prefix}-{s}",
                       deadline, what="first order")
        self._connected = True

    def _wait_for(self, ok, deadline: float, *, what: str) -> None:
        waiting = set(self.serials)
        while True:
            self.ctl.pump(5)
            for s in list(waiting):
                st = self.ctl.states.get(s)
                if st is not None and ok(s, st):
                    waiting.discard(s)
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: no answer from {len(waiting)} robot(s): {', '.join(sorted(waiting)[:5])}")

    # ----------------------------------------------------------- RobotLink
    def tick(self) -> list[MotionEvent]:
        """Release every live robot's next cell, wait for the step's states
        (or the timeout), then advance humans, actions and batteries.

        Raises
        ------
        TimeoutError
            From :meth:`connect` on the first call if robots never connect.
        """
        if not self._connected:
            self.connect()
        cols = self.grid.cols
        nxt = self.motion.pos.copy() if self._next is None else self._next.copy()
        self._next = None
        want: dict[str, int] = {}
        for a, s in zip(self.robots, self.serials):
            if s not in self.live:
                nxt[a] = self.motion.pos[a]
                continue
            base = self.ctl.channel(s).base_end
            cur = base[0] if base is not None else divmod(int(self.motion.pos[a]), cols)
            self.ctl.extend(s, [cur, divmod(int(nxt[a]), cols)], released=2)
            want[s] = self.ctl.channel(s).base_end[1]
        t = self.motion.step_no + 1
        t0 = time.monotonic()
        waiting = set(want)
        deadline = t0 + self.step_timeout_s
        while waiting:
            res = self.ctl.pump(1)
            for g in res.gone:
                self._lose(g.serial)
                waiting.discard(g.serial)
            for s in list(waiting):
                st = self.ctl.states.get(s)
                if st is not None and not self.ctl.pending(s) and st["lastNodeSequenceId"] >= want[s]:
                    waiting.discard(s)
            if waiting and time.monotonic() > deadline:
                self.late[t] = sorted(waiting)
                break
        self.wait_s += time.monotonic() - t0
        late = set(self.late.get(t, ()))
        for a, s in zip(self.robots, self.serials):
            if s in self.live and s not in late:
                r, c = _cell(self.ctl.states[s])
                nxt[a] = r * cols + c  # where the robot says it is
        events = self._pending + self.motion.advance(nxt)
        self._pending = []
        return events

    def _lose(self, serial: str) -> None:
        """A robot went OFFLINE: it becomes an obstacle, faulted for good."""
        if serial not in self.live:
            return
        self.live.discard(serial)
        self.gone.append(serial)
        a = int(self.robots[self.serials.index(serial)])
        if not self.motion.fault[a]:
            self._pending.append(self.motion.inject_fault(a))
        self.motion.fault_left[a] = 1 << 62

    def close(self) -> None:
        """Cancel the robots' orders (they stop where they are)."""
        for s in self.live:
            self.ctl.cancel(s)
        self.ctl.pump(0)


def _cell(state) -> tuple[int, int] | None:
    try:
        return parse_node_id(state["lastNodeId"])
    except (ValueError, KeyError, TypeError):
        return None


class LoopbackFleet:
    """A bridge on ephemeral loopback ports with simulated robot processes on it.

    Generates throw-away CURVE keys (controller and one pair per robot) in a
    temporary directory, binds a :class:`bridge.server.BridgeServer` on
    127.0.0.1, and starts ``robocore robot --lockstep`` (the same code as the
    command) over ``processes`` child processes. Use as a context manager;
    :meth:`link` makes the :class:`ZmqLink`.

    Parameters
    ----------
    layout_arg:
        The layout as given on the command line (bundled name or file), passed
        to the robot processes for the mapId and spawn cells.
    map_id:
        The layout's name.
    robots:
        Number of robots (serials ``R0000`` ...).
    processes:
        Robot processes (default: 1 per 50 robots, at least 1).
    """

    def __init__(self, layout_arg: str, *, map_id: str, robots: int, processes: int | None = None,
                 secure: bool = True, log_path: str | os.PathLike | None = None):
        from bridge.keys import KeyStore
        from bridge.server import BridgeServer

        self.serials = [f"R{i:04d}" for i in range(robots)]
        self._dir = tempfile.mkdtemp(prefix="robocore-keys-")
        keys = None
        if secure:
            keys = KeyStore(self._dir)
            keys.generate_controller()
            for s in self.serials:
                keys.generate_robot(s)
        self.server = BridgeServer(keys=keys, offline_after_s=10.0)
        self.controller = BridgeController(self.server, map_id=map_id, heartbeat_s=1.0)
        procs = processes if processes is not None else max(1, -(-robots // 50))
        cmd = [sys.executable, "-m", "robocore", "robot", "--count", str(robots), "--processes", str(procs),
               "--lockstep", "--connect", self.server.endpoint, "--layout", str(layout_arg)]
        cmd += ["--keys", self._dir] if secure else ["--insecure"]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.environ.get("PYTHONPATH", "")])}
        self._log = open(log_path, "wb") if log_path is not None else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=self._log) if robots else None

    def link(self, grid: Grid, kinds, starts, **options) -> ZmqLink:
        """A :class:`ZmqLink` over this fleet (options as :class:`ZmqLink`)."""
        return ZmqLink(grid, kinds, starts, controller=self.controller, serials=self.serials, **options)

    def close(self) -> None:
        """Stop the robot processes, unbind, delete the keys."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        self.server.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "LoopbackFleet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

