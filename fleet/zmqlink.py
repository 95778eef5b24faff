"""The ZeroMQ :class:`~fleet.link.RobotLink`: robots over the bridge, in lockstep simulated time.

:class:`ZmqLink` drives robots that speak the bridge protocol (``bridge``,
``docs/protocol.md``), in separate processes or on the floor, through a
:class:`bridge.controller.BridgeController`. The controller (``fleet.controller``)
drives it exactly as it drives the in-process :class:`fleet.simlink.SimLink`,
and gets the same events.

Every step (:meth:`ZmqLink.tick`) each robot gets one VDA 5050 order update
stitched at its last base node that *releases one more node*: the cell the
planner chose for it (its own cell for a wait), carrying the in-place actions
the controller commanded since the last step as node actions (``pick`` with
its ``units``, ``drop``, ``startCharging``; ``stopCharging`` goes as an
instant action before the update, as the robot may leave the charger in that
very step). Robots in
lockstep mode (``robocore robot --lockstep``) traverse it, run its actions
and one step of their motion model (:class:`robocore.motion.Motion`, the
model ``SimLink`` runs) and report their state; the step is over when every
live robot's state shows the node traversed (``lastNodeSequenceId`` of the
released node and the update's ids), or after ``step_timeout_s``, in which
case the robots that did not report are *late* for that step (counted in
:attr:`ZmqLink.late`) and taken at the released node (VDA 5050: a released
base is assumed driven) with their last reported battery.

The robots' states become the link's events, as :class:`robocore.motion.Motion`
would have emitted them in-process:

* ``actionStates``: a ``pick``/``drop`` FINISHED is PICKED/DROPPED (with the
  command's ``ref``);
* ``errors``: a FATAL ``robotFault`` appearing is FAULT (``ref`` of the
  aborted action), its disappearing CLEARED;
* ``batteryState``: charging ending at 100 % is CHARGED; the charge crossing
  ``low_battery`` or reaching 0 is BATTERY_LOW / BATTERY_EMPTY;
* ``lastNodeId`` on the goal the controller set is ARRIVED.

**Humans** are not robots on the wire: they are simulated in this process by
a :class:`robocore.motion.Motion`, as in ``SimLink``. A robot that goes
OFFLINE (its process died, or a clean shutdown) becomes a robot faulted for
good: the controller takes its work back into the pool and plans around its
last cell.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Sequence

import numpy as np

from bridge.controller import BridgeController
from bridge.messages import action, parse_node_id
from bridge.robot import FAULT_ERROR
from fleet.link import Command, RobotLink
from robocore.grid import CellKind, Grid
from robocore.motion import Action, EventKind, Motion, MotionError, MotionEvent, MotionParams

__all__ = ["ZmqLink", "LoopbackFleet"]

log = logging.getLogger("fleet.zmqlink")

#: Motion.advance's order of event kinds within a step (agents ascending within each).
_RANK = {EventKind.CHARGED: 0, EventKind.PICKED: 1, EventKind.DROPPED: 1, EventKind.BATTERY_LOW: 2,
         EventKind.BATTERY_EMPTY: 3, EventKind.CLEARED: 4, EventKind.FAULT: 5, EventKind.ARRIVED: 6}
_ACTION_TYPE = {Action.PICK: "pick", Action.DROP: "drop", Action.CHARGE: "startCharging"}


class ZmqLink(RobotLink):
    """Robots over the bridge plus in-process humans, in lockstep.

    Parameters
    ----------
    grid, kinds, starts, params, battery, seed:
        As :class:`robocore.motion.Motion` (all agents, robots and humans).
        The robots run their own motion model; ``params`` and ``battery`` are
        what the link assumes of them (low-battery threshold, charger cells,
        starting charge) and what the humans here run.
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
    adopt:
        A restarted controller (``robocore serve --db EXISTING``): ask each
        robot for its state, drain what it queued while no controller
        listened, and take it where that state says it is (no ``initPosition``), with
        its battery, running pick or drop and fault, stop its charging, and continue
        the order it reports (``OrderChannel.resume``) instead of starting one.

    Raises
    ------
    ValueError
        On bad start cells, or a serial count that is not the robot count.
    """

    def __init__(self, grid: Grid, kinds, starts, *, controller: BridgeController, serials: Sequence[str],
                 params: MotionParams = MotionParams(), battery=100.0, seed: int = 0,
                 step_timeout_s: float = 5.0, connect_timeout_s: float = 60.0, order_prefix: str = "shift",
                 adopt: bool = False):
        everyone = Motion(grid, kinds, starts, params=params, battery=battery, seed=seed)  # validates the starts
        self.grid = grid
        self.params = params
        self._kinds = everyone.kinds
        self.is_human = everyone.is_human
        self.robots = np.flatnonzero(~self.is_human)
        self.humans = np.flatnonzero(self.is_human)
        if len(serials) != len(self.robots):
            raise ValueError(f"{len(serials)} serials for {len(self.robots)} robots")
        self.humans_motion = Motion(grid, self._kinds[self.humans], everyone.pos[self.humans],
                                    params=dataclasses.replace(params, fault_rate=0.0), seed=seed, ids=self.humans)
        n = len(self._kinds)
        self._pos = everyone.pos.copy()
        self._battery = everyone.battery.copy()
        self._action = np.zeros(n, dtype=np.int8)  # robots: the in-place action running, as Motion.action
        self._ref = np.full(n, -1, dtype=np.int64)
        self._fault = np.zeros(n, dtype=bool)
        self._dead = np.zeros(n, dtype=bool)  # OFFLINE robots: faulted for good
        self._goal = self._pos.copy()
        self._goal_pending = np.zeros(n, dtype=bool)
        self._charger = grid.kinds.ravel() == CellKind.CHARGER
        self._step = 0
        self.ctl = controller
        self.serials = [str(s) for s in serials]
        self._agent = {s: int(a) for a, s in zip(self.robots, self.serials)}
        self.step_timeout_s = float(step_timeout_s)
        self.connect_timeout_s = float(connect_timeout_s)
        self.order_prefix = str(order_prefix)
        self.live = set(self.serials)
        self.late: dict[int, list[str]] = {}  #: step -> robots that missed its deadline
        self.gone: list[str] = []  #: robots that went OFFLINE, in order
        self.wait_s = 0.0  #: wall seconds spent waiting for states
        self._next: np.ndarray | None = None
        self._pending: list[MotionEvent] = []
        self._queued: dict[int, list[dict]] = {}  # robot agent -> node actions for its next update
        self._open: dict[str, tuple[int, Action, int]] = {}  # actionId -> (agent, action, ref), not ended yet
        self._action_ids = 0
        self._connected = False
        self.adopt = bool(adopt)

    # ------------------------------------------------------------ RobotLink
    @property
    def kinds(self) -> np.ndarray:
        return self._kinds

    @property
    def step_no(self) -> int:
        return self._step

    def positions(self) -> np.ndarray:
        return self._pos

    def batteries(self) -> np.ndarray:
        return self._battery

    def movable(self) -> np.ndarray:
        m = (self._action == Action.NONE) & ~self._fault & (self._battery > 0.0)
        m[self.humans] = self.humans_motion.movable()
        return m

    def set_goal(self, agent: int, cell: int) -> None:
        self._goal[agent] = int(cell)
        self._goal_pending[agent] = True
        if self.is_human[agent]:
            self.humans_motion.set_goal(self._human(agent), cell)

    def command(self, cmd: Command) -> None:
        """Start or stop an in-place action: for a human at once, for a robot as a
        node action on its next order update.

        Raises :class:`robocore.motion.MotionError` as
        :meth:`robocore.motion.Motion.start` does, and when asked to stop a
        robot's pick or drop (only charging can be stopped over the wire).
        """
        a = cmd.agent
        if self.is_human[a]:
            h = self._human(a)
            if cmd.action == Action.NONE:
                self.humans_motion.stop(h)
            else:
                self.humans_motion.start(h, cmd.action, ref=cmd.ref, units=cmd.units)
            return
        act = Action(cmd.action)
        if act == Action.NONE:
            if self._action[a] == Action.NONE:
                return
            if self._action[a] != Action.CHARGE:
                raise MotionError(f"agent {a}: a {Action(int(self._action[a])).name.lower()} cannot be stopped")
            queued = self._queued.get(a, [])
            if queued and queued[-1]["actionType"] == "startCharging":  # started and stopped in one step: neither
                self._open.pop(queued.pop()["actionId"], None)
                self._action[a], self._ref[a] = Action.NONE, -1
                return
            # an instant action: the robot leaves the charger in the coming step, so it must stop first
            self.ctl.instant(self.serials[int(np.searchsorted(self.robots, a))], "stopCharging", blocking="HARD")
            self._action[a], self._ref[a] = Action.NONE, -1
            return
        if self._fault[a]:
            raise MotionError(f"agent {a}: cannot {act.name.lower()} while faulted")
        if self._action[a] != Action.NONE:
            raise MotionError(f"agent {a}: busy with {Action(int(self._action[a])).name.lower()}")
        if act == Action.PICK and cmd.units < 1:
            raise MotionError(f"agent {a}: pick of {cmd.units} units")
        if act == Action.CHARGE and not self._charger[self._pos[a]]:
            raise MotionError(f"agent {a}: charge away from a charger")
        if act not in _ACTION_TYPE:
            raise MotionError(f"agent {a}: unknown action {cmd.action!r}")
        self._queue(a, _ACTION_TYPE[act], act, cmd.ref, units=cmd.units if act == Action.PICK else None)
        self._action[a], self._ref[a] = act, cmd.ref

    def _queue(self, agent: int, action_type: str, act: Action, ref: int, *, units: int | None = None) -> None:
        self._action_ids += 1
        aid = f"{action_type}-{self._action_ids}"
        self._queued.setdefault(agent, []).append(
            action(action_type, aid, blocking="HARD", parameters={"units": int(units)} if units is not None else None))
        self._open[aid] = (agent, act, int(ref))

    def send_moves(self, next_cells: np.ndarray) -> None:
        self._next = np.asarray(next_cells, dtype=np.int64)

    def _human(self, agent: int) -> int:
        return int(np.searchsorted(self.humans, agent))

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
        if self.adopt:
            self._fresh_states(deadline)
            self._adopt()
        moved = []
        for a, s in zip(self.robots, self.serials):
            want = divmod(int(self._pos[a]), cols)
            if _cell(self.ctl.states[s]) != want:
                self.ctl.instant(s, "initPosition", blocking="HARD",
                                 parameters={"lastNodeId": f"r{want[0]}c{want[1]}"})
                moved.append(s)
        if moved:
            starts = {s: divmod(int(self._pos[a]), cols) for a, s in zip(self.robots, self.serials)}
            self._wait_for(lambda s, st: _cell(st) == starts[s], deadline, what="initPosition")
        for a, s in zip(self.robots, self.serials):
            ch = self.ctl.channel(s)
            if self.adopt and ch.base_end is not None:
                continue  # the robot's order was taken over: it is continued with updates
            oid = f"{self.order_prefix}-{s}"
            if self.ctl.states[s]["orderId"] == oid:  # the robot still holds a dead controller's order
                oid = f"{oid}-{self.ctl.states[s]['headerId']}"
            self.ctl.assign(s, oid, [divmod(int(self._pos[a]), cols)], released=1)
        self._wait_for(lambda s, st: not self.ctl.pending(s) and st["orderId"] == self.ctl.channel(s).order_id,
                       deadline, what="first order")
        self._connected = True

    def _fresh_states(self, deadline: float, *, quiet_s: float = 0.05) -> None:
        """Make ``ctl.states`` the robots' current states: what a robot sent while no controller listened
        arrives first, oldest first (its DEALER queued it), so ask each robot for its state now and read
        until the queue is drained (``quiet_s`` without a state, or ``deadline``)."""
        for s in self.serials:
            self.ctl.instant(s, "stateRequest")
        quiet_until = time.monotonic() + quiet_s
        while time.monotonic() < min(quiet_until, deadline):
            if self.ctl.pump(5).states:
                quiet_until = time.monotonic() + quiet_s

    def _adopt(self) -> None:
        """Take the robots as their first states show them (see ``adopt``)."""
        cols = self.grid.cols
        for a, s in zip(self.robots, self.serials):
            a = int(a)
            st = self.ctl.states[s]
            cell = _cell(st)
            if cell is not None and self.grid.in_bounds(cell) and self.grid.is_passable(cell):
                self._pos[a] = self._goal[a] = cell[0] * cols + cell[1]
            self._battery[a] = float(st["batteryState"]["batteryCharge"])
            for ast in st["actionStates"]:
                if ast["actionStatus"] == "RUNNING" and ast["actionType"] in ("pick", "drop"):
                    act = Action.PICK if ast["actionType"] == "pick" else Action.DROP
                    self._action[a], self._ref[a] = act, -1
                    self._open[ast["actionId"]] = (a, act, -1)
            if st["batteryState"].get("charging"):
                self.ctl.instant(s, "stopCharging", blocking="HARD")
            if _faulted(st):  # stopped on a fault: held from the first plan on, its FAULT reported at the first tick
                self._fault[a] = True
                self._pending.append(MotionEvent(EventKind.FAULT, a, self._step, ref=-1))

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

    # ------------------------------------------------------------------ step
    def tick(self) -> list[MotionEvent]:
        """Release every live robot's next cell (with its queued actions), wait
        for the step's states (or the timeout), advance the humans, and turn
        the robots' states into events.

        Raises
        ------
        TimeoutError
            From :meth:`connect` on the first call if robots never connect.
        """
        if not self._connected:
            self.connect()
        cols = self.grid.cols
        nxt = self._pos.copy() if self._next is None else self._next.copy()
        self._next = None
        want: dict[str, int] = {}
        for a, s in zip(self.robots, self.serials):
            if s not in self.live:
                nxt[a] = self._pos[a]
                self._queued.pop(int(a), None)
                continue
            ch = self.ctl.channel(s)
            cur = ch.base_end[0] if ch.base_end is not None else divmod(int(self._pos[a]), cols)
            acts = self._queued.pop(int(a), None)
            self.ctl.extend(s, [cur, divmod(int(nxt[a]), cols)], released=2, node_actions={1: acts} if acts else None)
            want[s] = ch.base_end[1]
        self._step += 1
        t = self._step
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
        first, self._pending = self._pending, []  # robots lost while waiting: reported first, as SimLink's drills
        events: list[MotionEvent] = []
        if len(self.humans):
            for ev in self.humans_motion.advance(nxt[self.humans]):
                events.append(dataclasses.replace(ev, agent=int(self.humans[ev.agent])))
            self._pos[self.humans] = self.humans_motion.pos
        late = set(self.late.get(t, ()))
        for a, s in zip(self.robots, self.serials):
            a = int(a)
            if s not in self.live:
                continue
            if s in late:
                self._pos[a] = nxt[a]  # a released base is assumed driven
                continue
            self._robot_events(a, self.ctl.states[s], t, events)
        arrived = self._goal_pending & (self._pos == self._goal) & ~self._fault & ~self.is_human
        for a in np.flatnonzero(arrived):
            self._goal_pending[a] = False
            events.append(MotionEvent(EventKind.ARRIVED, int(a), t, value=float(self._goal[a])))
        self._goal_pending[self.humans] = False  # the humans' Motion reports their arrivals
        events.sort(key=lambda e: (_RANK[e.kind], e.agent))
        return first + events

    def _robot_events(self, a: int, st: dict, t: int, events: list[MotionEvent]) -> None:
        """Turn robot ``a``'s state after step ``t`` into Motion events (see the module docstring)."""
        p = self.params
        cell = _cell(st)
        if cell is not None:
            self._pos[a] = cell[0] * self.grid.cols + cell[1]
        for ast in st["actionStates"]:
            opened = self._open.get(ast["actionId"])
            if opened is None or ast["actionStatus"] not in ("FINISHED", "FAILED"):
                continue
            del self._open[ast["actionId"]]
            _, act, ref = opened
            if act in (Action.PICK, Action.DROP) and ast["actionStatus"] == "FINISHED":
                events.append(MotionEvent(EventKind.PICKED if act == Action.PICK else EventKind.DROPPED, a, t, ref=ref))
                self._action[a], self._ref[a] = Action.NONE, -1
            elif ast["actionStatus"] == "FAILED" and not _faulted(st):
                log.warning("robot %s: %s %s failed: %s", st.get("serialNumber"), ast["actionType"],
                            ast["actionId"], ast.get("resultDescription", ""))
                if self._action[a] == act:
                    self._action[a], self._ref[a] = Action.NONE, -1
        batt = st["batteryState"]
        before, after = float(self._battery[a]), float(batt["batteryCharge"])
        self._battery[a] = after
        if self._action[a] == Action.CHARGE and not batt.get("charging", False) and after >= 100.0:
            events.append(MotionEvent(EventKind.CHARGED, a, t, value=100.0))
            self._action[a], self._ref[a] = Action.NONE, -1
        if before >= p.low_battery > after:
            events.append(MotionEvent(EventKind.BATTERY_LOW, a, t, value=after))
        if before > 0.0 >= after:
            events.append(MotionEvent(EventKind.BATTERY_EMPTY, a, t, value=0.0))
        faulted = _faulted(st)
        if self._fault[a] and not faulted and not self._dead[a]:
            self._fault[a] = False
            events.append(MotionEvent(EventKind.CLEARED, a, t))
        elif faulted and not self._fault[a]:
            self._fault[a] = True
            ref = int(self._ref[a]) if self._action[a] != Action.NONE else -1
            self._action[a], self._ref[a] = Action.NONE, -1
            events.append(MotionEvent(EventKind.FAULT, a, t, ref=ref))

    def _lose(self, serial: str) -> None:
        """A robot went OFFLINE: it becomes an obstacle, faulted for good."""
        if serial not in self.live:
            return
        self.live.discard(serial)
        self.gone.append(serial)
        a = self._agent[serial]
        self._dead[a] = True
        if not self._fault[a]:
            ref = int(self._ref[a]) if self._action[a] != Action.NONE else -1
            self._fault[a] = True
            self._action[a], self._ref[a] = Action.NONE, -1
            self._pending.append(MotionEvent(EventKind.FAULT, a, self._step, ref=ref))

    def close(self) -> None:
        """Cancel the robots' orders (they stop where they are)."""
        for s in self.live:
            self.ctl.cancel(s)
        self.ctl.pump(0)


