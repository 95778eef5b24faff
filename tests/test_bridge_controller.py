"""Controller and simulated robots over loopback: orders driven in chunks, acknowledgement,
heartbeats, and a robot process killed with SIGKILL mid-tour."""

import os
import signal
import subprocess
import sys
import time

import pytest
import zmq

from bridge.controller import BridgeController
from bridge.keys import KeyStore
from bridge.server import BridgeServer
from bridge.simrobots import SimRobots
from maps import load_layout

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def keys(tmp_path):
    ks = KeyStore(tmp_path / "keys")
    ks.generate_controller()
    for i in range(3):
        ks.generate_robot(f"R{i:04d}")
    return ks


def lane(start, length, direction):
    """A straight path of ``length`` moves from ``start``."""
    dr, dc = direction
    return [(start[0] + k * dr, start[1] + k * dc) for k in range(length + 1)]


def test_robots_drive_orders_released_in_chunks(keys):
    serials = ["R0000", "R0001", "R0002"]
    starts = [(5, 5), (10, 5), (15, 5)]
    with BridgeServer(keys=keys) as server:
        ctl = BridgeController(server, map_id="test", heartbeat_s=0.2)
        robots = SimRobots(serials, starts, endpoint=server.endpoint, map_id="test", keys=keys, step_s=0.01,
                           context=zmq.Context())
        paths = {s: lane(st, 12, (0, 1)) + [(st[0] + k, st[1] + 12) for k in range(1, 4)]
                 for s, st in zip(serials, starts)}
        base = {}
        trace = {s: [] for s in serials}
        end = time.monotonic() + 30
        started = set()
        while time.monotonic() < end:
            res = ctl.pump(0)
            started.update(res.started)
            for s in serials:
                if s in ctl.states and s not in base and s in started:
                    ctl.assign(s, f"tour-{s}", paths[s][:6], released=4)
                    base[s] = 3
                elif s in base and not ctl.pending(s) and base[s] < len(paths[s]) - 1:
                    state = ctl.states[s]
                    if sum(n["released"] for n in state["nodeStates"]) <= 1:  # near the end of its base
                        nxt = min(base[s] + 4, len(paths[s]) - 1)
                        ctl.extend(s, paths[s][base[s]: nxt + 3], released=nxt - base[s] + 1)
                        base[s] = nxt
            for s, st in res.states.items():
                if st.get("agvPosition"):
                    cell = (int(st["agvPosition"]["y"]), int(st["agvPosition"]["x"]))
                    if not trace[s] or trace[s][-1] != cell:
                        trace[s].append(cell)
            robots.run_once()
            if all(a.cell == paths[a.serial_number][-1] for a in robots.agvs) and \
                    all(not ctl.pending(s) for s in serials):
                break
        assert [a.cell for a in robots.agvs] == [paths[s][-1] for s in serials]
        for _ in range(5):
            for s, st in ctl.pump(20).states.items():
                cell = (int(st["agvPosition"]["y"]), int(st["agvPosition"]["x"]))
                if trace[s][-1] != cell:
                    trace[s].append(cell)
        for agv in robots.agvs:
            assert agv.errors == [] and agv.order_update_id >= 3
        for s in serials:  # every reported cell lies on the path, in order
            idx = [paths[s].index(c) for c in trace[s]]
            assert idx == sorted(idx) and idx[-1] == len(paths[s]) - 1
        assert sum(server.dropped.values()) == 0 and ctl.send_failures == 0
        robots.close()
        robots.ctx.term()


