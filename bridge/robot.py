"""The robot side of VDA 5050 order handling: a simulated grid robot (AGV).

:class:`Agv` accepts ``order`` and ``instantActions`` messages as VDA 5050 2.1
says, drives its released base one cell per :meth:`Agv.step`, and reports its
``state``. It knows nothing of sockets; :mod:`bridge.client` carries its
messages.

Order rules (see ``docs/protocol.md``, "Order rules"):

* same ``orderId``, older ``orderUpdateId``: rejected, ``orderUpdateError`` in
  ``errors``; the current order is kept.
* same ``orderId``, same ``orderUpdateId``: a repeat, ignored.
* same ``orderId``, newer ``orderUpdateId``: its first node must be the current
  order's last base node (same nodeId and sequenceId), else ``orderUpdateError``;
  when it is, the old horizon is replaced by the update's nodes after the
  stitching node.
* new ``orderId``: accepted only when no released node is left to drive and
  the first node is the robot's current cell, else ``orderUpdateError`` /
  ``noRouteError``.
* any order whose nodes are not ``r<row>c<col>``, whose steps are not moves or
  waits, whose sequenceIds are not even for nodes / odd for edges and
  increasing, or whose released nodes are not a prefix: ``validationError``.
"""

from __future__ import annotations

from typing import Any

from robocore.motion import MotionParams

from bridge.messages import (
    HEADING_THETA,
    MANUFACTURER,
    ActionStatus,
    ErrorLevel,
    Headers,
    Topic,
    error,
    factsheet_message,
    node_id,
    parse_node_id,
    state_message,
    visualization_message,
)

__all__ = ["Agv", "OrderOutcome", "drive_one_cell"]

#: The in-process motion model's drain (``robocore.motion``): a moved step costs
#: ``drain_per_move + drain_idle``, a waited one ``drain_idle``, as in ``Motion.advance``.
_MOTION = MotionParams()
DRAIN_PER_MOVE = _MOTION.drain_per_move + _MOTION.drain_idle
DRAIN_PER_WAIT = _MOTION.drain_idle

#: How many finished action states a robot keeps reporting.
_ACTION_HISTORY = 32


class OrderOutcome:
    """What :meth:`Agv.handle_order` did with an order (string constants)."""

    ACCEPTED = "accepted"
    IGNORED = "ignored"
    REJECTED = "rejected"


def drive_one_cell(cell: tuple[int, int], target: tuple[int, int], heading: int, battery: float, *,
                   drain_per_move: float, drain_per_wait: float) -> tuple[tuple[int, int], int, float]:
    """Motion model of one time step: move to ``target`` (a 4-neighbour or the same cell).

    Returns the new cell, heading (0=E 1=S 2=W 3=N; unchanged on a wait) and
    battery charge in percent (never below 0).
    """
    dr, dc = target[0] - cell[0], target[1] - cell[1]
    if (dr, dc) == (0, 0):
        return cell, heading, max(0.0, battery - drain_per_wait)
    heading = {(0, 1): 0, (1, 0): 1, (0, -1): 2, (-1, 0): 3}[(dr, dc)]
    return target, heading, max(0.0, battery - drain_per_move)


