"""robocore bridge: VDA 5050 message types over msgpack and ZeroMQ.

Modules: :mod:`bridge.messages` (message builders, enums, the grid <-> node
mapping), :mod:`bridge.codec` (msgpack with size limit and type checks),
:mod:`bridge.robot` (the robot-side order state machine),
:mod:`bridge.order_channel` (the controller side of one robot's orders),
:mod:`bridge.keys` and :mod:`bridge.auth` (CURVE keys, allowlist, ZAP),
:mod:`bridge.server` and :mod:`bridge.client` (the sockets),
:mod:`bridge.peers` (liveness, incarnations, freshness),
:mod:`bridge.controller` (orders, heartbeats and liveness for all robots),
:mod:`bridge.simrobots` (simulated robot processes),
:mod:`bridge.lockstep` (simulated time stepped by order releases) and
:mod:`bridge.telemetry` (sequenced PUB with snapshots) and
:mod:`bridge.floor` (a simulation's floor frames on that stream).
The wire format is written down in ``docs/protocol.md``.
"""

from bridge.codec import DEFAULT_MAX_BYTES, Message, ProtocolError, Reason, decode, decode_message, encode
from bridge.messages import (
    HEADING_THETA,
    INSTANT_ACTION_TYPES,
    MANUFACTURER,
    VERSION,
    ActionStatus,
    BlockingType,
    ConnectionState,
    EStop,
    ErrorLevel,
    Headers,
    OperatingMode,
    Topic,
    action,
    connection_message,
    edge_id,
    error,
    factsheet_message,
    instant_actions_message,
    node_id,
    node_position,
    order_message,
    parse_node_id,
    state_message,
    timestamp,
    visualization_message,
)
from bridge.auth import SerialAuthenticator
from bridge.client import RobotClient
from bridge.controller import BridgeController, PumpResult, RobotGone
from bridge.keys import KeyPair, KeyStore, valid_serial
from bridge.lockstep import LockstepDriver, LockstepResult
from bridge.order_channel import OrderChannel
from bridge.peers import Peer, PeerTable, Verdict, parse_timestamp
from bridge.server import ZAP_DOMAIN, BridgeServer, Inbound
from bridge.simrobots import SimRobots
from bridge.floor import FloorPublisher
from bridge.telemetry import SNAPSHOT_END, SNAPSHOT_REQUEST, TelemetryPublisher, TelemetrySubscriber
from bridge.robot import FAULT_ERROR, NODE_ACTION_TYPES, Agv, OrderOutcome

__all__ = [
    "DEFAULT_MAX_BYTES", "Message", "ProtocolError", "Reason", "decode", "decode_message", "encode",
    "HEADING_THETA", "INSTANT_ACTION_TYPES", "MANUFACTURER", "VERSION", "ActionStatus", "BlockingType",
    "ConnectionState", "EStop", "ErrorLevel", "Headers", "OperatingMode", "Topic", "action", "connection_message",
    "edge_id", "error", "factsheet_message", "instant_actions_message", "node_id", "node_position", "order_message",
    "parse_node_id", "state_message", "timestamp", "visualization_message",
    "OrderChannel", "Agv", "OrderOutcome", "NODE_ACTION_TYPES", "FAULT_ERROR",
    "SerialAuthenticator", "RobotClient", "KeyPair", "KeyStore", "valid_serial", "Peer", "PeerTable", "Verdict",
    "parse_timestamp", "ZAP_DOMAIN", "BridgeServer", "Inbound", "SNAPSHOT_END", "SNAPSHOT_REQUEST",
    "TelemetryPublisher", "TelemetrySubscriber", "BridgeController", "PumpResult", "RobotGone", "SimRobots",
    "LockstepDriver", "LockstepResult", "FloorPublisher",
]
