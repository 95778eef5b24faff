"""Simulated robots speaking the bridge protocol: many :class:`~bridge.robot.Agv` in one process.

:class:`SimRobots` owns one ZeroMQ context (its socket limit raised so a
thousand robots fit), one :class:`~bridge.client.RobotClient` and one
:class:`~bridge.robot.Agv` per robot, and one :class:`robocore.motion.Motion`
holding the bodies of all its robots (the in-process simulation's motion
model: moves, pick/drop/charge durations, battery, seeded faults; each robot
draws the faults of its agent number). All robots advance together, one
Motion step at a time:

* on the wall clock, every ``step_s`` seconds;
* in lockstep (the controller owns the clock), as soon as every robot of the
  process has a released node to traverse (the controller released the
  step's node to each), or ``batch_wait_s`` after the first one had one
  (a robot without a node then waits in place).

A robot sends its state after every step or command (in lockstep, a robot
waiting for its process's step sends it after the step) and at least every
``state_interval_s``; a robot that has heard nothing from the controller for
``silence_s`` reconnects.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

import numpy as np
import zmq

from robocore.agents import AgentKind
from robocore.grid import Grid
from robocore.motion import Motion, MotionParams

from bridge.client import RobotClient
from bridge.keys import KeyStore
from bridge.messages import ConnectionState, Topic, connection_message
from bridge.robot import Agv

__all__ = ["SimRobots"]

log = logging.getLogger("bridge.simrobots")


class SimRobots:
    """N simulated robots in this process.

    Parameters
    ----------
    serials, cells:
        Serial number and starting cell of each robot.
    endpoint:
        The controller's command endpoint.
    map_id:
        The layout's mapId.
    keys:
        Keys directory holding the controller public key and each robot's
        pair (``secrets/<serial>.key_secret``); None for plain TCP.
    step_s:
        Wall-clock seconds per time step.
    state_interval_s:
        Longest gap between two states of one robot (the heartbeat).
    silence_s:
        Reconnect after hearing nothing from the controller for this long.
    lockstep:
        Simulated time owned by the controller (:mod:`bridge.lockstep`): the
        robots step as soon as each has a released node, and the wall clock
        only paces heartbeats.
    grid:
        The floor (default: an open floor holding every start cell).
    params, seed, battery:
        The motion model, the seed of its fault draws, the starting charge.
    agents:
        Agent number of each robot on the floor, for its fault draws
        (default ``0..N-1``; ``robocore robot --first K`` numbers from K).
    batch_wait_s:
        In lockstep, longest wait for the other robots' nodes before stepping
        (then the robots without one wait in place, a step the controller did
        not ask of them: logged, counted in :attr:`partial_steps`).

    Raises
    ------
    ValueError
        On a start cell off the floor, not passable, or repeated.
    """

    def __init__(self, serials: Sequence[str], cells: Sequence[tuple[int, int]], *, endpoint: str, map_id: str,
                 keys: KeyStore | None = None, step_s: float = 0.1, state_interval_s: float = 1.0,
                 silence_s: float = 2.0, lockstep: bool = False, context: zmq.Context | None = None,
                 grid: Grid | None = None, params: MotionParams = MotionParams(), seed: int = 0,
                 battery: float = 100.0, agents: Sequence[int] | None = None, batch_wait_s: float = 2.0):
        if len(serials) != len(cells):
            raise ValueError(f"{len(serials)} serials but {len(cells)} cells")
        cells = [(int(c[0]), int(c[1])) for c in cells]
        if grid is None:
            from bridge.robot import _open_grid

            grid = _open_grid((max((c[0] for c in cells), default=0), max((c[1] for c in cells), default=0)))
        if any(not grid.in_bounds(c) for c in cells):
            raise ValueError("a robot's start cell is outside the floor")
        self.motion = Motion(grid, np.full(len(cells), AgentKind.ROBOT, dtype=np.uint8),
                             [grid.index(c) for c in cells], params=params, battery=battery, seed=seed,
                             ids=range(len(cells)) if agents is None else agents)
        self.ctx = context if context is not None else zmq.Context()
        self._own_ctx = context is None
        self.ctx.set(zmq.MAX_SOCKETS, max(self.ctx.get(zmq.MAX_SOCKETS), 2 * len(serials) + 64))
        server_public = keys.controller_public() if keys is not None else None
        self.agvs = [Agv(s, cell=c, map_id=map_id, body=(self.motion, i)) for i, (s, c) in enumerate(zip(serials, cells))]
        self.clients = [RobotClient(s, endpoint, context=self.ctx, server_public=server_public,
                                    keys=keys.robot(s) if keys is not None else None) for s in serials]
        self.step_s = float(step_s)
        self.state_interval_s = float(state_interval_s)
        self.silence_s = float(silence_s)
        self.lockstep = bool(lockstep)
        self.batch_wait_s = float(batch_wait_s)
        self.reconnects = 0
        self.partial_steps = 0  #: lockstep steps taken after batch_wait_s with some robots' updates missing
        self._first_ready: float | None = None  # lockstep: when a robot first had a node to traverse
        self._held: set[int] = set()  # lockstep: robots whose state waits for the process's step
        now = time.monotonic()
        self._last_state = [float("-inf")] * len(self.agvs)
        self._last_heard = [now] * len(self.agvs)
        self._next_step = now + self.step_s
        self._poller = zmq.Poller()
        for c in self.clients:
            self._poller.register(c.sock, zmq.POLLIN)
        for agv, c in zip(self.agvs, self.clients):
            c.send(Topic.CONNECTION, connection_message(agv.headers.next(Topic.CONNECTION), ConnectionState.ONLINE))
            self._send_state(agv, c, 0, now)

    def _send_state(self, agv: Agv, client: RobotClient, i: int, now: float) -> None:
        client.send(Topic.STATE, agv.state())
        self._last_state[i] = now

    def run_once(self, *, now: float | None = None) -> None:
        """Handle commands until the next step is due (at most one step_s), then step if due."""
        now = time.monotonic() if now is None else now
        wait_ms = max(0, int((self._next_step - now) * 1000))
        if self.lockstep and self._first_ready is not None:
            wait_ms = min(wait_ms, max(0, int((self._first_ready + self.batch_wait_s - now) * 1000)))
        ready = dict(self._poller.poll(wait_ms))
        now = time.monotonic()
        touched = []
        if ready:
            for i, c in enumerate(self.clients):
                if c.sock in ready and self._handle(i, now):
                    touched.append(i)
        if self.lockstep:
            self._lockstep(touched, now)
        if now >= self._next_step:
            self._next_step += self.step_s
            if self._next_step < now:  # fell behind: do not try to catch up in a burst
                self._next_step = now + self.step_s
            stepped = set() if self.lockstep else self.step()
            for i, (agv, c) in enumerate(zip(self.agvs, self.clients)):
                # A robot held for the lockstep step still sends its heartbeat state (the one before the step,
                # harmless to the controller's step wait): silent for longer, a controller would declare it gone.
                if i in stepped or now - self._last_state[i] >= self.state_interval_s:
                    self._send_state(agv, c, i, now)
                if now - self._last_heard[i] > self.silence_s:
                    self._reconnect(i, now)

    def step(self) -> set[int]:
        """Advance every robot one time step (one Motion step); returns the robots
        that traversed a node."""
        begun = [agv.begin_step() for agv in self.agvs]
        events = self.motion.advance(np.array([flat for flat, _ in begun], dtype=np.int64))
        mine: list[list] = [[] for _ in self.agvs]
        for ev in events:
            mine[ev.agent].append(ev)
        return {i for i, (agv, (_, node)) in enumerate(zip(self.agvs, begun)) if agv.end_step(node, mine[i])}

    def _lockstep(self, touched: list[int], now: float) -> None:
        """Step while every robot has a released node (or the batch wait ran out);
        send the states of touched robots not waiting for the step, and of all
        robots after a step."""
        for i in touched:
            if self.agvs[i].next_cell() is not None:
                self._held.add(i)
                if self._first_ready is None:
                    self._first_ready = now
            else:
                self._send_state(self.agvs[i], self.clients[i], i, now)
        stepped = False
        while self._held:
            if len(self._held) < len(self.agvs) and now - self._first_ready < self.batch_wait_s:
                break
            if len(self._held) < len(self.agvs):
                self.partial_steps += 1
                log.warning("lockstep: stepped %d robot(s) without an update after %.2f s (they wait in place)",
                            len(self.agvs) - len(self._held), now - self._first_ready)
            moved = self.step()
            stepped = True
            if not moved:  # nobody could traverse its node (busy robots given a move): wait for updates
                self._first_ready = now
                break
            self._held = {i for i, agv in enumerate(self.agvs) if agv.next_cell() is not None}
            self._first_ready = now if self._held else None
        if stepped:
            for i, (agv, c) in enumerate(zip(self.agvs, self.clients)):
                if i not in self._held:
                    self._send_state(agv, c, i, now)

    def _handle(self, i: int, now: float) -> bool:
        """Apply robot ``i``'s commands; True if it got any (its state is then due)."""
        agv, c = self.agvs[i], self.clients[i]
        cmds = c.recv(0)
        if not cmds:
            return False
        self._last_heard[i] = now
        for topic, msg in cmds:
            if topic == Topic.ORDER.value:
                agv.handle_order(msg)
            else:
                for reply_topic, reply in agv.handle_instant_actions(msg):
                    c.send(reply_topic, reply)
        if not self.lockstep:
            self._send_state(agv, c, i, now)
        return True

    def _reconnect(self, i: int, now: float) -> None:
        c = self.clients[i]
        self._poller.unregister(c.sock)
        c.reconnect()
        self._poller.register(c.sock, zmq.POLLIN)
        self._last_heard[i] = now
        self.reconnects += 1
        self._send_state(self.agvs[i], c, i, now)

    def run(self, *, duration_s: float | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Run until ``duration_s`` has passed or ``stop()`` is true (forever if neither)."""
        end = None if duration_s is None else time.monotonic() + duration_s
        while (end is None or time.monotonic() < end) and not (stop is not None and stop()):
            self.run_once()

    def close(self) -> None:
        """Say OFFLINE, close the sockets (and the context if owned)."""
        for agv, c in zip(self.agvs, self.clients):
            try:
                c.send(Topic.CONNECTION, connection_message(agv.headers.next(Topic.CONNECTION),
                                                            ConnectionState.OFFLINE))
            except zmq.ZMQError:
                pass
            c.close(linger_ms=200)
        if self._own_ctx:
            self.ctx.term()
