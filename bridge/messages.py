"""VDA 5050 2.1 message builders, enums and the grid <-> node mapping.

Every message is a plain ``dict`` whose keys and value types are exactly those
of the VDA 5050 2.1 JSON schema of its topic, so that a message decoded from
msgpack and dumped as JSON validates against the official schema.

Grid mapping (the only place it is stated):

* A grid cell ``(row, col)`` is the node ``"r<row>c<col>"`` (:func:`node_id`).
* Its ``nodePosition`` is in *cell units* on the layout's ``mapId`` (the layout
  name): ``x = col``, ``y = row``. The y axis therefore points *down* the floor
  (row 0 is the top row), as in the grid.
* ``theta`` (radians) is measured from +x towards +y: east 0, south pi/2,
  west pi, north -pi/2 (headings 0=E 1=S 2=W 3=N, see :data:`HEADING_THETA`).
* A move between two cells (or a wait on one cell) is the edge
  ``"<start nodeId>-<end nodeId>"`` (:func:`edge_id`).
* Within one ``orderId`` sequence ids run over the nodes and edges of the path:
  node ``k`` of the path has ``sequenceId = 2 * k``, the edge leaving it
  ``2 * k + 1``, continuing across order updates.

Headers: :class:`Headers` numbers messages per topic (``headerId`` counts 0, 1,
2, ... separately for each topic of one sender) and stamps them with an
ISO-8601 UTC timestamp with milliseconds (``2026-11-27T03:54:22.123Z``).
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Iterable, Sequence

__all__ = [
    "VERSION",
    "MANUFACTURER",
    "Topic",
    "ConnectionState",
    "ActionStatus",
    "BlockingType",
    "ErrorLevel",
    "OperatingMode",
    "EStop",
    "HEADING_THETA",
    "INSTANT_ACTION_TYPES",
    "Headers",
    "timestamp",
    "node_id",
    "parse_node_id",
    "edge_id",
    "node_position",
    "action",
    "error",
    "order_message",
    "instant_actions_message",
    "state_message",
    "connection_message",
    "factsheet_message",
    "visualization_message",
]

#: Protocol version carried in every header.
VERSION = "2.1.0"
#: Default ``manufacturer`` of robocore's simulated robots and controller.
MANUFACTURER = "robocore"


class Topic(str, Enum):
    """The six VDA 5050 message types (the ``topic`` frame on the wire)."""

    ORDER = "order"
    INSTANT_ACTIONS = "instantActions"
    STATE = "state"
    CONNECTION = "connection"
    FACTSHEET = "factsheet"
    VISUALIZATION = "visualization"


class ConnectionState(str, Enum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    CONNECTIONBROKEN = "CONNECTIONBROKEN"


class ActionStatus(str, Enum):
    WAITING = "WAITING"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"


class BlockingType(str, Enum):
    NONE = "NONE"
    SOFT = "SOFT"
    HARD = "HARD"


class ErrorLevel(str, Enum):
    WARNING = "WARNING"
    FATAL = "FATAL"


class OperatingMode(str, Enum):
    AUTOMATIC = "AUTOMATIC"
    SEMIAUTOMATIC = "SEMIAUTOMATIC"
    MANUAL = "MANUAL"
    SERVICE = "SERVICE"
    TEACHIN = "TEACHIN"


class EStop(str, Enum):
    AUTOACK = "AUTOACK"
    MANUAL = "MANUAL"
    REMOTE = "REMOTE"
    NONE = "NONE"


#: ``theta`` in radians for headings 0=E, 1=S, 2=W, 3=N (y points down the floor).
HEADING_THETA: tuple[float, float, float, float] = (0.0, math.pi / 2, math.pi, -math.pi / 2)

#: Instant actions robocore's robots understand.
INSTANT_ACTION_TYPES: tuple[str, ...] = (
    "cancelOrder", "startPause", "stopPause", "initPosition", "factsheetRequest", "stateRequest", "startCharging",
    "stopCharging",
)

_NODE_RE = re.compile(r"^r(\d+)c(\d+)$")


def timestamp(t: float | None = None) -> str:
    """ISO-8601 UTC timestamp with milliseconds for UNIX time ``t`` (seconds; now if None).

    >>> timestamp(0.0)
    '1970-01-01T00:00:00.000Z'
    >>> timestamp(1795751662.1239)
    '2026-11-27T03:54:22.123Z'
    """
    if t is None:
        t = time.time()
    if t < 0:  # before 1970: no cache
        dt = datetime.fromtimestamp(t, tz=timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    frac, whole = math.modf(t)
    sec, micro = int(whole), round(frac * 1e6)  # rounded as datetime.fromtimestamp rounds
    if micro >= 1_000_000:
        sec, micro = sec + 1, micro - 1_000_000
    milli = micro // 1000
    prefix = _SECOND_PREFIX.get(sec)
    if prefix is None:  # formatting a datetime costs ~2 µs: once per second, not per message
        if len(_SECOND_PREFIX) > 64:
            _SECOND_PREFIX.clear()
        prefix = _SECOND_PREFIX[sec] = datetime.fromtimestamp(sec, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
    return f"{prefix}{milli:03d}Z"


_SECOND_PREFIX: dict[int, str] = {}


class Headers:
    """Per-topic ``headerId`` counters and header fields of one sender.

    Parameters
    ----------
    serial_number:
        The robot the messages are about (VDA 5050 puts the robot's serial in
        the header of controller-to-robot messages too).
    manufacturer:
        The robot's manufacturer.
    """

    def __init__(self, serial_number: str, *, manufacturer: str = MANUFACTURER):
        self.serial_number = str(serial_number)
        self.manufacturer = str(manufacturer)
        self._next: dict[str, int] = {}

    def next(self, topic: Topic | str, *, now: float | None = None) -> dict[str, Any]:
        """The header for the next message on ``topic``; its headerId is one more than the last."""
        key = Topic(topic).value
        n = self._next.get(key, 0)
        self._next[key] = n + 1
        return {
            "headerId": n,
            "timestamp": timestamp(now),
            "version": VERSION,
            "manufacturer": self.manufacturer,
            "serialNumber": self.serial_number,
        }


def node_id(cell: Sequence[int]) -> str:
    """The nodeId of grid cell ``(row, col)``.

    >>> node_id((3, 14))
    'r3c14'
    """
    r, c = int(cell[0]), int(cell[1])
    if r < 0 or c < 0:
        raise ValueError(f"cell {[r, c]} has a negative coordinate")
    return f"r{r}c{c}"


def parse_node_id(nid: str) -> tuple[int, int]:
    """The cell ``(row, col)`` of a nodeId ``"r<row>c<col>"``.

    Raises
    ------
    ValueError
        If ``nid`` is not of that form.

    >>> parse_node_id('r3c14')
    (3, 14)
    """
    m = _NODE_RE.match(nid) if isinstance(nid, str) else None
    if m is None:
        raise ValueError(f"nodeId {nid!r} is not of the form 'r<row>c<col>'")
    return int(m.group(1)), int(m.group(2))


def edge_id(a: Sequence[int], b: Sequence[int]) -> str:
    """The edgeId of the move (or wait, if ``a == b``) from cell ``a`` to cell ``b``.

    >>> edge_id((0, 0), (0, 1))
    'r0c0-r0c1'
    """
    return f"{node_id(a)}-{node_id(b)}"


def node_position(cell: Sequence[int], map_id: str, *, theta: float | None = None) -> dict[str, Any]:
    """``nodePosition`` of a cell in cell units: ``x = col``, ``y = row``."""
    pos: dict[str, Any] = {"x": float(cell[1]), "y": float(cell[0]), "mapId": str(map_id)}
    if theta is not None:
        pos["theta"] = float(theta)
    return pos


def action(action_type: str, action_id: str, *, blocking: BlockingType | str = BlockingType.NONE,
           parameters: dict[str, Any] | None = None, description: str | None = None) -> dict[str, Any]:
    """One VDA 5050 action (for instantActions or node/edge actions).

    ``parameters`` maps key -> value (a bool, number, string, list or dict).
    """
    a: dict[str, Any] = {"actionType": str(action_type), "actionId": str(action_id),
                         "blockingType": BlockingType(blocking).value}
    if description is not None:
        a["actionDescription"] = str(description)
    if parameters:
        a["actionParameters"] = [{"key": str(k), "value": v} for k, v in parameters.items()]
    return a


def error(error_type: str, description: str, *, level: ErrorLevel | str = ErrorLevel.WARNING,
          references: dict[str, str] | None = None) -> dict[str, Any]:
    """One entry of a state's ``errors`` list."""
    e: dict[str, Any] = {"errorType": str(error_type), "errorLevel": ErrorLevel(level).value,
                         "errorDescription": str(description)}
    if references:
        e["errorReferences"] = [{"referenceKey": str(k), "referenceValue": str(v)} for k, v in references.items()]
    return e


