"""What the heads-up panel and the mouse-over say, as plain text (no pygame)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from robocore.agents import AgentKind, AgentState
from robocore.grid import CellKind, Coord
from robocore.layout import Layout
from viz.frame import Frame

__all__ = ["LocationIndex", "agent_at", "agent_details", "hud_lines", "utilisation", "WORKING_STATES"]

#: States in which a robot counts as utilised (doing order or stock work).
WORKING_STATES: frozenset[int] = frozenset(
    int(s) for s in (AgentState.TO_PICK, AgentState.PICKING, AgentState.TO_STATION, AgentState.DROPPING,
                     AgentState.PUTAWAY))
_HEADINGS = ("E", "S", "W", "N")


class LocationIndex:
    """Named locations of a layout by cell, for mouse-over and badges."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self._at: dict[Coord, list[str]] = {}
        for s in layout.slots:
            self._at.setdefault(s.rack, []).append(f"slot {s.id} (capacity {s.capacity}, picked from {list(s.access)})")
        for group, label in (("stations", "pack station"), ("chargers", "charger"), ("docks", "dock door")):
            for loc in getattr(layout, group):
                self._at.setdefault(loc.cell, []).append(f"{label} {loc.id}")
        for z in layout.zones:
            for cell in z.cells:
                self._at.setdefault(cell, []).append(f"zone {z.id} ({z.kind})")
        #: ``{station id: cell}`` and ``{dock id: cell}`` for queue and parcel badges.
        self.stations: dict[str, Coord] = {loc.id: loc.cell for loc in layout.stations}
        self.docks: dict[str, Coord] = {loc.id: loc.cell for loc in layout.docks}
        self._station_at = {c: i for i, c in self.stations.items()}
        self._dock_at = {c: i for i, c in self.docks.items()}

    def details(self, cell: Coord, frame: Frame | None = None) -> list[str]:
        """Lines describing ``cell``: its kind and every named location on it (with queues/parcels)."""
        r, c = cell
        kind = CellKind(int(self.layout.grid.kinds[r, c])).name.lower()
        lines = [f"cell ({r}, {c}) {kind}"]
        lines += self._at.get((r, c), [])
        if frame is not None:
            sid = self._station_at.get((r, c))
            if sid is not None and sid in frame.station_queues:
                lines.append(f"queue {int(frame.station_queues[sid])}")
            did = self._dock_at.get((r, c))
            if did is not None and did in frame.dock_parcels:
                lines.append(f"parcels waiting {int(frame.dock_parcels[did])}")
        return lines


def agent_at(frame: Frame | None, cell: Coord | None) -> int | None:
    """Index of an agent standing on ``cell`` (the last one listed if several), or ``None``."""
    if frame is None or cell is None or frame.n_agents == 0:
        return None
    hit = np.flatnonzero((frame.positions[:, 0] == cell[0]) & (frame.positions[:, 1] == cell[1]))
    return int(hit[-1]) if len(hit) else None


def _name(enum, value: int) -> str:
    return enum(value).name.lower() if value in enum._value2member_map_ else f"code {value}"


def agent_details(frame: Frame, i: int) -> list[str]:
    """Lines describing agent ``i`` of ``frame``."""
    r, c = (int(v) for v in frame.positions[i])
    lines = [frame.agent_name(i), f"{_name(AgentKind, int(frame.kinds[i]))}, {_name(AgentState, int(frame.states[i]))}",
             f"at ({r}, {c})"]
    if frame.headings is not None:
        h = int(frame.headings[i])
        lines[-1] += f" facing {_HEADINGS[h]}" if 0 <= h < 4 else ""
    if frame.goals is not None and frame.goals[i, 0] >= 0:
        lines.append(f"goal ({int(frame.goals[i, 0])}, {int(frame.goals[i, 1])})")
    if frame.tote_fill is not None:
        lines.append(f"tote {100 * float(frame.tote_fill[i]):.0f}% full")
    return lines


def utilisation(frame: Frame) -> float | None:
    """Share of robots in a working state (0..1), or ``None`` without robots."""
    robots = frame.kinds == AgentKind.ROBOT
    n = int(robots.sum())
    if n == 0:
        return None
    working = np.isin(frame.states[robots], list(WORKING_STATES))
    return float(working.sum()) / n


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.1f}"
    if isinstance(v, Mapping):
        return " / ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return str(v)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


_KNOWN = {"time_s", "orders_backlog", "orders_in_progress", "orders_shipped", "orders_late", "lines_per_hour",
          "utilisation", "planner_step_ms", "speed"}


def hud_lines(frame: Frame | None, report: Mapping[str, Any] | None = None, *, speed: float | None = None,
              paused: bool = False, n_frames: int | None = None, fps: float | None = None,
              playback: bool = True) -> list[str]:
    """The heads-up panel's lines.

    Per-frame values (``frame.hud``) win over run-level ones (``report``, the
    run's ``report.json``). ``speed`` is steps of floor time per wall second
    (``None``: as fast as the producer goes); ``playback=False`` leaves out the
    speed line (for still pictures).
    """
    report = dict(report or {})
    hud = dict(frame.hud) if frame is not None else {}
    lines: list[str] = []
    if frame is not None:
        t = float(hud.get("time_s", frame.step))
        of = f" / {n_frames - 1}" if n_frames else ""
        lines.append(f"step {frame.step}{of}   floor time {_clock(t)}")
    state = "paused" if paused else "playing"
    if playback and speed is None:
        lines.append(f"speed max ({state})")
    elif playback:
        lines.append(f"speed x{speed:g} ({state})")
    orders = [(label, hud.get(key, report.get(key))) for label, key in (
        ("backlog", "orders_backlog"), ("in progress", "orders_in_progress"), ("shipped", "orders_shipped"),
        ("late", "orders_late"))]
    if "orders_received" in report and "orders_backlog" not in hud:
        orders.insert(0, ("received", report["orders_received"]))
    shown = [f"{label} {_fmt(v)}" for label, v in orders if v is not None]
    if shown:
        lines.append("orders: " + "  ".join(shown))
    lph = hud.get("lines_per_hour", report.get("lines_per_hour"))
    picked = report.get("lines_picked")
    if lph is not None or picked is not None:
        parts = []
        if lph is not None:
            parts.append(f"lines/hour {_fmt(lph)}")
        if picked is not None:
            parts.append(f"lines picked {_fmt(picked)}")
        if "on_time_rate" in report:
            parts.append(f"on time {100 * float(report['on_time_rate']):.1f}%")
        lines.append("  ".join(parts))
    if frame is not None:
        n_robots = int((frame.kinds == AgentKind.ROBOT).sum())
        n_humans = int((frame.kinds == AgentKind.HUMAN).sum())
        util = hud.get("utilisation")
        if util is None:
            util = utilisation(frame)
        u = "" if util is None else f"  utilisation {100 * float(util):.0f}%"
        lines.append(f"robots {n_robots}  humans {n_humans}{u}")
    ms = hud.get("planner_step_ms", report.get("planner_step_ms"))
    if ms is not None:
        lines.append(f"planner step ms {_fmt(ms)}")
    for key, v in hud.items():
        if key not in _KNOWN:
            lines.append(f"{key.replace('_', ' ')}: {_fmt(v)}")
    if fps is not None:
        lines.append(f"{fps:.0f} fps")
    return lines
