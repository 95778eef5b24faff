"""The bridge over loopback TCP: CURVE allowlist, serial checks, commands with expiry,
malformed frames dropped and counted, liveness, incarnations, telemetry snapshot."""

import time

import msgpack
import pytest
import zmq

from bridge import Agv, ConnectionState, OrderChannel, Topic, connection_message, encode
from bridge.client import RobotClient
from bridge.keys import KeyStore
from bridge.server import BridgeServer
from bridge.telemetry import SNAPSHOT_END, SNAPSHOT_REQUEST, TelemetrySubscriber

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def keys(tmp_path):
    ks = KeyStore(tmp_path / "keys")
    ks.generate_controller()
    for serial in ("R1", "R2"):
        ks.generate_robot(serial)
    return ks


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


def wait_for(server, pred, *, timeout=5.0):
    got = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got += server.poll(50)
        if pred(got):
            return got
    raise AssertionError(f"timed out; got {[(g.serial, g.topic) for g in got]}, dropped {dict(server.dropped)}")


def client(ctx, server, keys, serial, *, as_identity=None):
    return RobotClient(as_identity or serial, server.endpoint, context=ctx,
                       server_public=keys.controller().public, keys=keys.robot(serial))


def hello(c, agv):
    c.send(Topic.CONNECTION, connection_message(agv.headers.next(Topic.CONNECTION), ConnectionState.ONLINE))
    c.send(Topic.STATE, agv.state())


def test_order_round_trip_acknowledged_by_state(keys, ctx):
    with BridgeServer(keys=keys) as server:
        agv = Agv("R1", cell=(0, 0), map_id="m")
        c = client(ctx, server, keys, "R1")
        hello(c, agv)
        got = wait_for(server, lambda g: any(i.topic == "state" for i in g))
        assert got[0].topic == "connection" and got[0].new_incarnation and got[0].serial == "R1"
        ch = OrderChannel("R1", map_id="m")
        ch.new_order("o1", [(0, 0), (0, 1), (1, 1)], released=3)
        assert server.send("R1", Topic.ORDER, ch.due(0.0))
        cmds = []
        end = time.monotonic() + 5
        while not cmds and time.monotonic() < end:
            cmds = c.recv(50)
        (topic, msg), = cmds
        assert topic == "order" and agv.handle_order(msg) == "accepted"
        c.send(Topic.STATE, agv.state())
        states = wait_for(server, lambda g: any(i.topic == "state" for i in g))
        assert ch.on_state(states[-1].msg) and ch.pending is None
        assert server.peers.online() == ["R1"] and not server.dropped
        c.close()


def test_unknown_key_cannot_connect(keys, ctx, tmp_path):
    stranger = KeyStore(tmp_path / "other")
    stranger.generate_robot("R1")  # a key pair nobody registered with the controller
    with BridgeServer(keys=keys) as server:
        c = RobotClient("R1", server.endpoint, context=ctx, server_public=keys.controller().public,
                        keys=stranger.robot("R1"))
        agv = Agv("R1", cell=(0, 0), map_id="m")
        for _ in range(5):
            hello(c, agv)
        end = time.monotonic() + 1.5
        got = []
        while time.monotonic() < end:
            got += server.poll(50)
        assert got == [] and server.auth.refused >= 1 and server.peers.online() == []
        assert not server.send("R1", Topic.ORDER, {"x": 1})  # no route: ROUTER_MANDATORY says so
        c.close()


def test_plain_client_cannot_connect_to_curve_server(keys, ctx):
    with BridgeServer(keys=keys) as server:
        c = RobotClient("R1", server.endpoint, context=ctx)
        hello(c, Agv("R1", cell=(0, 0), map_id="m"))
        end = time.monotonic() + 1.0
        got = []
        while time.monotonic() < end:
            got += server.poll(50)
        assert got == [] and server.peers.online() == []
        c.close()


def test_a_refused_client_keeps_sending_without_an_error(keys, ctx):
    """Once the controller refuses a plain client's handshake the DEALER has no
    pipe left: sends are counted as unsent, never raised to the robot."""
    with BridgeServer(keys=keys) as server:
        c = RobotClient("R1", server.endpoint, context=ctx)
        agv = Agv("R1", cell=(0, 0), map_id="m")
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            hello(c, agv)
            server.poll(10)
        assert server.peers.online() == []
        sent = c.dropped["unsent"]
        assert c.send(Topic.STATE, agv.state()) is (sent == c.dropped["unsent"])
        c.close()