def order_message(header: dict[str, Any], *, order_id: str, order_update_id: int, path: Sequence[Sequence[int]],
                  released: int, map_id: str, first_sequence_id: int = 0,
                  node_actions: dict[int, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """An ``order`` (or order update) driving a robot along ``path``.

    Parameters
    ----------
    header:
        From :meth:`Headers.next` with ``Topic.ORDER``.
    path:
        Grid cells, one per time step; consecutive cells are 4-neighbours or
        equal (a wait). ``path[0]`` is the robot's position for a new order, or
        the last base node of the current order for an update (the stitching node).
    released:
        How many nodes, from ``path[0]``, are in the base (1 <= released <= len(path)).
        The edges between released nodes are released; the rest is the horizon.
    first_sequence_id:
        The (even) sequenceId of ``path[0]``: 0 for a new order, the stitching
        node's sequenceId for an update.
    node_actions:
        ``{k: [action, ...]}``: actions (see :func:`action`) attached to node
        ``k`` of the path, run when the robot reaches it (``pick``, ``drop``,
        ``startCharging``, ``stopCharging``; see ``docs/protocol.md``).

    Raises
    ------
    ValueError
        If the path is empty, a step is not a move or a wait, ``released`` is
        out of range, ``first_sequence_id`` is odd or negative, or an action
        is attached to a node index outside the path.
    """
    cells = [(int(c[0]), int(c[1])) for c in path]
    if not cells:
        raise ValueError("order path is empty")
    if not 1 <= released <= len(cells):
        raise ValueError(f"released must be in 1..{len(cells)}, got {released}")
    if first_sequence_id < 0 or first_sequence_id % 2:
        raise ValueError(f"first_sequence_id must be even and >= 0, got {first_sequence_id}")
    for a, b in zip(cells, cells[1:]):
        if abs(a[0] - b[0]) + abs(a[1] - b[1]) > 1:
            raise ValueError(f"order path jumps from {list(a)} to {list(b)}")
    node_actions = node_actions or {}
    if any(not 0 <= k < len(cells) for k in node_actions):
        raise ValueError(f"node actions on nodes {sorted(node_actions)} of a {len(cells)}-node path")
    nodes = [{"nodeId": node_id(c), "sequenceId": first_sequence_id + 2 * k, "released": k < released,
              "nodePosition": node_position(c, map_id), "actions": list(node_actions.get(k, ()))}
             for k, c in enumerate(cells)]
    edges = [{"edgeId": edge_id(a, b), "sequenceId": first_sequence_id + 2 * k + 1, "released": k + 1 < released,
              "startNodeId": node_id(a), "endNodeId": node_id(b), "actions": []}
             for k, (a, b) in enumerate(zip(cells, cells[1:]))]
    return {**header, "orderId": str(order_id), "orderUpdateId": int(order_update_id), "nodes": nodes, "edges": edges}


def instant_actions_message(header: dict[str, Any], actions: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """An ``instantActions`` message carrying ``actions`` (see :func:`action`)."""
    return {**header, "actions": list(actions)}


def state_message(header: dict[str, Any], *, order_id: str, order_update_id: int, last_node_id: str,
                  last_node_sequence_id: int, node_states: list[dict[str, Any]], edge_states: list[dict[str, Any]],
                  driving: bool, position: tuple[float, float, float] | None, map_id: str,
                  action_states: list[dict[str, Any]], battery_charge: float, charging: bool = False,
                  errors: list[dict[str, Any]] = (), paused: bool = False,
                  operating_mode: OperatingMode | str = OperatingMode.AUTOMATIC,
                  e_stop: EStop | str = EStop.NONE, position_initialized: bool = True) -> dict[str, Any]:
    """A robot's ``state``.

    ``position`` is ``(x, y, theta)`` in cell units and radians (None: unknown,
    no ``agvPosition``); ``battery_charge`` is in percent (0..100).
    """
    msg: dict[str, Any] = {
        **header,
        "orderId": str(order_id),
        "orderUpdateId": int(order_update_id),
        "lastNodeId": str(last_node_id),
        "lastNodeSequenceId": int(last_node_sequence_id),
        "driving": bool(driving),
        "paused": bool(paused),
        "operatingMode": OperatingMode(operating_mode).value,
        "nodeStates": list(node_states),
        "edgeStates": list(edge_states),
        "actionStates": list(action_states),
        "batteryState": {"batteryCharge": float(battery_charge), "charging": bool(charging)},
        "errors": list(errors),
        "safetyState": {"eStop": EStop(e_stop).value, "fieldViolation": False},
    }
    if position is not None:
        x, y, theta = position
        msg["agvPosition"] = {"x": float(x), "y": float(y), "theta": float(theta), "mapId": str(map_id),
                              "positionInitialized": bool(position_initialized)}
    return msg


def connection_message(header: dict[str, Any], state: ConnectionState | str) -> dict[str, Any]:
    """A ``connection`` message (ONLINE, OFFLINE or CONNECTIONBROKEN)."""
    return {**header, "connectionState": ConnectionState(state).value}


def factsheet_message(header: dict[str, Any], *, series_name: str = "robocore-sim",
                      speed_cells_per_s: float = 1.0, max_load_kg: float = 30.0,
                      min_state_interval_s: float = 0.01, default_state_interval_s: float = 0.1) -> dict[str, Any]:
    """The ``factsheet`` of a robocore grid robot (lengths in cells, speeds in cells/s)."""
    # No ``blockingTypes``: the official 2.1 schema puts its enum on the array
    # itself, so no array value can validate; the field is optional.
    agv_actions = [{"actionType": t, "actionScopes": ["INSTANT"]} for t in INSTANT_ACTION_TYPES]
    return {
        **header,
        "typeSpecification": {
            "seriesName": str(series_name), "agvKinematic": "OMNI", "agvClass": "CARRIER",
            "maxLoadMass": float(max_load_kg), "localizationTypes": ["GRID"], "navigationTypes": ["AUTONOMOUS"],
        },
        "physicalParameters": {
            "speedMin": 0.0, "speedMax": float(speed_cells_per_s), "accelerationMax": float(speed_cells_per_s),
            "decelerationMax": float(speed_cells_per_s), "heightMax": 1.0, "width": 1.0, "length": 1.0,
        },
        "protocolLimits": {
            "maxStringLens": {"idLen": 64},
            "maxArrayLens": {"order.nodes": 4096, "order.edges": 4095},
            "timing": {"minOrderInterval": 0.0, "minStateInterval": float(min_state_interval_s),
                       "defaultStateInterval": float(default_state_interval_s)},
        },
        "protocolFeatures": {"optionalParameters": [], "agvActions": agv_actions},
        "agvGeometry": {},
        "loadSpecification": {"loadPositions": ["tote"]},
    }


def visualization_message(header: dict[str, Any], *, x: float, y: float, theta: float, map_id: str,
                          vx: float = 0.0, vy: float = 0.0) -> dict[str, Any]:
    """A ``visualization`` message: position in cell units, velocity in cells/s."""
    return {
        **header,
        "agvPosition": {"x": float(x), "y": float(y), "theta": float(theta), "mapId": str(map_id),
                        "positionInitialized": True},
        "velocity": {"vx": float(vx), "vy": float(vy), "omega": 0.0},
    }
