"""The robot side of VDA 5050 order handling: a simulated grid robot (AGV).

:class:`Agv` accepts ``order`` and ``instantActions`` messages as VDA 5050 2.1
says, drives its released base one cell per time step, runs the actions
attached to the nodes it reaches, and reports its ``state``. Its body (cell,
battery, in-place actions, faults) is one agent of a
:class:`robocore.motion.Motion`, the same motion model the in-process
simulation runs, so a robot process and ``fleet.simlink.SimLink`` move, pick,
drain, charge and fail alike. It knows nothing of sockets;
:mod:`bridge.client` carries its messages.

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
  increasing, whose released nodes are not a prefix, or that carries an
  action this robot does not support (:data:`NODE_ACTION_TYPES`) or edge
  actions: ``validationError``.

Node actions (``docs/protocol.md``, "Node actions"): ``pick`` (parameter
``units``), ``drop``, ``startCharging`` and ``stopCharging`` start when the
robot reaches their node: on a wait node (the robot's own cell) at the start
of the step, so they take that step; on a move node at the end of the move;
on a new order's first node at once. A
``pick``/``drop`` is RUNNING for its duration and then FINISHED,
``startCharging``/``stopCharging`` are FINISHED as soon as charging started or
stopped (``batteryState.charging`` shows it). A fault aborts the running
action (FAILED) and puts a FATAL ``robotFault`` error in ``errors`` until it
is repaired.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from robocore.agents import AgentKind
from robocore.grid import CellKind, Grid
from robocore.motion import Action, EventKind, Motion, MotionError, MotionEvent, MotionParams

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

__all__ = ["Agv", "OrderOutcome", "NODE_ACTION_TYPES", "FAULT_ERROR"]

#: Node actions a simulated robot runs (VDA 5050 predefined action types).
NODE_ACTION_TYPES: tuple[str, ...] = ("pick", "drop", "startCharging", "stopCharging")
#: ``errorType`` of the FATAL error a robot reports while it is faulted.
FAULT_ERROR = "robotFault"

#: How many finished action states a robot keeps reporting.
_ACTION_HISTORY = 8
_HEADINGS = {(0, 1): 0, (1, 0): 1, (0, -1): 2, (-1, 0): 3}
_CHARGE, _NONE = int(Action.CHARGE), int(Action.NONE)


@lru_cache(maxsize=1 << 16)
def _cell_of(nid: str) -> tuple[int, int]:
    """:func:`~bridge.messages.parse_node_id`, memoised (a robot parses the same few nodeIds over and over)."""
    return parse_node_id(nid)
_OPEN: dict[tuple[int, int], Grid] = {}


def _open_grid(cell: tuple[int, int]) -> Grid:
    """An open floor (every cell FREE) holding ``cell``, for robots without a layout."""
    shape = (max(512, cell[0] + 1), max(512, cell[1] + 1))
    if shape not in _OPEN:
        _OPEN[shape] = Grid(np.full(shape, CellKind.FREE, dtype=np.uint8))
    return _OPEN[shape]


class OrderOutcome:
    """What :meth:`Agv.handle_order` did with an order (string constants)."""

    ACCEPTED = "accepted"
    IGNORED = "ignored"
    REJECTED = "rejected"


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
    grid:
        The floor (default: an open floor of at least 512 x 512 cells, for
        tools and tests without a layout).
    params, seed:
        The motion model (:class:`robocore.motion.MotionParams`) and the seed
        of its fault draws.
    agent:
        The robot's agent number on the floor (its fault draws are those of
        that agent in the in-process simulation).
    body:
        ``(motion, index)``: use agent ``index`` of a shared
        :class:`~robocore.motion.Motion` (``bridge.simrobots`` holds all its
        robots in one) instead of a Motion of its own; then ``grid``,
        ``params``, ``seed``, ``agent`` and ``battery`` are the Motion's, and
        the owner steps the Motion (:meth:`begin_step`, :meth:`end_step`).

    Raises
    ------
    ValueError
        If ``cell`` is not a cell a robot may stand on.
    """

    def __init__(self, serial_number: str, *, cell: tuple[int, int], map_id: str,
                 manufacturer: str = MANUFACTURER, battery: float = 100.0, heading: int = 0,
                 grid: Grid | None = None, params: MotionParams = MotionParams(), seed: int = 0, agent: int = 0,
                 body: tuple[Motion, int] | None = None):
        self.serial_number = str(serial_number)
        self.map_id = str(map_id)
        self.headers = Headers(self.serial_number, manufacturer=manufacturer)
        cell = (int(cell[0]), int(cell[1]))
        if body is None:
            g = grid if grid is not None else _open_grid(cell)
            if not g.in_bounds(cell):
                raise ValueError(f"robot {self.serial_number}: cell {cell} is outside the floor")
            body = (Motion(g, [AgentKind.ROBOT], [g.index(cell)], params=params, battery=battery, seed=seed,
                           ids=[agent]), 0)
        self.motion, self.index = body
        self._cols = self.motion.grid.cols
        self.heading = int(heading)
        self.order_id = ""
        self.order_update_id = 0
        self.last_node_id = node_id(self.cell)
        self.last_node_sequence_id = 0
        self.node_states: list[dict[str, Any]] = []
        self.edge_states: list[dict[str, Any]] = []
        self.paused = False
        self.driving = False
        self.position_initialized = True
        self.errors: list[dict[str, Any]] = []  # order and instant-action errors
        self.action_states: list[dict[str, Any]] = []
        self._node_actions: dict[int, list[dict[str, Any]]] = {}  # sequenceId -> actions still to start
        self._running: str | None = None  # actionId of the running pick/drop
        self._fault_error: dict[str, Any] | None = None
        self.steps = 0

    @property
    def cell(self) -> tuple[int, int]:
        """The robot's cell ``(row, col)``."""
        return divmod(int(self.motion.pos[self.index]), self._cols)

    @property
    def battery(self) -> float:
        """Battery charge, percent."""
        return float(self.motion.battery[self.index])

    @property
    def charging(self) -> bool:
        return int(self.motion.action[self.index]) == _CHARGE

    @property
    def faulted(self) -> bool:
        return bool(self.motion.fault[self.index])

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
        if problem is None:
            problem = self._off_floor(msg["nodes"])
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
        new = oid != self.order_id
        self.node_states += [_node_state(n) for n in nodes[1:]]
        self.edge_states += [_edge_state(e) for e in edges]
        self.order_id, self.order_update_id = oid, uid
        self.errors = []
        # actions of released nodes wait for their node; a new order's first node is reached now
        for n in nodes[0 if new else 1:]:
            if n["released"] and n.get("actions"):
                self._node_actions[n["sequenceId"]] = list(n["actions"])
                for a in n["actions"]:
                    self._action_state(a, ActionStatus.WAITING)
        if new:
            self._run_node_actions(nodes[0]["sequenceId"])
        return OrderOutcome.ACCEPTED

    # ------------------------------------------------------------ node actions
    def _action_state(self, act: dict[str, Any], status: ActionStatus, result: str = "") -> None:
        """Add or update the state of ``act``; keep at most the last few ended ones."""
        aid = act["actionId"]
        for st in self.action_states:
            if st["actionId"] == aid:
                break
        else:
            st = {"actionId": aid, "actionType": act["actionType"]}
            self.action_states.append(st)
        st["actionStatus"] = status.value
        if result:
            st["resultDescription"] = result
        ended = [k for k, a in enumerate(self.action_states)
                 if a["actionStatus"] in (ActionStatus.FINISHED.value, ActionStatus.FAILED.value)]
        if len(ended) > _ACTION_HISTORY:
            drop = set(ended[: len(ended) - _ACTION_HISTORY])
            self.action_states = [a for k, a in enumerate(self.action_states) if k not in drop]

    def _run_node_actions(self, seq: int) -> None:
        """Start the actions of the node with sequenceId ``seq`` (the robot has reached it)."""
        i, m = self.index, self.motion
        for act in self._node_actions.pop(seq, ()):
            kind = act["actionType"]
            try:
                if kind == "pick":
                    params = {p.get("key"): p.get("value") for p in act.get("actionParameters", ())}
                    units = params.get("units", 1)
                    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
                        raise MotionError(f"pick units must be a positive integer, got {units!r}")
                    m.start(i, Action.PICK, units=units)
                    self._running = act["actionId"]
                    self._action_state(act, ActionStatus.RUNNING)
                elif kind == "drop":
                    m.start(i, Action.DROP)
                    self._running = act["actionId"]
                    self._action_state(act, ActionStatus.RUNNING)
                elif kind == "startCharging":
                    m.start(i, Action.CHARGE)
                    self._action_state(act, ActionStatus.FINISHED)
                else:  # stopCharging
                    if m.action[i] == Action.CHARGE:
                        m.stop(i)
                    self._action_state(act, ActionStatus.FINISHED)
            except MotionError as err:
                self._action_state(act, ActionStatus.FAILED, str(err).split(": ", 1)[-1])

    def _fail_waiting(self, why: str) -> None:
        for acts in self._node_actions.values():
            for a in acts:
                self._action_state(a, ActionStatus.FAILED, why)
        self._node_actions = {}

    def _off_floor(self, nodes) -> str | None:
        g = self.motion.grid
        ok = g.passable_flat
        rows, cols = g.rows, g.cols
        for k, n in enumerate(nodes):
            r, c = _cell_of(n["nodeId"])
            if not (0 <= r < rows and 0 <= c < cols) or not ok[r * cols + c]:
                return f"node {k}: {n['nodeId']} is not a cell a robot may stand on"
        return None

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
                    self._fail_waiting("order cancelled")
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
            elif kind == "stopCharging":
                if self.motion.action[self.index] == Action.CHARGE:
                    self.motion.stop(self.index)
            elif kind == "startCharging":
                try:
                    self.motion.start(self.index, Action.CHARGE)
                except MotionError as err:
                    status, result = ActionStatus.FAILED, str(err).split(": ", 1)[-1]
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
        if not self.motion.grid.in_bounds(cell) or not self.motion.grid.is_passable(cell):
            return ActionStatus.FAILED, f"initPosition: {node_id(cell)} is not a cell a robot may stand on"
        self.motion.pos[self.index] = self.motion.grid.index(cell)
        self.last_node_id = node_id(cell)
        self.node_states, self.edge_states = [], []
        self.position_initialized = True
        return ActionStatus.FINISHED, ""

    # ------------------------------------------------------------------ motion
    def next_cell(self) -> tuple[int, int] | None:
        """The cell the next :meth:`step` drives to, or None if it would stand still."""
        if self.paused or not self.node_states or not self.node_states[0]["released"]:
            return None
        return _cell_of(self.node_states[0]["nodeId"])

    def begin_step(self) -> tuple[int, dict[str, Any] | None]:
        """First half of a time step: the flat cell to be in after it, and the
        node traversed (None: standing still). Takes the node off the order and
        starts its actions; the owner then advances the Motion and calls
        :meth:`end_step`. A robot that may not move (busy, faulted, battery
        empty) waits before a node that is a move."""
        self.steps += 1
        here = int(self.motion.pos[self.index])
        target = self.next_cell()
        i, m = self.index, self.motion
        if target is None:
            return here, None
        flat = target[0] * self._cols + target[1]
        if flat != here and (int(m.action[i]) != _NONE or m.fault[i] or m.battery[i] <= 0.0):
            return here, None
        node = self.node_states.pop(0)
        if self.edge_states and self.edge_states[0]["sequenceId"] < node["sequenceId"]:
            self.edge_states.pop(0)
        if flat != here:
            r, c = divmod(here, self._cols)
            self.heading = _HEADINGS[(target[0] - r, target[1] - c)]
        else:  # a wait: the robot is on the node already, its actions start in this step
            self._run_node_actions(node["sequenceId"])
        return flat, node

    def end_step(self, node: dict[str, Any] | None, events: list[MotionEvent]) -> bool:
        """Second half of a time step: apply this robot's motion ``events``
        (ended actions, faults, repairs) after the Motion advanced; returns
        True when a node was traversed."""
        for ev in events:
            if ev.kind in (EventKind.PICKED, EventKind.DROPPED) and self._running is not None:
                self._action_state({"actionId": self._running, "actionType": ""}, ActionStatus.FINISHED)
                self._running = None
            elif ev.kind == EventKind.FAULT:
                refs = {}
                if self._running is not None:
                    refs["actionId"] = self._running
                    self._action_state({"actionId": self._running, "actionType": ""}, ActionStatus.FAILED,
                                       "aborted by a fault")
                    self._running = None
                self._fault_error = error(FAULT_ERROR, "the robot stopped on a fault and waits for repair",
                                          level=ErrorLevel.FATAL, references=refs or None)
            elif ev.kind == EventKind.CLEARED:
                self._fault_error = None
        if node is not None:
            self.last_node_id, self.last_node_sequence_id = node["nodeId"], node["sequenceId"]
            self._run_node_actions(node["sequenceId"])  # after a move: reached now (nothing left after a wait)
        self.driving = bool(self.node_states and self.node_states[0]["released"] and not self.paused)
        return node is not None

    def step(self) -> bool:
        """Advance one time step (a robot with a Motion of its own): traverse the
        next released node, if any, run its actions, drain the battery.

        Returns True when a node was traversed (a move or a planned wait).

        Raises
        ------
        RuntimeError
            If the robot shares its Motion (``body``): its owner steps it.
        """
        if self.motion.n != 1:
            raise RuntimeError("a robot on a shared Motion is stepped by the Motion's owner")
        flat, node = self.begin_step()
        events = self.motion.advance(np.array([flat], dtype=np.int64))
        return self.end_step(node, events)

    def inject_fault(self) -> None:
        """Fault the robot now (fault drills and tests), as a motion fault would."""
        ev = self.motion.inject_fault(self.index)
        self.end_step(None, [ev])

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
            charging=self.charging,
            errors=[dict(e) for e in self.errors] + ([dict(self._fault_error)] if self._fault_error else []),
            paused=self.paused,
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
        cells = [_cell_of(n["nodeId"]) for n in nodes]
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
    for k, n in enumerate(nodes):
        for a in n.get("actions", ()):
            if a.get("actionType") not in NODE_ACTION_TYPES:
                return f"node {k}: unsupported action {a.get('actionType')!r}"
    for k, e in enumerate(edges):
        if e.get("actions"):
            return f"edge {k}: edge actions are not supported"
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
