"""``robocore serve`` with ``robocore robot`` processes on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bridge.keys import KeyStore

REPO = str(Path(__file__).resolve().parent.parent)
ENV = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
ORDER_STATES = ("orders_shipped", "orders_backordered", "orders_cancelled", "orders_rejected", "orders_open")


def _start(args, cwd, **kw):
    return subprocess.Popen([sys.executable, "-m", "robocore", *args], cwd=cwd, env=ENV, text=True, **kw)


def _endpoint(serve, deadline_s=60.0):
    """Read serve's stderr until it prints the command endpoint."""
    end = time.monotonic() + deadline_s
    lines = []
    while time.monotonic() < end:
        line = serve.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"commands and state: (tcp://\S+)", line)
        if m:
            return m.group(1)
    raise AssertionError("serve printed no endpoint: " + "".join(lines))


def _orders_file(path: Path) -> int:
    from robocore.catalog import demo_catalog

    skus = [s.id for s in demo_catalog(400, seed=0)[:4]]
    addr = {"name": "A. Customer", "street": "1 Main St", "city": "Town", "postcode": "10001",
            "region": "region-1", "country": "DE"}
    orders = [{"id": f"F-{i}", "customer": f"C{i}", "ship_to": addr, "lines": [{"sku": skus[i], "qty": 1}]}
              for i in range(4)]
    path.write_text(json.dumps({"orders": orders}))
    return len(orders)


def _check_run(out: Path, report: dict) -> None:
    assert report["collisions"] == 0 and report["link"] == "zmq" and report["link_robots_gone"] == []
    assert sum(report[k] for k in ORDER_STATES) == report["orders_received"]
    for name in ("report.json", "trajectory.npz", "layout.json", "ledger.sqlite"):
        assert (out / name).exists(), name
    from robocore.ledger import Ledger

    with Ledger.open_existing(out / "ledger.sqlite") as led:
        led.check_invariants()
    z = np.load(out / "trajectory.npz")
    assert z["positions"].shape[0] == report["steps"] + 1


