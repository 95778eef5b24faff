"""Robot-side VDA 5050 order rules and the controller's re-send-until-acknowledged."""

from hypothesis import given, settings
from hypothesis import strategies as st

from robocore.motion import MotionParams

from bridge import Agv, Headers, OrderChannel, OrderOutcome, Topic, action, instant_actions_message, order_message

MAP = "test"


def order(path, *, released, oid="o1", uid=0, first_seq=0):
    return order_message(Headers("R1").next(Topic.ORDER), order_id=oid, order_update_id=uid, path=path,
                         released=released, map_id=MAP, first_sequence_id=first_seq)


def ia(*acts):
    return instant_actions_message(Headers("R1").next(Topic.INSTANT_ACTIONS), list(acts))


def test_drives_released_nodes_only_and_states_shrink():
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    path = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2)]
    assert agv.handle_order(order(path, released=3)) == OrderOutcome.ACCEPTED
    s = agv.state()
    assert [n["nodeId"] for n in s["nodeStates"]] == ["r0c1", "r0c2", "r1c2", "r2c2"]
    assert [e["sequenceId"] for e in s["edgeStates"]] == [1, 3, 5, 7]
    assert s["lastNodeId"] == "r0c0" and s["lastNodeSequenceId"] == 0
    cells = []
    for _ in range(5):
        agv.step()
        cells.append(agv.cell)
    assert cells == [(0, 1), (0, 2), (0, 2), (0, 2), (0, 2)]  # stops at the end of the base
    s = agv.state()
    assert s["lastNodeId"] == "r0c2" and s["lastNodeSequenceId"] == 4
    assert [n["nodeId"] for n in s["nodeStates"]] == ["r1c2", "r2c2"]
    assert [e["sequenceId"] for e in s["edgeStates"]] == [5, 7]
    assert s["driving"] is False
    assert s["agvPosition"]["x"] == 2.0 and s["agvPosition"]["y"] == 0.0


def test_older_update_rejected_repeat_ignored_update_stitched():
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    assert agv.handle_order(order([(0, 0), (0, 1), (0, 2), (0, 3)], released=2, uid=3)) == OrderOutcome.ACCEPTED
    assert agv.handle_order(order([(0, 0), (0, 1)], released=2, uid=3)) == OrderOutcome.IGNORED
    assert agv.state()["orderUpdateId"] == 3 and agv.state()["errors"] == []
    assert agv.handle_order(order([(0, 1), (0, 2)], released=2, uid=2, first_seq=2)) == OrderOutcome.REJECTED
    s = agv.state()
    assert s["orderUpdateId"] == 3 and s["errors"][0]["errorType"] == "orderUpdateError"
    # an update not starting at the last base node (r0c1 / seq 2) is refused
    assert agv.handle_order(order([(0, 2), (0, 3)], released=2, uid=4, first_seq=4)) == OrderOutcome.REJECTED
    assert agv.state()["errors"][0]["errorType"] == "orderUpdateError"
    assert agv.handle_order(order([(0, 1), (0, 2)], released=2, uid=4, first_seq=0)) == OrderOutcome.REJECTED
    # stitched at r0c1/2: horizon r0c2..r0c3 replaced by the update's nodes
    assert agv.handle_order(order([(0, 1), (1, 1), (2, 1)], released=3, uid=4, first_seq=2)) == OrderOutcome.ACCEPTED
    s = agv.state()
    assert s["errors"] == [] and s["orderUpdateId"] == 4
    assert [(n["nodeId"], n["sequenceId"]) for n in s["nodeStates"]] == [("r0c1", 2), ("r1c1", 4), ("r2c1", 6)]
    for _ in range(4):
        agv.step()
    assert agv.cell == (2, 1) and agv.state()["nodeStates"] == []


def test_new_order_needs_finished_base_and_current_cell():
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    agv.handle_order(order([(0, 0), (0, 1), (0, 2)], released=3))
    assert agv.handle_order(order([(0, 0), (1, 0)], released=2, oid="o2")) == OrderOutcome.REJECTED
    assert agv.state()["orderId"] == "o1"
    agv.step()
    agv.step()
    assert agv.handle_order(order([(0, 0), (1, 0)], released=2, oid="o2")) == OrderOutcome.REJECTED
    assert agv.state()["errors"][0]["errorType"] == "noRouteError"
    assert agv.handle_order(order([(0, 2), (1, 2)], released=2, oid="o2")) == OrderOutcome.ACCEPTED
    assert agv.state()["lastNodeSequenceId"] == 0 and agv.state()["orderId"] == "o2"


