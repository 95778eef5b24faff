"""A live source that a producer pushes frames into, from any thread."""

from __future__ import annotations

import threading
from typing import Any, Mapping

from robocore.layout import Layout
from viz.frame import Frame
from viz.source import LiveSource

__all__ = ["PushSource"]


class PushSource(LiveSource):
    """Latest-frame mailbox between a producer thread and the viewer.

    The producer calls :meth:`push` per tick and :meth:`finish` at the end; the
    viewer's :meth:`poll` returns the newest frame, dropping any it had no time
    to draw (a slow viewer never slows the producer down). :attr:`dropped`
    counts the frames replaced before they were drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from robocore import Grid, Layout
    >>> src = PushSource(Layout(Grid.from_passable(np.ones((2, 2)))))
    >>> src.push(Frame(step=0, positions=[[0, 0]], states=[0], kinds=[0]))
    >>> src.push(Frame(step=1, positions=[[0, 1]], states=[1], kinds=[0]))
    >>> src.poll().step, src.poll(), src.dropped
    (1, None, 1)
    """

    def __init__(self, layout: Layout, *, report: Mapping[str, Any] | None = None, title: str | None = None):
        self._layout = layout
        self._report = dict(report or {})
        self._title = title
        self._lock = threading.Lock()
        self._latest: Frame | None = None
        self._finished = False
        self.dropped = 0
        self.pushed = 0

    @property
    def layout(self) -> Layout:
        return self._layout

    @property
    def report(self) -> Mapping[str, Any]:
        with self._lock:
            return dict(self._report)

    @property
    def title(self) -> str:
        return self._title or super().title

    def push(self, frame: Frame, *, report: Mapping[str, Any] | None = None) -> None:
        """Offer ``frame`` (and optionally updated run-level KPIs) to the viewer."""
        with self._lock:
            if self._latest is not None:
                self.dropped += 1
            self._latest = frame
            self.pushed += 1
            if report is not None:
                self._report = dict(report)

    def finish(self) -> None:
        """Say that no more frames will come."""
        with self._lock:
            self._finished = True

    def poll(self) -> Frame | None:
        with self._lock:
            frame, self._latest = self._latest, None
            return frame

    @property
    def finished(self) -> bool:
        with self._lock:
            return self._finished and self._latest is None
