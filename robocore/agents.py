"""Agent kinds and states shared by the fleet, the run folder and the viewer.

The numeric values are stored in ``trajectory.npz`` (``kinds[N]`` and
``states[T+1, N]``, both ``uint8``) and sent on the telemetry stream, so they
never change meaning; new values are only ever appended.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["AgentKind", "AgentState"]


class AgentKind(IntEnum):
    ROBOT = 0
    HUMAN = 1


class AgentState(IntEnum):
    IDLE = 0  #: no work; parked or waiting
    TO_PICK = 1  #: travelling to the next pick
    PICKING = 2  #: standing at a slot, picking
    TO_STATION = 3  #: carrying a tote to a pack station
    DROPPING = 4  #: handing a tote over at a pack station
    TO_CHARGER = 5  #: travelling to a charger
    CHARGING = 6  #: on a charger
    FAULT = 7  #: stopped by a fault; an obstacle until cleared
    OFFLINE = 8  #: not reporting (bridge); position is the last known
    PUTAWAY = 9  #: carrying inbound stock from a dock to a slot