def test_malformed_order_is_a_validation_error():
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    bad = order([(0, 0), (0, 1)], released=2)
    bad["nodes"][1]["nodeId"] = "r0c5"
    assert agv.handle_order(bad) == OrderOutcome.REJECTED
    assert agv.state()["errors"][0]["errorType"] == "validationError"
    horizon_first = order([(0, 0), (0, 1), (0, 2)], released=1)
    horizon_first["nodes"][2]["released"] = True
    horizon_first["edges"][1]["released"] = True
    assert agv.handle_order(horizon_first) == OrderOutcome.REJECTED


def test_instant_actions_pause_cancel_init_factsheet():
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    agv.handle_order(order([(0, 0), (0, 1), (0, 2), (0, 3)], released=4))
    agv.handle_instant_actions(ia(action("startPause", "p1")))
    agv.step()
    assert agv.cell == (0, 0) and agv.state()["paused"] is True
    agv.handle_instant_actions(ia(action("stopPause", "p2")))
    agv.step()
    assert agv.cell == (0, 1)
    refused = agv.handle_instant_actions(ia(action("initPosition", "i0", parameters={"lastNodeId": "r5c5"})))
    assert refused == [] and agv.state()["actionStates"][-1]["actionStatus"] == "FAILED" and agv.cell == (0, 1)
    agv.handle_instant_actions(ia(action("cancelOrder", "c1", blocking="HARD")))
    s = agv.state()
    assert s["nodeStates"] == [] and s["edgeStates"] == [] and s["orderId"] == "o1"
    assert s["actionStates"][-1] == {"actionId": "c1", "actionType": "cancelOrder", "actionStatus": "FINISHED"}
    agv.step()
    assert agv.cell == (0, 1)
    agv.handle_instant_actions(ia(action("cancelOrder", "c2")))
    assert agv.state()["actionStates"][-1]["actionStatus"] == "FAILED"
    assert agv.state()["errors"][0]["errorType"] == "noOrderToCancel"
    agv.handle_instant_actions(ia(action("initPosition", "i1", parameters={"lastNodeId": "r5c5"})))
    assert agv.cell == (5, 5) and agv.state()["lastNodeId"] == "r5c5"
    replies = agv.handle_instant_actions(ia(action("factsheetRequest", "f1"), action("dance", "d1")))
    assert [t for t, _ in replies] == [Topic.FACTSHEET]
    assert replies[0][1]["serialNumber"] == "R1"
    assert agv.state()["actionStates"][-1]["actionStatus"] == "FAILED"


def test_battery_drains_per_step():
    p = MotionParams(drain_per_move=0.75, drain_idle=0.25)
    agv = Agv("R1", cell=(0, 0), map_id=MAP, battery=50.0, params=p)
    agv.handle_order(order([(0, 0), (0, 1), (0, 1)], released=3))
    agv.step()
    agv.step()
    agv.step()
    assert agv.battery == 50.0 - 1.0 - 0.25 - 0.25
    assert agv.state()["batteryState"] == {"batteryCharge": 48.5, "charging": False}


def test_channel_resends_until_state_acknowledges():
    ch = OrderChannel("R1", map_id=MAP, resend_s=1.0)
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    msg = ch.new_order("o1", [(0, 0), (0, 1), (0, 2)], released=2)
    assert ch.due(0.0) is msg
    assert ch.due(0.5) is None  # too soon
    again = ch.due(1.0)  # lost on the wire: re-sent with a fresh header
    assert again["orderId"] == "o1" and again["headerId"] == msg["headerId"] + 1 and ch.resends == 1
    assert again["timestamp"] >= msg["timestamp"] > "2020"  # stamped from the wall clock, not from ``now``
    assert ch.on_state(agv.state()) is False
    agv.handle_order(again)
    assert ch.on_state(agv.state()) is True and ch.pending is None and ch.due(5.0) is None
    agv.step()
    upd = ch.update([(0, 1), (0, 2), (1, 2)], released=3)
    assert upd["orderUpdateId"] == 1 and upd["nodes"][0]["sequenceId"] == 2
    agv.handle_order(ch.due(6.0))
    assert ch.on_state(agv.state()) is True
    for _ in range(3):
        agv.step()
    assert agv.cell == (1, 2)


