"""Every message kind robocore produces validates against the VDA 5050 2.1 schema
after a msgpack round trip and a JSON dump; the codec refuses bad frames."""

import json
import pathlib

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bridge import (
    Agv, ConnectionState, Headers, Message, ProtocolError, Reason, Topic, action, connection_message, decode,
    decode_message, encode, factsheet_message, instant_actions_message, node_id, order_message, parse_node_id,
    parse_timestamp, visualization_message,
)

SCHEMA_DIR = pathlib.Path(__file__).resolve().parents[1] / ".." / ".." / "shared" / "data" / "vda5050"
if not SCHEMA_DIR.exists():
    SCHEMA_DIR = pathlib.Path("/work/shared/data/vda5050")

VALIDATORS = {
    t: Draft202012Validator(json.loads((SCHEMA_DIR / f"{t.value}.schema").read_text()),
                            format_checker=Draft202012Validator.FORMAT_CHECKER)
    for t in Topic
}


def roundtrip_valid(topic, msg):
    """Encode, decode, dump as JSON, validate; return the decoded message."""
    back = decode(topic.value.encode(), encode(msg))
    assert back == msg
    typed = decode_message(topic.value, encode(msg))
    _within(typed.to_dict(), msg)  # the checked fields, with their values
    if topic is Topic.STATE:
        assert typed.to_dict() == msg  # a state holds nothing robocore does not check
    as_json = json.loads(json.dumps(back))
    errors = sorted(VALIDATORS[topic].iter_errors(as_json), key=str)
    assert not errors, f"{topic.value}: {errors[0].message} at {list(errors[0].absolute_path)}"
    return back


def _within(small, big, where="msg"):
    """``small`` is ``big`` with some map keys left out, recursively."""
    if isinstance(small, dict):
        assert isinstance(big, dict), where
        for k, v in small.items():
            assert k in big, f"{where}.{k}"
            _within(v, big[k], f"{where}.{k}")
    elif isinstance(small, list):
        assert isinstance(big, list) and len(small) == len(big), where
        for i, (a, b) in enumerate(zip(small, big)):
            _within(a, b, f"{where}[{i}]")
    else:
        same = small == big or (isinstance(small, float) and small != small and big != big)  # NaN is NaN
        assert same and type(small) is type(big), where


@st.composite
def walks(draw, max_len=12):
    r, c = draw(st.integers(0, 50)), draw(st.integers(0, 50))
    path = [(r, c)]
    for step in draw(st.lists(st.sampled_from([(0, 0), (0, 1), (1, 0), (0, -1), (-1, 0)]), max_size=max_len)):
        r, c = max(0, r + step[0]), max(0, c + step[1])
        path.append((r, c))
    return path