class Agv:
    """A simulated robot speaking VDA 5050.

    Parameters
    ----------
    serial_number:
        The robot's serial (its ZeroMQ identity and header serialNumber).
    cell:
        Starting cell ``(row, col)``.
    map_id:
        The layout's mapId.
    battery:
        Starting charge in percent.
    drain_per_move, drain_per_wait:
        Charge used per moved or waited step, percent (default: the drain of
        :class:`robocore.motion.MotionParams`, so that a robot in lockstep
        reports the battery the in-process model computes for a robot that
        only drives; picks and charging are not on the wire).
    """

    def __init__(self, serial_number: str, *, cell: tuple[int, int], map_id: str,
                 manufacturer: str = MANUFACTURER, battery: float = 100.0, heading: int = 0,
                 drain_per_move: float = DRAIN_PER_MOVE, drain_per_wait: float = DRAIN_PER_WAIT):
        self.serial_number = str(serial_number)
        self.map_id = str(map_id)
        self.headers = Headers(self.serial_number, manufacturer=manufacturer)
        self.cell = (int(cell[0]), int(cell[1]))
        self.heading = int(heading)
        self.battery = float(battery)
        self.drain_per_move = float(drain_per_move)
        self.drain_per_wait = float(drain_per_wait)
        self.order_id = ""
        self.order_update_id = 0
        self.last_node_id = node_id(self.cell)
        self.last_node_sequence_id = 0
        self.node_states: list[dict[str, Any]] = []
        self.edge_states: list[dict[str, Any]] = []
        self.paused = False
        self.driving = False
        self.position_initialized = True
        self.errors: list[dict[str, Any]] = []
        self.action_states: list[dict[str, Any]] = []
        self.steps = 0

    # ------------------------------------------------------------------ orders
    def handle_order(self, msg: dict[str, Any]) -> str:
        """Apply an ``order`` message; returns an :class:`OrderOutcome` value.

        A rejection leaves the current order untouched and puts one error in
        :attr:`errors` (reported in the next state).
        """
        oid, uid = msg["orderId"], msg["orderUpdateId"]
        refs = {"orderId": oid, "orderUpdateId": str(uid)}
        if oid == self.order_id:
            if uid < self.order_update_id:
                return self._reject("orderUpdateError",
                                    f"orderUpdateId {uid} is older than the current {self.order_update_id}", refs)
            if uid == self.order_update_id:
                return OrderOutcome.IGNORED
        problem = _validate_order(msg)
        if problem is not None:
            return self._reject("validationError", problem, refs)
        nodes, edges = msg["nodes"], msg["edges"]
        first = nodes[0]
        if oid == self.order_id:
            base_id, base_seq = self._last_base_node()
            if first["nodeId"] != base_id or first["sequenceId"] != base_seq:
                return self._reject("orderUpdateError",
                                    f"update starts at {first['nodeId']}/{first['sequenceId']}, "
                                    f"not at the last base node {base_id}/{base_seq}", refs)
            self.node_states = [n for n in self.node_states if n["released"]]
            self.edge_states = [e for e in self.edge_states if e["released"]]
        else:
            if any(n["released"] for n in self.node_states):
                return self._reject("orderUpdateError",
                                    f"order {self.order_id!r} still has released nodes to drive", refs)
            if first["nodeId"] != node_id(self.cell):
                return self._reject("noRouteError",
                                    f"order starts at {first['nodeId']}, the robot is at {node_id(self.cell)}", refs)
            self.node_states, self.edge_states = [], []
            self.last_node_id = first["nodeId"]
            self.last_node_sequence_id = first["sequenceId"]
        self.node_states += [_node_state(n) for n in nodes[1:]]
        self.edge_states += [_edge_state(e) for e in edges]
        self.order_id, self.order_update_id = oid, uid
        self.errors = []
        return OrderOutcome.ACCEPTED

    def _reject(self, error_type: str, description: str, refs: dict[str, str]) -> str:
        self.errors = [error(error_type, description, level=ErrorLevel.WARNING, references=refs)]
        return OrderOutcome.REJECTED

    def _last_base_node(self) -> tuple[str, int]:
        released = [n for n in self.node_states if n["released"]]
        if released:
            return released[-1]["nodeId"], released[-1]["sequenceId"]
        return self.last_node_id, self.last_node_sequence_id

    # --------------------------------------------------------- instant actions
    def handle_instant_actions(self, msg: dict[str, Any]) -> list[tuple[Topic, dict[str, Any]]]:
        """Apply ``instantActions``; returns messages to send back (a factsheet on request)."""
        replies: list[tuple[Topic, dict[str, Any]]] = []
        for act in msg["actions"]:
            kind, aid = act["actionType"], act["actionId"]
            status, result = ActionStatus.FINISHED, ""
            if kind == "cancelOrder":
                if self.node_states or self.edge_states:
                    self.node_states, self.edge_states = [], []
                    self.driving = False
                else:
                    status, result = ActionStatus.FAILED, "noOrderToCancel"
                    self.errors = [error("noOrderToCancel", "there is no order to cancel",
                                         references={"actionId": aid})]
            elif kind == "startPause":
                self.paused, self.driving = True, False
            elif kind == "stopPause":
                self.paused = False
            elif kind == "initPosition":
                status, result = self._init_position(act)
            elif kind == "factsheetRequest":
                replies.append((Topic.FACTSHEET, factsheet_message(self.headers.next(Topic.FACTSHEET))))
            elif kind == "stateRequest":
                # nothing to do here: the caller sends a state after every instantActions message
                pass
            else:
                status, result = ActionStatus.FAILED, f"unsupported actionType {kind!r}"
            st = {"actionId": aid, "actionType": kind, "actionStatus": status.value}
            if result:
                st["resultDescription"] = result
            self.action_states = (self.action_states + [st])[-_ACTION_HISTORY:]
        return replies

    def _init_position(self, act: dict[str, Any]) -> tuple[ActionStatus, str]:
        params = {p.get("key"): p.get("value") for p in act.get("actionParameters", []) if isinstance(p, dict)}
        if any(n["released"] for n in self.node_states):
            return ActionStatus.FAILED, "initPosition refused while driving an order"
        try:
            if "lastNodeId" in params:
                cell = parse_node_id(params["lastNodeId"])
            else:
                cell = (int(round(float(params["y"]))), int(round(float(params["x"]))))
        except (KeyError, TypeError, ValueError):
            return ActionStatus.FAILED, "initPosition needs lastNodeId or x and y"
        self.cell = cell
        self.last_node_id = node_id(cell)
        self.node_states, self.edge_states = [], []
        self.position_initialized = True
        return ActionStatus.FINISHED, ""

    # ------------------------------------------------------------------ motion
    def next_cell(self) -> tuple[int, int] | None:
        """The cell the next :meth:`step` drives to, or None if it would stand still."""
        if self.paused or not self.node_states or not self.node_states[0]["released"]:
            return None
        return parse_node_id(self.node_states[0]["nodeId"])

    def step(self) -> bool:
        """Advance one time step: traverse the next released node, if any.

        Returns True when a node was traversed (a move or a planned wait).
        Standing still without an order drains the battery like a wait.
        """
        self.steps += 1
        target = self.next_cell()
        if target is None:
            self.driving = False
            _, _, self.battery = drive_one_cell(self.cell, self.cell, self.heading, self.battery,
                                                drain_per_move=self.drain_per_move, drain_per_wait=self.drain_per_wait)
            return False
        self.cell, self.heading, self.battery = drive_one_cell(
            self.cell, target, self.heading, self.battery,
            drain_per_move=self.drain_per_move, drain_per_wait=self.drain_per_wait)
        node = self.node_states.pop(0)
        if self.edge_states and self.edge_states[0]["sequenceId"] < node["sequenceId"]:
            self.edge_states.pop(0)
        self.last_node_id, self.last_node_sequence_id = node["nodeId"], node["sequenceId"]
        self.driving = bool(self.node_states and self.node_states[0]["released"] and not self.paused)
        return True

    # ------------------------------------------------------------------ report
    def state(self, *, now: float | None = None) -> dict[str, Any]:
        """The robot's ``state`` message (a new headerId each call)."""
        theta = HEADING_THETA[self.heading % 4]
        return state_message(
            self.headers.next(Topic.STATE, now=now), order_id=self.order_id, order_update_id=self.order_update_id,
            last_node_id=self.last_node_id, last_node_sequence_id=self.last_node_sequence_id,
            node_states=[dict(n) for n in self.node_states], edge_states=[dict(e) for e in self.edge_states],
            driving=self.driving, position=(float(self.cell[1]), float(self.cell[0]), theta), map_id=self.map_id,
            action_states=[dict(a) for a in self.action_states], battery_charge=self.battery,
            errors=[dict(e) for e in self.errors], paused=self.paused,
            position_initialized=self.position_initialized)

    def visualization(self, *, now: float | None = None) -> dict[str, Any]:
        """A ``visualization`` message at the robot's cell."""
        return visualization_message(self.headers.next(Topic.VISUALIZATION, now=now), x=self.cell[1], y=self.cell[0],
                                     theta=HEADING_THETA[self.heading % 4], map_id=self.map_id)


