"""Floor frames on the telemetry stream: a running simulation's floor, compactly.

Two telemetry keys per publisher (``<run>`` is a random hex id chosen when the
publisher starts, so a viewer can tell a restarted publisher from the old one):

* ``layout/<run>`` -- published once, first: ``{"run", "name", "layout"}``
  where ``layout`` is the layout JSON text (:mod:`maps.layout_json`).
* ``floor/<run>`` -- one per published step: a msgpack map (see
  :func:`encode_floor`) with the agents as little-endian binary arrays.

:class:`FloorPublisher` binds the telemetry PUB on ``PORT`` and its snapshot
ROUTER on ``PORT + 1`` (the "floor endpoint" convention of ``robocore run
--publish`` and ``robocore view --connect``) and reuses
:class:`bridge.telemetry.TelemetryPublisher` for sequencing and snapshots.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import msgpack
import numpy as np

from robocore.errors import InputError

__all__ = ["FLOOR_TOPIC", "LAYOUT_TOPIC", "FLOOR_VERSION", "encode_floor", "decode_floor", "encode_layout",
           "decode_layout", "floor_to_frame", "parse_floor_endpoint", "FloorPublisher"]

FLOOR_TOPIC = "floor"
LAYOUT_TOPIC = "layout"
#: Value of the ``v`` field of a floor frame.
FLOOR_VERSION = 1
_I16 = np.dtype("<i2")
_U8 = np.dtype("u1")
_ENDPOINT = re.compile(r"^tcp://([^:/\s]+|\[[0-9a-fA-F:]+\]):(\d+|\*)$")


def parse_floor_endpoint(text: str, *, bind: bool = False) -> tuple[str, int]:
    """``tcp://HOST:PORT`` as ``(host, port)``; with ``bind``, ``PORT`` may be ``0`` or ``*`` (ephemeral, returned as 0).

    Raises :class:`~robocore.errors.InputError` naming the endpoint otherwise.
    """
    m = _ENDPOINT.match(str(text))
    if not m:
        raise InputError(f"bad endpoint {text!r}: expected tcp://HOST:PORT")
    port = 0 if m.group(2) == "*" else int(m.group(2))
    if port > 65534 or (port == 0 and not bind):
        raise InputError(f"bad endpoint {text!r}: port must be 1..65534 (PORT and PORT+1 are used)")
    return m.group(1), port


def _bin(arr, dtype) -> bytes:
    return np.ascontiguousarray(arr, dtype=dtype).tobytes()


def encode_floor(frame, *, run: str, sent: float | None = None) -> bytes:
    """A :class:`viz.Frame` as a floor-frame payload (msgpack bytes).

    Fields: ``v`` (1), ``run`` (str), ``step`` (int), ``sent`` (float, the
    publisher's ``time.time()`` in seconds), ``n`` (agents), ``pos`` (``n*2``
    int16 LE, row then col per agent), ``states`` and ``kinds`` (``n`` uint8),
    optional ``headings`` (``n`` uint8), ``goals`` (``n*2`` int16 LE, row -1 =
    no goal), ``fill`` (``n`` uint8, tote fill in percent), ``hud`` (map str -> number/str), ``queues`` (map station id ->
    int), ``docks`` (map dock id -> int).
    """
    n = frame.n_agents
    msg: dict[str, Any] = {"v": FLOOR_VERSION, "run": run, "step": int(frame.step),
                           "sent": time.time() if sent is None else float(sent), "n": n,
                           "pos": _bin(frame.positions, _I16), "states": _bin(frame.states, _U8),
                           "kinds": _bin(frame.kinds, _U8)}
    if frame.headings is not None:
        msg["headings"] = _bin(frame.headings, _U8)
    if frame.goals is not None:
        msg["goals"] = _bin(np.maximum(frame.goals, -1), _I16)
    if frame.tote_fill is not None:
        msg["fill"] = _bin(np.clip(np.round(100 * np.asarray(frame.tote_fill, dtype=np.float64)), 0, 100), _U8)
    if frame.hud:
        msg["hud"] = {str(k): (v if isinstance(v, (int, float, str)) else str(v)) for k, v in frame.hud.items()}
    if frame.station_queues:
        msg["queues"] = {str(k): int(v) for k, v in frame.station_queues.items()}
    if frame.dock_parcels:
        msg["docks"] = {str(k): int(v) for k, v in frame.dock_parcels.items()}
    return msgpack.packb(msg, use_bin_type=True)


def _bad(what: str) -> InputError:
    from bridge.codec import ProtocolError, Reason

    return ProtocolError(Reason.WRONG_TYPE, f"floor: {what}")


def _field_array(msg: dict, key: str, dtype, n: int, width: int) -> np.ndarray:
    raw = msg.get(key)
    if not isinstance(raw, bytes) or len(raw) != n * width * dtype.itemsize:
        raise _bad(f"field {key!r} must be {n * width * dtype.itemsize} bytes")
    arr = np.frombuffer(raw, dtype=dtype).astype(np.int64)
    return arr.reshape(n, 2) if width == 2 else arr


def decode_floor(payload: bytes) -> dict[str, Any]:
    """Unpack a floor-frame payload: the message with its arrays as numpy ``int64`` arrays.

    Raises :class:`bridge.codec.ProtocolError` (an ``InputError``) for anything malformed.
    """
    try:
        msg = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except Exception as err:  # msgpack raises several unrelated types
        raise _bad(f"payload is not msgpack ({type(err).__name__})") from None
    if not isinstance(msg, dict) or msg.get("v") != FLOOR_VERSION:
        raise _bad(f"not a version-{FLOOR_VERSION} floor frame")
    n, step = msg.get("n"), msg.get("step")
    if not isinstance(n, int) or n < 0 or not isinstance(step, int) or not isinstance(msg.get("run"), str) \
            or not isinstance(msg.get("sent"), (int, float)):
        raise _bad("fields 'n', 'step', 'run', 'sent' missing or of the wrong type")
    msg["pos"] = _field_array(msg, "pos", _I16, n, 2)
    msg["states"] = _field_array(msg, "states", _U8, n, 1)
    msg["kinds"] = _field_array(msg, "kinds", _U8, n, 1)
    if "headings" in msg:
        msg["headings"] = _field_array(msg, "headings", _U8, n, 1)
    if "goals" in msg:
        msg["goals"] = _field_array(msg, "goals", _I16, n, 2)
    if "fill" in msg:
        msg["fill"] = _field_array(msg, "fill", _U8, n, 1) / 100.0
    for key in ("hud", "queues", "docks"):
        if not isinstance(msg.setdefault(key, {}), dict):
            raise _bad(f"field {key!r} must be a map")
    return msg


def floor_to_frame(msg: dict[str, Any], *, extra_hud: dict | None = None):
    """A decoded floor message as a :class:`viz.Frame`."""
    from viz.frame import Frame

    hud = dict(msg["hud"])
    hud.update(extra_hud or {})
    return Frame(step=msg["step"], positions=msg["pos"], states=msg["states"], kinds=msg["kinds"],
                 headings=msg.get("headings"), goals=msg.get("goals"), tote_fill=msg.get("fill"),
                 station_queues=msg["queues"],
                 dock_parcels=msg["docks"], hud=hud)


def encode_layout(layout, *, run: str) -> bytes:
    """The ``layout/<run>`` payload: ``{"run", "name", "layout": layout JSON text}``."""
    from maps.layout_json import format_layout_json

    return msgpack.packb({"run": run, "name": layout.name, "layout": format_layout_json(layout)}, use_bin_type=True)


def decode_layout(payload: bytes) -> dict[str, Any]:
    """Unpack a ``layout/<run>`` payload; ``"layout"`` becomes a :class:`robocore.Layout`.

    Raises :class:`bridge.codec.ProtocolError` or ``InputError`` (bad layout JSON).
    """
    from maps.layout_json import parse_layout_json

    try:
        msg = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except Exception as err:
        raise _bad(f"layout payload is not msgpack ({type(err).__name__})") from None
    if not isinstance(msg, dict) or not all(isinstance(msg.get(k), str) for k in ("run", "name", "layout")):
        raise _bad("layout payload needs str fields 'run', 'name', 'layout'")
    msg["layout"] = parse_layout_json(msg["layout"], source="telemetry layout", default_name=msg["name"])
    return msg


class FloorPublisher:
    """Publish a simulation's floor on a telemetry PUB (``PORT``) with snapshots on ``PORT + 1``.

    Parameters
    ----------
    endpoint:
        ``tcp://HOST:PORT`` to bind; port 0 or ``*`` picks a free pair of ports.
    layout:
        The floor (sent once as ``layout/<run>``, and to every late joiner).
    every:
        Publish every ``every``-th call of :meth:`step` (default 1).

    Raises :class:`~robocore.errors.InputError` for a bad endpoint or ports in use.
    """

    def __init__(self, endpoint: str, layout, *, every: int = 1, context=None):
        import zmq

        from bridge.telemetry import TelemetryPublisher

        host, port = parse_floor_endpoint(endpoint, bind=True)
        if every < 1:
            raise InputError(f"publish every must be a positive integer, got {every}")
        if max(layout.rows, layout.cols) > 32767:
            raise InputError(f"layout {layout.name!r} too large for floor frames (int16 cells)")
        self._own_ctx = context is None
        self.context = context or zmq.Context()
        pub, snap = self.context.socket(zmq.PUB), self.context.socket(zmq.ROUTER)
        for s in (pub, snap):
            s.setsockopt(zmq.LINGER, 0)
        pub.setsockopt(zmq.SNDHWM, 100)
        try:
            self.port = _bind_pair(pub, snap, host, port)
        except InputError:
            pub.close(0)
            snap.close(0)
            self._close_ctx()
            raise
        self.host = host
        self.endpoint = f"tcp://{host}:{self.port}"
        self.every = int(every)
        self.run = secrets.token_hex(4)
        self.telemetry = TelemetryPublisher(pub, snap)
        self.telemetry.publish_payload(LAYOUT_TOPIC, self.run, encode_layout(layout, run=self.run))
        self.calls = 0
        self.published = 0
        self._closed = False

    def step(self, frame_fn) -> bool:
        """Called once per simulation step: answers snapshot requests and, every ``every``-th call,
        publishes ``frame_fn()`` (a :class:`viz.Frame`). Returns True when a frame was published."""
        self.calls += 1
        self.telemetry.serve_snapshot()
        if (self.calls - 1) % self.every:
            return False
        self.publish(frame_fn())
        return True

    def publish(self, frame) -> int:
        """Publish one frame now; returns its sequence number."""
        self.published += 1
        seq = self.telemetry.publish_payload(FLOOR_TOPIC, self.run, encode_floor(frame, run=self.run))
        self.telemetry.serve_snapshot()
        return seq

    def serve(self, seconds: float) -> None:
        """Keep answering snapshot requests for ``seconds`` (e.g. after the last step)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.telemetry.snapshot.poll(20):
                self.telemetry.serve_snapshot()

    def _close_ctx(self) -> None:
        if self._own_ctx:
            self.context.term()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.telemetry.pub.close(0)
        self.telemetry.snapshot.close(0)
        self._close_ctx()

    def __enter__(self) -> "FloorPublisher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _bind_pair(pub, snap, host: str, port: int) -> int:
    import zmq

    if port:
        try:
            pub.bind(f"tcp://{host}:{port}")
            snap.bind(f"tcp://{host}:{port + 1}")
        except zmq.ZMQError as err:
            raise InputError(f"cannot bind tcp://{host}:{port} and port {port + 1}: {err}") from None
        return port
    for _ in range(50):
        try:
            pub.bind(f"tcp://{host}:*")
        except zmq.ZMQError as err:
            raise InputError(f"cannot bind tcp://{host}: {err}") from None
        ep = pub.getsockopt(zmq.LAST_ENDPOINT).decode()
        p = int(ep.rsplit(":", 1)[1])
        if p < 65535:
            try:
                snap.bind(f"tcp://{host}:{p + 1}")
                return p
            except zmq.ZMQError:
                pass
        pub.unbind(ep)
    raise InputError(f"cannot find two consecutive free ports on {host}")