ids = st.text(alphabet="abcXYZ-_0123456789", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(path=walks(), data=st.data(), serial=ids, order_id=ids, map_id=ids)
def test_every_message_kind_validates(path, data, serial, order_id, map_id):
    released = data.draw(st.integers(1, len(path)))
    h = Headers(serial)
    order = order_message(h.next(Topic.ORDER), order_id=order_id, order_update_id=data.draw(st.integers(0, 99)),
                          path=path, released=released, map_id=map_id)
    roundtrip_valid(Topic.ORDER, order)
    kinds = data.draw(st.lists(st.sampled_from(["cancelOrder", "startPause", "stopPause", "initPosition",
                                                "factsheetRequest", "stateRequest", "startCharging",
                                                "stopCharging"]), max_size=6))
    acts = [action(k, f"a{i}", parameters={"lastNodeId": node_id(path[-1])} if k == "initPosition" else None)
            for i, k in enumerate(kinds)]
    ia = instant_actions_message(h.next(Topic.INSTANT_ACTIONS), acts)
    roundtrip_valid(Topic.INSTANT_ACTIONS, ia)
    for cs in ConnectionState:
        roundtrip_valid(Topic.CONNECTION, connection_message(h.next(Topic.CONNECTION), cs))
    roundtrip_valid(Topic.FACTSHEET, factsheet_message(h.next(Topic.FACTSHEET)))
    roundtrip_valid(Topic.VISUALIZATION, visualization_message(h.next(Topic.VISUALIZATION), x=path[0][1],
                                                                y=path[0][0], theta=0.0, map_id=map_id))
    # states of a robot driving the order, with instant actions mixed in
    agv = Agv(serial, cell=path[0], map_id=map_id)
    agv.handle_order(order)
    roundtrip_valid(Topic.STATE, agv.state())
    for reply_topic, reply in agv.handle_instant_actions(ia):
        roundtrip_valid(reply_topic, reply)
    for _ in range(len(path)):
        agv.step()
        roundtrip_valid(Topic.STATE, agv.state())
        roundtrip_valid(Topic.VISUALIZATION, agv.visualization())
    agv.handle_order({**order, "orderUpdateId": -1 if order["orderUpdateId"] == 0 else 0})
    roundtrip_valid(Topic.STATE, agv.state())  # with an error in it


@settings(max_examples=40, deadline=None)
@given(plan=st.lists(st.sampled_from(["wait", "move", "pick", "drop", "charge", "stop", "fault"]), min_size=1,
                     max_size=14), units=st.integers(1, 5), repair=st.integers(1, 4))
def test_node_actions_battery_and_fault_states_validate(plan, units, repair):
    """Orders carrying pick/drop/startCharging node actions, stopCharging instant
    actions, and states with running/finished/failed actions, charging and a
    FATAL robotFault all validate against the VDA 5050 schemas."""
    import numpy as np

    from robocore.grid import CellKind, Grid
    from robocore.motion import MotionParams

    kinds = np.full((3, 20), CellKind.FREE, dtype=np.uint8)
    kinds[0, 0] = CellKind.CHARGER
    grid = Grid(kinds)
    agv = Agv("R1", cell=(0, 0), map_id="m", grid=grid, params=MotionParams(pick_s=1, unit_s=1, drop_s=2,
                                                                            repair_s=repair))
    h = Headers("C")
    agv.handle_order(roundtrip_valid(Topic.ORDER, order_message(h.next(Topic.ORDER), order_id="o", order_update_id=0,
                                                                path=[(0, 0)], released=1, map_id="m")))
    seq, uid, cell = 0, 0, (0, 0)
    for k, what in enumerate(plan):
        acts = {}
        nxt = cell
        if what == "move" and agv.motion.movable()[0]:
            nxt = (cell[0], cell[1] + 1) if cell[1] < 19 else cell
        elif what in ("pick", "drop", "charge"):
            typ = {"pick": "pick", "drop": "drop", "charge": "startCharging"}[what]
            acts = {1: [action(typ, f"n{k}", blocking="HARD", parameters={"units": units} if what == "pick" else None)]}
        elif what == "stop":
            ia = instant_actions_message(h.next(Topic.INSTANT_ACTIONS), [action("stopCharging", f"s{k}")])
            agv.handle_instant_actions(roundtrip_valid(Topic.INSTANT_ACTIONS, ia))
        elif what == "fault":
            agv.inject_fault()
        uid += 1
        upd = order_message(h.next(Topic.ORDER), order_id="o", order_update_id=uid, path=[cell, nxt, nxt],
                            released=2, map_id="m", first_sequence_id=seq, node_actions=acts)
        assert agv.handle_order(roundtrip_valid(Topic.ORDER, upd)) == "accepted"
        agv.step()
        seq, cell = seq + 2, agv.cell
        roundtrip_valid(Topic.STATE, agv.state())


def test_header_ids_count_per_topic_and_timestamp_is_iso_utc():
    h = Headers("R1")
    assert [h.next(Topic.STATE)["headerId"] for _ in range(3)] == [0, 1, 2]
    assert h.next(Topic.ORDER)["headerId"] == 0
    hdr = h.next(Topic.STATE, now=1.5)
    assert hdr["headerId"] == 3 and hdr["timestamp"] == "1970-01-01T00:00:01.500Z"
    assert hdr["version"] == "2.1.0" and hdr["serialNumber"] == "R1" and hdr["manufacturer"] == "robocore"


def test_order_nodes_are_cells_with_even_sequence_and_released_prefix():
    path = [(2, 3), (2, 4), (2, 4), (3, 4)]
    msg = order_message(Headers("R").next(Topic.ORDER), order_id="o", order_update_id=0, path=path,
                        released=2, map_id="small", first_sequence_id=6)
    assert [n["nodeId"] for n in msg["nodes"]] == ["r2c3", "r2c4", "r2c4", "r3c4"]
    assert [n["sequenceId"] for n in msg["nodes"]] == [6, 8, 10, 12]
    assert [e["sequenceId"] for e in msg["edges"]] == [7, 9, 11]
    assert [n["released"] for n in msg["nodes"]] == [True, True, False, False]
    assert [e["released"] for e in msg["edges"]] == [True, False, False]
    assert msg["nodes"][0]["nodePosition"] == {"x": 3.0, "y": 2.0, "mapId": "small"}
    assert msg["edges"][1]["edgeId"] == "r2c4-r2c4"
    with pytest.raises(ValueError, match="jumps"):
        order_message(Headers("R").next(Topic.ORDER), order_id="o", order_update_id=0, path=[(0, 0), (1, 1)],
                      released=1, map_id="m")


@given(r=st.integers(0, 10**6), c=st.integers(0, 10**6))
def test_node_id_round_trips(r, c):
    assert parse_node_id(node_id((r, c))) == (r, c)


@pytest.mark.parametrize("bad", ["", "r1", "c1r2", "r-1c2", "r1c2x", 12])
def test_parse_node_id_refuses_other_forms(bad):
    with pytest.raises(ValueError):
        parse_node_id(bad)


def _state():
    return Agv("R9", cell=(1, 1), map_id="m").state()


@pytest.mark.parametrize("topic,payload,reason", [
    (b"state", b"\xc1\xc1", Reason.NOT_MSGPACK),
    (b"state", msgpack.packb([1, 2]), Reason.WRONG_TYPE),
    (b"teleport", msgpack.packb({}), Reason.UNKNOWN_TOPIC),
    (b"state", msgpack.packb({k: v for k, v in _state().items() if k != "lastNodeId"}), Reason.MISSING_FIELD),
    (b"state", msgpack.packb({**_state(), "driving": 1}), Reason.WRONG_TYPE),
    (b"state", msgpack.packb({**_state(), "headerId": True}), Reason.WRONG_TYPE),
    (b"state", msgpack.packb({**_state(), "nodeStates": [{"nodeId": "r1c1", "sequenceId": "2", "released": True}]}),
     Reason.WRONG_TYPE),
    (b"state", b"\x00" * 2000, Reason.OVERSIZED),
])
def test_decode_refuses_bad_frames_with_a_reason(topic, payload, reason):
    with pytest.raises(ProtocolError) as info:
        decode(topic, payload, max_bytes=1000)
    assert info.value.reason is reason
    assert reason.value in str(info.value)


def test_protocol_error_is_an_input_error():
    from robocore.errors import InputError

    assert issubclass(ProtocolError, InputError)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(sorted(_state())), value=st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(-5, 5), max_size=2)))
