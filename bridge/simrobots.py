"""Simulated robots speaking the bridge protocol: many :class:`~bridge.robot.Agv` in one process.

:class:`SimRobots` owns one ZeroMQ context (its socket limit raised so a
thousand robots fit), one :class:`~bridge.client.RobotClient` and one
:class:`~bridge.robot.Agv` per robot, and runs them on the wall clock: every
``step_s`` seconds each robot traverses its next released node; a robot sends
its state after every change and at least every ``state_interval_s``; a robot
that has heard nothing from the controller for ``silence_s`` reconnects.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import zmq

from bridge.client import RobotClient
from bridge.keys import KeyStore
from bridge.messages import ConnectionState, Topic, connection_message
from bridge.robot import Agv

__all__ = ["SimRobots"]


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
        Simulated time owned by the controller (:mod:`bridge.lockstep`): a
        robot traverses its released nodes as soon as an order releases them,
        and the wall clock only paces heartbeats.
    """

    def __init__(self, serials: Sequence[str], cells: Sequence[tuple[int, int]], *, endpoint: str, map_id: str,
                 keys: KeyStore | None = None, step_s: float = 0.1, state_interval_s: float = 1.0,
                 silence_s: float = 2.0, lockstep: bool = False, context: zmq.Context | None = None):
        if len(serials) != len(cells):
            raise ValueError(f"{len(serials)} serials but {len(cells)} cells")
        self.ctx = context if context is not None else zmq.Context()
        self._own_ctx = context is None
        self.ctx.set(zmq.MAX_SOCKETS, max(self.ctx.get(zmq.MAX_SOCKETS), 2 * len(serials) + 64))
        server_public = keys.controller_public() if keys is not None else None
        self.agvs = [Agv(s, cell=c, map_id=map_id) for s, c in zip(serials, cells)]
        self.clients = [RobotClient(s, endpoint, context=self.ctx, server_public=server_public,
                                    keys=keys.robot(s) if keys is not None else None) for s in serials]
        self.step_s = float(step_s)
        self.state_interval_s = float(state_interval_s)
        self.silence_s = float(silence_s)
        self.lockstep = bool(lockstep)
        self.reconnects = 0
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
        ready = dict(self._poller.poll(wait_ms))
        now = time.monotonic()
        if ready:
            for i, c in enumerate(self.clients):
                if c.sock in ready:
                    self._handle(i, now)
        if now >= self._next_step:
            self._next_step += self.step_s
            if self._next_step < now:  # fell behind: do not try to catch up in a burst
                self._next_step = now + self.step_s
            for i, (agv, c) in enumerate(zip(self.agvs, self.clients)):
                moved = False if self.lockstep else agv.step()
                if moved or now - self._last_state[i] >= self.state_interval_s:
                    self._send_state(agv, c, i, now)
                if now - self._last_heard[i] > self.silence_s:
                    self._reconnect(i, now)

    def _handle(self, i: int, now: float) -> None:
        agv, c = self.agvs[i], self.clients[i]
        cmds = c.recv(0)
        if not cmds:
            return
        self._last_heard[i] = now
        for topic, msg in cmds:
            if topic == Topic.ORDER.value:
                agv.handle_order(msg)
                while self.lockstep and agv.next_cell() is not None:
                    agv.step()
            else:
                for reply_topic, reply in agv.handle_instant_actions(msg):
                    c.send(reply_topic, reply)
        self._send_state(agv, c, i, now)

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