def test_serve_drives_robot_processes_over_curve(tmp_path):
    keys = KeyStore(tmp_path / "keys")
    keys.generate_controller()
    for i in range(3):
        keys.generate_robot(f"R{i:04d}")
    n_file = _orders_file(tmp_path / "orders.json")
    out = tmp_path / "run"
    serve = _start(["serve", "--robots", "3", "--humans", "1", "--keys", str(keys.dir), "--orders",
                    str(tmp_path / "orders.json"), "--rate", "60", "--hours", "0.2", "--out", str(out), "--json"],
                   tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    robots = None
    try:
        ep = _endpoint(serve)
        robots = _start(["robot", "--lockstep", "--count", "3", "--connect", ep, "--keys", str(keys.dir)],
                        tmp_path, stderr=subprocess.DEVNULL)
        stdout, stderr = serve.communicate(timeout=180)
        assert serve.returncode == 0, stderr
    finally:
        for p in (serve, robots):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
    report = json.loads(stdout)
    assert report["steps"] == 720 and report["interrupted"] is False
    assert report["orders_received"] >= n_file + 1  # the file's orders and some generated ones
    _check_run(out, report)


def test_serve_ctrl_c_ends_the_shift_and_writes_the_run_folder(tmp_path):
    n_file = _orders_file(tmp_path / "orders.json")
    out = tmp_path / "run"
    serve = _start(["serve", "--robots", "2", "--insecure", "--orders", str(tmp_path / "orders.json"),
                    "--hours", "8", "--out", str(out), "--json"],
                   tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    robots = None
    try:
        ep = _endpoint(serve)
        robots = _start(["robot", "--lockstep", "--count", "2", "--connect", ep, "--insecure"],
                        tmp_path, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end and "connected" not in serve.stderr.readline():
            pass
        time.sleep(1.0)
        serve.send_signal(signal.SIGINT)
        stdout, stderr = serve.communicate(timeout=60)
        assert serve.returncode == 0, stderr
    finally:
        for p in (serve, robots):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
    report = json.loads(stdout)
    assert report["interrupted"] is True and 0 < report["steps"] < 8 * 3600
    assert report["orders_received"] == n_file
    _check_run(out, report)


def test_serve_without_orders_is_a_one_line_error(tmp_path):
    p = subprocess.run([sys.executable, "-m", "robocore", "serve", "--robots", "2", "--insecure", "--out",
                        str(tmp_path / "r")], cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "no orders" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_view_connects_to_a_serve_driven_floor(tmp_path):
    """robocore serve --publish: a viewer joining late gets the floor the robot processes drive."""
    out = tmp_path / "run"
    serve = _start(["serve", "--robots", "2", "--insecure", "--rate", "120", "--hours", "0.2", "--out", str(out),
                    "--publish", "tcp://127.0.0.1:0", "--publish-speed", "100", "--json"],
                   tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    robots = None
    try:
        cmd_ep = pub_ep = None
        end = time.monotonic() + 60
        lines = []
        while time.monotonic() < end and not (cmd_ep and pub_ep):
            line = serve.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"commands and state: (tcp://\S+)", line)
            cmd_ep = cmd_ep or (m.group(1) if m else None)
            m = re.search(r"publishing the floor on (tcp://\S+)", line)
            pub_ep = pub_ep or (m.group(1) if m else None)
            if cmd_ep and not robots:
                robots = _start(["robot", "--lockstep", "--count", "2", "--connect", cmd_ep, "--insecure"], tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert cmd_ep and pub_ep, "".join(lines)
        snap = tmp_path / "live.png"
        view = subprocess.run([sys.executable, "-m", "robocore", "view", "--connect", pub_ep, "--snapshot", str(snap),
                               "--after", "5", "--timeout", "60"], cwd=tmp_path, env=ENV, capture_output=True,
                              text=True, timeout=120)
        assert view.returncode == 0, view.stderr
        assert snap.is_file() and snap.stat().st_size > 0
        stdout, stderr = serve.communicate(timeout=240)
        assert serve.returncode == 0, stderr
        _check_run(out, json.loads(stdout))
    finally:
        for p in (serve, robots):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _restart_after_kill(first, common, tmp_path, *, timeout_s: float) -> tuple[subprocess.Popen, str]:
    """Reap the killed controller ``first``, start a second one with ``common``
    (same ledger and port, run folder ``run2``) and wait for it; returns it and
    its stdout (the JSON report). Raises if it fails."""
    first.wait(10)
    first.stdout.close()
    first.stderr.close()
    second = _start([*common, "--out", str(tmp_path / "run2")], tmp_path, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    stdout, stderr = second.communicate(timeout=timeout_s)
    assert second.returncode == 0, stderr
    return second, stdout


def _reap(*procs) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait(10)


def test_controller_killed_mid_shift_resumes_from_the_ledger(tmp_path):
    """kill -9 the controller mid-shift, start it again on the same ledger and
    port: the robots (still running) reconnect and continue, work that was on
    tours goes back to the pool, picked units are not picked again, and the
    shift completes with every order accounted for and the ledger consistent."""
    from robocore.ledger import Ledger

    port = str(_free_port())
    db = tmp_path / "ledger.sqlite"
    common = ["serve", "--robots", "3", "--humans", "1", "--insecure", "--port", port, "--rate", "240",
              "--hours", "0.4", "--db", str(db), "--json"]
    first = _start([*common, "--out", str(tmp_path / "run1")], tmp_path, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE)
    robots = second = None
    try:
        ep = _endpoint(first)
        robots = _start(["robot", "--lockstep", "--count", "3", "--connect", ep, "--insecure"], tmp_path,
                        stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end and "connected" not in first.stderr.readline():
            pass
        picked = 0
        end = time.monotonic() + 60
        while picked < 3 and time.monotonic() < end:  # until some lines are picked
            time.sleep(0.5)
            with Ledger.open_existing(db) as led:
                picked = sum(ln.picked for o in led.orders() for ln in led.order(o.id).lines)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        with Ledger.open_existing(db) as led:
            at_kill = {o.id: o.state for o in led.orders()}
        assert picked >= 3 and {"released", "picking"} & set(at_kill.values())
        second, stdout = _restart_after_kill(first, common, tmp_path, timeout_s=240)
    finally:
        _reap(first, second, robots)
    report = json.loads(stdout)
    assert report["resumed"] is True and report["steps"] == 1440  # (a step may be late on a loaded machine)
    assert report["orders_received"] >= len(at_kill)
    assert report["collisions"] == 0 and report["link_robots_gone"] == []
    assert sum(report[k] for k in ORDER_STATES) == report["orders_received"]
    z = np.load(tmp_path / "run2" / "trajectory.npz")  # the resumed part of the shift
    assert 1 < z["positions"].shape[0] <= report["steps"] + 1
    with Ledger.open_existing(db) as led:
        led.check_invariants()
        for o in led.orders():
            rec = led.order(o.id)
            if rec.state in ("shipped", "delivered"):
                for ln in rec.lines:  # picked once, shipped once: nothing lost, nothing doubled
                    assert ln.picked == ln.shipped == ln.allocated - ln.returned, (rec.id, ln)
        assert {o.id for o in led.orders()} >= set(at_kill)
        tracking = led.tracking_numbers()  # the restarted pack desk continued the serials: none reissued
        assert len(tracking) == len(set(tracking))
        assert not led.orders("packed")  # an order the first controller died packing was shipped at the restart
        assert sum(1 for o in led.orders() if o.state in ("shipped", "delivered")) > \
            sum(1 for s in at_kill.values() if s in ("shipped", "delivered"))
