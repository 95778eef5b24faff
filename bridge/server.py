"""The controller's end of the bridge: a ROUTER for robots, a PUB and a snapshot ROUTER for telemetry.

Sockets (all bound by the controller; ``docs/protocol.md`` has the full spec):

* **command** ROUTER (``ROUTER_MANDATORY``, ``ROUTER_HANDOVER``, CURVE server,
  ZAP domain ``robocore``). Robots connect DEALERs whose routing identity is
  their serialNumber.

  - robot -> controller: ``[topic, payload]`` (the ROUTER prepends the identity);
  - controller -> robot: ``[topic, payload, expires]``, ``expires`` being the
    ASCII decimal UNIX time in milliseconds after which the robot must drop the
    command (``0``: never).

* **telemetry** PUB and **snapshot** ROUTER: see :mod:`bridge.telemetry`.

Every inbound frame is checked before any routing or state update: the ZAP
User-Id of the frame (the serial the CURVE key is registered for) must equal
the message's ``serialNumber`` and the routing identity (or the identity must
be one libzmq generated, starting with a zero byte, for a robot whose identity
was handed over to a newer connection); then it is decoded
(:func:`bridge.codec.decode_message`) and classified (:class:`bridge.peers.PeerTable`).
A refused frame is dropped, logged with its reason and counted in
:attr:`BridgeServer.dropped`; nothing a client sends can raise out of
:meth:`BridgeServer.poll`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

import msgspec
import zmq

from bridge.auth import SerialAuthenticator
from bridge.codec import DEFAULT_MAX_BYTES, Message, ProtocolError, Reason, decode_message, encode
from bridge.keys import KeyStore
from bridge.messages import ConnectionState, Headers, Topic, connection_message
from bridge.peers import PeerTable, Verdict
from bridge.telemetry import TelemetryPublisher

__all__ = ["BridgeServer", "Inbound", "ZAP_DOMAIN"]

log = logging.getLogger("bridge.server")

#: ZAP domain of the controller's sockets.
ZAP_DOMAIN = "robocore"
#: Topics a robot may send.
_ROBOT_TOPICS = frozenset({Topic.STATE.value, Topic.CONNECTION.value, Topic.FACTSHEET.value,
                           Topic.VISUALIZATION.value})
# Plain values on the per-message path (enum attribute access and IntFlag arithmetic cost microseconds there).
_NOBLOCK = int(zmq.NOBLOCK)
_TOPIC_NAMES = {t.encode(): t for t in _ROBOT_TOPICS}
_FACTSHEET = Topic.FACTSHEET.value
_STALE = Reason.STALE.value
_STALE_VERDICT = Verdict.STALE
_NEW_INCARNATION = Verdict.NEW_INCARNATION


class Inbound(msgspec.Struct, frozen=True, gc=False):
    """An accepted message from a robot. ``new_incarnation`` is True on a (re)start.

    ``msg`` is the checked :class:`~bridge.codec.Message` (read it like a
    mapping: ``msg["orderId"]``; ``msg.to_dict()`` for a ``dict``).
    """

    serial: str
    topic: str
    msg: Message
    new_incarnation: bool = False


class BridgeServer:
    """Bind the controller's sockets and move messages.

    Parameters
    ----------
    keys:
        The keys directory; None runs without CURVE (loopback tests and
        benchmarks only: any client may then claim any serial, and only the
        identity/serialNumber match is checked).
    host:
        Interface to bind, e.g. ``"127.0.0.1"``.
    port, pub_port, snapshot_port:
        TCP ports; 0 picks an ephemeral port (read :attr:`endpoint` etc.).
    offline_after_s:
        Silence after which a robot is OFFLINE (CONNECTIONBROKEN published).
    command_ttl_s:
        Default lifetime of a command; the robot drops it once expired.
    max_bytes:
        Payload size limit; larger frames are dropped as ``oversized``.
    max_sockets:
        The context's socket limit (raise for many robots in one process).
    """

    def __init__(self, *, keys: KeyStore | None, host: str = "127.0.0.1", port: int = 0, pub_port: int = 0,
                 snapshot_port: int = 0, offline_after_s: float = 2.0, command_ttl_s: float = 5.0,
                 max_bytes: int = DEFAULT_MAX_BYTES, context: zmq.Context | None = None):
        self.ctx = context if context is not None else zmq.Context()
        self._own_ctx = context is None
        self.max_bytes = int(max_bytes)
        self.command_ttl_s = float(command_ttl_s)
        self.peers = PeerTable(offline_after_s=offline_after_s)
        self.dropped: Counter[str] = Counter()
        self.received = 0  #: messages accepted
        self.sent = 0  #: commands handed to the command socket
        self.headers: dict[str, Headers] = {}
        self.auth: SerialAuthenticator | None = None
        curve = None
        if keys is not None:
            curve = keys.controller()
            self.auth = SerialAuthenticator(self.ctx, keys.allowlist(), domain=ZAP_DOMAIN)
            self.auth.start()
        self.secure = curve is not None
        self.router = self._socket(zmq.ROUTER, curve)
        self.router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        self.router.setsockopt(zmq.ROUTER_HANDOVER, 1)
        self.router.setsockopt(zmq.MAXMSGSIZE, self.max_bytes + 4096)
        self.router.setsockopt(zmq.RCVHWM, 0)
        self.router.setsockopt(zmq.SNDHWM, 0)
        pub = self._socket(zmq.XPUB, curve)  # an XPUB: the stream is not sent while nobody subscribes
        pub.setsockopt(zmq.SNDHWM, 100_000)
        snap = self._socket(zmq.ROUTER, curve)
        self.endpoint = _bind(self.router, host, port)
        self.pub_endpoint = _bind(pub, host, pub_port)
        self.snapshot_endpoint = _bind(snap, host, snapshot_port)
        self.telemetry = TelemetryPublisher(pub, snap)
        #: serial -> the routing identity its authenticated frames last came from
        self.routes: dict[str, bytes] = {}
        #: identities a spoofer took over; nothing is sent to them until an authenticated frame comes back
        self._suspect: set[bytes] = set()
        self._serial_b: dict[str, bytes] = {}  # serial -> its UTF-8 bytes (compared with identities)
        self._poller = zmq.Poller()
        self._poller.register(self.router, zmq.POLLIN)
        self._poller.register(snap, zmq.POLLIN)
        self._poller.register(pub, zmq.POLLIN)  # subscriptions

    def _socket(self, kind: int, curve) -> zmq.Socket:
        s = self.ctx.socket(kind)
        s.setsockopt(zmq.LINGER, 0)
        if curve is not None:
            s.zap_domain = ZAP_DOMAIN.encode()
            s.curve_server = True
            s.curve_publickey = curve.public
            s.curve_secretkey = curve.secret
        return s

    # ---------------------------------------------------------------- inbound
    def poll(self, timeout_ms: int = 0, *, now: float | None = None, max_messages: int = 256) -> list[Inbound]:
        """Receive and check everything pending (waiting up to ``timeout_ms`` for the first).

        Drains the command socket without blocking, up to ``max_messages``
        messages, in one call. Returns the accepted messages in arrival order.
        Answers telemetry snapshot requests on the way.
        """
        out: list[Inbound] = []
        events = dict(self._poller.poll(timeout_ms))
        if self.telemetry.pub in events:
            self.telemetry.serve_subscriptions()
        if self.telemetry.snapshot in events:
            self.telemetry.serve_snapshot()
        if self.router not in events:
            return out
        recv = self.router.recv
        clock = time.monotonic
        for _ in range(max_messages):
            # Frame by frame with int flags (recv_multipart costs twice as much per message). The identity
            # comes as bytes (a ROUTER always has at least one frame after it); the others as zmq Frames,
            # for their ZAP User-Id and "more" flag.
            try:
                ident = recv(_NOBLOCK)
            except zmq.Again:
                break
            frames = [recv(_NOBLOCK, copy=False)]
            while frames[-1].more:
                frames.append(recv(_NOBLOCK, copy=False))
            got = self._inbound(ident, frames, clock() if now is None else now)
            if got is not None:
                out.append(got)
        return out

    def _inbound(self, ident: bytes, frames: list[zmq.Frame], now: float) -> Inbound | None:
        # An identity libzmq generated (a zero byte first) is a displaced connection: a newer one took its
        # identity over (ROUTER_HANDOVER), e.g. a robot that replaced its DEALER, or a spoofer's hijack.
        displaced = ident[:1] == b"\x00"
        if self.secure:
            # The authenticated serial: the one the CURVE key is registered for, read from this very frame.
            serial = _user_id(frames[0])
            if not serial:
                return self._drop(Reason.UNAUTHENTICATED, f"frame from {ident!r} without a ZAP User-Id")
            if ident != self._serial_bytes(serial) and not displaced:
                self._suspect.add(ident)
                if self.auth is not None:
                    self.auth.quarantine(serial)
                return self._drop(Reason.SPOOFED, f"identity {ident.decode('utf-8', 'replace')!r} "
                                                  f"sent with the key of {serial!r}")
        else:
            # Nothing is authenticated: a displaced connection is named only by what its messages say.
            serial = None if displaced else ident.decode("utf-8", "replace")
        if len(frames) != 2:
            return self._drop(Reason.BAD_FRAMES, f"{serial or ident!r}: {len(frames)} frames, expected 2")
        topic_b = frames[0].bytes
        topic = _TOPIC_NAMES.get(topic_b)
        payload = frames[1].bytes
        try:
            if topic is None:
                raise ProtocolError(Reason.UNKNOWN_TOPIC, f"robots may not send "
                                                          f"{topic_b.decode('ascii', 'replace')[:40]!r}")
            msg = decode_message(topic, payload, max_bytes=self.max_bytes)
            sent_as = msg.get("serialNumber")
            if serial is None:
                if not isinstance(sent_as, str) or not sent_as:
                    raise ProtocolError(Reason.MISSING_FIELD, f"{topic} without a serialNumber from a displaced "
                                                              f"connection {ident!r}")
                serial = sent_as
            elif sent_as != serial:
                raise ProtocolError(Reason.SPOOFED, f"identity {serial!r} sent serialNumber {sent_as!r}")
            verdict = self.peers.accept(serial, topic, msg, now) if "timestamp" in msg else Verdict.FRESH
        except ProtocolError as err:
            return self._drop(err.reason, f"{serial}: {err}")
        except (ValueError, TypeError, KeyError) as err:
            return self._drop(Reason.WRONG_TYPE, f"{serial}: {topic}: {err}")
        if self._suspect:
            self._suspect.discard(ident)
        if self.routes.get(serial) != ident:
            if not displaced:
                self.routes[serial] = ident
            elif self._serial_bytes(serial) in self._suspect:
                # a spoofer holds the robot's identity: reach the robot on the connection it still has
                log.warning("robot %s speaks on a displaced route %r (its identity was taken over)", serial, ident)
                self.routes[serial] = ident
            # else: the robot's own newer connection holds its identity; this one is closing, route to that
        if verdict == _STALE_VERDICT:
            self.dropped[_STALE] += 1
            return None
        self.received += 1
        if topic != _FACTSHEET:
            self.telemetry.publish_payload(topic, serial, payload)
        return Inbound(serial, topic, msg, verdict == _NEW_INCARNATION)

    def _serial_bytes(self, serial: str) -> bytes:
        b = self._serial_b.get(serial)
        if b is None:
            if len(self._serial_b) > 100_000:  # serials come from registered keys; bound it anyway
                self._serial_b.clear()
            b = self._serial_b[serial] = serial.encode()
        return b

    def _drop(self, reason: Reason, detail: str) -> None:
        self.dropped[reason.value] += 1
        log.warning("dropped frame (%s): %s", reason.value, detail)
        return None

    # --------------------------------------------------------------- outbound
    def send(self, serial: str, topic: Topic | str, msg: dict[str, Any], *, ttl_s: float | None = None,
             now_wall: float | None = None) -> bool:
        """Send a command to robot ``serial``; False if it is not connected.

        The command goes to the route the robot's last authenticated frame came
        from (its serial as identity, unless a handover displaced it).

        ``ttl_s`` (default ``command_ttl_s``; 0 or None for no expiry when
        ``command_ttl_s`` is 0) sets the ``expires`` frame from wall-clock time.
        """
        ident = self.routes.get(serial, serial.encode())
        if ident in self._suspect:
            return False
        ttl = self.command_ttl_s if ttl_s is None else float(ttl_s)
        wall = time.time() if now_wall is None else now_wall
        expires = b"0" if ttl <= 0 else str(int((wall + ttl) * 1000)).encode()
        try:
            self.router.send_multipart([ident, Topic(topic).value.encode(), encode(msg), expires], zmq.NOBLOCK)
        except zmq.ZMQError as err:
            if err.errno in (zmq.EHOSTUNREACH, zmq.EAGAIN):
                return False
            raise
        self.sent += 1
        return True

    def robot_header(self, serial: str, topic: Topic) -> dict[str, Any]:
        """The next header of a message the controller sends to (or on behalf of) ``serial``."""
        h = self.headers.get(serial)
        if h is None:
            h = self.headers[serial] = Headers(serial)
        return h.next(topic)

    def expire(self, now: float | None = None) -> list[str]:
        """Mark silent robots OFFLINE, publishing CONNECTIONBROKEN on their behalf; returns their serials."""
        gone = self.peers.expire(time.monotonic() if now is None else now)
        for serial in gone:
            log.warning("robot %s silent for %.1f s: CONNECTIONBROKEN", serial, self.peers.offline_after_s)
            self.telemetry.publish(Topic.CONNECTION.value, serial, connection_message(
                self.robot_header(serial, Topic.CONNECTION), ConnectionState.CONNECTIONBROKEN))
        return gone

    def close(self) -> None:
        """Close the sockets, stop the authenticator, and terminate an owned context."""
        for s in (self.router, self.telemetry.pub, self.telemetry.snapshot):
            s.close(0)
        if self.auth is not None:
            self.auth.stop()
        if self._own_ctx:
            self.ctx.term()

    def __enter__(self) -> "BridgeServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _user_id(frame: zmq.Frame) -> str:
    try:
        return frame.get("User-Id") or ""
    except zmq.ZMQError:  # no ZAP metadata on this connection
        return ""


def _bind(sock: zmq.Socket, host: str, port: int) -> str:
    if port:
        ep = f"tcp://{host}:{port}"
        sock.bind(ep)
        return ep
    sock.bind(f"tcp://{host}:*")
    return sock.getsockopt(zmq.LAST_ENDPOINT).decode()
