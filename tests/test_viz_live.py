"""Live view over the bridge: bridge.floor (FloorPublisher, the floor-frame codec) and viz.live.TelemetrySource.

Loopback, ephemeral ports; every wait is bounded.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from bridge.codec import ProtocolError
from bridge.floor import FloorPublisher, decode_floor, encode_floor, floor_to_frame, parse_floor_endpoint
from robocore.agents import AgentKind
from robocore.errors import InputError
from tests.viz_helpers import small_layout
from viz import Frame, TelemetrySource
from viz.palette import STATE_COLOURS
from viz.snapshot import render_surface

pytest.importorskip("zmq")


def _frame(t: int, n: int = 3) -> Frame:
    cols = 20
    pos = np.array([[1 + i, (t + 3 * i) % cols] for i in range(n)])
    return Frame(step=t, positions=pos, states=np.arange(n) % 4, kinds=np.zeros(n, np.int64))


class _Pump:
    """Publish ``_frame(t)`` every ``period`` seconds on a thread until stopped."""

    def __init__(self, pub: FloorPublisher, *, start: int = 0, period: float = 0.005, make=_frame):
        self.pub, self.t, self.period, self.make = pub, start, period, make
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            t = self.t
            self.pub.step(lambda: self.make(t))
            self.t += 1
            time.sleep(self.period)

    def close(self):
        self.stop.set()
        self.thread.join(5)


def test_floor_codec_round_trip():
    f = Frame(step=12, positions=[[3, 4], [0, 19]], states=[2, 5], kinds=[0, 1], headings=[1, 9],
              goals=[[3, 5], [-1, -1]], station_queues={"P1": 2}, dock_parcels={"D1": 4},
              hud={"time_s": 12, "lines_per_hour": 3.5, "note": "x"})
    msg = decode_floor(encode_floor(f, run="ab12", sent=1000.5))
    assert (msg["run"], msg["step"], msg["sent"], msg["n"]) == ("ab12", 12, 1000.5, 2)
    g = floor_to_frame(msg)
    for name in ("positions", "states", "kinds", "headings", "goals"):
        assert np.array_equal(getattr(g, name), getattr(f, name)), name
    assert g.station_queues == {"P1": 2} and g.dock_parcels == {"D1": 4} and g.hud == dict(f.hud)


@pytest.mark.parametrize("payload, message", [
    (b"\xc1", "not msgpack"),
    (b"\x80", "floor frame"),
])
def test_malformed_floor_payload_is_a_protocol_error(payload, message):
    with pytest.raises(ProtocolError, match=message):
        decode_floor(payload)


def test_truncated_array_is_refused():
    import msgpack

    msg = msgpack.unpackb(encode_floor(_frame(1), run="r"), raw=False)
    msg["pos"] = msg["pos"][:-2]
    with pytest.raises(ProtocolError, match="'pos' must be 12 bytes"):
        decode_floor(msgpack.packb(msg, use_bin_type=True))


@pytest.mark.parametrize("text, bind", [("tcp://127.0.0.1", False), ("udp://h:1", False), ("tcp://h:0", False),
                                        ("tcp://h:65535", True), ("tcp://h:x", True)])
def test_bad_endpoint_is_input_error(text, bind):
    with pytest.raises(InputError, match="bad endpoint"):
        parse_floor_endpoint(text, bind=bind)


def test_late_joiner_gets_snapshot_then_stream():
    lay = small_layout()
    with FloorPublisher("tcp://127.0.0.1:0", lay) as pub:
        for t in range(10):
            pub.step(lambda: _frame(t))
        src = TelemetrySource(pub.endpoint)
        try:
            pump = _Pump(pub, start=10)
            try:
                src.connect(timeout_s=5)
                assert src.layout.name == lay.name and src.layout.grid.kinds.tolist() == lay.grid.kinds.tolist()
                first = src.wait(timeout_s=5)
                assert first is not None and first.step >= 9 and first.hud["link"] == "live"
                last = first
                for _ in range(20):
                    got = src.wait(timeout_s=5)
                    assert got is not None and got.step > last.step
                    last = got
                assert np.array_equal(last.positions, _frame(last.step).positions)
                assert src.received >= 21 and src.restarts == 0
            finally:
                pump.close()
        finally:
            src.close()


def test_slow_viewer_skips_to_newest_and_counts_nothing_lost():
    lay = small_layout()
    with FloorPublisher("tcp://127.0.0.1:0", lay) as pub:
        src = TelemetrySource(pub.endpoint)
        try:
            pub.serve(0.0)
            deadline = time.monotonic() + 5
            while src._layout is None and time.monotonic() < deadline:
                pub.telemetry.serve_snapshot()
                src.poll()
                time.sleep(0.005)
            time.sleep(0.2)  # the SUB is connected and subscribed
            for t in range(30):
                pub.step(lambda: _frame(t))
            time.sleep(0.3)
            got = src.poll()
            assert got is not None and got.step == 29
            assert src.received == 30 and src.skipped == 29 and src.gaps == 0 and src.lost == 0
        finally:
            src.close()


def test_gaps_are_counted_by_sequence():
    lay = small_layout()
    with FloorPublisher("tcp://127.0.0.1:0", lay) as pub:
        pump = _Pump(pub)
        src = TelemetrySource(pub.endpoint)
        try:
            src.connect(timeout_s=5)
            assert src.wait(timeout_s=5) is not None
            pump.close()
            time.sleep(0.1)
            src.poll()
            assert src.gaps == 0
            pub.telemetry.sequence += 5  # five messages this viewer never gets
            pub.publish(_frame(1000))
            pub.telemetry.sequence += 2
            pub.publish(_frame(1001))
            deadline = time.monotonic() + 5
            while src.received < 2 or (src._latest is not None and src._latest.step != 1001):
                src.wait(timeout_s=0.1)
                assert time.monotonic() < deadline
            assert src.gaps == 2 and src.lost == 7
        finally:
            src.close()


def test_publisher_restart_is_followed_with_a_new_snapshot():
    lay = small_layout()
    pub = FloorPublisher("tcp://127.0.0.1:0", lay)
    endpoint, old_run = pub.endpoint, pub.run
    pump = _Pump(pub)
    src = TelemetrySource(endpoint, stale_s=0.3, retry_s=0.3)
    try:
        src.connect(timeout_s=5)
        assert src.wait(timeout_s=5) is not None
        pump.close()
        pub.close()
        got = src.wait(timeout_s=5)
        while got is not None and got.hud["link"] != "disconnected":
            got = src.wait(timeout_s=5)
        assert got is not None and got.hud["link"] == "disconnected"
        pub = FloorPublisher(endpoint, lay)
        assert pub.run != old_run
        pump = _Pump(pub, start=500)
        got = src.wait(timeout_s=10)
        while got is not None and got.step < 500:
            got = src.wait(timeout_s=10)
        assert got is not None and got.step >= 500 and got.hud["link"] == "live"
        assert src.run == pub.run and src.restarts == 1
        assert np.array_equal(got.positions, _frame(got.step).positions)
    finally:
        pump.close()
        pub.close()
        src.close()


def test_nobody_publishing_times_out_with_input_error():
    src = TelemetrySource("tcp://127.0.0.1:9")
    try:
        with pytest.raises(InputError, match="nobody is publishing floor telemetry on tcp://127.0.0.1:9"):
            src.connect(timeout_s=0.5)
    finally:
        src.close()


def test_shift_published_and_viewed_late_pixels_match():
    """A real shift on `small` publishes (paced) in a thread; a late viewer's picture has every robot at
    the published cell, in its state colour."""
    from fleet.shift import ShiftSpec, live_frame, run_shift
    from maps import load_layout

    lay = load_layout("small")
    pub = FloorPublisher("tcp://127.0.0.1:0", lay)
    sent: dict[int, Frame] = {}
    started = threading.Event()
    stop = threading.Event()

    def on_step(ctl):
        f = live_frame(ctl)
        sent[f.step] = f
        pub.step(lambda: f)
        started.set()
        time.sleep(0.004)
        return not stop.is_set()

    spec = ShiftSpec(layout="small", robots=6, humans=1, hours=0.5, seed=3)
    th = threading.Thread(target=lambda: run_shift(spec, layout=lay, on_step=on_step).close(), daemon=True)
    th.start()
    src = None
    try:
        assert started.wait(30)
        time.sleep(0.3)  # join late: the shift is under way
        src = TelemetrySource(pub.endpoint)
        src.connect(timeout_s=5)
        frame = None
        for _ in range(15):
            frame = src.wait(timeout_s=5)
            assert frame is not None
        want = sent[frame.step]
        assert frame.step > 20 and np.array_equal(frame.positions, want.positions)
        assert np.array_equal(frame.states, want.states)
        k = 12
        surf = render_surface(src.layout, frame, cell_px=k, footer=False)
        robots = np.nonzero(frame.kinds == AgentKind.ROBOT)[0]
        assert len(robots) == 6
        for i in robots:
            r, c = want.positions[i]
            px = tuple(surf.get_at((int(c) * k + k // 2, int(r) * k + k // 2)))[:3]
            assert px == tuple(int(v) for v in STATE_COLOURS[int(want.states[i])])
    finally:
        stop.set()
        th.join(30)
        if src is not None:
            src.close()
        pub.close()


def test_cli_publish_and_connect_snapshot(tmp_path):
    """robocore run --publish in a subprocess; robocore view --connect --snapshot --after 20 in another."""
    run = subprocess.Popen([sys.executable, "-m", "robocore", "run", "--layout", "small", "--robots", "5",
                            "--humans", "0", "--hours", "1", "--out", str(tmp_path / "run"), "--quiet",
                            "--publish", "tcp://127.0.0.1:0", "--publish-speed", "100"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line = run.stderr.readline()
        assert "publishing the floor on tcp://127.0.0.1:" in line
        endpoint = line.split("publishing the floor on ")[1].split()[0]
        out = tmp_path / "live.png"
        res = subprocess.run([sys.executable, "-m", "robocore", "view", "--connect", endpoint, "--snapshot",
                              str(out), "--after", "20", "--json"], capture_output=True, text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        import json

        summary = json.loads(res.stdout)
        assert summary["frames"] >= 21 and summary["gaps"] == 0 and out.stat().st_size > 1000
    finally:
        run.kill()
        run.wait(10)
        run.stderr.close()


@pytest.mark.parametrize("argv, message", [
    (["--connect", "tcp:/x", "--snapshot", "o.png"], "bad endpoint 'tcp:/x'"),
    (["--connect", "tcp://127.0.0.1:9", "--snapshot", "o.png", "--timeout", "0.5"], "nobody is publishing"),
    (["--connect", "tcp://127.0.0.1:9", "--step", "3"], "--step does not apply to --connect"),
    (["--after", "3", "somewhere"], "--after needs --connect"),
])
def test_view_connect_bad_input_is_one_line_exit_2(tmp_path, argv, message):
    res = subprocess.run([sys.executable, "-m", "robocore", "view", *argv], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path, env={**__import__("os").environ,
                                                        "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[1])})
    assert res.returncode == 2
    assert message in res.stderr and "Traceback" not in res.stderr


def test_run_publish_bad_endpoint_is_one_line_exit_2(tmp_path):
    res = subprocess.run([sys.executable, "-m", "robocore", "run", "--layout", "small", "--robots", "2", "--hours",
                          "0.01", "--out", str(tmp_path / "r"), "--quiet", "--publish", "nope"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "bad endpoint 'nope'" in res.stderr and "Traceback" not in res.stderr


def test_cli_connect_frames(tmp_path):
    lay = small_layout()
    with FloorPublisher("tcp://127.0.0.1:0", lay) as pub:
        pump = _Pump(pub, period=0.01)
        try:
            res = subprocess.run([sys.executable, "-m", "robocore", "view", "--connect", pub.endpoint, "--frames",
                                  str(tmp_path / "fr"), "--after", "4", "--json"],
                                 capture_output=True, text=True, timeout=60)
        finally:
            pump.close()
    assert res.returncode == 0, res.stderr
    import json

    summary = json.loads(res.stdout)
    files = sorted((tmp_path / "fr").glob("frame_*.png"))
    assert summary["count"] == 4 and len(files) == 4 and summary["gaps"] == 0


def test_window_follows_a_restart_on_another_layout():
    """The live window (dummy driver) draws the robots, then switches floors when the publisher comes back on
    a different layout."""
    from viz.viewer import Viewer

    lay_a, lay_b = small_layout(), small_layout(rows=12, cols=24)
    pub = FloorPublisher("tcp://127.0.0.1:0", lay_a)
    endpoint = pub.endpoint
    pump = _Pump(pub)
    src = TelemetrySource(endpoint, stale_s=0.3, retry_s=0.3)
    v = Viewer(lay_a, size=(640, 480), speed=None, fps=1000)
    try:
        src.connect(timeout_s=5)
        deadline = time.monotonic() + 10
        while v.frame is None or v.frame.hud.get("link") != "live":
            v.run(src, max_frames=1)
            assert time.monotonic() < deadline
        k = v.camera.cell_px
        import pygame

        r, c = (int(x) for x in v.frame.positions[0])
        x, y = v.camera.cell_origin(r, c)
        assert tuple(pygame.display.get_surface().get_at((x + k // 2, y + k // 2)))[:3] == \
            tuple(int(x) for x in STATE_COLOURS[int(v.frame.states[0])])
        pump.close()
        pub.close()
        pub = FloorPublisher(endpoint, lay_b)
        pump = _Pump(pub, start=700)
        deadline = time.monotonic() + 10
        while v.frame is None or v.frame.step < 700:
            v.run(src, max_frames=1)
            assert time.monotonic() < deadline
        assert v.layout is src.layout and (v.layout.rows, v.layout.cols) == (12, 24) and src.restarts == 1
    finally:
        pump.close()
        pub.close()
        src.close()
        v.close()


def test_a_telemetry_stream_without_floor_is_nobody_publishing():
    """A controller's telemetry (VDA 5050 keys only, no layout) is not taken for a floor publisher."""
    import zmq

    from bridge.telemetry import TelemetryPublisher

    ctx = zmq.Context()
    pub, snap = ctx.socket(zmq.PUB), ctx.socket(zmq.ROUTER)
    pub.bind("tcp://127.0.0.1:*")
    port = int(pub.getsockopt(zmq.LAST_ENDPOINT).decode().rsplit(":", 1)[1])
    try:
        snap.bind(f"tcp://127.0.0.1:{port + 1}")
    except zmq.ZMQError:
        pytest.skip("port + 1 in use")
    tele = TelemetryPublisher(pub, snap)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            tele.serve_snapshot()
            time.sleep(0.005)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    src = TelemetrySource(f"tcp://127.0.0.1:{port}", retry_s=0.1)
    try:
        with pytest.raises(InputError, match="nobody is publishing floor telemetry"):
            src.connect(timeout_s=0.6)
    finally:
        stop.set()
        th.join(5)
        src.close()
        pub.close(0)
        snap.close(0)
        ctx.term()