def test_kill_robot_process_mid_tour_returns_unreleased_work(keys, tmp_path):
    layout = load_layout("small")
    with BridgeServer(keys=keys, offline_after_s=0.8) as server:
        ctl = BridgeController(server, map_id=layout.name, heartbeat_s=0.2)
        env = {**os.environ, "PYTHONPATH": os.getcwd()}
        log = open(tmp_path / "robot.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "robocore", "robot", "--count", "3", "--connect",
                                 server.endpoint, "--keys", str(keys.dir), "--layout", "small", "--step-s", "0.05"],
                                env=env, stderr=log)
        try:
            end = time.monotonic() + 30
            while len(ctl.states) < 3 and time.monotonic() < end:
                ctl.pump(50)
            assert sorted(ctl.states) == ["R0000", "R0001", "R0002"]
            for i, s in enumerate(sorted(ctl.states)):
                ctl.assign(s, f"tour-{s}", lane(layout.spawns[i], 200, (0, 0)), released=100)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 1.0:
                ctl.pump(20)
            moved = {s: st["lastNodeSequenceId"] for s, st in ctl.states.items()}
            assert all(seq > 0 for seq in moved.values()), moved  # mid-tour: driving its base
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            gone = []
            end = time.monotonic() + 10
            while len(gone) < 3 and time.monotonic() < end:
                gone += ctl.pump(50).gone
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
        assert sorted(g.serial for g in gone) == ["R0000", "R0001", "R0002"]
        for g in gone:
            assert len(g.base) == 100 and len(g.unreleased) == 101  # the horizon goes back to the pool
        assert server.peers.online() == []
        assert all(server.telemetry.latest[f"connection/{s}".encode()] for s in ctl.states)


def test_shift_completes_through_a_lossy_transport():
    """20% drops, 10% duplicates, 10% reorders both ways: every robot still drives its whole path, in order."""
    from tests.transport_shim import TransportShim

    serials = ["R0000", "R0001", "R0002"]
    starts = [(5, 5), (10, 5), (15, 5)]
    with BridgeServer(keys=None, offline_after_s=5.0) as server:
        shim = TransportShim(server.endpoint, drop=0.2, dup=0.1, reorder=0.1, seed=7)
        ctl = BridgeController(server, map_id="test", resend_s=0.05, heartbeat_s=0.2)
        robots = SimRobots(serials, starts, endpoint=shim.endpoint, map_id="test", step_s=0.01,
                           state_interval_s=0.05, silence_s=5.0, context=zmq.Context())
        paths = {s: lane(st, 10, (0, 1)) + [(st[0] + k, st[1] + 10) for k in range(1, 4)]
                 for s, st in zip(serials, starts)}
        base, moves = {}, {s: [] for s in serials}
        end = time.monotonic() + 60
        while time.monotonic() < end:
            ctl.pump(0)
            for s in serials:
                if s in ctl.states and s not in base:
                    if ctl.states[s]["lastNodeId"] == f"r{starts[serials.index(s)][0]}c5":
                        ctl.assign(s, f"tour-{s}", paths[s][:5], released=3)
                        base[s] = 2
                elif s in base and not ctl.pending(s) and base[s] < len(paths[s]) - 1:
                    nxt = min(base[s] + 3, len(paths[s]) - 1)
                    ctl.extend(s, paths[s][base[s]: nxt + 3], released=nxt - base[s] + 1)
                    base[s] = nxt
            before = [a.cell for a in robots.agvs]
            robots.run_once()
            for a, b in zip(robots.agvs, before):
                if a.cell != b:
                    moves[a.serial_number].append(a.cell)
            if all(a.cell == paths[a.serial_number][-1] for a in robots.agvs):
                break
        shim_counts = dict(shim.counts)
        robots.close()
        robots.ctx.term()
        shim.close()
    for s in serials:
        assert moves[s] == paths[s][1:], s  # each cell of the path once, in order: nothing skipped or repeated
    assert shim_counts["dropped"] > 10 and shim_counts["duplicated"] > 5 and shim_counts["reordered"] > 5
    assert server.dropped["stale"] > 0  # duplicated / reordered states were recognised and dropped