def test_spoofing_client_refused_and_real_robot_keeps_its_commands(keys, ctx):
    with BridgeServer(keys=keys) as server:
        real = client(ctx, server, keys, "R1")
        agv = Agv("R1", cell=(0, 0), map_id="m")
        hello(real, agv)
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        # R2's key, claiming identity R1 and serial R1
        spoof = client(ctx, server, keys, "R2", as_identity="R1")
        fake = Agv("R1", cell=(9, 9), map_id="m")
        for _ in range(3):
            hello(spoof, fake)
        end = time.monotonic() + 1.0
        while time.monotonic() < end and server.dropped["spoofed"] < 1:
            assert all(i.msg["agvPosition"]["x"] == 0.0 for i in server.poll(50) if i.topic == "state")
        assert server.dropped["spoofed"] >= 1
        assert server.peers.get("R1").last_state["agvPosition"]["x"] == 0.0
        assert not server.send("R1", Topic.ORDER, {"x": 1})  # identity R1 is suspect until R1 speaks again
        # the spoofer's key is quarantined; the real robot, hearing nothing, reconnects, takes its identity
        # back and speaks again
        real.reconnect()
        ch = OrderChannel("R1", map_id="m")
        order = ch.new_order("o1", [(0, 0)], released=1)
        got, sent = [], False
        end = time.monotonic() + 10
        while not got and time.monotonic() < end:
            real.send(Topic.STATE, agv.state())
            server.poll(100)
            if not sent:
                sent = server.send("R1", Topic.ORDER, order)
            got = real.recv(0)
        assert [t for t, _ in got] == ["order"]
        assert spoof.recv(200) == []
        real.close()
        spoof.close()


def test_malformed_frames_dropped_counted_never_raise(keys, ctx):
    with BridgeServer(keys=keys, max_bytes=4096) as server:
        c = client(ctx, server, keys, "R1")
        agv = Agv("R1", cell=(0, 0), map_id="m")
        hello(c, agv)
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        raw = c.sock
        raw.send_multipart([b"state", b"\xc1not msgpack"])
        raw.send_multipart([b"state", msgpack.packb({"headerId": "x"})])
        raw.send_multipart([b"order", msgpack.packb({})])
        raw.send_multipart([b"state", b"\x00" * 5000])
        raw.send_multipart([b"state"])
        raw.send_multipart([b"state", msgpack.packb({**agv.state(), "serialNumber": "R2"})])
        old = agv.state()
        new = agv.state()
        c.send(Topic.STATE, new)
        c.send(Topic.STATE, old)  # reordered: older headerId
        c.send(Topic.STATE, new)  # duplicate
        got = wait_for(server, lambda g: sum(server.dropped.values()) >= 8, timeout=5)
        assert [i.msg["headerId"] for i in got if i.topic == "state"] == [new["headerId"]]
        assert dict(server.dropped) == {"not_msgpack": 1, "wrong_type": 1, "unknown_topic": 1, "oversized": 1,
                                        "bad_frames": 1, "spoofed": 1, "stale": 2}
        c.close()


def test_expired_command_dropped_by_robot(keys, ctx):
    with BridgeServer(keys=keys) as server:
        c = client(ctx, server, keys, "R1")
        hello(c, Agv("R1", cell=(0, 0), map_id="m"))
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        ch = OrderChannel("R1", map_id="m")
        msg = ch.new_order("o1", [(0, 0)], released=1)
        assert server.send("R1", Topic.ORDER, msg, ttl_s=0.05, now_wall=time.time() - 1.0)
        assert server.send("R1", Topic.ORDER, msg, ttl_s=60)
        got = []
        end = time.monotonic() + 3
        while len(got) < 1 and time.monotonic() < end:
            got += c.recv(50)
        time.sleep(0.1)
        got += c.recv(50)
        assert len(got) == 1 and c.dropped["expired"] == 1
        c.close()