def test_decode_accepts_or_names_the_field_never_crashes(field, value):
    """The fast type check and the slow, descriptive one agree: a message passes, or a ProtocolError names why;
    the dict and the typed decoder give the same verdict and the same values."""
    msg = {**_state(), field: value}
    try:
        back = decode(b"state", encode(msg))
    except ProtocolError as err:
        assert err.reason in (Reason.WRONG_TYPE, Reason.MISSING_FIELD)
        assert field in str(err)
        with pytest.raises(ProtocolError) as typed_err:
            decode_message(b"state", encode(msg))
        assert str(typed_err.value) == str(err)
    else:
        assert back == msg
        assert decode_message(b"state", encode(msg)).to_dict() == msg


_ANY = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), st.floats(), st.text(max_size=4)),
                    lambda kids: st.one_of(st.lists(kids, max_size=3),
                                           st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3)), kids,
                                                           max_size=3)),
                    max_leaves=8)


def _busy_state():
    return {**_state(), "nodeStates": [{"nodeId": "r1c2", "sequenceId": 2, "released": True,
                                        "nodePosition": {"x": 2.0, "y": 1.0, "mapId": "m"}}],
            "actionStates": [{"actionId": "a1", "actionStatus": "RUNNING", "actionType": "pick"}],
            "errors": [{"errorType": "e", "errorLevel": "WARNING",
                        "errorReferences": [{"referenceKey": "orderId", "referenceValue": "o"}]}]}


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), value=_ANY, extra=st.booleans())
def test_dict_and_typed_decoders_agree_on_any_nested_change(data, value, extra):
    """Replace any field at any depth (or add an unknown one) with anything msgpack carries: both
    decoders accept with the same values, or both refuse with the same ProtocolError; nothing else escapes."""
    import copy

    msg = copy.deepcopy(_busy_state())
    path = data.draw(st.sampled_from([p for p in _paths(msg) if p]))
    node = msg
    for k in path[:-1]:
        node = node[k]
    if extra and isinstance(node, dict):
        node[f"x{len(path)}"] = value
    else:
        node[path[-1]] = value
    try:
        payload = msgpack.packb(msg, use_bin_type=True, strict_types=False)
    except (TypeError, ValueError, OverflowError):
        return  # not representable in msgpack
    outcomes = []
    for dec in (decode, decode_message):
        try:
            got = dec(b"state", payload)
            outcomes.append(("ok", got if dec is decode else got.to_dict()))
        except ProtocolError as err:
            outcomes.append(("refused", str(err)))
    assert outcomes[0][0] == outcomes[1][0], outcomes
    if outcomes[0][0] == "refused":
        assert outcomes[0][1] == outcomes[1][1]
    else:
        _within(outcomes[1][1], outcomes[0][1])


