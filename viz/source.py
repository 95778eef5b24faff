"""Frame sources: where the viewer's frames come from.

Two kinds, one small interface each:

* :class:`RecordedSource` -- random access to a finished recording (a run
  folder). The viewer owns the clock: play, pause, single-step, speed and the
  time slider all pick which frame to draw.
* :class:`LiveSource` -- frames arrive while the viewer runs (an in-process
  simulation on another thread, later the bridge's telemetry stream). The
  viewer polls for the newest frame; the producer owns the clock.

The viewer (:class:`viz.viewer.Viewer`) accepts either in ``run(source)``. An
in-process simulation that owns the main loop can skip sources altogether and
call ``Viewer.show(frame)`` once per tick.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Mapping

from robocore.layout import Layout
from viz.frame import Frame

__all__ = ["FrameSource", "RecordedSource", "LiveSource"]


class FrameSource(ABC):
    """What every source has: the floor it shows and run-level figures."""

    @property
    @abstractmethod
    def layout(self) -> Layout:
        """The floor the frames are on."""

    @property
    def report(self) -> Mapping[str, Any]:
        """Run-level KPIs shown on the heads-up panel (empty by default)."""
        return {}

    @property
    def title(self) -> str:
        """Window title."""
        return f"robocore view: {self.layout.name}"

    def close(self) -> None:
        """Release whatever the source holds (files, sockets). Idempotent."""


class RecordedSource(FrameSource):
    """A recording with random access by frame index ``0 .. len(self) - 1``."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of frames (``T + 1`` for a run of ``T`` steps)."""

    @abstractmethod
    def frame(self, index: int) -> Frame:
        """Frame ``index``. Raises ``IndexError`` outside ``0 .. len(self) - 1``."""


class LiveSource(FrameSource):
    """Frames that arrive over time."""

    @abstractmethod
    def poll(self) -> Frame | None:
        """The newest frame not yet returned, or ``None`` if nothing new. Never blocks."""

    @property
    @abstractmethod
    def finished(self) -> bool:
        """True once the producer has said no more frames will come."""
