"""msgpack codec for VDA 5050 messages, with a size limit and type checks.

A message travels as two ZeroMQ frames, ``topic`` (ASCII, one of
:class:`~bridge.messages.Topic`) and ``payload`` (the message ``dict`` packed
with msgpack, ``use_bin_type=True``; strings are UTF-8 ``str``, never ``bin``).
:func:`decode` checks the size, unpacks, and checks that every field the
schema requires is present with the right type (recursively for nodes, edges,
actions, nodeStates, edgeStates, actionStates, errors, positions), raising
:class:`ProtocolError` with a :class:`Reason` otherwise.

The checks are written once, as the field specs below. From them the module
builds ``msgspec`` Struct types, whose C decoder validates a payload's types in
one pass (about 0.6 µs for a state); a payload that passes is then unpacked
into a plain ``dict`` by msgspec's untyped decoder. Only a payload that fails
is unpacked by ``msgpack`` (``strict_map_key``: map keys must be strings) and
walked again in Python, to name the field and the reason. (So a valid
message's pass-through fields, which robocore does not read, may hold maps
with non-string keys; every field robocore reads has string keys.)
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Union

import msgpack
import msgspec

from bridge.messages import Topic
from robocore.errors import InputError

__all__ = ["Reason", "ProtocolError", "DEFAULT_MAX_BYTES", "encode", "decode"]

_ENCODER = msgspec.msgpack.Encoder()
_UNTYPED = msgspec.msgpack.Decoder()

#: Default payload size limit in bytes (an order of ~4,000 nodes fits).
DEFAULT_MAX_BYTES = 1 << 20


class Reason(str, Enum):
    """Why a frame was refused (also the counter names of the controller)."""

    NOT_MSGPACK = "not_msgpack"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_TOPIC = "unknown_topic"
    MISSING_FIELD = "missing_field"
    OVERSIZED = "oversized"
    BAD_FRAMES = "bad_frames"
    UNAUTHENTICATED = "unauthenticated"
    SPOOFED = "spoofed"
    STALE = "stale"
    EXPIRED = "expired"


class ProtocolError(InputError):
    """A wire message robocore refuses; ``reason`` is a :class:`Reason`."""

    def __init__(self, reason: Reason, message: str):
        self.reason = Reason(reason)
        super().__init__(f"{self.reason.value}: {message}")


# Field specs: a Python type (or tuple of types), a dict (a nested object spec)
# or a one-element list [spec] (a list whose items follow spec). Only the
# fields listed are checked; others pass through untouched.
_NUM = (int, float)
_HEADER = {"headerId": int, "timestamp": str, "version": str, "manufacturer": str, "serialNumber": str}
_POSITION = {"x": _NUM, "y": _NUM, "theta": _NUM, "mapId": str, "positionInitialized": bool}
_NODE_POS = {"x": _NUM, "y": _NUM, "mapId": str}
_ACTION = {"actionType": str, "actionId": str, "blockingType": str}
_NODE = {"nodeId": str, "sequenceId": int, "released": bool, "actions": [_ACTION]}
_EDGE = {"edgeId": str, "sequenceId": int, "released": bool, "startNodeId": str, "endNodeId": str,
         "actions": [_ACTION]}
_REQUIRED: dict[str, dict[str, Any]] = {
    Topic.ORDER.value: {**_HEADER, "orderId": str, "orderUpdateId": int, "nodes": [_NODE], "edges": [_EDGE]},
    Topic.INSTANT_ACTIONS.value: {**_HEADER, "actions": [_ACTION]},
    Topic.STATE.value: {
        **_HEADER, "orderId": str, "orderUpdateId": int, "lastNodeId": str, "lastNodeSequenceId": int,
        "nodeStates": [{"nodeId": str, "sequenceId": int, "released": bool}],
        "edgeStates": [{"edgeId": str, "sequenceId": int, "released": bool}],
        "driving": bool, "actionStates": [{"actionId": str, "actionStatus": str}],
        "batteryState": {"batteryCharge": _NUM, "charging": bool}, "operatingMode": str,
        "errors": [{"errorType": str, "errorLevel": str}],
        "safetyState": {"eStop": str, "fieldViolation": bool},
    },
    Topic.CONNECTION.value: {**_HEADER, "connectionState": str},
    Topic.FACTSHEET.value: {
        "version": str, "manufacturer": str, "serialNumber": str, "typeSpecification": dict,
        "physicalParameters": dict, "protocolLimits": dict, "protocolFeatures": dict, "agvGeometry": dict,
        "loadSpecification": dict,
    },
    Topic.VISUALIZATION.value: {},
}
# Optional fields checked when present.
_OPTIONAL: dict[str, dict[str, Any]] = {
    Topic.STATE.value: {"agvPosition": _POSITION, "paused": bool},
    Topic.VISUALIZATION.value: {**_HEADER, "agvPosition": _POSITION},
    Topic.ORDER.value: {},
}
_NODE_OPTIONAL = {"nodePosition": _NODE_POS}


def encode(msg: dict[str, Any]) -> bytes:
    """Pack a message dict with msgpack (the bytes ``msgpack.packb(msg, use_bin_type=True)`` gives).

    ``msgspec``'s encoder writes the same msgpack for the types messages hold
    (str, int, float, bool, None, bytes, list, tuple, dict, str enums) at a
    fifth of the cost.

    Raises
    ------
    TypeError
        If ``msg`` holds a value msgpack cannot carry.
    """
    return _ENCODER.encode(msg)


def _valid(name: str, payload: bytes) -> bool:
    """The fast check: does ``payload`` decode as a valid ``name`` message
    (msgspec, in C)? A refused payload is walked again slowly by
    :func:`decode` to name what is wrong."""
    try:
        _VALIDATORS[name].decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return False
    return True


def decode(topic: bytes | str, payload: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Unpack and check one message.

    Parameters
    ----------
    topic:
        The topic frame (``b"state"``, ...).
    payload:
        The msgpack frame.
    max_bytes:
        Payloads longer than this are refused before unpacking.

    Returns
    -------
    dict
        The message.

    Raises
    ------
    ProtocolError
        ``OVERSIZED``, ``UNKNOWN_TOPIC``, ``NOT_MSGPACK``, ``WRONG_TYPE`` or
        ``MISSING_FIELD``, with the field's path in the message.
    """
    if len(payload) > max_bytes:
        raise ProtocolError(Reason.OVERSIZED, f"payload of {len(payload)} bytes exceeds the limit of {max_bytes}")
    name = topic if isinstance(topic, str) else bytes(topic).decode("ascii", "replace")
    spec = _REQUIRED.get(name)
    if spec is None:
        raise ProtocolError(Reason.UNKNOWN_TOPIC, f"unknown message type {name[:40]!r}")
    if _valid(name, payload):
        return _UNTYPED.decode(payload)  # a plain dict (msgspec reuses the strings of common keys)
    try:
        msg = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except Exception as err:  # msgpack raises several unrelated types
        raise ProtocolError(Reason.NOT_MSGPACK, f"{name}: payload is not msgpack ({type(err).__name__})") from None
    if not isinstance(msg, dict):
        raise ProtocolError(Reason.WRONG_TYPE, f"{name}: payload is a {type(msg).__name__}, not a map")
    # Something is wrong: walk the message again, slowly, to name the field.
    _check(msg, spec, name, required=True)
    _check(msg, _OPTIONAL.get(name, {}), name, required=False)
    if name == Topic.ORDER.value:
        for i, node in enumerate(msg["nodes"]):
            _check(node, _NODE_OPTIONAL, f"{name}.nodes[{i}]", required=False)
    # The walk found nothing wrong with the dict: msgspec refused something msgpack's dict no longer shows
    # (a repeated key whose last value is valid). The dict is what callers read, and it is valid.
    return msg