@pytest.mark.parametrize("field,value,where", [
    ("actionStates", [{"actionId": "a1", "actionStatus": "RUNNING", "actionType": 7}], "actionStates[0].actionType"),
    ("actionStates", [{"actionId": "a1", "actionStatus": "FAILED", "resultDescription": None}],
     "actionStates[0].resultDescription"),
    ("errors", [{"errorType": "x", "errorLevel": "WARNING", "errorReferences": [{"referenceKey": "orderId"}]}],
     "errors[0].errorReferences[0]"),
    ("errors", [{"errorType": "x", "errorLevel": "WARNING", "errorDescription": 3}], "errors[0].errorDescription"),
    ("agvPosition", {"x": 1.0, "y": True, "theta": 0.0, "mapId": "m", "positionInitialized": True}, "agvPosition.y"),
])
def test_optional_fields_robocore_reads_are_type_checked_when_present(field, value, where):
    for dec in (decode, decode_message):
        with pytest.raises(ProtocolError) as info:
            dec(b"state", encode({**_state(), field: value}))
        assert info.value.reason in (Reason.WRONG_TYPE, Reason.MISSING_FIELD) and where in str(info.value)


@pytest.mark.parametrize("topic,change,where", [
    ("state", {"actionStates": [{"actionId": "a1", "actionStatus": "finished"}]}, "actionStates[0].actionStatus"),
    ("state", {"operatingMode": "AUTO"}, "operatingMode"),
    ("state", {"errors": [{"errorType": "x", "errorLevel": "ERROR"}]}, "errors[0].errorLevel"),
    ("state", {"safetyState": {"eStop": 0, "fieldViolation": False}}, "safetyState.eStop"),
    ("connection", {"connectionState": "online"}, "connectionState"),
])
def test_vda_enums_robocore_compares_are_checked(topic, change, where):
    """A value outside the VDA 5050 enum (a robot sending "finished" for FINISHED) is refused, naming the
    field and the allowed values, instead of never matching what the controller waits for."""
    base = _state() if topic == "state" else connection_message(Headers("R9").next(Topic.CONNECTION),
                                                                 ConnectionState.ONLINE)
    for dec in (decode, decode_message):
        with pytest.raises(ProtocolError) as info:
            dec(topic, encode({**base, **change}))
        assert info.value.reason is Reason.WRONG_TYPE and where in str(info.value)
        assert "expected one of" in str(info.value)


