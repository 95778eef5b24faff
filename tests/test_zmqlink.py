"""The ZeroMQ RobotLink: a shift over the bridge with robots as separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from robocore.agents import AgentKind

REPO = str(Path(__file__).resolve().parent.parent)
ORDER_STATES = ("orders_shipped", "orders_backordered", "orders_cancelled", "orders_rejected", "orders_open")


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "robocore", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=240)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same small shift run in-process and over the wire."""
    base = tmp_path_factory.mktemp("zmqlink")
    args = ["run", "--layout", "small", "--robots", "4", "--humans", "1", "--orders", "10", "--seed", "0", "--json"]
    zmq_run = _cli(*args, "--link", "zmq", "--out", str(base / "zmq"), cwd=base)
    sim_run = _cli(*args, "--out", str(base / "sim"), cwd=base)
    assert zmq_run.returncode == 0, zmq_run.stderr
    assert sim_run.returncode == 0, sim_run.stderr
    return base, json.loads(zmq_run.stdout), json.loads(sim_run.stdout)


def test_zmq_run_accounts_for_every_order_without_collisions(runs):
    base, report, _ = runs
    assert report["link"] == "zmq" and report["link_robots_gone"] == [] and report["link_late_steps"] == 0
    assert report["collisions"] == 0
    assert report["orders_received"] == 10
    assert sum(report[k] for k in ORDER_STATES) == 10 and report["orders_open"] == 0
    assert report["orders_shipped"] > 0
    out = base / "zmq"
    for name in ("report.json", "trajectory.npz", "layout.json", "ledger.sqlite", "floor.png", "robots.log"):
        assert (out / name).exists(), name
    from robocore.ledger import Ledger

    with Ledger.open_existing(out / "ledger.sqlite") as led:
        led.check_invariants()
        counts = led.counts()
        assert counts.get("shipped", 0) + counts.get("delivered", 0) == report["orders_shipped"]


def test_zmq_trajectory_is_valid_and_equals_the_in_process_run(runs):
    """Lockstep makes the wire invisible: the robots report exactly the cells the
    in-process simulation computes, step for step, so the two runs agree."""
    base, report, sim = runs
    z = np.load(base / "zmq" / "trajectory.npz")
    s = np.load(base / "sim" / "trajectory.npz")
    assert z["positions"].shape == (report["steps"] + 1, 5, 2)
    assert z["kinds"].tolist() == [AgentKind.ROBOT] * 4 + [AgentKind.HUMAN]
    for k in ("positions", "states", "goals", "kinds"):
        assert np.array_equal(z[k], s[k]), k
    same = {k: v for k, v in report.items() if k in sim and k not in ("wall_s", "speedup", "planner_step_ms", "out", "link")}
    assert same == {k: sim[k] for k in same}
    from maps import load_layout
    from planner.validate import validate_paths

    layout = load_layout(base / "zmq" / "layout.json")
    per_agent = [layout.grid.human_passable if k == AgentKind.HUMAN else None for k in z["kinds"]]
    validate_paths(layout.grid.passable, z["positions"].transpose(1, 0, 2), agent_passable=per_agent)