def _check(obj: dict, spec: dict[str, Any], where: str, *, required: bool) -> None:
    for key, want in spec.items():
        if key not in obj:
            if required:
                raise ProtocolError(Reason.MISSING_FIELD, f"{where}: missing field {key!r}")
            continue
        _check_value(obj[key], want, f"{where}.{key}")


def _check_value(value: Any, want: Any, where: str) -> None:
    if isinstance(want, dict):
        if not isinstance(value, dict):
            raise ProtocolError(Reason.WRONG_TYPE, f"{where}: expected a map, got {type(value).__name__}")
        _check(value, want, where, required=True)
    elif isinstance(want, list):
        if not isinstance(value, list):
            raise ProtocolError(Reason.WRONG_TYPE, f"{where}: expected an array, got {type(value).__name__}")
        for i, item in enumerate(value):
            _check_value(item, want[0], f"{where}[{i}]")
    else:
        # bool is an int in Python; a bool where a number is wanted is a wrong type.
        ok = isinstance(value, want) and not (isinstance(value, bool) and want is not bool)
        if not ok:
            raise ProtocolError(Reason.WRONG_TYPE, f"{where}: expected {_type_name(want)}, got {type(value).__name__}")


_MISSING = object()


def _compile_value(want: Any):
    """A predicate equivalent to :func:`_check_value` not raising (exact types: a bool is no number)."""
    if isinstance(want, dict):
        check = _compile_spec(want, required=True)
        return lambda v: type(v) is dict and check(v)
    if isinstance(want, list):
        item = _compile_value(want[0])
        return lambda v: type(v) is list and all(item(x) for x in v)
    types = frozenset(want) if isinstance(want, tuple) else frozenset((want,))
    return lambda v: type(v) in types