def _node_state(n: dict[str, Any]) -> dict[str, Any]:
    s = {"nodeId": n["nodeId"], "sequenceId": n["sequenceId"], "released": n["released"]}
    if "nodePosition" in n:
        s["nodePosition"] = dict(n["nodePosition"])
    return s


def _edge_state(e: dict[str, Any]) -> dict[str, Any]:
    return {"edgeId": e["edgeId"], "sequenceId": e["sequenceId"], "released": e["released"]}


def _validate_order(msg: dict[str, Any]) -> str | None:
    """Why an order is structurally invalid for a grid robot, or None."""
    nodes, edges = msg["nodes"], msg["edges"]
    if not nodes:
        return "order has no nodes"
    if len(edges) != len(nodes) - 1:
        return f"order has {len(nodes)} nodes but {len(edges)} edges"
    try:
        cells = [parse_node_id(n["nodeId"]) for n in nodes]
    except ValueError as err:
        return str(err)
    seen_horizon = False
    for k, n in enumerate(nodes):
        if n["sequenceId"] % 2 or (k and n["sequenceId"] != nodes[k - 1]["sequenceId"] + 2):
            return f"node {k} has sequenceId {n['sequenceId']}; nodes need even, consecutive sequenceIds"
        if not n["released"]:
            seen_horizon = True
        elif seen_horizon:
            return f"node {k} is released after a horizon node"
    if not nodes[0]["released"]:
        return "the first node must be released"
    for k, e in enumerate(edges):
        a, b = cells[k], cells[k + 1]
        if abs(a[0] - b[0]) + abs(a[1] - b[1]) > 1:
            return f"edge {k} jumps from {nodes[k]['nodeId']} to {nodes[k + 1]['nodeId']}"
        if (e["startNodeId"], e["endNodeId"]) != (nodes[k]["nodeId"], nodes[k + 1]["nodeId"]):
            return f"edge {k} does not join node {k} to node {k + 1}"
        if e["sequenceId"] != nodes[k]["sequenceId"] + 1:
            return f"edge {k} has sequenceId {e['sequenceId']}, expected {nodes[k]['sequenceId'] + 1}"
        if e["released"] != nodes[k + 1]["released"]:
            return f"edge {k} is released={e['released']} but its end node is released={nodes[k + 1]['released']}"
    return None