def test_channel_sees_a_rejection():
    ch = OrderChannel("R1", map_id=MAP)
    agv = Agv("R1", cell=(3, 3), map_id=MAP)
    agv.handle_order(ch.new_order("o1", [(0, 0), (0, 1)], released=2))
    assert ch.on_state(agv.state()) is False
    assert ch.rejected["errorType"] == "noRouteError" and ch.pending is None


@settings(max_examples=40, deadline=None)
@given(moves=st.lists(st.sampled_from([(0, 0), (0, 1), (1, 0), (0, -1), (-1, 0)]), min_size=1, max_size=30),
       chunk=st.integers(1, 6), horizon=st.integers(0, 4), drop=st.lists(st.booleans(), max_size=60))
def test_robot_follows_any_path_through_updates_and_losses(moves, chunk, horizon, drop):
    """Released in chunks with a horizon, some sends lost: the robot ends up driving the whole path in order."""
    path = [(20, 20)]
    for dr, dc in moves:
        path.append((path[-1][0] + dr, path[-1][1] + dc))
    ch = OrderChannel("R1", map_id=MAP, resend_s=0.0)
    agv = Agv("R1", cell=path[0], map_id=MAP)
    base = 0  # index in path of the last base node sent
    rel = min(chunk, len(path))
    ch.new_order("o", path[: rel + horizon], released=rel)
    base = rel - 1
    trace, t, lost = [agv.cell], 0, iter(drop)
    while len(trace) < len(path) and t < 10 * len(path) + 50:
        t += 1
        msg = ch.due(float(t))
        if msg is not None and not next(lost, False):
            agv.handle_order(msg)
        ch.on_state(agv.state())
        if ch.pending is None and base < len(path) - 1:
            end = min(base + chunk, len(path) - 1)
            ch.update(path[base: end + 1 + horizon], released=end - base + 1)
            base = end
        if agv.step():
            trace.append(agv.cell)
    assert trace == path


def _floor():
    import numpy as np

    from robocore.grid import CellKind, Grid

    kinds = np.full((2, 6), CellKind.FREE, dtype=np.uint8)
    kinds[0, 0] = CellKind.CHARGER
    return Grid(kinds)


def _update(agv, cur, nxt, uid, seq, acts=None):
    return agv.handle_order(order_message(Headers("C").next(Topic.ORDER), order_id="o", order_update_id=uid,
                                          path=[cur, nxt], released=2, map_id=MAP, first_sequence_id=seq,
                                          node_actions={1: acts} if acts else None))


def _status(agv):
    return {a["actionId"]: a["actionStatus"] for a in agv.state()["actionStates"]}


def test_pick_node_action_runs_for_its_duration_and_holds_the_robot():
    p = MotionParams(pick_s=2, unit_s=1, drain_per_pick=1.5, drain_idle=0.0)
    agv = Agv("R1", cell=(1, 1), map_id=MAP, grid=_floor(), params=p)
    assert agv.handle_order(order([(1, 1)], released=1)) == OrderOutcome.ACCEPTED
    assert _update(agv, (1, 1), (1, 1), 1, 0, [action("pick", "p1", blocking="HARD",
                                                     parameters={"units": 3})]) == OrderOutcome.ACCEPTED
    assert _status(agv) == {"p1": "WAITING"}
    agv.step()  # reaches the (wait) node: the pick starts and takes 2 + 3 steps
    assert _status(agv) == {"p1": "RUNNING"}
    for k in range(2, 6):
        assert _update(agv, (1, 1), (1, 1), k, 2 * (k - 1)) == OrderOutcome.ACCEPTED
        agv.step()
        assert _status(agv) == {"p1": "FINISHED" if k == 5 else "RUNNING"}
    assert agv.battery == 100.0 - 1.5
    # a move while busy is not driven: the robot waits before the node
    agv2 = Agv("R2", cell=(1, 1), map_id=MAP, grid=_floor(), params=p)
    agv2.handle_order(order([(1, 1)], released=1))
    _update(agv2, (1, 1), (1, 1), 1, 0, [action("drop", "d1")])
    agv2.step()
    _update(agv2, (1, 1), (1, 2), 2, 2)
    assert agv2.step() is False and agv2.cell == (1, 1)