def test_controller_restart_mid_shift_robots_reconnect_and_continue(keys):
    """The controller process dies mid-tour and a new one binds the same port: robots reconnect by themselves,
    the new controller takes their orders over from their states and drives them to the end."""
    serials = ["R0000", "R0001"]
    starts = [(5, 5), (10, 5)]
    paths = {s: lane(st, 30, (0, 1)) for s, st in zip(serials, starts)}
    first = BridgeServer(keys=keys)
    port = int(first.endpoint.rsplit(":", 1)[1])
    robots = SimRobots(serials, starts, endpoint=first.endpoint, map_id="test", keys=keys, step_s=0.01,
                       silence_s=30.0, context=zmq.Context())
    ctl = BridgeController(first, map_id="test")
    end = time.monotonic() + 20
    while len(ctl.states) < 2 and time.monotonic() < end:
        ctl.pump(0)
        robots.run_once()
    for s in serials:
        ctl.assign(s, f"tour-{s}", paths[s][:16], released=11)
    while min(a.cell[1] for a in robots.agvs) < 9 and time.monotonic() < end:
        ctl.pump(0)
        robots.run_once()
    first.close()  # the controller is gone; robots keep driving their released base
    while time.monotonic() < end and any(a.node_states and a.node_states[0]["released"] for a in robots.agvs):
        robots.run_once()
    second = BridgeServer(keys=keys, port=port)
    ctl2 = BridgeController(second, map_id="test")
    resumed, extended = set(), set()
    while time.monotonic() < end and any(a.cell != paths[a.serial_number][-1] for a in robots.agvs):
        res = ctl2.pump(0)
        resumed.update(res.resumed)
        for s in resumed - extended:
            base_cell = ctl2.channel(s).base_end[0]
            k = paths[s].index(base_cell)
            ctl2.extend(s, paths[s][k:], released=len(paths[s]) - k)
            extended.add(s)
        robots.run_once()
    assert resumed == set(serials)
    assert [a.cell for a in robots.agvs] == [paths[s][-1] for s in serials]
    assert all(a.errors == [] and a.order_update_id == 1 for a in robots.agvs)
    robots.close()
    robots.ctx.term()
    second.close()