def test_zmq_link_needs_a_spawn_cell_per_robot(tmp_path):
    p = _cli("run", "--link", "zmq", "--layout", "small", "--robots", "61", "--humans", "0", "--orders", "1",
             "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert p.returncode == 2 and "spawn cells" in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_a_killed_robot_process_becomes_a_faulted_obstacle():
    """kill -9 one robot process: the server declares it OFFLINE, the link reports
    a FAULT for it once and keeps it faulted; the other robot keeps stepping."""
    import signal
    import time

    from bridge.controller import BridgeController
    from bridge.server import BridgeServer
    from fleet.zmqlink import ZmqLink
    from maps import load_layout
    from robocore.motion import EventKind

    layout = load_layout("small")
    g = layout.grid
    starts = [g.index(layout.spawns[i]) for i in range(2)]
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with BridgeServer(keys=None, offline_after_s=0.5) as server:
        ctl = BridgeController(server, map_id=layout.name, heartbeat_s=0.1)
        procs = [subprocess.Popen([sys.executable, "-m", "robocore", "robot", "--count", "1", "--first", str(i),
                                   "--lockstep", "--insecure", "--connect", server.endpoint, "--layout", "small"],
                                  env=env, stderr=subprocess.DEVNULL) for i in range(2)]
        try:
            link = ZmqLink(g, [AgentKind.ROBOT] * 2, starts, controller=ctl, serials=["R0000", "R0001"],
                           step_timeout_s=2.0, connect_timeout_s=60.0)
            link.connect()
            assert link.tick() == []
            assert link.late == {} and link.step_no == 1
            # the robot processes drain their batteries as robocore.motion does, and the link reports theirs
            from robocore.motion import Motion

            twin = Motion(g, [AgentKind.ROBOT] * 2, starts)
            for _ in range(5):
                twin.advance(twin.pos)
            for _ in range(4):
                assert link.tick() == []
            for a, s in enumerate(link.serials):
                wire = ctl.states[s]["batteryState"]["batteryCharge"]
                assert wire == float(link.batteries()[a]) == float(twin.battery[a]) < 100.0
            procs[1].send_signal(signal.SIGKILL)
            procs[1].wait(10)
            faults = []
            end = time.monotonic() + 30
            while not link.gone and time.monotonic() < end:
                faults += [e for e in link.tick() if e.kind == EventKind.FAULT]
            faults += [e for e in link.tick() if e.kind == EventKind.FAULT]
            assert link.gone == ["R0001"] and [e.agent for e in faults] == [1]
            assert link.movable().tolist() == [True, False]
            assert link.live == {"R0000"}
        finally:
            for p in procs:
                p.kill()
                p.wait(10)


def test_picks_charging_and_faults_over_the_wire_equal_the_in_process_run():
    """Robot processes run robocore.motion: a shift with picks, drops, charging and
    random faults (drawn by the robot processes) gives the in-process run's
    trajectory, events and report, step for step."""
    from fleet.shift import ShiftSpec, run_shift
    from fleet.zmqlink import LoopbackFleet
    from maps import load_layout
    from planner.validate import validate_paths
    from robocore.motion import MotionParams

    layout = load_layout("small")
    spec = ShiftSpec(layout="small", robots=4, humans=1, orders=20, seed=3, fault_rate=3e-3,
                     motion=MotionParams(drain_per_move=0.5, repair_s=60, charge_per_step=1.0))
    sim = run_shift(spec, layout=layout)
    assert sim.report["faults"] >= 2 and sim.report["charges"] >= 3 and sim.report["lines_picked"] >= 20
    box = {}
    with LoopbackFleet("small", map_id=layout.name, robots=4, secure=False, params=spec.link_params(),
                       seed=spec.seed) as fleet:
        def make_link(grid, kinds, starts, **options):
            box["link"] = fleet.link(grid, kinds, starts, **options)
            return box["link"]

        zq = run_shift(spec, layout=layout, make_link=make_link)
    link = box["link"]
    assert link.late == {} and link.gone == []
    assert np.array_equal(zq.recorder.positions(), sim.recorder.positions())
    assert np.array_equal(zq.recorder.states, sim.recorder.states)
    skip = ("wall_s", "speedup", "planner_step_ms")
    assert {k: v for k, v in zq.report.items() if k not in skip} == {k: v for k, v in sim.report.items() if k not in skip}
    assert zq.report["collisions"] == 0 and zq.report["orders_open"] == 0
    kinds = zq.recorder.kinds
    per_agent = [layout.grid.human_passable if k == AgentKind.HUMAN else None for k in kinds]
    validate_paths(layout.grid.passable, zq.recorder.positions().transpose(1, 0, 2), agent_passable=per_agent)
    zq.close()
    sim.close()


def test_link_refuses_motion_parameters_the_robots_do_not_run():
    from fleet.zmqlink import LoopbackFleet
    from maps import load_layout
    from robocore.motion import MotionParams

    layout = load_layout("small")
    with LoopbackFleet("small", map_id=layout.name, robots=0, secure=False) as fleet:
        with pytest.raises(ValueError, match="seed=1"):
            fleet.link(layout.grid, [], [], seed=1)
        with pytest.raises(ValueError, match="params="):
            fleet.link(layout.grid, [], [], params=MotionParams(fault_rate=0.1))


def _threaded_robot(endpoint: str, layout, start, *, prepare=None, on_instant=None):
    """One robot in a thread on plain TCP: ONLINE and one state, then every command answered with its
    state (orders driven at once). ``prepare(agv)`` runs first, ``on_instant(agv)`` after each instant
    action. Returns (thread, stop event)."""
    import threading

    import zmq

    from bridge import Agv, ConnectionState, RobotClient, Topic, connection_message

    stop = threading.Event()

    def run():
        ctx = zmq.Context()
        agv = Agv("R0000", cell=start, map_id=layout.name, grid=layout.grid)
        if prepare is not None:
            prepare(agv)
        c = RobotClient("R0000", endpoint, context=ctx)
        c.send(Topic.CONNECTION, connection_message(agv.headers.next(Topic.CONNECTION), ConnectionState.ONLINE))
        c.send(Topic.STATE, agv.state())
        while not stop.is_set():
            for topic, msg in c.recv(20):
                if topic == "order":
                    agv.handle_order(msg)
                    while agv.next_cell() is not None and agv.step():
                        pass
                else:
                    agv.handle_instant_actions(msg)
                    if on_instant is not None:
                        on_instant(agv)
                c.send(Topic.STATE, agv.state())
        c.close()
        ctx.term()

    t = threading.Thread(target=run)
    t.start()
    return t, stop


def test_a_restarted_controller_adopts_the_robots_current_state_not_their_queued_past():
    """A robot keeps sending while no controller listens; its DEALER delivers that backlog, oldest first,
    to the restarted controller. Adopting the first state seen would take a robot as it was seconds ago
    (idle where it now picks): the link asks for a fresh state and drains the backlog first."""
    from bridge.controller import BridgeController
    from bridge.server import BridgeServer
    from fleet.zmqlink import ZmqLink
    from maps import load_layout

    layout = load_layout("small")
    g = layout.grid
    start = layout.spawns[0]
    with BridgeServer(keys=None, offline_after_s=5.0) as server:
        ctl = BridgeController(server, map_id=layout.name, heartbeat_s=30.0)

        def reported_since(agv):  # what happened since the backlog: the state it reports now
            agv.motion.battery[0] = 42.0

        t, stop = _threaded_robot(server.endpoint, layout, start, on_instant=reported_since)
        try:
            link = ZmqLink(g, [AgentKind.ROBOT], [g.index(start)], controller=ctl, serials=["R0000"],
                           connect_timeout_s=20.0, adopt=True)
            link.connect()
            assert float(link.batteries()[0]) == 42.0
        finally:
            stop.set()
            t.join(10)


def test_a_restarted_controller_adopts_a_faulted_robot_as_faulted():
    """A robot that stopped on a fault (a FATAL robotFault in its state) is held from the resumed
    controller's first plan on, and its FAULT is reported once, at the first tick."""
    from bridge.controller import BridgeController
    from bridge.server import BridgeServer
    from fleet.zmqlink import ZmqLink
    from maps import load_layout
    from robocore.motion import EventKind

    layout = load_layout("small")
    g = layout.grid
    start = layout.spawns[0]
    with BridgeServer(keys=None, offline_after_s=5.0) as server:
        ctl = BridgeController(server, map_id=layout.name, heartbeat_s=30.0)
        t, stop = _threaded_robot(server.endpoint, layout, start, prepare=lambda agv: agv.inject_fault())
        try:
            link = ZmqLink(g, [AgentKind.ROBOT], [g.index(start)], controller=ctl, serials=["R0000"],
                           connect_timeout_s=20.0, step_timeout_s=5.0, adopt=True)
            link.connect()
            assert link.movable().tolist() == [False]
            link.send_moves(np.array([g.index(start)]))
            events = link.tick()
            assert [(e.kind, e.agent) for e in events] == [(EventKind.FAULT, 0)]
            link.send_moves(np.array([g.index(start)]))
            assert [e for e in link.tick() if e.kind == EventKind.FAULT] == []
        finally:
            stop.set()
            t.join(10)