def test_silence_means_offline_and_restart_is_a_new_incarnation(keys, ctx):
    with BridgeServer(keys=keys, offline_after_s=0.3) as server:
        sub = TelemetrySubscriber(ctx, server.pub_endpoint, server.snapshot_endpoint,
                                  curve=(keys.controller().public, *_pair(keys.robot("R2"))))
        c = client(ctx, server, keys, "R1")
        agv = Agv("R1", cell=(0, 0), map_id="m")
        hello(c, agv)
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        assert server.expire() == []
        time.sleep(0.4)
        assert server.expire() == ["R1"] and server.peers.online() == []
        # the robot process restarts: new headers from 0, a new ONLINE
        c.close()
        time.sleep(0.01)
        c2 = client(ctx, server, keys, "R1")
        agv2 = Agv("R1", cell=(0, 0), map_id="m")
        hello(c2, agv2)
        got = wait_for(server, lambda g: any(i.topic == "state" for i in g))
        assert got[0].new_incarnation and server.peers.get("R1").incarnations == 2
        assert server.peers.online() == ["R1"]
        # a late-joining viewer gets a complete snapshot, then the live stream in sequence
        sub.request_snapshot()
        end = time.monotonic() + 5
        while not sub.synced and time.monotonic() < end:
            server.poll(20)
            sub.poll(timeout_ms=20)
        seq = sub.sequence
        assert sub.values["connection/R1"]["connectionState"] == "ONLINE"
        assert sub.values["state/R1"]["headerId"] == 0 and seq == server.telemetry.sequence
        c2.send(Topic.STATE, agv2.state())
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        live = []
        end = time.monotonic() + 3
        while not live and time.monotonic() < end:
            live = sub.poll(timeout_ms=50)
        assert live[-1][0] == "state/R1" and live[-1][1] == seq + 1 and sub.gaps == 0
        sub.close()
        c2.close()


def _pair(kp):
    return kp.public, kp.secret


def test_stream_is_sent_only_while_someone_listens(keys, ctx):
    """No subscriber: the XPUB skips the sends but the sequence and the snapshot values stay complete."""
    with BridgeServer(keys=keys) as server:
        tel = server.telemetry
        tel.listen_grace_s = 0.3
        c = client(ctx, server, keys, "R1")
        agv = Agv("R1", cell=(0, 0), map_id="m")
        hello(c, agv)
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        assert (tel.skipped, tel.sequence, sorted(tel.latest)) == (2, 2, [b"connection/R1", b"state/R1"])

        def send_state():
            c.send(Topic.STATE, agv.state())
            wait_for(server, lambda g: any(i.topic == "state" for i in g))

        # a plain SUB (no snapshot): once its subscription reaches the XPUB, the stream flows to it
        sub = ctx.socket(zmq.SUB)
        sub.curve_serverkey, (sub.curve_publickey, sub.curve_secretkey) = keys.controller().public, _pair(keys.robot("R2"))
        sub.setsockopt(zmq.SUBSCRIBE, b"state/")
        sub.connect(server.pub_endpoint)
        end = time.monotonic() + 5
        while not tel.subscriptions and time.monotonic() < end:
            server.poll(20)
        assert tel.subscriptions == {b"state/"}
        send_state()
        assert sub.poll(3000)
        key, seq, payload = sub.recv_multipart()
        assert key == b"state/R1" and int.from_bytes(seq, "big") == 3 and tel.skipped == 2
        # it leaves: its unsubscription comes back, and the sends stop
        sub.close(0)
        end = time.monotonic() + 5
        while tel.subscriptions and time.monotonic() < end:
            server.poll(20)
        assert tel.subscriptions == set()
        send_state()
        assert tel.skipped == 3 and tel.sequence == 4
        # a snapshot request turns the sends on at once (a joiner's subscription may still be on its way)
        snap = ctx.socket(zmq.DEALER)
        snap.curve_serverkey, (snap.curve_publickey, snap.curve_secretkey) = keys.controller().public, _pair(keys.robot("R2"))
        snap.connect(server.snapshot_endpoint)
        snap.send_multipart([SNAPSHOT_REQUEST, b"state/"])
        end = time.monotonic() + 5
        reply = []
        while (not reply or reply[-1][0] != SNAPSHOT_END) and time.monotonic() < end:
            server.poll(20)
            while snap.poll(10):
                reply.append(snap.recv_multipart())
        assert reply[0][0] == b"state/R1" and int.from_bytes(reply[0][1], "big") == 4  # the skipped one, kept
        assert tel.listening
        send_state()
        assert tel.skipped == 3  # sent
        time.sleep(0.35)  # grace over, still no subscriber
        send_state()
        assert tel.skipped == 4 and not tel.listening
        snap.close(0)
        c.close()


def test_insecure_mode_checks_identity_against_serial(ctx):
    with BridgeServer(keys=None) as server:
        c = RobotClient("R7", server.endpoint, context=ctx)
        c.send(Topic.STATE, Agv("R8", cell=(0, 0), map_id="m").state())
        c.send(Topic.STATE, Agv("R7", cell=(0, 0), map_id="m").state())
        got = wait_for(server, lambda g: len(g) >= 1)
        assert [i.serial for i in got] == ["R7"] and server.dropped["spoofed"] == 1
        c.close()


