"""Colours of the viewer: one per cell kind, one per agent state.

Pure numpy, no pygame: the tables are ``uint8`` RGB arrays indexed by the
stable ``uint8`` codes of :class:`robocore.CellKind` and
:class:`robocore.agents.AgentState`, so a whole grid or a whole fleet is
coloured with one fancy-index (``CELL_COLOURS[grid.kinds]``).

Humans share the state colours but are drawn as a different shape (a diamond,
see :mod:`viz.agent_layer`), so kind and state are both readable at a glance.
"""

from __future__ import annotations

import numpy as np

from robocore.agents import AgentState
from robocore.grid import CellKind

__all__ = [
    "BACKGROUND",
    "CELL_COLOURS",
    "STATE_COLOURS",
    "UNKNOWN_STATE_COLOUR",
    "ZONE_TINTS",
    "HIGHLIGHT",
    "HUMAN_OUTLINE",
    "ROBOT_OUTLINE",
    "HEADING_MARK",
    "TOTE_MARK",
    "SLOT_MARK",
    "HUD_BACKGROUND",
    "HUD_TEXT",
    "state_colour",
    "cell_colour",
    "darker",
    "state_index",
]

RGB = tuple[int, int, int]

#: Window background outside the floor.
BACKGROUND: RGB = (24, 26, 32)

_CELLS: dict[CellKind, RGB] = {
    CellKind.FREE: (236, 236, 230),  # aisle floor
    CellKind.BLOCKED: (58, 60, 66),  # wall / pillar
    CellKind.RACK: (146, 104, 62),  # storage rack
    CellKind.PICK: (214, 224, 242),  # pick-access aisle beside a rack
    CellKind.STATION: (246, 196, 72),  # pack station
    CellKind.CHARGER: (126, 206, 132),  # charger
    CellKind.DOCK: (96, 136, 206),  # dock door
    CellKind.HUMAN_ONLY: (242, 212, 214),  # human-only floor
    CellKind.ENDPOINT: (222, 234, 216),  # parking / task endpoint
}

#: ``CELL_COLOURS[kind]`` is the RGB of a cell of that :class:`CellKind`; ``(len(CellKind), 3)`` uint8.
CELL_COLOURS: np.ndarray = np.array([_CELLS[k] for k in CellKind], dtype=np.uint8)
CELL_COLOURS.setflags(write=False)

_STATES: dict[AgentState, RGB] = {
    AgentState.IDLE: (132, 136, 150),
    AgentState.TO_PICK: (28, 110, 250),
    AgentState.PICKING: (0, 196, 250),
    AgentState.TO_STATION: (250, 124, 0),
    AgentState.DROPPING: (196, 60, 140),
    AgentState.TO_CHARGER: (150, 220, 30),
    AgentState.CHARGING: (0, 150, 70),
    AgentState.FAULT: (226, 18, 30),
    AgentState.OFFLINE: (104, 56, 112),
    AgentState.PUTAWAY: (150, 70, 230),
}

#: Colour of a state code the palette does not know (a newer producer).
UNKNOWN_STATE_COLOUR: RGB = (255, 0, 255)

#: ``STATE_COLOURS[state]`` for every :class:`AgentState`, plus one last row for
#: unknown codes; ``(len(AgentState) + 1, 3)`` uint8. Index with :func:`state_index`.
STATE_COLOURS: np.ndarray = np.array([_STATES[s] for s in AgentState] + [UNKNOWN_STATE_COLOUR], dtype=np.uint8)
STATE_COLOURS.setflags(write=False)

#: Tints blended into the floor of named zones (cycled by zone order).
ZONE_TINTS: tuple[RGB, ...] = ((120, 180, 255), (255, 170, 90), (150, 230, 150), (220, 140, 230))

HIGHLIGHT: RGB = (255, 236, 0)  #: outline of the followed / hovered agent
ROBOT_OUTLINE: RGB = (30, 32, 40)
HUMAN_OUTLINE: RGB = (20, 20, 20)
HEADING_MARK: RGB = (16, 16, 24)
TOTE_MARK: RGB = (255, 255, 255)
SLOT_MARK: RGB = (196, 160, 112)
HUD_BACKGROUND: tuple[int, int, int, int] = (16, 18, 24, 200)
HUD_TEXT: RGB = (235, 238, 245)


def state_index(states) -> np.ndarray:
    """Map state codes to rows of :data:`STATE_COLOURS` (unknown codes to the last row)."""
    s = np.asarray(states).astype(np.int64, copy=False)
    return np.where((s >= 0) & (s < len(AgentState)), s, len(AgentState))


def state_colour(state: int) -> RGB:
    """RGB of one agent state code (unknown codes get :data:`UNKNOWN_STATE_COLOUR`)."""
    return tuple(int(v) for v in STATE_COLOURS[int(state_index(state))])


def cell_colour(kind: int) -> RGB:
    """RGB of one cell kind code."""
    return tuple(int(v) for v in CELL_COLOURS[int(kind)])


def darker(colour, factor: float = 0.65) -> RGB:
    """``colour`` scaled towards black by ``factor`` (0..1)."""
    return tuple(int(round(c * factor)) for c in colour[:3])

