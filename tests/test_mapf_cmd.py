"""``robocore mapf``: the three modes write plan files that validate; bad input
exits 2 with one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from planner.lifelong import GreedyTasks, RandomTasks, RoundRobinTasks, run_lifelong
from planner.validate import validate_paths, validate_plan, validate_plan_file
from robocore.cli import main
from robocore.grid import Grid


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def movingai(shared_data):
    d = shared_data / "movingai"
    return str(d / "warehouse-10-20-10-2-1.map"), str(d / "warehouse-10-20-10-2-1-random-1.scen")


def test_one_shot_writes_a_valid_plan(movingai, tmp_path, capsys):
    m, s = movingai
    out = tmp_path / "plan.json"
    code, stdout, _ = _run(["mapf", m, s, "--agents", "30", "--out", str(out), "--json"], capsys)
    summary = json.loads(stdout)
    assert code == (0 if summary["solved"] else 1)
    plan = validate_plan_file(out)
    assert len(plan["paths"]) == 30 and plan["steps"] == summary["steps"]
    assert plan["tasks_finished"] == summary["arrived"]
    if summary["solved"]:
        assert summary["makespan"] == plan["steps"] and all(t["finished"] == plan["steps"] for t in plan["tasks"])


def test_random_tasks_lifelong_plan(movingai, tmp_path, capsys):
    m, _ = movingai
    out = tmp_path / "plan.json"
    code, stdout, err = _run(["mapf", m, "--agents", "60", "--steps", "120", "--seed", "4", "--out", str(out)], capsys)
    assert code == 0 and stdout.startswith("lifelong (random-tasks, move): 60 agents, 120 steps")
    plan = validate_plan_file(out)
    done = [t for t in plan["tasks"] if t["finished"] is not None]
    assert plan["tasks_finished"] == len(done) > 0 and plan["steps"] == 120
    assert plan["step_ms"]["p99"] >= plan["step_ms"]["median"] > 0


def test_rotate_random_tasks_plan_has_headings(movingai, tmp_path, capsys):
    m, _ = movingai
    out = tmp_path / "plan.json"
    code, stdout, _ = _run(["mapf", m, "--agents", "40", "--steps", "80", "--actions", "rotate", "--out", str(out),
                            "--json", "--step-budget-ms", "1e-6"], capsys)
    summary = json.loads(stdout)
    assert code == 0 and summary["actions"] == "rotate" and summary["steps_over_budget"] == 80
    plan = validate_plan_file(out)
    assert np.asarray(plan["headings"]).shape == (40, 81)


@pytest.mark.parametrize("problem, assign", [("lorr/EI23-warehouse_large_200.json", None),
                                             ("lorr/EI23-warehouse_large_200.json", "greedy"),
                                             ("lorr2024/warehouse_large_5000.json", None)])
def test_league_problem_plan(shared_data, tmp_path, capsys, problem, assign):
    out = tmp_path / "plan.json"
    argv = ["mapf", str(shared_data / problem), "--agents", "100", "--steps", "60", "--out", str(out), "--json"]
    if assign:
        argv += ["--assign", assign]
    code, stdout, _ = _run(argv, capsys)
    summary = json.loads(stdout)
    assert code == 0 and summary["agents"] == 100
    assert summary["assign"] == (assign or ("greedy" if "2024" in problem else "roundrobin"))
    plan = validate_plan_file(out)
    assert ("headings" in plan) == ("2024" in problem)


def test_bad_input_exits_2_with_one_line(movingai, tmp_path, capsys):
    m, s = movingai
    for argv, needle in ((["mapf", str(tmp_path / "nope.map"), "--agents", "3"], "not found"),
                         (["mapf", m], "--agents"),
                         (["mapf", m, s, "--agents", "0"], "--agents must be positive"),
                         (["mapf", m, s, "--agents", "100000"], "rows"),
                         (["mapf", m, "--agents", "10", "--endpoints"], "ENDPOINT")):
        code, _, err = _run(argv, capsys)
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, (argv, err)
    bad = tmp_path / "bad.scen"
    bad.write_text("version 1\n0\tx.map\t161\t63\t0\t0\t1\t1\t2\n")  # (0, 0) is a wall
    code, _, err = _run(["mapf", m, str(bad), "--agents", "1"], capsys)
    assert code == 2 and "line 2" in err and "blocked" in err


def _grid():
    return Grid.from_passable(np.ones((6, 7), dtype=bool))


def test_roundrobin_follows_league_order():
    src = RoundRobinTasks([(1,), (2,), (3,), (4,), (5,)], 2)
    assert src.assign(np.array([0, 1]), None) == [(0, (1,)), (1, (2,))]
    assert src.assign(np.array([1]), None) == [(1, (4,))]
    assert src.assign(np.array([1]), None) == [(1, (1,))]  # wraps: (2 * 2 + 1) % 5 = 0


def test_greedy_pool_takes_nearest_and_reveals_in_order():
    src = GreedyTasks([(0,), (41,), (6,), (35,)], pool_size=2, cols=7)
    got = src.assign(np.array([0]), np.array([40]))  # agent at (5, 5): (5, 6) is nearer than (0, 0)
    assert got == [(0, (41,))]
    assert src.pool == [(0,), (6,)]


def test_multi_errand_tasks_finish_on_the_last_errand_in_order():
    grid = _grid()
    run = run_lifelong(grid, np.array([0, 41]), RoundRobinTasks([(6, 35), (20,)], 2), steps=40)
    validate_paths(grid, np.stack([run.paths // 7, run.paths % 7], -1))
    first = run.tasks[0]
    assert first["errands"] == (6, 35) and first["finished"] is not None
    visit6 = int(np.flatnonzero(run.paths[0] == 6)[0])
    assert visit6 < first["finished"] and run.paths[0, first["finished"]] == 35
    plan = run.plan_dict(grid, map_path="x.map")
    validate_plan(plan, grid)


def test_random_tasks_lifelong_rotation_is_reproducible():
    grid = _grid()
    runs = [run_lifelong(grid, np.array([0, 5, 20, 33]), RandomTasks(np.arange(42), seed=9), steps=50,
                         actions="rotate", seed=9) for _ in range(2)]
    assert np.array_equal(runs[0].paths, runs[1].paths) and np.array_equal(runs[0].headings, runs[1].headings)
    validate_plan(runs[0].plan_dict(grid, map_path="x.map"), grid)
    assert runs[0].tasks_finished > 0
