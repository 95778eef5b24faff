"""The whole shift with the default parts (pick planner batching, pack desk,
lifelong planner) on the bundled small layout, the run folder, and the
``robocore run`` / ``robocore bench`` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from fleet.shift import REPORT_KEYS, ShiftSpec, run_shift
from robocore.agents import AgentKind, AgentState

SMALL = ShiftSpec(layout="small", robots=6, humans=2, hours=1.0, orders=18, seed=5, skus=60)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    res = run_shift(SMALL, out=out, check_every=1)
    yield out, res
    res.close()


def test_run_folder_files_and_report(run_dir):
    out, res = run_dir
    for name in ("ledger.sqlite", "layout.json", "report.json", "trajectory.npz", "floor.png"):
        assert (out / name).is_file(), name
    report = json.loads((out / "report.json").read_text())
    for k in REPORT_KEYS:
        assert k in report, k
    assert report == json.loads(json.dumps(res.report))
    assert (report["orders_shipped"] + report["orders_backordered"] + report["orders_cancelled"]
            + report["orders_rejected"] + report["orders_open"]) == report["orders_received"] == 18
    assert report["orders_open"] == 0
    assert report["collisions"] == 0
    assert report["robots"] == 6 and report["humans"] == 2
    assert report["parcels"] >= report["orders_shipped"] > 0
    labels = sorted((out / "labels").glob("*.zpl"))
    assert len(labels) == report["parcels"]
    assert labels[0].read_text().startswith("^XA")
    assert list((out / "labels").glob("*.png"))


def test_trajectory_file(run_dir):
    out, res = run_dir
    z = np.load(out / "trajectory.npz")
    t1 = res.report["steps"] + 1
    assert z["positions"].dtype == np.int16 and z["positions"].shape == (t1, 8, 2)
    assert z["states"].dtype == np.uint8 and z["states"].shape == (t1, 8)
    assert z["kinds"].tolist() == [AgentKind.ROBOT] * 6 + [AgentKind.HUMAN] * 2
    assert set(np.unique(z["states"])) <= {int(s) for s in AgentState}
    from maps import load_layout
    from planner.validate import validate_paths

    layout = load_layout(out / "layout.json")
    assert layout.grid == res.layout.grid
    per_agent = [layout.grid.human_passable if k == AgentKind.HUMAN else None for k in z["kinds"]]
    validate_paths(layout.grid.passable, z["positions"].transpose(1, 0, 2), agent_passable=per_agent)


def test_ledger_file_holds_the_run(run_dir):
    out, res = run_dir
    from robocore.ledger import Ledger

    with Ledger.open_existing(out / "ledger.sqlite") as led:
        led.check_invariants()
        counts = led.counts()
        assert counts.get("shipped", 0) + counts.get("delivered", 0) == res.report["orders_shipped"]
        kinds = {m.kind for m in led.outbox()}
        assert "confirmed" in kinds and "shipped" in kinds


def test_every_pick_recorded_once(run_dir):
    _, res = run_dir
    ctl = res.controller
    # every order that shipped had all of its picked lines recorded once
    picked = [tid for _, _, tid in ctl.pick_log]
    assert len(picked) == len(set(picked)) == res.report["lines_picked"]


def test_fault_drill_with_the_default_assigner():
    state = {}

    def drill(ctl):
        if "agent" in state or ctl.step_no < 20:
            return
        for a in range(ctl.n):
            job = ctl.jobs[a]
            if ctl.kinds[a] == AgentKind.ROBOT and ctl.state[a] == AgentState.TO_PICK and job and job.remaining_tasks:
                state.update(agent=a, tasks=list(job.remaining_tasks))
                ctl.link.inject_fault(a)
                return

    res = run_shift(replace(SMALL, orders=14), on_step=drill, check_every=1)
    try:
        assert "agent" in state
        pickers = {tid: ag for _, ag, tid in res.controller.pick_log}
        assert any(tid in pickers and pickers[tid] != state["agent"] for tid in state["tasks"])
        assert res.report["orders_open"] == 0
    finally:
        res.close()


def test_single_policy_runs_one_order_per_tour():
    res = run_shift(replace(SMALL, policy="single", orders=10))
    try:
        assert res.report["orders_open"] == 0 and res.report["collisions"] == 0
    finally:
        res.close()


def _cli(*args, cwd=None):
    import os
    from pathlib import Path

    repo = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "robocore", *args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.mark.parametrize("args", [
    ["run", "--robots", "-3"],
    ["run", "--hours", "0"],
    ["run", "--orders", "many"],
    ["run", "--layout", "nosuchlayout", "--out", "unused"],
    ["run", "--fault-rate", "2"],
    ["bench", "--robots", "1,x"],
    ["bench", "--layouts", ""],
])
def test_bad_flags_one_line_exit_2(args, tmp_path):
    p = _cli(*args, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert "Traceback" not in p.stderr


def test_run_command_json(tmp_path):
    out = tmp_path / "r"
    p = _cli("run", "--layout", "small", "--robots", "3", "--humans", "1", "--orders", "6", "--seed", "2",
             "--out", str(out), "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["orders_received"] == 6 and report["collisions"] == 0
    assert json.loads((out / "report.json").read_text())["steps"] == report["steps"]
    again = _cli("run", "--layout", "small", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 2 and "already" in again.stderr


def test_bench_command(tmp_path):
    out = tmp_path / "b"
    p = _cli("bench", "--layouts", "small", "--robots", "2,4", "--hours", "0.1", "--out", str(out), "--json",
             cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert [r["robots"] for r in res["runs"]] == [2, 4]
    assert (out / "bench.csv").read_text().splitlines()[0].startswith("layout,robots")
    assert (out / "bench.png").is_file()


def test_run_view_headless(tmp_path):
    """``--view`` drives the viewer every step (SDL's dummy video driver here)."""
    p = _cli("run", "--layout", "small", "--robots", "2", "--humans", "1", "--orders", "3", "--out",
             str(tmp_path / "v"), "--view", "--view-speed", "0", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["orders_received"] == 3


@pytest.mark.slow
def test_default_fleet_on_medium_for_an_hour():
    """The default fleet and order stream on ``medium`` for an hour, the line
    accounting proved every 60 steps and at the end, the ledger's invariants
    at the end, zero collisions."""
    res = run_shift(ShiftSpec(hours=1.0), check_every=60)
    try:
        r = res.report
        assert r["collisions"] == 0 and r["stranded"] == 0
        assert r["lines_per_hour"] > 300
        assert r["orders_shipped"] > 0.5 * r["orders_received"]
        res.controller.ledger.check_invariants()
    finally:
        res.close()


def test_velocity_slotting_stocks_fast_movers_nearest_the_stations():
    from fleet.shift import _slotting
    from planner.slotting import slot_costs
    from robocore import demo_catalog

    expected = {}
    for slotting in ("random", "velocity"):
        spec = replace(SMALL, slotting=slotting, orders=8)
        res = run_shift(spec)
        try:
            r = res.report
            assert r["slotting"] == slotting
            assert r["collisions"] == 0 and r["orders_open"] == 0
            layout = res.layout
            cost = dict(zip((s.id for s in layout.slots), slot_costs(layout)))
            per_sku: dict[str, list[float]] = {}
            for row in res.controller.ledger.stock():
                per_sku.setdefault(row.sku, []).append(cost[row.slot])
            # the order stream's popularity: rank k draws with weight 1 / k ** 0.8
            ranked = list(dict.fromkeys(s.id for s in _slotting(demo_catalog(spec.skus, seed=spec.seed), layout,
                                                                 seed=spec.seed)))
            w = 1.0 / np.arange(1, len(ranked) + 1) ** 0.8
            # picks draw from a SKU's nearest slot first: that slot's round trip
            expected[slotting] = sum(wk * min(per_sku[sku]) for wk, sku in zip(w, ranked)) / w.sum()
            res.controller.ledger.check_invariants()
        finally:
            res.close()
    # the expected round trip of a pick is shorter with velocity slotting
    assert expected["velocity"] < 0.85 * expected["random"]


def test_humans_only_floor_runs():
    """No robots at all: the warm-up must not route from a human's parking cell."""
    res = run_shift(replace(SMALL, robots=0, humans=2, orders=4))
    try:
        r = res.report
        assert r["robots"] == 0 and r["collisions"] == 0
        assert r["orders_shipped"] + r["orders_backordered"] + r["orders_cancelled"] + r["orders_rejected"] \
            + r["orders_open"] == r["orders_received"] == 4
        res.controller.ledger.check_invariants()
    finally:
        res.close()
