"""Floor telemetry: a sequenced PUB stream plus a snapshot socket (the zguide's Clone pattern).

The controller publishes every accepted robot ``state``, ``visualization`` and
``connection`` (and anything else it chooses) as three frames::

    key       b"<topic>/<serialNumber>"       (SUB filters by prefix)
    sequence  8-byte big-endian unsigned int, +1 per published message
    payload   msgpack of the VDA 5050 message

and keeps the latest message per key. A late joiner subscribes first, then
asks the snapshot ROUTER for the current values (``[b"ICANHAZ?", prefix]``);
the reply is one ``[key, sequence, payload]`` per stored key matching
``prefix`` followed by ``[b"KTHXBAI", sequence]`` (the sequence of the last
message published before the snapshot). The joiner then applies stream
messages whose sequence is greater than that.

The controller's stream socket is an XPUB: it reads the subscriptions, and
while no subscriber is connected and no snapshot was asked for in the last
:data:`LISTEN_GRACE_S` seconds it skips the sends (the sequence still counts
and the latest values are still kept, so a joiner's snapshot is complete; a
joiner always subscribes before it asks for the snapshot, and the snapshot
request turns the sends back on before it is answered). With a plain PUB
every message is sent.

Besides VDA 5050 topics, the stream may carry ``floor/<run>`` and
``layout/<run>`` keys from a simulation's :class:`bridge.floor.FloorPublisher`;
:class:`TelemetrySubscriber` decodes those with :mod:`bridge.floor`.
"""

from __future__ import annotations

import struct
import time
from typing import Any

import zmq

from bridge.codec import decode, encode

__all__ = ["TelemetryPublisher", "TelemetrySubscriber", "SNAPSHOT_REQUEST", "SNAPSHOT_END", "LISTEN_GRACE_S"]

SNAPSHOT_REQUEST = b"ICANHAZ?"
SNAPSHOT_END = b"KTHXBAI"
_SEQ = struct.Struct(">Q")
_SNDMORE = int(zmq.SNDMORE)
_NOBLOCK = int(zmq.NOBLOCK)
#: Seconds the stream keeps being sent after a snapshot request even if no subscription has been
#: seen yet (a joiner's subscription and its snapshot request travel on different connections).
LISTEN_GRACE_S = 30.0


class TelemetryPublisher:
    """The controller's stream (PUB or XPUB) and snapshot ROUTER (both bound by the caller).

    With an XPUB, call :meth:`serve_subscriptions` when it is readable;
    :attr:`skipped` counts messages not sent because nobody listened.
    """

    def __init__(self, pub: zmq.Socket, snapshot: zmq.Socket, *, listen_grace_s: float = LISTEN_GRACE_S):
        self.pub = pub
        self.snapshot = snapshot
        self.sequence = 0
        self.latest: dict[bytes, tuple[int, bytes]] = {}
        self._keys: dict[str, dict[str, bytes]] = {}  # topic -> serial -> key
        self.tracks_subscribers = pub.type == zmq.XPUB
        #: prefixes with at least one subscriber (XPUB only)
        self.subscriptions: set[bytes] = set()
        self.listen_grace_s = float(listen_grace_s)
        self._grace_until = float("-inf")  # after a snapshot request: send even before a subscription shows
        self.skipped = 0

    @property
    def listening(self) -> bool:
        """True when the stream is sent (always with a plain PUB)."""
        return (not self.tracks_subscribers or bool(self.subscriptions)
                or time.monotonic() < self._grace_until)

    def publish(self, topic: str, serial: str, msg: dict[str, Any]) -> int:
        """Publish ``msg`` under ``<topic>/<serial>``; returns its sequence number."""
        return self.publish_payload(topic, serial, encode(msg))

    def publish_payload(self, topic: str, serial: str, payload: bytes) -> int:
        """Publish an already msgpack-encoded message; returns its sequence number."""
        self.sequence += 1
        keys = self._keys.get(topic)
        if keys is None:
            keys = self._keys[topic] = {}
        key = keys.get(serial)
        if key is None:
            key = keys[serial] = f"{topic}/{serial}".encode()
        seq = self.sequence
        self.latest[key] = (seq, payload)
        if self.subscriptions or self.listening:  # (the set first: the common case with a viewer, no call)
            send = self.pub.send  # three sends with int flags: send_multipart costs ~2x per message
            send(key, _SNDMORE)
            send(_SEQ.pack(seq), _SNDMORE)
            send(payload)
        else:
            self.skipped += 1
        return seq

    def serve_subscriptions(self) -> int:
        """Read the XPUB's pending (un)subscriptions without blocking; returns how many were read.

        libzmq passes the first subscription to a prefix and the last
        unsubscription from it (also when a subscriber disconnects).
        """
        if not self.tracks_subscribers:
            return 0
        n = 0
        while True:
            try:
                frame = self.pub.recv(_NOBLOCK)
            except zmq.Again:
                return n
            n += 1
            if frame[:1] == b"\x01":
                self.subscriptions.add(frame[1:])
            elif frame[:1] == b"\x00":
                self.subscriptions.discard(frame[1:])

    def serve_snapshot(self) -> int:
        """Answer every pending snapshot request without blocking; returns how many were answered."""
        served = 0
        while True:
            try:
                frames = self.snapshot.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return served
            if len(frames) != 3 or frames[1] != SNAPSHOT_REQUEST:
                continue  # malformed request: ignored
            # a joiner subscribed before asking: send the stream from here on, even if its
            # subscription has not reached the XPUB yet
            self._grace_until = time.monotonic() + self.listen_grace_s
            ident, prefix = frames[0], frames[2]
            for key, (seq, payload) in sorted(self.latest.items()):
                if key.startswith(prefix):
                    self.snapshot.send_multipart([ident, key, _SEQ.pack(seq), payload])
            self.snapshot.send_multipart([ident, SNAPSHOT_END, _SEQ.pack(self.sequence)])
            served += 1


