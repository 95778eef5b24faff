"""A live source over the bridge's telemetry: a simulation's floor frames from a :class:`bridge.floor.FloorPublisher`.

``TelemetrySource("tcp://HOST:PORT")`` subscribes to the telemetry PUB on
``PORT`` and asks the snapshot socket on ``PORT + 1`` for the layout and the
current floor (the Clone pattern, :mod:`bridge.telemetry`), then follows the
stream. When behind, :meth:`~TelemetrySource.poll` skips to the newest frame
(:attr:`~TelemetrySource.skipped` counts the frames never shown); sequence
jumps count in :attr:`~TelemetrySource.gaps` and :attr:`~TelemetrySource.lost`.
Silence for ``stale_s`` seconds marks the link ``disconnected`` and starts a
fresh subscription; a publisher that restarts (a new run id) is followed
through a new snapshot. The link state is shown in the heads-up panel as
``link: connecting... | live | disconnected``.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

from robocore.errors import InputError
from robocore.layout import Layout
from viz.frame import Frame
from viz.source import LiveSource

__all__ = ["TelemetrySource"]


class TelemetrySource(LiveSource):
    """Floor frames from ``robocore run --publish`` (see the module docstring).

    Parameters
    ----------
    endpoint:
        ``tcp://HOST:PORT`` of the publisher (PUB on PORT, snapshot on PORT + 1).
    stale_s:
        Seconds without a message before the link counts as disconnected.
    retry_s:
        Seconds to wait for a snapshot before asking again on fresh sockets.

    Raises :class:`~robocore.errors.InputError` for a malformed endpoint.
    """

    def __init__(self, endpoint: str, *, stale_s: float = 2.0, retry_s: float = 1.0):
        import zmq

        from bridge.floor import parse_floor_endpoint

        host, port = parse_floor_endpoint(endpoint)
        self.endpoint = f"tcp://{host}:{port}"
        self._snapshot_ep = f"tcp://{host}:{port + 1}"
        self.stale_s = float(stale_s)
        self.retry_s = float(retry_s)
        self._ctx = zmq.Context()
        self._sub = None
        self._layout: Layout | None = None
        self.run: str | None = None
        self.status = "connecting..."
        #: Frames taken from the stream (or snapshot), frames skipped when behind,
        #: sequence jumps, messages missing by sequence, publisher restarts followed, bad messages.
        self.received = 0
        self.skipped = 0
        self._gaps_base = 0
        self.lost = 0
        self.restarts = 0
        self.bad = 0
        #: ``sent`` (publisher ``time.time()``) of the frame last returned by :meth:`poll`.
        self.last_sent: float | None = None
        self._latest: Frame | None = None
        self._last_rx = time.monotonic()
        self._asked_at = 0.0
        self._retry_at = 0.0
        self._announce = False
        self._closed = False
        self._subscribe()

    # ----------------------------------------------------------- connection
    def _subscribe(self) -> None:
        from bridge.telemetry import TelemetrySubscriber

        if self._sub is not None:
            self._gaps_base += self._sub.gaps
            self._sub.close()
        self._sub = TelemetrySubscriber(self._ctx, self.endpoint, self._snapshot_ep)
        self._sub.request_snapshot()
        self._asked_at = time.monotonic()

    def connect(self, *, timeout_s: float = 5.0) -> None:
        """Wait for the first snapshot (layout and, if any, the current floor).

        Raises :class:`~robocore.errors.InputError` if nobody answers within ``timeout_s``.
        """
        end = time.monotonic() + timeout_s
        while self._layout is None:
            if time.monotonic() >= end:
                raise InputError(f"nobody is publishing floor telemetry on {self.endpoint} "
                                 f"(no snapshot within {timeout_s:g} s; start 'robocore run --publish')")
            self._pump()
            if self._layout is None:
                time.sleep(0.005)

    @property
    def gaps(self) -> int:
        """Sequence jumps seen on the stream (each means PUB dropped messages for this viewer)."""
        return self._gaps_base + (self._sub.gaps if self._sub is not None else 0)

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            raise RuntimeError("TelemetrySource.layout before connect()")
        return self._layout

    @property
    def title(self) -> str:
        return f"robocore view: {self._layout.name if self._layout else '?'} (live {self.endpoint})"

    @property
    def report(self) -> Mapping[str, Any]:
        return {}

    @property
    def finished(self) -> bool:
        return self._closed

    # ------------------------------------------------------------- frames
    def _with_status(self, frame: Frame) -> Frame:
        from dataclasses import replace

        return replace(frame, hud={**frame.hud, "link": self.status})

    def _adopt_snapshot(self) -> Frame | None:
        from bridge.floor import floor_to_frame

        values = self._sub.values
        layouts = [v for k, v in values.items() if k.startswith("layout/")]
        if not layouts:  # a snapshot without a layout: not a floor publisher (yet); ask again later
            self._retry_at = time.monotonic() + self.retry_s
            return None
        lay = layouts[-1]
        if self.run is not None and lay["run"] != self.run:
            self.restarts += 1
        self.run = lay["run"]
        self._layout = lay["layout"]
        self.status = "live"
        self._last_rx = time.monotonic()
        floor = values.get(f"floor/{self.run}")
        if floor is None:
            return None
        self.received += 1
        self.last_sent = float(floor["sent"])
        return floor_to_frame(floor)

    def _pump(self) -> Frame | None:
        """Take in what has arrived; returns the newest new frame (without the link status)."""
        from bridge.codec import ProtocolError
        from bridge.floor import floor_to_frame

        now = time.monotonic()
        if self._retry_at and now >= self._retry_at:
            self._retry_at = 0.0
            self._subscribe()
        sub = self._sub
        was_synced = sub.synced
        before = sub.sequence
        try:
            updates = sub.poll(timeout_ms=0)
        except ProtocolError:
            self.bad += 1
            return None
        if not sub.synced:
            if now - self._asked_at > self.retry_s:
                self._subscribe()
            return None
        newest = None
        if not was_synced:
            newest = self._adopt_snapshot()
            if self._layout is None or self.status != "live":
                return newest
        floors = []
        prev = before
        for key, seq, msg in updates:
            if seq > prev + 1 and was_synced:
                self.lost += seq - prev - 1
            prev = seq
            if key.startswith("floor/"):
                if msg["run"] != self.run:
                    self._restart()
                    return None
                floors.append(msg)
            elif key.startswith("layout/") and msg["run"] != self.run:
                self._restart()
                return None
        if updates:
            self._last_rx = now
            self.status = "live"
        if floors:
            self.received += len(floors)
            self.skipped += len(floors) - 1 + (newest is not None)
            self.last_sent = float(floors[-1]["sent"])
            newest = floor_to_frame(floors[-1])
        elif now - self._last_rx > self.stale_s and self.status == "live":
            self.status = "disconnected"
            self._announce = True
            self._subscribe()  # a restarted publisher answers the new request
        return newest

    def _restart(self) -> None:
        self.status = "disconnected"
        self._announce = True
        self._subscribe()

    def poll(self) -> Frame | None:
        """The newest frame not yet returned (with ``hud["link"]``), or None. Never blocks."""
        if self._closed:
            return None
        got = self._pump()
        if got is not None:
            self._latest = got
            self._announce = False
            return self._with_status(got)
        if self._announce and self._latest is not None:
            self._announce = False
            return self._with_status(self._latest)  # the last floor again, marked disconnected
        return None

    def wait(self, *, timeout_s: float) -> Frame | None:
        """Block until :meth:`poll` gives a frame (returned) or ``timeout_s`` passes (None)."""
        end = time.monotonic() + timeout_s
        while True:
            got = self.poll()
            if got is not None or time.monotonic() >= end:
                return got
            time.sleep(0.001)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._sub is not None:
            self._sub.close()
        self._ctx.term()
