"""msgpack codec for VDA 5050 messages, with a size limit and type checks.

A message travels as two ZeroMQ frames, ``topic`` (ASCII, one of
:class:`~bridge.messages.Topic`) and ``payload`` (the message ``dict`` packed
with msgpack, ``use_bin_type=True``; strings are UTF-8 ``str``, never ``bin``).
Decoding checks the size, unpacks, and checks that every field the schema
requires is present with the right type, and every optional field robocore
reads has the right type when present (recursively for nodes, edges,
actions, nodeStates, edgeStates, actionStates, errors, positions), raising
:class:`ProtocolError` with a :class:`Reason` otherwise.

The checks are written once, as the field specs below. From them the module
builds ``msgspec`` Struct types, whose C decoder validates a payload in one
pass. Two ways out:

* :func:`decode` gives a plain ``dict`` with every field, pass-through ones
  included (robots reading commands, telemetry subscribers, tools);
* :func:`decode_message` gives the validated :class:`Message` itself (the
  controller's inbound path, 10,000 states a second at 1,000 robots): no
  second unpacking, and the objects are outside the cyclic garbage
  collector. A :class:`Message` holds the checked fields only and reads like
  a read-only mapping (``msg["orderId"]``, ``msg.get("paused")``,
  ``"agvPosition" in msg``; arrays are tuples); :meth:`Message.to_dict`
  gives a ``dict``.

Only a payload that fails the C check is unpacked by ``msgpack``
(``strict_map_key``: map keys must be strings) and walked again in Python, to
name the field and the reason. (So a valid message's pass-through fields,
which robocore does not read, may hold maps with non-string keys; every field
robocore reads has string keys.)
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Iterator, Literal, Union

import msgpack
import msgspec

from bridge.messages import ActionStatus, ConnectionState, ErrorLevel, EStop, OperatingMode, Topic
from robocore.errors import InputError

__all__ = ["Reason", "ProtocolError", "DEFAULT_MAX_BYTES", "Message", "MESSAGE_TYPES", "encode", "decode",
           "decode_message"]

_ENCODER = msgspec.msgpack.Encoder()
_UNTYPED = msgspec.msgpack.Decoder()
_UNSET = msgspec.UNSET

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


class Opt:
    """Spec marker: an optional field, checked against ``spec`` when present."""

    __slots__ = ("spec",)

    def __init__(self, spec: Any):
        self.spec = spec


class OneOf:
    """Spec marker: a string, one of the values of the str ``Enum`` given (a VDA 5050 enum)."""

    __slots__ = ("values",)

    def __init__(self, enum: type[Enum]):
        self.values = tuple(m.value for m in enum)


# Field specs: a Python type (or tuple of types), OneOf(enum), a dict (a nested
# object spec), a one-element list [spec] (a list whose items follow spec), or
# Opt(spec) for an optional field. Only the fields listed are checked; others pass through
# untouched (and are absent from a Message).
_NUM = (int, float)
_HEADER = {"headerId": int, "timestamp": str, "version": str, "manufacturer": str, "serialNumber": str}
_POSITION = {"x": _NUM, "y": _NUM, "theta": _NUM, "mapId": str, "positionInitialized": bool}
_NODE_POS = {"x": _NUM, "y": _NUM, "mapId": str}
_ACTION = {"actionType": str, "actionId": str, "blockingType": str}
_NODE = {"nodeId": str, "sequenceId": int, "released": bool, "actions": [_ACTION], "nodePosition": Opt(_NODE_POS)}
_EDGE = {"edgeId": str, "sequenceId": int, "released": bool, "startNodeId": str, "endNodeId": str,
         "actions": [_ACTION]}
_REFERENCE = {"referenceKey": str, "referenceValue": str}
_SPECS: dict[str, dict[str, Any]] = {
    Topic.ORDER.value: {**_HEADER, "orderId": str, "orderUpdateId": int, "nodes": [_NODE], "edges": [_EDGE]},
    Topic.INSTANT_ACTIONS.value: {**_HEADER, "actions": [_ACTION]},
    Topic.STATE.value: {
        **_HEADER, "orderId": str, "orderUpdateId": int, "lastNodeId": str, "lastNodeSequenceId": int,
        "nodeStates": [{"nodeId": str, "sequenceId": int, "released": bool, "nodePosition": Opt(_NODE_POS)}],
        "edgeStates": [{"edgeId": str, "sequenceId": int, "released": bool}],
        "driving": bool,
        "actionStates": [{"actionId": str, "actionStatus": OneOf(ActionStatus), "actionType": Opt(str),
                          "resultDescription": Opt(str)}],
        "batteryState": {"batteryCharge": _NUM, "charging": bool}, "operatingMode": OneOf(OperatingMode),
        "errors": [{"errorType": str, "errorLevel": OneOf(ErrorLevel), "errorDescription": Opt(str),
                    "errorReferences": Opt([_REFERENCE])}],
        "safetyState": {"eStop": OneOf(EStop), "fieldViolation": bool},
        "agvPosition": Opt(_POSITION), "paused": Opt(bool),
    },
    Topic.CONNECTION.value: {**_HEADER, "connectionState": OneOf(ConnectionState)},
    Topic.FACTSHEET.value: {
        "version": str, "manufacturer": str, "serialNumber": str, "typeSpecification": dict,
        "physicalParameters": dict, "protocolLimits": dict, "protocolFeatures": dict, "agvGeometry": dict,
        "loadSpecification": dict,
    },
    Topic.VISUALIZATION.value: {**{k: Opt(v) for k, v in _HEADER.items()}, "agvPosition": Opt(_POSITION)},
}


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


def _topic_name(topic: bytes | str, payload: bytes, max_bytes: int) -> str:
    if len(payload) > max_bytes:
        raise ProtocolError(Reason.OVERSIZED, f"payload of {len(payload)} bytes exceeds the limit of {max_bytes}")
    name = topic if isinstance(topic, str) else bytes(topic).decode("ascii", "replace")
    if name not in _SPECS:
        raise ProtocolError(Reason.UNKNOWN_TOPIC, f"unknown message type {name[:40]!r}")
    return name


def decode(topic: bytes | str, payload: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Unpack and check one message into a ``dict`` (every field, pass-through ones included).

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
    name = _topic_name(topic, payload, max_bytes)
    try:
        _DECODERS[name].decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _explain(name, payload)
    return _UNTYPED.decode(payload)  # a plain dict (msgspec reuses the strings of common keys)


def decode_message(topic: bytes | str, payload: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Message:
    """Unpack and check one message into its :class:`Message` (the checked fields only).

    Accepts and refuses exactly what :func:`decode` does, with the same
    reasons; a valid payload under a ``str`` topic goes straight to one C pass
    (the controller's per-state path).

    Raises
    ------
    ProtocolError
        As :func:`decode`.
    """
    decoder = _DECODERS.get(topic) if len(payload) <= max_bytes else None
    if decoder is None:  # a bytes, unknown or oversized one: name the topic or say why not
        decoder = _DECODERS[_topic_name(topic, payload, max_bytes)]
    try:
        return decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError):
        # valid as a dict only when msgspec saw something the dict no longer shows (a repeated key)
        name = _topic_name(topic, payload, max_bytes)
        valid = _explain(name, payload)
    try:
        return decoder.decode(_ENCODER.encode(valid))
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError) as err:  # the two checks disagree
        raise ProtocolError(Reason.WRONG_TYPE, f"{name}: {err}") from None


def _explain(name: str, payload: bytes) -> dict[str, Any]:
    """The slow path of a payload the C check refused: raise the ProtocolError naming what is wrong."""
    try:
        msg = msgpack.unpackb(payload, raw=False, strict_map_key=True)
    except Exception as err:  # msgpack raises several unrelated types
        raise ProtocolError(Reason.NOT_MSGPACK, f"{name}: payload is not msgpack ({type(err).__name__})") from None
    if not isinstance(msg, dict):
        raise ProtocolError(Reason.WRONG_TYPE, f"{name}: payload is a {type(msg).__name__}, not a map")
    _check(msg, _SPECS[name], name)
    # The walk found nothing wrong with the dict: msgspec refused something msgpack's dict no longer shows
    # (a repeated key whose last value is valid). The dict is what callers read, and it is valid.
    return msg


def _check(obj: dict, spec: dict[str, Any], where: str) -> None:
    for key, want in spec.items():
        optional = isinstance(want, Opt)
        if key not in obj:
            if not optional:
                raise ProtocolError(Reason.MISSING_FIELD, f"{where}: missing field {key!r}")
            continue
        _check_value(obj[key], want.spec if optional else want, f"{where}.{key}")


def _check_value(value: Any, want: Any, where: str) -> None:
    if isinstance(want, dict):
        if not isinstance(value, dict):
            raise ProtocolError(Reason.WRONG_TYPE, f"{where}: expected a map, got {type(value).__name__}")
        _check(value, want, where)
    elif isinstance(want, OneOf):
        if not isinstance(value, str) or value not in want.values:
            shown = repr(value) if isinstance(value, str) and len(value) <= 40 else type(value).__name__
            raise ProtocolError(Reason.WRONG_TYPE, f"{where}: expected one of {', '.join(want.values)}, got {shown}")
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


class Message(msgspec.Struct, gc=False, kw_only=True):
    """A checked message (or nested object) as :func:`decode_message` gives it.

    Reads like a read-only mapping of the checked fields: ``msg["key"]``
    (``KeyError`` if absent), ``msg.get("key", default)``, ``"key" in msg``,
    iteration over the present keys; arrays are tuples. An optional field the
    robot did not send is absent. Fields robocore does not check are not
    kept (the telemetry stream republishes the payload bytes as received).
    Instances are not tracked by the cyclic garbage collector.
    """

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _UNSET)
        if value is _UNSET:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = getattr(self, key, _UNSET) if key in self.__struct_fields__ else _UNSET
        return default if value is _UNSET else value

    def __contains__(self, key: object) -> bool:
        return key in self.__struct_fields__ and getattr(self, key) is not _UNSET  # type: ignore[arg-type]

    def keys(self) -> list[str]:
        return [k for k in self.__struct_fields__ if getattr(self, k) is not _UNSET]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def to_dict(self) -> dict[str, Any]:
        """The message as plain ``dict``/``list`` values (absent optional fields left out)."""
        return _UNTYPED.decode(_ENCODER.encode(self))


def _struct_type(name: str, spec: dict[str, Any]) -> type:
    """A :class:`Message` type that accepts exactly what ``_check(spec)`` accepts."""
    required, optional = [], []
    for key, want in spec.items():
        if isinstance(want, Opt):
            optional.append((key, Union[_struct_field(f"{name}_{key}", want.spec), msgspec.UnsetType], _UNSET))
        else:
            required.append((key, _struct_field(f"{name}_{key}", want)))
    # Unknown fields are ignored, as in _check. gc=False: they hold no cycles, and a decoded state
    # then adds nothing to the cyclic collector's allocation count.
    return msgspec.defstruct(name, required + optional, bases=(Message,), gc=False, kw_only=True)


def _struct_field(name: str, want: Any) -> Any:
    if isinstance(want, OneOf):
        return Literal[want.values]  # msgspec hands back the one interned string: nothing allocated
    if isinstance(want, dict):
        return _struct_type(name, want)
    if isinstance(want, list):
        # a tuple, not a list: an empty array (the usual nodeStates, errors, ...) is then the empty-tuple
        # singleton, so decoding a typical state allocates no container the collector tracks
        return tuple[_struct_field(name, want[0]), ...]
    if want is dict:
        return dict  # any map (keys are checked by msgpack's strict_map_key when unpacking)
    if isinstance(want, tuple):
        return Union[want]  # int | float: msgspec refuses a bool here, as _check does
    return want


#: topic -> the Message type of that topic.
MESSAGE_TYPES: dict[str, type] = {name: _struct_type(name, spec) for name, spec in _SPECS.items()}
#: topic -> msgspec decoder into its Message type: it raises ``msgspec.ValidationError`` (or
#: ``DecodeError``) exactly when :func:`decode` would refuse; the slow path says why.
_DECODERS = {name: msgspec.msgpack.Decoder(t) for name, t in MESSAGE_TYPES.items()}


def _type_name(want: Any) -> str:
    if want is _NUM:
        return "number"
    return {int: "integer", str: "string", bool: "boolean", dict: "map"}.get(want, str(want))
