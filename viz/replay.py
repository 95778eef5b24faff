"""Replay a finished run from its run folder.

The run folder is written by ``robocore run``:

* ``layout.json`` -- the floor (layout JSON, read with :func:`maps.load_layout`);
* ``trajectory.npz`` -- ``positions[T+1, N, 2]`` int16 ``(row, col)``,
  ``states[T+1, N]`` uint8, ``kinds[N]`` uint8, optionally
  ``headings[T+1, N]`` int8 (0=E 1=S 2=W 3=N) and ``goals[T+1, N, 2]`` int16
  (``goals[T+1, N]`` flat cells ``row * cols + col`` are read too; negative
  means no goal);
* ``report.json`` -- the run's KPIs (optional for the viewer).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from robocore.errors import InputError
from robocore.layout import Layout
from viz.frame import Frame
from viz.source import RecordedSource

__all__ = ["RunRecording", "load_run", "ReplaySource"]

#: How many future steps of the trajectory the replay offers as each agent's path.
PATH_HORIZON = 16


@dataclass(frozen=True, eq=False)
class RunRecording:
    """The arrays of a run folder, checked against each other and the layout."""

    layout: Layout
    positions: np.ndarray  #: (T+1, N, 2)
    states: np.ndarray  #: (T+1, N)
    kinds: np.ndarray  #: (N,)
    headings: np.ndarray | None = None  #: (T+1, N) or None
    goals: np.ndarray | None = None  #: (T+1, N, 2) or None
    report: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def n_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def n_agents(self) -> int:
        return int(self.positions.shape[1])


def _read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON in {what}: {err.msg}", source=str(path), line=err.lineno) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {what}: {err.__class__.__name__}", source=str(path)) from None


def load_run(run_dir, *, layout: Layout | None = None) -> RunRecording:
    """Load and check a run folder.

    Parameters
    ----------
    run_dir:
        The folder ``robocore run`` wrote.
    layout:
        Use this layout instead of reading ``layout.json`` (for callers that
        already hold it).

    Raises
    ------
    InputError
        If the folder, ``layout.json`` or ``trajectory.npz`` is missing or
        unreadable, an array is missing or has the wrong shape, or an agent
        stands outside the grid. The message names the file and the array.
    """
    root = Path(run_dir)
    if not root.exists():
        raise InputError("run folder not found", source=str(root))
    if not root.is_dir():
        raise InputError("not a run folder (expected a directory)", source=str(root))
    traj_path = root / "trajectory.npz"
    if not traj_path.is_file():
        raise InputError("run folder has no trajectory.npz", source=str(root))
    if layout is None:
        layout_path = root / "layout.json"
        if not layout_path.is_file():
            raise InputError("run folder has no layout.json", source=str(root))
        from maps import load_layout

        layout = load_layout(layout_path)
    report: dict = {}
    report_path = root / "report.json"
    if report_path.is_file():
        loaded = _read_json(report_path, "report")
        if not isinstance(loaded, dict):
            raise InputError("report must be a JSON object", source=str(report_path))
        report = loaded

    src = str(traj_path)
    try:
        with np.load(traj_path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise InputError(f"not a readable .npz file ({err.__class__.__name__})", source=src) from None
    for name in ("positions", "states", "kinds"):
        if name not in arrays:
            raise InputError(f"missing array {name!r}", source=src)
    pos, states, kinds = arrays["positions"], arrays["states"], arrays["kinds"]

    def need(name, arr, shape, *, integer=True):
        if arr.shape != shape or (integer and arr.dtype.kind not in "iu"):
            raise InputError(f"array {name!r} has shape {arr.shape} {arr.dtype}, expected {shape} integers", source=src)

    if pos.ndim != 3 or pos.shape[2] != 2 or pos.shape[0] < 1 or pos.dtype.kind not in "iu":
        raise InputError(f"array 'positions' has shape {pos.shape} {pos.dtype}, expected (T+1, N, 2) integers",
                         source=src)
    t1, n = pos.shape[:2]
    need("states", states, (t1, n))
    need("kinds", kinds, (n,))
    headings = arrays.get("headings")
    if headings is not None:
        need("headings", headings, (t1, n))
    goals = arrays.get("goals")
    if goals is not None and goals.shape == (t1, n) and goals.dtype.kind in "iu":
        # flat goal cells (row * cols + col, negative: none), as fleet's recorder writes them
        flat = goals.astype(np.int64)
        goals = np.stack([flat // layout.cols, flat % layout.cols], axis=-1)
        goals[flat < 0] = -1
        if (flat >= layout.rows * layout.cols).any():
            raise InputError(f"array 'goals' holds a flat cell beyond the {layout.rows} x {layout.cols} grid",
                             source=src)
    elif goals is not None:
        need("goals", goals, (t1, n, 2))
    if n:
        rows, cols = layout.rows, layout.cols
        bad = (pos[..., 0] < 0) | (pos[..., 0] >= rows) | (pos[..., 1] < 0) | (pos[..., 1] >= cols)
        if bad.any():
            t, i = (int(v) for v in np.argwhere(bad)[0])
            raise InputError(f"agent {i} at step {t} is at {pos[t, i].tolist()}, outside the {rows} x {cols} grid",
                             source=src)
    return RunRecording(layout=layout, positions=pos, states=states, kinds=kinds, headings=headings, goals=goals,
                        report=report, source=str(root))


class ReplaySource(RecordedSource):
    """Frames of a run folder, one per step.

    Each frame's ``paths`` are the next :data:`PATH_HORIZON` cells of each
    agent's recorded trajectory (what it actually did next), and its ``hud``
    carries the floor time and robot utilisation at that step.

    Raises :class:`~robocore.errors.InputError` as :func:`load_run`.
    """

    def __init__(self, run_dir=None, *, recording: RunRecording | None = None, path_horizon: int = PATH_HORIZON):
        if recording is None:
            if run_dir is None:
                raise ValueError("ReplaySource needs a run folder or a recording")
            recording = load_run(run_dir)
        self.recording = recording
        self.path_horizon = int(path_horizon)

    @property
    def layout(self) -> Layout:
        return self.recording.layout

    @property
    def report(self) -> Mapping[str, Any]:
        return self.recording.report

    @property
    def title(self) -> str:
        return f"robocore view: {self.recording.source or self.layout.name}"

    def __len__(self) -> int:
        return self.recording.n_frames

    def frame(self, index: int) -> Frame:
        rec = self.recording
        t = int(index)
        if not 0 <= t < rec.n_frames:
            raise IndexError(f"step {t} out of range 0..{rec.n_frames - 1}")
        paths = rec.positions[t:t + self.path_horizon + 1].transpose(1, 0, 2)
        return Frame(
            step=t,
            positions=rec.positions[t],
            states=rec.states[t],
            kinds=rec.kinds,
            headings=None if rec.headings is None else rec.headings[t],
            goals=None if rec.goals is None else rec.goals[t],
            paths=np.ascontiguousarray(paths),
            hud={"time_s": float(t)},
        )
