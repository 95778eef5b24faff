"""Small layouts and run folders for the viewer's tests (the run-folder contract, written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from robocore import CellKind, Grid, Layout, Location, Slot, Zone


def small_layout(rows: int = 10, cols: int = 20) -> Layout:
    """A floor with a rack row holding two slots, a station, a charger, a dock and a zone."""
    k = np.full((rows, cols), CellKind.FREE, np.uint8)
    k[2, 2:10] = CellKind.RACK
    k[3, 2:10] = CellKind.PICK
    k[rows - 1, 5] = CellKind.STATION
    k[rows - 1, 0] = CellKind.CHARGER
    k[0, cols - 1] = CellKind.DOCK
    k[5:7, cols - 3:cols] = CellKind.HUMAN_ONLY
    k[8, 12] = CellKind.BLOCKED
    return Layout(Grid(k), name="small-test",
                  slots=(Slot("S1", (2, 3), (3, 3)), Slot("S2", (2, 4), (1, 4))),
                  stations=(Location("P1", (rows - 1, 5)),), chargers=(Location("C1", (rows - 1, 0)),),
                  docks=(Location("D1", (0, cols - 1)),),
                  zones=(Zone("Z1", "pick", {(4, 4), (4, 5)}),))


def save_layout_json(layout: Layout, path: Path) -> None:
    maps = pytest.importorskip("maps")
    save = getattr(maps, "save_layout", None)
    if save is None:
        pytest.skip("maps.save_layout (layout JSON) is not on this branch yet")
    save(layout, path)


def write_run(root: Path, layout: Layout, positions, states, kinds, *, headings=None, goals=None,
              report: dict | None = None, layout_json: bool = True) -> Path:
    """Write a run folder by the contract: layout.json, trajectory.npz, report.json."""
    root.mkdir(parents=True, exist_ok=True)
    if layout_json:
        save_layout_json(layout, root / "layout.json")
    arrays = {"positions": np.asarray(positions, np.int16), "states": np.asarray(states, np.uint8),
              "kinds": np.asarray(kinds, np.uint8)}
    if headings is not None:
        arrays["headings"] = np.asarray(headings, np.int8)
    if goals is not None:
        arrays["goals"] = np.asarray(goals, np.int16 if np.ndim(goals) == 3 else np.int32)
    np.savez(root / "trajectory.npz", **arrays)
    if report is not None:
        (root / "report.json").write_text(json.dumps(report))
    return root


def walking_run(root: Path, layout: Layout | None = None, *, steps: int = 10, **kw) -> Path:
    """Two robots walking east along row 5 and 6, a human standing at (7, 2); ``steps + 1`` frames."""
    layout = layout or small_layout()
    t = np.arange(steps + 1)
    pos = np.zeros((steps + 1, 3, 2), np.int16)
    pos[:, 0] = np.stack([np.full_like(t, 5), t % layout.cols], axis=1)
    pos[:, 1] = np.stack([np.full_like(t, 6), (t + 3) % layout.cols], axis=1)
    pos[:, 2] = (7, 2)
    states = np.tile(np.array([1, 3, 2], np.uint8), (steps + 1, 1))
    kinds = np.array([0, 0, 1], np.uint8)
    headings = np.zeros((steps + 1, 3), np.int8)
    report = {"orders_received": 12, "orders_shipped": 7, "lines_picked": 30, "lines_per_hour": 450.5,
              "on_time_rate": 0.9, "steps": steps, "robots": 2, "humans": 1, "planner_step_ms": 1.25}
    return write_run(root, layout, pos, states, kinds, headings=headings, report=report, **kw)