def test_a_message_reads_like_a_read_only_mapping_outside_the_collector():
    import gc

    state = {**_state(), "actionStates": [{"actionId": "a1", "actionStatus": "RUNNING", "actionType": "pick"}],
             "errors": [{"errorType": "e", "errorLevel": "FATAL",
                         "errorReferences": [{"referenceKey": "orderId", "referenceValue": "o1"}]}],
             "newBaseRequest": True}  # a field robocore does not check: not kept
    del state["paused"]  # an optional field left out
    m = decode_message("state", encode(state))
    assert isinstance(m, Message) and not gc.is_tracked(m)
    assert m["orderId"] == "" and m["batteryState"]["charging"] is False
    assert m["actionStates"][0]["actionType"] == "pick" and m["actionStates"][0].get("resultDescription") is None
    assert m["errors"][0]["errorReferences"][0]["referenceValue"] == "o1"
    assert "paused" not in m and m.get("paused", "absent") == "absent" and "newBaseRequest" not in m
    for key in ("paused", "newBaseRequest", "to_dict", "__class__"):
        with pytest.raises(KeyError):
            m[key]
    assert set(m) == set(state) - {"newBaseRequest"} and len(m) == len(state) - 1
    assert m.to_dict() == {k: v for k, v in state.items() if k != "newBaseRequest"}
    with pytest.raises(TypeError):
        m["x"] = 1  # read-only: no item assignment


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=__import__("datetime").datetime(1971, 1, 1),
                    max_value=__import__("datetime").datetime(2200, 1, 1)))
def test_timestamp_fast_path_matches_the_iso_parser(when):
    import datetime as dt

    ts = when.replace(microsecond=when.microsecond // 1000 * 1000).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    want = dt.datetime.fromisoformat(ts).timestamp()
    assert parse_timestamp(ts) == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("ts", ["2026-11-27T08:04:57.2a2Z", "2026-11-27T08:04:57.2\u00b22Z", "2026-11-27T08:04:57.242",
                                "2026-13-27T08:04:57.242Z", "yesterday"])
def test_timestamp_parser_refuses_what_iso_refuses(ts):
    with pytest.raises(ValueError):
        parse_timestamp(ts)


def test_timestamp_forms_off_the_fast_path_still_parse():
    assert parse_timestamp("2026-11-27T08:04:57.242+01:00") == pytest.approx(parse_timestamp("2026-11-27T07:04:57.242Z"))
    assert parse_timestamp("2026-11-27T08:04:57Z") + 0.5 == pytest.approx(parse_timestamp("2026-11-27T08:04:57.500Z"))
    for s in range(200):  # more distinct seconds than the cache holds
        assert parse_timestamp(f"2026-11-27T08:{s // 60:02d}:{s % 60:02d}.001Z") == pytest.approx(
            1795737600.001 + 8 * 3600 + s, abs=1e-6)


def _with_repeated_key(msg, key, first):
    """msgpack of ``msg`` with ``key`` packed twice: ``first``, then its real value last."""
    pk = msgpack.Packer()
    items = [(key, first), *msg.items()]
    return pk.pack_map_header(len(items)) + b"".join(pk.pack(k) + pk.pack(v) for k, v in items)


def test_repeated_keys_are_judged_by_their_last_value_never_crash():
    state = _state()
    assert decode(b"state", _with_repeated_key(state, "driving", 1)) == state  # last value valid: accepted
    assert decode_message(b"state", _with_repeated_key(state, "driving", 1)).to_dict() == state
    bad = {**state, "driving": 1}
    for dec in (decode, decode_message):
        with pytest.raises(ProtocolError) as info:
            dec(b"state", _with_repeated_key(bad, "driving", False))  # last value invalid: refused
        assert info.value.reason is Reason.WRONG_TYPE and "driving" in str(info.value)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), st.floats(), st.text(max_size=4),
                              st.binary(max_size=4)),
                    lambda kids: st.one_of(st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=3), kids,
                                                                                        max_size=3)),
                    max_leaves=10))
def test_encode_writes_the_bytes_msgpack_writes(value):
    """The msgspec encoder is a drop-in for msgpack.packb(use_bin_type=True) on everything a message holds."""
    msg = {**_state(), "extra": value}
    assert encode(msg) == msgpack.packb(msg, use_bin_type=True)