def test_charging_on_a_charger_reports_battery_state_and_stops_on_request():
    p = MotionParams(charge_per_step=10.0, drain_idle=0.0)
    agv = Agv("R1", cell=(0, 0), map_id=MAP, grid=_floor(), params=p, battery=75.0)
    agv.handle_order(order([(0, 0)], released=1))
    _update(agv, (0, 0), (0, 0), 1, 0, [action("startCharging", "c1")])
    agv.step()
    s = agv.state()
    assert s["batteryState"] == {"batteryCharge": 85.0, "charging": True} and _status(agv) == {"c1": "FINISHED"}
    agv.handle_instant_actions(ia(action("stopCharging", "c2")))
    assert agv.state()["batteryState"]["charging"] is False
    _update(agv, (0, 0), (0, 1), 2, 2)
    assert agv.step() and agv.cell == (0, 1)
    # off a charger, startCharging fails and the robot keeps going
    _update(agv, (0, 1), (0, 1), 3, 4, [action("startCharging", "c3")])
    agv.step()
    assert _status(agv)["c3"] == "FAILED" and agv.state()["batteryState"]["charging"] is False


def test_fault_aborts_the_running_action_with_a_fatal_error_until_repaired():
    p = MotionParams(pick_s=5, repair_s=2, drain_idle=0.0)
    agv = Agv("R1", cell=(1, 1), map_id=MAP, grid=_floor(), params=p)
    agv.handle_order(order([(1, 1)], released=1))
    _update(agv, (1, 1), (1, 1), 1, 0, [action("pick", "p1", parameters={"units": 1})])
    agv.step()
    agv.inject_fault()
    s = agv.state()
    assert _status(agv) == {"p1": "FAILED"}
    assert s["errors"] == [{"errorType": "robotFault", "errorLevel": "FATAL",
                            "errorDescription": "the robot stopped on a fault and waits for repair",
                            "errorReferences": [{"referenceKey": "actionId", "referenceValue": "p1"}]}]
    for k in (2, 3):
        _update(agv, (1, 1), (1, 1), k, 2 * (k - 1))
        agv.step()
    assert agv.state()["errors"] == [] and agv.motion.movable()[0]


def test_order_with_unsupported_or_off_floor_actions_is_a_validation_error():
    agv = Agv("R1", cell=(1, 1), map_id=MAP, grid=_floor())
    agv.handle_order(order([(1, 1)], released=1))
    assert _update(agv, (1, 1), (1, 1), 1, 0, [action("dance", "x")]) == OrderOutcome.REJECTED
    assert agv.state()["errors"][0]["errorType"] == "validationError"
    assert "unsupported action 'dance'" in agv.state()["errors"][0]["errorDescription"]
    assert _update(agv, (1, 1), (2, 1), 1, 0) == OrderOutcome.REJECTED
    assert "not a cell a robot may stand on" in agv.state()["errors"][0]["errorDescription"]


def test_channel_resends_back_off_to_a_cap_and_restart_with_the_next_order():
    """Re-sent after resend_s, then 2x, 4x, 4x ... (RESEND_CAP); a new order starts again at resend_s."""
    from bridge.order_channel import RESEND_CAP
    ch = OrderChannel("R1", map_id=MAP, resend_s=1.0)
    agv = Agv("R1", cell=(0, 0), map_id=MAP)
    ch.new_order("o1", [(0, 0), (0, 1)], released=2)
    sent, t = [], 0.0
    while t <= 20.0:
        if ch.due(t) is not None:
            sent.append(t)
        t = round(t + 0.25, 2)
    assert RESEND_CAP == 4
    assert sent == [0.0, 1.0, 3.0, 7.0, 11.0, 15.0, 19.0]
    assert ch.resends == 6
    agv.handle_order(ch.pending)
    assert ch.on_state(agv.state()) is True
    ch.update([(0, 1), (0, 2)], released=2)
    assert ch.due(100.0) is not None and ch.due(100.5) is None and ch.due(101.0) is not None  # back to resend_s
