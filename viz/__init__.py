"""robocore viz: the pygame floor viewer and headless floor pictures.

``import viz`` is light and headless: pygame is imported (quietly, see
:mod:`viz.sdl`) only when something is drawn.

* :class:`Frame` -- the floor at one step (what every source yields).
* :class:`FrameSource`, :class:`RecordedSource`, :class:`LiveSource` -- where
  frames come from; :class:`ReplaySource` replays a run folder,
  :class:`PushSource` takes frames pushed by a producer thread,
  :class:`TelemetrySource` follows ``robocore run --publish`` over the bridge.
* :class:`Viewer` -- the window: ``Viewer.run(source)`` or ``Viewer.show(frame)``
  per tick from an in-process simulation.
* :func:`render_snapshot`, :func:`render_layout`, :func:`render_frames` -- PNGs
  without a display.
"""

from viz.camera import Camera, fit_cell_px
from viz.frame import Frame
from viz.live import TelemetrySource
from viz.push import PushSource
from viz.replay import ReplaySource, RunRecording, load_run
from viz.snapshot import render_frames, render_layout, render_snapshot, render_surface, snapshot_cell_px
from viz.source import FrameSource, LiveSource, RecordedSource
from viz.viewer import Viewer

__all__ = [
    "Camera",
    "Frame",
    "FrameSource",
    "LiveSource",
    "PushSource",
    "RecordedSource",
    "ReplaySource",
    "RunRecording",
    "Viewer",
    "fit_cell_px",
    "load_run",
    "render_frames",
    "render_layout",
    "render_snapshot",
    "render_surface",
    "snapshot_cell_px",
    "TelemetrySource",
]
