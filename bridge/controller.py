"""The controller's view of its robots over the bridge: orders, heartbeats, liveness.

:class:`BridgeController` sits on a :class:`~bridge.server.BridgeServer` and
keeps, per robot, an :class:`~bridge.order_channel.OrderChannel`, the robot's
last state, and the plan last sent. :meth:`BridgeController.pump` does one
round of I/O and bookkeeping and returns what happened as a
:class:`PumpResult`: states received, robots that (re)started, robots that
went OFFLINE with the unreleased part of their plan (work to give back to the
pool; their released base is assumed still driven). The fleet's ZeroMQ
``RobotLink`` and the benchmark drive robots through it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from bridge.codec import Message
from bridge.messages import Topic, action, instant_actions_message, parse_node_id
from bridge.order_channel import OrderChannel
from bridge.server import BridgeServer

__all__ = ["BridgeController", "PumpResult", "RobotGone"]

log = logging.getLogger("bridge.controller")
_STATE, _CONNECTION, _FACTSHEET = Topic.STATE.value, Topic.CONNECTION.value, Topic.FACTSHEET.value


@dataclass(frozen=True)
class RobotGone:
    """A robot that went OFFLINE.

    ``last_cell`` is its last reported cell; ``base`` the released cells it
    was still to drive (assumed driven); ``unreleased`` the planned cells
    after the base, never released, to give back to the pool.
    """

    serial: str
    last_cell: tuple[int, int] | None
    base: tuple[tuple[int, int], ...]
    unreleased: tuple[tuple[int, int], ...]


@dataclass
class PumpResult:
    """What one :meth:`BridgeController.pump` saw. Messages are :class:`~bridge.codec.Message`
    (read them like mappings)."""

    states: dict[str, Message] = field(default_factory=dict)  #: serial -> newest state this round
    started: list[str] = field(default_factory=list)  #: robots that (re)started: resynchronise them
    gone: list[RobotGone] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  #: robots whose pending order a state acknowledged
    rejected: list[tuple[str, Message]] = field(default_factory=list)  #: (serial, error)
    factsheets: dict[str, Message] = field(default_factory=dict)
    #: robots met mid-order (the controller restarted): their orders were taken over, see OrderChannel.resume
    resumed: list[str] = field(default_factory=list)


class BridgeController:
    """Orders and liveness for every robot on one :class:`BridgeServer`.

    Parameters
    ----------
    server:
        The bound bridge.
    map_id:
        The layout's mapId.
    resend_s:
        Re-send interval of unacknowledged orders, seconds.
    heartbeat_s:
        Send a ``stateRequest`` to a robot sent nothing for this long, seconds.
    """

    def __init__(self, server: BridgeServer, *, map_id: str, resend_s: float = 0.2, heartbeat_s: float = 1.0):
        self.server = server
        self.map_id = str(map_id)
        self.resend_s = float(resend_s)
        self.heartbeat_s = float(heartbeat_s)
        self.channels: dict[str, OrderChannel] = {}
        self.states: dict[str, Message] = {}  #: serial -> last state
        self.plans: dict[str, list[tuple[int, int]]] = {}  # cells last sent, from the stitching node
        self.released: dict[str, int] = {}  # how many of plans[serial] are released
        self._last_sent: dict[str, float] = {}
        self._action_ids = 0
        self.send_failures = 0
        self.housekeeping_s = 0.05  # re-sends, heartbeats and expiry at most this often
        self._housekept = float("-inf")
        self._heartbeat_checked = float("-inf")
        self._expiry_checked = float("-inf")

    def channel(self, serial: str) -> OrderChannel:
        ch = self.channels.get(serial)
        if ch is None:
            ch = self.channels[serial] = OrderChannel(serial, map_id=self.map_id, resend_s=self.resend_s)
        return ch

    # ---------------------------------------------------------------- orders
    def assign(self, serial: str, order_id: str, path: Sequence[Sequence[int]], *, released: int,
               now: float | None = None) -> None:
        """Start a new order for ``serial`` along ``path`` (``path[0]`` its cell) and send it."""
        self.channel(serial).new_order(order_id, path, released=released)
        self._remember(serial, path, released)
        self._send_due(serial, self._now(now))

    def extend(self, serial: str, path: Sequence[Sequence[int]], *, released: int,
               now: float | None = None, node_actions: dict[int, list[dict[str, Any]]] | None = None) -> None:
        """Send an update of ``serial``'s order stitched at its last base node (``path[0]``),
        with ``node_actions`` attached as :func:`bridge.messages.order_message` says.

        Raises
        ------
        ValueError
            If ``path[0]`` is not the last base node sent.
        """
        self.channel(serial).update(path, released=released, node_actions=node_actions)
        self._remember(serial, path, released)
        self._send_due(serial, self._now(now))

    def cancel(self, serial: str) -> bool:
        """Send ``cancelOrder``; the robot stops on its cell. False if it is not connected."""
        self.plans.pop(serial, None)
        self.channel(serial).forget(keep_base=False)
        return self.instant(serial, "cancelOrder", blocking="HARD")

    def instant(self, serial: str, action_type: str, *, blocking: str = "NONE",
                parameters: dict[str, Any] | None = None) -> bool:
        """Send one instant action to ``serial``."""
        self._action_ids += 1
        msg = instant_actions_message(self.server.robot_header(serial, Topic.INSTANT_ACTIONS), [
            action(action_type, f"{action_type}-{self._action_ids}", blocking=blocking, parameters=parameters)])
        return self._send(serial, Topic.INSTANT_ACTIONS, msg, time.monotonic())

    def _remember(self, serial: str, path, released: int) -> None:
        self.plans[serial] = [(int(c[0]), int(c[1])) for c in path]
        self.released[serial] = int(released)

    def pending(self, serial: str) -> bool:
        """True while ``serial``'s last order is not acknowledged."""
        ch = self.channels.get(serial)
        return ch is not None and ch.pending is not None

    # ------------------------------------------------------------------- I/O
    def pump(self, timeout_ms: int = 0, *, now: float | None = None) -> PumpResult:
        """Receive, acknowledge, re-send, heartbeat and expire; returns what happened."""
        res = PumpResult()
        for inb in self.server.poll(timeout_ms, now=now):
            if inb.new_incarnation:
                res.started.append(inb.serial)
                ch = self.channels.get(inb.serial)
                if ch is not None:  # the robot lost its order: the caller re-plans from its cell
                    ch.forget(keep_base=False)
                    self.plans.pop(inb.serial, None)
            if inb.topic == _STATE:
                if inb.serial not in self.channels and inb.msg["orderId"]:
                    # first word from a robot already on an order: this controller restarted
                    try:
                        self.channel(inb.serial).resume(inb.msg)
                        res.resumed.append(inb.serial)
                    except ValueError as err:  # a nodeId that is no cell: nothing to take over
                        self.channel(inb.serial).forget(keep_base=False)
                        log.warning("robot %s: cannot take over order %r: %s", inb.serial, inb.msg["orderId"], err)
                self.states[inb.serial] = inb.msg
                res.states[inb.serial] = inb.msg
                ch = self.channels.get(inb.serial)
                if ch is not None and ch.pending is not None:
                    if ch.on_state(inb.msg):
                        res.acknowledged.append(inb.serial)
                    elif ch.rejected is not None:
                        res.rejected.append((inb.serial, ch.rejected))
            elif inb.topic == _CONNECTION and inb.msg["connectionState"] != "ONLINE":
                res.gone.append(self._gone(inb.serial))  # a clean shutdown
            elif inb.topic == _FACTSHEET:
                res.factsheets[inb.serial] = inb.msg
        t = self._now(now)
        if t - self._housekept < self.housekeeping_s:
            return res
        self._housekept = t
        # Re-sends are due at their own times: check the channels with an order pending (20 times a second).
        peers = self.server.peers
        for serial, ch in self.channels.items():
            if ch.pending is not None and peers.is_online(serial):
                self._send_due(serial, t)
        # Heartbeats and expiry look at every robot: a quarter of heartbeat_s (an eighth of offline_after_s)
        # between two looks is early enough, and at 1,000 robots looking 20 times a second costs ~10 % of
        # the controller's CPU.
        if t - self._heartbeat_checked >= self.heartbeat_s / 4:
            self._heartbeat_checked = t
            last_sent, never = self._last_sent, float("-inf")
            for serial in peers.online():
                if t - last_sent.get(serial, never) >= self.heartbeat_s:
                    self.instant(serial, "stateRequest")
        if t - self._expiry_checked >= peers.offline_after_s / 8:
            self._expiry_checked = t
            for serial in self.server.expire(now):
                res.gone.append(self._gone(serial))
        return res

    def _send_due(self, serial: str, now: float) -> None:
        ch = self.channels.get(serial)
        msg = ch.due(now) if ch is not None else None
        if msg is not None:
            self._send(serial, Topic.ORDER, msg, now)

    def _send(self, serial: str, topic: Topic, msg: dict[str, Any], now: float) -> bool:
        ok = self.server.send(serial, topic, msg)
        if ok:
            self._last_sent[serial] = now
        else:
            self.send_failures += 1
        return ok

    def _gone(self, serial: str) -> RobotGone:
        state = self.states.get(serial)
        cell = None
        if state is not None:
            try:
                cell = parse_node_id(state["lastNodeId"])
            except ValueError:
                cell = None  # the robot never reported a cell we understand
        plan = self.plans.pop(serial, [])
        rel = self.released.get(serial, 0)
        ch = self.channels.get(serial)
        if ch is not None:
            ch.forget()
        return RobotGone(serial, cell, tuple(plan[:rel]), tuple(plan[rel:]))

    @staticmethod
    def _now(now: float | None) -> float:
        return time.monotonic() if now is None else now