def _faulted(state) -> bool:
    return any(e.get("errorType") == FAULT_ERROR and e.get("errorLevel") == "FATAL" for e in state["errors"])


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
    params, seed, battery:
        The robots' motion model, fault seed and starting charge (``robocore
        robot --motion --seed --battery``); :meth:`link` must be given the same.
    """

    def __init__(self, layout_arg: str, *, map_id: str, robots: int, processes: int | None = None,
                 secure: bool = True, log_path: str | os.PathLike | None = None,
                 params: MotionParams = MotionParams(), seed: int = 0, battery: float = 100.0):
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
        cmd += ["--seed", str(int(seed)), "--battery", repr(float(battery)),
                "--motion", json.dumps(dataclasses.asdict(params), separators=(",", ":"))]
        self.params, self.seed, self.battery = params, int(seed), float(battery)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.environ.get("PYTHONPATH", "")])}
        self._log = open(log_path, "wb") if log_path is not None else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=self._log) if robots else None

    def link(self, grid: Grid, kinds, starts, **options) -> ZmqLink:
        """A :class:`ZmqLink` over this fleet (options as :class:`ZmqLink`).

        Raises
        ------
        ValueError
            If ``params``, ``seed`` or ``battery`` differ from the robots' own
            (the two sides would then disagree on every pick and battery).
        """
        for name in ("params", "seed", "battery"):
            if name in options and options[name] != getattr(self, name):
                raise ValueError(f"link {name}={options[name]!r} but the robot processes run {getattr(self, name)!r}")
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