def test_lockstep_run_follows_a_mapf_plan_with_robots_in_two_processes(keys, tmp_path):
    """A planner's conflict-free plan, driven in lockstep over the wire by robots in 2 processes:
    the trajectory the robots report is exactly the plan, and valid."""
    import numpy as np

    from bridge.lockstep import LockstepDriver
    from planner import solve, validate_paths

    layout = load_layout("small")
    ks = KeyStore(keys.dir)
    for i in range(3, 6):
        ks.generate_robot(f"R{i:04d}")
    n = 6
    starts = [layout.spawns[i] for i in range(n)]
    free = np.argwhere(layout.grid.passable)
    rng = np.random.default_rng(3)
    goals = [tuple(int(v) for v in free[i]) for i in rng.choice(len(free), n, replace=False)]
    cols = layout.cols
    flat = solve(layout.grid, np.array([r * cols + c for r, c in starts]), np.array([r * cols + c for r, c in goals]))
    plan = {f"R{i:04d}": [(int(f // cols), int(f % cols)) for f in flat[i]] for i in range(n)}
    with BridgeServer(keys=keys, offline_after_s=5.0) as server:
        ctl = BridgeController(server, map_id=layout.name, heartbeat_s=1.0)
        env = {**os.environ, "PYTHONPATH": os.getcwd()}
        log = open(tmp_path / "robots.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "robocore", "robot", "--count", str(n), "--processes", "2",
                                 "--lockstep", "--connect", server.endpoint, "--keys", str(keys.dir)],
                                env=env, stderr=log)
        try:
            end = time.monotonic() + 30
            while len(ctl.states) < n and time.monotonic() < end:
                ctl.pump(50)
            res = LockstepDriver(ctl, horizon=3, step_timeout_s=5.0).run(plan)
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()
    assert res.late == {} and res.steps == len(plan["R0000"]) - 1
    assert res.trajectories == plan
    validate_paths(layout.grid, [res.trajectories[s] for s in sorted(plan)])


def test_controller_survives_a_robot_reporting_nonsense_node_ids(keys):
    """Type-valid but meaningless content (a lastNodeId that is no cell) never raises out of pump()."""
    from bridge import Agv, ConnectionState, RobotClient, Topic, connection_message

    with BridgeServer(keys=keys, offline_after_s=0.3) as server:
        ctl = BridgeController(server, map_id="test")
        ctx = zmq.Context()
        c = RobotClient("R0000", server.endpoint, context=ctx, server_public=keys.controller_public(),
                        keys=keys.robot("R0000"))
        agv = Agv("R0000", cell=(1, 1), map_id="test")
        c.send(Topic.CONNECTION, connection_message(agv.headers.next(Topic.CONNECTION), ConnectionState.ONLINE))
        c.send(Topic.STATE, {**agv.state(), "orderId": "x", "lastNodeId": "dock-7",
                             "nodeStates": [{"nodeId": "nowhere", "sequenceId": 2, "released": True}]})
        gone = []
        end = time.monotonic() + 5
        while not gone and time.monotonic() < end:
            gone = ctl.pump(20).gone
        assert [g.serial for g in gone] == ["R0000"] and gone[0].last_cell is None
        c.close()
        ctx.term()


def test_heartbeat_gap_and_offline_detection_stay_within_their_bounds(keys):
    """Heartbeats and expiry are looked at a quarter of heartbeat_s / an eighth of offline_after_s apart:
    a silent robot still gets a stateRequest at most 1.25 x heartbeat_s after the last command, and is
    declared gone at most 9/8 x offline_after_s (plus one pump) after its last message."""
    from bridge import Agv, ConnectionState, RobotClient, Topic, connection_message

    with BridgeServer(keys=keys, offline_after_s=0.8) as server:
        ctl = BridgeController(server, map_id="test", heartbeat_s=0.2)
        ctx = zmq.Context()
        agv = Agv("R0000", cell=(1, 1), map_id="test")
        c = RobotClient("R0000", server.endpoint, context=ctx, server_public=keys.controller().public,
                        keys=keys.robot("R0000"))
        c.send(Topic.CONNECTION, connection_message(agv.headers.next(Topic.CONNECTION), ConnectionState.ONLINE))
        c.send(Topic.STATE, agv.state())
        end = time.monotonic() + 10
        while "R0000" not in ctl.states and time.monotonic() < end:
            ctl.pump(20)
        requests, last_msg, gone_at = [], time.monotonic(), None
        while time.monotonic() < end and gone_at is None:
            res = ctl.pump(5)
            if res.gone:
                gone_at = time.monotonic()
            for topic, msg in c.recv(0):
                if topic == "instantActions" and msg["actions"][0]["actionType"] == "stateRequest":
                    requests.append(time.monotonic())
            if len(requests) < 3:  # answer the first heartbeats, then fall silent
                if requests and requests[-1] > last_msg:
                    c.send(Topic.STATE, agv.state())
                    last_msg = time.monotonic()
        gaps = [b - a for a, b in zip(requests, requests[1:])]
        assert len(requests) >= 3 and max(gaps) <= 1.25 * 0.2 + 0.1, gaps  # (+ scheduling slack)
        assert gone_at is not None and 0.8 <= gone_at - last_msg <= 0.8 * 9 / 8 + 0.15
        c.close()
        ctx.term()


def test_a_robot_held_for_the_lockstep_step_keeps_its_heartbeat(keys):
    """In lockstep a robot with its update waits (held) for the others' before stepping; meanwhile it still
    sends a state every state_interval_s, so the controller never takes a waiting robot for a dead one."""
    serials = ["R0000", "R0001"]
    with BridgeServer(keys=keys) as server:
        ctl = BridgeController(server, map_id="test", heartbeat_s=30.0)
        robots = SimRobots(serials, [(5, 5), (8, 5)], endpoint=server.endpoint, map_id="test", keys=keys,
                           step_s=0.05, state_interval_s=0.3, lockstep=True, batch_wait_s=30.0,
                           context=zmq.Context())
        end = time.monotonic() + 20
        while len(ctl.states) < 2 and time.monotonic() < end:
            ctl.pump(0)
            robots.run_once()
        ctl.assign("R0000", "o1", [(5, 5), (5, 6)], released=2)  # only R0000 gets its step: it waits for R0001
        while 0 not in robots._held and time.monotonic() < end:
            ctl.pump(0)
            robots.run_once()
        assert robots._held == {0}
        seen, t0 = [], time.monotonic()
        while time.monotonic() - t0 < 1.5:
            for s, st in ctl.pump(0).states.items():
                if s == "R0000":
                    seen.append(st["headerId"])
            robots.run_once()
        assert robots._held == {0} and len(seen) >= 3  # ~every 0.3 s while held
        robots.close()
        robots.ctx.term()