def _compile_spec(spec: dict[str, Any], *, required: bool):
    checks = tuple((key, _compile_value(want)) for key, want in spec.items())

    def check(obj: dict) -> bool:
        for key, ok in checks:
            v = obj.get(key, _MISSING)
            if v is _MISSING:
                if required:
                    return False
            elif not ok(v):
                return False
        return True

    return check


def _compile_topic(name: str):
    req = _compile_spec(_REQUIRED[name], required=True)
    opt = _compile_spec(_OPTIONAL.get(name, {}), required=False)
    if name != Topic.ORDER.value:
        return lambda m: req(m) and opt(m)
    node_opt = _compile_spec(_NODE_OPTIONAL, required=False)
    return lambda m: req(m) and opt(m) and all(node_opt(n) for n in m["nodes"])


#: topic -> fast predicate over a decoded dict: True when the message passes every check of :func:`decode`.
_FAST = {name: _compile_topic(name) for name in _REQUIRED}


def _struct_type(name: str, spec: dict[str, Any], optional: dict[str, Any] | None = None,
                 nested_optional: dict[str, dict[str, Any]] | None = None) -> type:
    """A ``msgspec.Struct`` type that accepts exactly what ``_check(spec)`` (+ optional fields) accepts.

    ``nested_optional`` maps a list field of ``spec`` to optional fields of its items
    (the order's ``nodes[].nodePosition``).
    """
    fields: list[tuple] = []
    for key, want in spec.items():
        extra = (nested_optional or {}).get(key)
        fields.append((key, _struct_field(f"{name}_{key}", want, extra)))
    for key, want in (optional or {}).items():
        fields.append((key, Union[_struct_field(f"{name}_{key}", want), msgspec.UnsetType], msgspec.UNSET))
    # Unknown fields are ignored, as in _check. The instances are thrown away at once: gc=False keeps
    # them out of the cyclic collector's allocation count (they hold no cycles).
    return msgspec.defstruct(name, fields, gc=False)


def _struct_field(name: str, want: Any, item_optional: dict[str, Any] | None = None) -> Any:
    if isinstance(want, dict):
        return _struct_type(name, want)
    if isinstance(want, list):
        item = want[0]
        # a tuple, not a list: an empty array (the usual nodeStates, errors, ...) is then the empty-tuple
        # singleton, so validating a typical state allocates no container the collector tracks
        if item_optional and isinstance(item, dict):
            return tuple[_struct_type(name, item, item_optional), ...]
        return tuple[_struct_field(name, item), ...]
    if want is dict:
        return dict  # any map (keys are checked by msgpack's strict_map_key when unpacking)
    if isinstance(want, tuple):
        return Union[want]  # int | float: msgspec refuses a bool here, as _check does
    return want


#: topic -> msgspec decoder whose result is discarded: it raises ValidationError exactly when _check would.
_VALIDATORS = {
    name: msgspec.msgpack.Decoder(_struct_type(
        f"_{name}", _REQUIRED[name], _OPTIONAL.get(name),
        {"nodes": _NODE_OPTIONAL} if name == Topic.ORDER.value else None))
    for name in _REQUIRED
}


def _type_name(want: Any) -> str:
    if want is _NUM:
        return "number"
    return {int: "integer", str: "string", bool: "boolean", dict: "map"}.get(want, str(want))