def test_batched_receive_keeps_each_robots_order_and_drops_nothing(keys, ctx):
    """Many states queued from two robots, drained in small batches: all arrive, each robot's in order."""
    with BridgeServer(keys=keys) as server:
        agvs = {s: Agv(s, cell=(0, 0), map_id="m") for s in ("R1", "R2")}
        clients = {s: client(ctx, server, keys, s) for s in agvs}
        for s in agvs:
            hello(clients[s], agvs[s])
        wait_for(server, lambda g: sum(i.topic == "state" for i in g) == 2)
        for _ in range(300):
            for s in agvs:
                clients[s].send(Topic.STATE, agvs[s].state())
        time.sleep(0.3)  # let the states queue up at the controller
        got = []
        end = time.monotonic() + 10
        while len(got) < 600 and time.monotonic() < end:
            batch = server.poll(50, max_messages=7)
            assert len(batch) <= 7
            got += batch
        assert len(got) == 600 and not server.dropped
        for s in agvs:
            assert [i.msg["headerId"] for i in got if i.serial == s] == list(range(1, 301))
        for c in clients.values():
            c.close()


def test_user_id_checked_on_every_frame_of_a_batch(keys, ctx):
    """An authenticated robot's frames claiming another serial are refused one by one, even queued among
    its own valid frames and the other robot's; nothing of the claimed robot's state changes."""
    with BridgeServer(keys=keys) as server:
        r1, r2 = client(ctx, server, keys, "R1"), client(ctx, server, keys, "R2")
        a1, a2 = Agv("R1", cell=(0, 0), map_id="m"), Agv("R2", cell=(5, 5), map_id="m")
        hello(r1, a1)
        hello(r2, a2)
        wait_for(server, lambda g: sum(i.topic == "state" for i in g) == 2)
        as_r2 = Agv("R2", cell=(9, 9), map_id="m")  # R1's key speaking for R2
        for _ in range(10_000):  # newer headerIds than R2's own: only the User-Id check stops them
            as_r2.headers.next(Topic.STATE)
        for _ in range(50):
            r1.send(Topic.STATE, a1.state())
            r1.send(Topic.STATE, as_r2.state())
            r2.send(Topic.STATE, a2.state())
        time.sleep(0.3)
        got = []
        end = time.monotonic() + 10
        while len(got) < 100 and time.monotonic() < end:
            got += server.poll(50)
        assert server.dropped["spoofed"] == 50
        assert sorted((i.serial, i.msg["agvPosition"]["x"]) for i in got) == [("R1", 0.0)] * 50 + [("R2", 5.0)] * 50
        assert server.peers.get("R2").last_state["agvPosition"]["x"] == 5.0
        r1.close()
        r2.close()


def test_a_displaced_connection_is_the_robot_not_a_spoofer_and_gets_no_commands(ctx):
    """libzmq renames a connection whose identity a newer one took over (ROUTER_HANDOVER) with a generated
    identity (a zero byte first), and a frame it was delivering then arrives under that name: a race
    at a robot's reconnect that tests cannot provoke at will, so the frame is handed to the server
    directly. Without CURVE it is the robot's message (not 'spoofed'); commands stay on the robot's own
    identity, not on the closing connection."""
    with BridgeServer(keys=None) as server:
        agv = Agv("R1", cell=(0, 0), map_id="m")
        c = RobotClient("R1", server.endpoint, context=ctx)
        hello(c, agv)
        wait_for(server, lambda g: any(i.topic == "state" for i in g))
        assert server.routes["R1"] == b"R1"
        displaced = b"\x00\x80\x00\x00\x07"
        got = server._inbound(displaced, [zmq.Frame(b"state"), zmq.Frame(encode(agv.state()))], time.monotonic())
        assert got is not None and got.serial == "R1" and sum(server.dropped.values()) == 0
        assert server.routes["R1"] == b"R1"
        # a displaced frame must still name its robot
        vis = {"headerId": 0, "timestamp": "2026-11-27T08:00:00.000Z"}
        assert server._inbound(displaced, [zmq.Frame(b"visualization"), zmq.Frame(encode(vis))],
                               time.monotonic()) is None
        assert server.dropped["missing_field"] == 1
        c.close()
