"""League of Robot Runners problem files: reading, writing, bad input."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps.lorr import LorrProblem, load_problem, read_agents, save_problem
from robocore import CellKind, Grid, InputError

MAP = "type octile\nheight 3\nwidth 4\nmap\n.E@S\n....\n@@.G\n"


def _write_problem(tmp_path, *, agents="2\n0\n5\n", tasks="2\n1\n3\n", extra=None, map_text=MAP):
    (tmp_path / "maps").mkdir(exist_ok=True)
    (tmp_path / "agents").mkdir(exist_ok=True)
    (tmp_path / "tasks").mkdir(exist_ok=True)
    (tmp_path / "maps" / "m.map").write_text(map_text)
    (tmp_path / "agents" / "x.agents").write_text(agents)
    (tmp_path / "tasks" / "x.tasks").write_text(tasks)
    data = {"mapFile": "maps/m.map", "agentFile": "agents/x.agents", "teamSize": 2, "taskFile": "tasks/x.tasks",
            "numTasksReveal": 1, "taskAssignmentStrategy": "roundrobin"}
    data.update(extra or {})
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return path


def test_small_problem_fields(tmp_path):
    p = load_problem(_write_problem(tmp_path))
    assert (p.rows, p.cols) == (3, 4)
    assert p.grid.kind((0, 1)) == CellKind.ENDPOINT and p.grid.kind((0, 3)) == CellKind.PICK
    assert p.grid.kind((2, 3)) == CellKind.FREE and p.grid.kind((0, 2)) == CellKind.BLOCKED
    assert p.starts.dtype == np.int64 and p.starts.tolist() == [0, 5]
    assert p.tasks == ((1,), (3,))
    assert (p.team_size, p.num_tasks_reveal, p.assignment, p.version) == (2, 1.0, "roundrobin", 2023)
    assert p.map_path == tmp_path / "maps" / "m.map"
    assert p.start_cells() == [(0, 0), (1, 1)]


def test_2024_problem_with_errand_sequences(tmp_path):
    path = _write_problem(tmp_path, agents="# version for LoRR 2024\n1\n4\n",
                          tasks="# version for LoRR 2024\n2\n1,3,11\n7\n",
                          extra={"version": "2024 LoRR", "teamSize": 1, "numTasksReveal": 1.5,
                                 "taskAssignmentStrategy": None})
    data = json.loads(path.read_text())
    del data["taskAssignmentStrategy"]
    path.write_text(json.dumps(data))
    p = load_problem(path)
    assert p.version == 2024 and p.assignment is None and p.num_tasks_reveal == 1.5
    assert p.tasks == ((1, 3, 11), (7,))
    out = save_problem(p, tmp_path / "out" / "q.json")
    assert (tmp_path / "out" / "agents" / "x.agents").read_text().splitlines()[0] == "# version for LoRR 2024"
    assert (tmp_path / "out" / "tasks" / "x.tasks").read_text().splitlines()[2] == "1,3,11"
    assert json.loads(out.read_text())["version"] == "2024 LoRR"
    assert load_problem(out) == p


@pytest.mark.parametrize("agents, tasks, message", [
    ("2\n0\n2\n", "1\n1\n", r"agents/x\.agents: line 3: start cell 2 is blocked"),
    ("2\n0\n12\n", "1\n1\n", r"agents/x\.agents: line 3: start cell 12 is out of range"),
    ("2\n0\n-1\n", "1\n1\n", r"agents/x\.agents: line 3: start cell -1 is out of range"),
    ("3\n0\n1\n", "1\n1\n", r"agents/x\.agents: line 3: header says 3 agents but the file has 2"),
    ("2\n0\nfive\n", "1\n1\n", r"agents/x\.agents: line 3: start cell 'five' is not an integer"),
    ("two\n0\n1\n", "1\n1\n", r"agents/x\.agents: line 1: count 'two' is not an integer"),
    ("2\n0\n1\n", "2\n1\n8\n", r"tasks/x\.tasks: line 3: task cell 8 is blocked"),
    ("2\n0\n1\n", "1\n1,x\n", r"tasks/x\.tasks: line 2: task '1,x' is not a comma-separated"),
    ("2\n0\n1\n", "1\n1,3\n", r"tasks/x\.tasks: task 0 has 2 errands but a 2023 problem"),
])
def test_bad_agents_and_tasks_name_file_and_line(tmp_path, agents, tasks, message):
    with pytest.raises(InputError, match=message):
        load_problem(_write_problem(tmp_path, agents=agents, tasks=tasks))


@pytest.mark.parametrize("extra, message", [
    ({"teamSize": 3}, r"p\.json: teamSize 3 is not in 1\.\.2"),
    ({"teamSize": "2"}, r"p\.json: field 'teamSize' has the wrong type"),
    ({"version": "2025 LoRR"}, r"p\.json: unknown version"),
    ({"taskAssignmentStrategy": "random"}, r"p\.json: taskAssignmentStrategy 'random'"),
    ({"mapFile": "maps/none.map"}, r"maps/none\.map: map file not found|none\.map: file not found"),
])
def test_bad_problem_json_fields(tmp_path, extra, message):
    with pytest.raises(InputError, match=message):
        load_problem(_write_problem(tmp_path, extra=extra))


def test_missing_field_and_invalid_json(tmp_path):
    path = _write_problem(tmp_path)
    data = json.loads(path.read_text())
    del data["agentFile"]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"p\.json: missing field 'agentFile'"):
        load_problem(path)
    path.write_text('{\n  "mapFile": "maps/m.map",\n  "teamSize": 2,,\n}')
    with pytest.raises(InputError, match=r"p\.json: line 3: invalid JSON"):
        load_problem(path)
    with pytest.raises(InputError, match=r"nope\.json: problem file not found"):
        load_problem(tmp_path / "nope.json")


def test_read_agents_alone(tmp_path):
    (tmp_path / "a.agents").write_text("1\n6\n")
    grid = Grid.from_passable(np.ones((2, 4), dtype=bool))
    assert read_agents(tmp_path / "a.agents", grid).tolist() == [6]


def test_problem_construction_is_checked():
    grid = Grid.from_passable(np.ones((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="team_size"):
        LorrProblem(grid=grid, map_path=None, starts=[0], tasks=((1,),), team_size=2, num_tasks_reveal=1,
                    assignment=None, version=2023)
    with pytest.raises(ValueError, match="2023 tasks have one"):
        LorrProblem(grid=grid, map_path=None, starts=[0], tasks=((1, 2),), team_size=1, num_tasks_reveal=1,
                    assignment=None, version=2023)


_LORR_KINDS = [CellKind.FREE, CellKind.BLOCKED, CellKind.ENDPOINT, CellKind.PICK]


@st.composite
def problems(draw):
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    kinds = np.array(draw(st.lists(st.sampled_from(_LORR_KINDS), min_size=rows * cols, max_size=rows * cols)),
                     dtype=np.uint8).reshape(rows, cols)
    kinds.flat[draw(st.integers(0, rows * cols - 1))] = CellKind.FREE
    grid = Grid(kinds)
    free = np.flatnonzero(grid.passable_flat).tolist()
    version = draw(st.sampled_from([2023, 2024]))
    starts = draw(st.lists(st.sampled_from(free), min_size=1, max_size=5))
    errands = (1, 1) if version == 2023 else (1, 4)
    tasks = draw(st.lists(st.lists(st.sampled_from(free), min_size=errands[0], max_size=errands[1]), max_size=6))
    return LorrProblem(grid=grid, map_path=None, starts=starts, tasks=tasks,
                       team_size=draw(st.integers(1, len(starts))),
                       num_tasks_reveal=draw(st.sampled_from([1, 1.5, 2, 0.25])),
                       assignment=None if version == 2024 else draw(st.sampled_from([None, "roundrobin", "greedy"])),
                       version=version)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=problems())
def test_save_load_round_trip(tmp_path, problem):
    out = save_problem(problem, tmp_path / "rt.json")
    again = load_problem(out)
    assert again == problem
    assert save_problem(again, tmp_path / "rt.json") == out and load_problem(out) == problem


def test_shared_problems_load_and_round_trip(shared_data, tmp_path):
    small = load_problem(shared_data / "lorr" / "EI23-warehouse_small_10.json")
    assert (small.rows, small.cols, small.team_size, len(small.tasks)) == (33, 57, 10, 20000)
    assert small.grid.count(CellKind.PICK) == 342 and small.grid.count(CellKind.ENDPOINT) == 40
    assert load_problem(save_problem(small, tmp_path / "s.json")) == small
    assert (tmp_path / "maps" / "warehouse_small.map").read_bytes() == \
        (shared_data / "lorr" / "maps" / "warehouse_small.map").read_bytes()
    p24 = load_problem(shared_data / "lorr2024" / "warehouse_large_5000.json")
    assert (p24.rows, p24.cols, p24.version, len(p24.starts), len(p24.tasks)) == (140, 500, 2024, 5000, 100000)
    assert p24.tasks[0] == (15857, 15259) and p24.num_tasks_reveal == 1.5
    assert load_problem(save_problem(p24, tmp_path / "l.json")) == p24
    assert (tmp_path / "agents" / "sortation_large_5000.agents").read_bytes() == \
        (shared_data / "lorr2024" / "agents" / "sortation_large_5000.agents").read_bytes()


def test_every_shared_problem_loads(shared_data):
    files = sorted((shared_data / "lorr").glob("*.json")) + sorted((shared_data / "lorr2024").glob("*.json"))
    assert len(files) == 18
    checked_tasks = set()
    for f in files:
        task_file = (f.parent, json.loads(f.read_text())["taskFile"])
        p = load_problem(f, with_tasks=task_file not in checked_tasks)  # each tasks file is checked once
        checked_tasks.add(task_file)
        assert p.team_size == len(p.starts)
        assert p.grid.passable_flat[p.starts].all()
    assert len(checked_tasks) == 3