def _decode(topic: bytes, payload: bytes) -> dict[str, Any]:
    """A VDA 5050 message through :func:`bridge.codec.decode`, or a floor/layout message (:mod:`bridge.floor`)."""
    if topic == b"floor":
        from bridge.floor import decode_floor

        return decode_floor(payload)
    if topic == b"layout":
        from bridge.floor import decode_layout

        return decode_layout(payload)
    return decode(topic, payload)


class TelemetrySubscriber:
    """A viewer's side: SUB to the stream, snapshot on join, then live updates.

    Parameters
    ----------
    context:
        A ``zmq.Context``.
    pub_endpoint, snapshot_endpoint:
        The controller's telemetry endpoints.
    prefix:
        Key prefix to follow (``b""`` for everything, ``b"state/"`` for states).
    curve:
        ``(server_public, client_public, client_secret)`` Z85 keys, or None for plain TCP.
    """

    def __init__(self, context: zmq.Context, pub_endpoint: str, snapshot_endpoint: str, *, prefix: bytes = b"",
                 curve: tuple[bytes, bytes, bytes] | None = None):
        self.sub = context.socket(zmq.SUB)
        self.snap = context.socket(zmq.DEALER)
        for s in (self.sub, self.snap):
            s.setsockopt(zmq.LINGER, 0)
            if curve is not None:
                s.curve_serverkey, s.curve_publickey, s.curve_secretkey = curve
        self.sub.setsockopt(zmq.SUBSCRIBE, prefix)
        self.sub.connect(pub_endpoint)
        self.snap.connect(snapshot_endpoint)
        self.prefix = prefix
        self.values: dict[str, dict[str, Any]] = {}
        self.sequence = 0
        self.synced = False
        self.gaps = 0
        self._early: list[tuple[bytes, int, bytes]] = []
        self._poller = zmq.Poller()
        self._poller.register(self.sub, zmq.POLLIN)
        self._poller.register(self.snap, zmq.POLLIN)
        self._requested = False

    def request_snapshot(self) -> None:
        """Ask the controller for the current values (answered through :meth:`poll`)."""
        self.snap.send_multipart([SNAPSHOT_REQUEST, self.prefix])
        self._requested = True

    def sync(self, *, timeout_ms: int = 5000) -> int:
        """Request the snapshot and wait for it; returns its sequence.

        Raises
        ------
        TimeoutError
            If the snapshot is not complete within ``timeout_ms``.
        """
        if not self._requested:
            self.request_snapshot()
        end = time.monotonic() + timeout_ms / 1000
        while not self.synced:
            left = int((end - time.monotonic()) * 1000)
            if left <= 0:
                raise TimeoutError("no telemetry snapshot from the controller")
            self.poll(timeout_ms=min(left, 50))
        return self.sequence

    def poll(self, *, timeout_ms: int = 0) -> list[tuple[str, int, dict[str, Any]]]:
        """Take in snapshot replies and stream messages; returns live updates applied, as (key, sequence, msg).

        Before the snapshot is complete, stream messages are held back; once it
        is, those newer than the snapshot are applied in order.
        """
        out: list[tuple[str, int, dict[str, Any]]] = []
        events = dict(self._poller.poll(timeout_ms))
        if self.snap in events:
            while True:
                try:
                    frames = self.snap.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if frames[0] == SNAPSHOT_END:
                    self.sequence = _SEQ.unpack(frames[1])[0]
                    self.synced = True
                    early, self._early = self._early, []
                    for key, seq, payload in early:
                        self._apply(key, seq, payload, out)
                else:
                    key, seq, payload = frames
                    self.values[key.decode()] = _decode(key.split(b"/", 1)[0], payload)
        if self.sub in events:
            while True:
                try:
                    key, seq_b, payload = self.sub.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                seq = _SEQ.unpack(seq_b)[0]
                if not self.synced:
                    self._early.append((key, seq, payload))
                else:
                    self._apply(key, seq, payload, out)
        return out

    def _apply(self, key: bytes, seq: int, payload: bytes, out: list) -> None:
        if seq <= self.sequence:
            return  # already in the snapshot
        if seq != self.sequence + 1:
            self.gaps += 1
        self.sequence = seq
        msg = _decode(key.split(b"/", 1)[0], payload)
        self.values[key.decode()] = msg
        out.append((key.decode(), seq, msg))

    def close(self) -> None:
        self.sub.close(0)
        self.snap.close(0)
