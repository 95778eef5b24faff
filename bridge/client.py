"""The robot's end of the bridge: a DEALER whose routing identity is its serial number.

A :class:`RobotClient` connects to the controller's command ROUTER, sends
``[topic, payload]`` and receives ``[topic, payload, expires]`` (see
:mod:`bridge.server`). Commands that arrive after their ``expires`` time, or
that do not decode, are dropped and counted in :attr:`RobotClient.dropped`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import zmq

from bridge.codec import DEFAULT_MAX_BYTES, ProtocolError, Reason, decode, encode
from bridge.keys import KeyPair
from bridge.messages import Topic

__all__ = ["RobotClient"]

log = logging.getLogger("bridge.client")
_COMMAND_TOPICS = frozenset({Topic.ORDER.value, Topic.INSTANT_ACTIONS.value})
_TOPIC_BYTES: dict = {**{t: t.value.encode() for t in Topic}, **{t.value: t.value.encode() for t in Topic}}
_NOBLOCK = int(zmq.NOBLOCK)
_SNDMORE_NOBLOCK = int(zmq.SNDMORE) | int(zmq.NOBLOCK)


class RobotClient:
    """One robot's connection.

    Parameters
    ----------
    serial_number:
        The robot's serial; becomes the DEALER's routing identity.
    endpoint:
        The controller's command endpoint, ``tcp://host:port``.
    context:
        A ``zmq.Context`` (shared by the robots of one process).
    server_public:
        The controller's Z85 public key; None for plain TCP.
    keys:
        The robot's own key pair (required with ``server_public``).
    """

    def __init__(self, serial_number: str, endpoint: str, *, context: zmq.Context,
                 server_public: bytes | None = None, keys: KeyPair | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.serial_number = str(serial_number)
        self.max_bytes = int(max_bytes)
        self.dropped: Counter[str] = Counter()
        self._args = (endpoint, context, server_public, keys)
        self.sock = self._connect()

    def _connect(self) -> zmq.Socket:
        endpoint, context, server_public, keys = self._args
        self.sock = context.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.ROUTING_ID, self.serial_number.encode())
        self.sock.setsockopt(zmq.SNDHWM, 0)
        self.sock.setsockopt(zmq.RCVHWM, 0)
        self.sock.setsockopt(zmq.RECONNECT_IVL, 100)
        if server_public is not None:
            if keys is None or keys.secret is None:
                raise ValueError("a CURVE client needs its own key pair")
            self.sock.curve_serverkey = server_public
            self.sock.curve_publickey = keys.public
            self.sock.curve_secretkey = keys.secret
        self.sock.connect(endpoint)
        return self.sock

    def reconnect(self) -> None:
        """Drop the connection and make a new one (what a robot does when the controller falls silent).

        The new connection takes the robot's identity back (``ROUTER_HANDOVER``);
        queued unsent messages are lost.
        """
        self.sock.close(0)
        self._connect()

    def send(self, topic: Topic | str, msg: dict[str, Any]) -> bool:
        """Queue one message for the controller (never blocks). Returns False,
        counting it in ``dropped["unsent"]``, when no connection can take it
        (the controller refused the handshake, e.g. a key it does not know);
        the robot keeps running and its next state is the retry."""
        name = _TOPIC_BYTES.get(topic)
        if name is None:
            name = Topic(topic).value.encode()
        try:
            self.sock.send(name, _SNDMORE_NOBLOCK)  # two sends with int flags: send_multipart costs ~2x
        except zmq.Again:
            self.dropped["unsent"] += 1
            return False
        self.sock.send(encode(msg), _NOBLOCK)  # a message's later frames follow its first
        return True

    def recv(self, timeout_ms: int = 0, *, now_wall: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Commands that arrived (waiting up to ``timeout_ms`` for the first), as ``(topic, msg)``."""
        out: list[tuple[str, dict[str, Any]]] = []
        if not self.sock.poll(timeout_ms):
            return out
        while True:
            try:
                frames = self.sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return out
            got = self._check(frames, time.time() if now_wall is None else now_wall)
            if got is not None:
                out.append(got)

    def _check(self, frames: list[bytes], now_wall: float) -> tuple[str, dict[str, Any]] | None:
        if len(frames) != 3:
            return self._drop(Reason.BAD_FRAMES, f"{len(frames)} frames, expected 3")
        topic = frames[0].decode("ascii", "replace")
        try:
            expires = int(frames[2])
        except ValueError:
            return self._drop(Reason.BAD_FRAMES, f"expires frame {frames[2][:20]!r} is not an integer")
        if expires and now_wall * 1000 > expires:
            return self._drop(Reason.EXPIRED, f"{topic} expired {now_wall * 1000 - expires:.0f} ms ago")
        try:
            if topic not in _COMMAND_TOPICS:
                raise ProtocolError(Reason.UNKNOWN_TOPIC, f"the controller may not send {topic[:40]!r}")
            msg = decode(topic, frames[1], max_bytes=self.max_bytes)
        except ProtocolError as err:
            return self._drop(err.reason, str(err))
        return topic, msg

    def _drop(self, reason: Reason, detail: str) -> None:
        self.dropped[reason.value] += 1
        log.warning("%s dropped a command (%s): %s", self.serial_number, reason.value, detail)
        return None

    def close(self, *, linger_ms: int = 0) -> None:
        """Close the socket, giving queued messages ``linger_ms`` to leave."""
        self.sock.close(linger_ms)
