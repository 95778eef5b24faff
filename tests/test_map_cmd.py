"""``robocore map info`` and ``robocore map generate``, run as a user would (subprocess)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOOD_MAP = "type octile\nheight 3\nwidth 4\nmap\n.E@S\n....\n@@..\n"


def robocore(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "robocore", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def _bad(proc, *fragments):
    """Exit code 2, exactly one stderr line, naming each fragment; nothing on stdout."""
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    return lines[0]


def _problem(tmp_path, *, agents="2\n0\n5\n", tasks="2\n1\n3\n"):
    for sub in ("maps", "agents", "tasks"):
        (tmp_path / sub).mkdir(exist_ok=True)
    (tmp_path / "maps" / "m.map").write_text(GOOD_MAP)
    (tmp_path / "agents" / "a.agents").write_text(agents)
    (tmp_path / "tasks" / "t.tasks").write_text(tasks)
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"mapFile": "maps/m.map", "agentFile": "agents/a.agents", "teamSize": 2,
                                "taskFile": "tasks/t.tasks", "numTasksReveal": 1,
                                "taskAssignmentStrategy": "roundrobin"}, indent=4))
    return path


@pytest.mark.parametrize("text, fragments", [
    ("type octile\nheigth 3\nwidth 4\nmap\n....\n", ["m.map: line 2: bad header line"]),
    ("type octile\nheight 2\nwidth 4\nmap\n....\n...\n", ["m.map: line 6: row 1 has 3 cells, header says width 4"]),
    ("type octile\nheight 2\nwidth 4\nmap\n....\n..x.\n", ["m.map: line 6: unknown map character 'x' at column 2"]),
    ("type octile\nheight 3\nwidth 4\nmap\n....\n....\n", ["m.map", "header says height 3 but there are 2 map rows"]),
    ("type octile\nheight three\nwidth 4\nmap\n....\n", ["m.map: height 'three' is not an integer"]),
])
def test_bad_map_files(tmp_path, text, fragments):
    (tmp_path / "m.map").write_text(text)
    _bad(robocore("map", "info", tmp_path / "m.map"), "robocore: ", *fragments)


def test_start_on_blocked_cell(tmp_path):
    _bad(robocore("map", "info", _problem(tmp_path, agents="2\n0\n2\n")),
         "agents/a.agents: line 3: start cell 2 is blocked")


def test_goal_on_blocked_cell(tmp_path):
    _bad(robocore("map", "info", _problem(tmp_path, tasks="2\n1\n8\n")), "tasks/t.tasks: line 3: task cell 8 is blocked")


def test_index_out_of_range(tmp_path):
    _bad(robocore("map", "info", _problem(tmp_path, agents="2\n0\n12\n")),
         "agents/a.agents: line 3: start cell 12 is out of range")
    _bad(robocore("map", "info", _problem(tmp_path, tasks="1\n1,99\n")), "tasks/t.tasks: line 2: task cell 99 is out of range")


def test_count_mismatch(tmp_path):
    _bad(robocore("map", "info", _problem(tmp_path, agents="3\n0\n5\n")),
         "agents/a.agents: line 3: header says 3 agents but the file has 2")


def test_scen_goal_on_blocked_cell(tmp_path):
    (tmp_path / "m.map").write_text(GOOD_MAP)
    (tmp_path / "s.scen").write_text("version 1\n0\tm.map\t4\t3\t0\t1\t3\t1\t3\n0\tm.map\t4\t3\t0\t1\t2\t0\t3\n")
    _bad(robocore("map", "info", tmp_path / "m.map", "--scen", tmp_path / "s.scen"),
         "s.scen: line 3: goal (x=2, y=0) is on a blocked cell")


def test_missing_files(tmp_path):
    _bad(robocore("map", "info", tmp_path / "none.map"), "none.map: file not found")
    _bad(robocore("map", "info", tmp_path / "none.json"), "none.json: file not found")
    _bad(robocore("map", "info", "mediun"), "mediun: no such file, and not a bundled layout name")
    path = _problem(tmp_path)
    (tmp_path / "tasks" / "t.tasks").unlink()
    _bad(robocore("map", "info", path), "tasks/t.tasks: tasks file not found")


def test_invalid_json(tmp_path):
    (tmp_path / "l.json").write_text('{\n  "format": "robocore-layout",\n  "version": 1,\n  "grid": [\n}\n')
    _bad(robocore("map", "info", tmp_path / "l.json"), "l.json: line 5: invalid JSON")
    (tmp_path / "p.json").write_text('{"mapFile": "m.map", "teamSize": 2,}')
    _bad(robocore("map", "info", tmp_path / "p.json"), "p.json: line 1: invalid JSON")


def test_bad_layout_json_field(tmp_path):
    ok = robocore("map", "generate", "--aisles", "1", "--aisle-length", "2", "--robots", "1", "-o", tmp_path / "g.json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads((tmp_path / "g.json").read_text())
    data["slots"][1]["access"] = [0, 0]
    (tmp_path / "g.json").write_text(json.dumps(data))
    _bad(robocore("map", "info", tmp_path / "g.json"), "g.json: slot 'B1-A1-E-1'")


def test_info_on_every_kind_of_source(tmp_path):
    (tmp_path / "m.map").write_text(GOOD_MAP)
    for source, rows, cols in ((tmp_path / "m.map", 3, 4), (_problem(tmp_path), 3, 4), ("small", 24, 46)):
        proc = robocore("map", "info", source, "--json")
        assert proc.returncode == 0, proc.stderr
        info = json.loads(proc.stdout)
        assert (info["rows"], info["cols"]) == (rows, cols)
    info = json.loads(robocore("map", "info", _problem(tmp_path), "--json").stdout)
    assert info["spawns"] == 2 and info["free_cells"] == 9 and info["kinds"]["pick"] == 1
    assert info["lorr"] == {"version": 2023, "team_size": 2, "tasks": 2, "errands": 2, "num_tasks_reveal": 1.0,
                            "assignment": "roundrobin", "map": str(tmp_path / "maps" / "m.map")}
    text = robocore("map", "info", "small")
    assert text.returncode == 0 and text.stdout.startswith("small: 24 x 46, 676 free cells, 1 component(s)")


def test_generate_writes_by_suffix_and_round_trips(tmp_path):
    proc = robocore("map", "generate", "--aisles", "4", "--aisle-length", "6", "--cross-aisles", "2", "--stations", "3",
                    "--human-zone", "--seed", "5", "-o", tmp_path / "w.json", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"wrote {tmp_path / 'w.json'}: ")
    summary = json.loads(proc.stdout)
    assert summary["slots"] == 2 * 4 * 3 * 6 and summary["stations"] == 3 and summary["components"] == 1
    assert summary["kinds"]["human_only"] > 0 and summary["name"] == "w" and summary["seed"] == 5
    info = json.loads(robocore("map", "info", tmp_path / "w.json", "--json").stdout)
    assert {k: v for k, v in info.items() if k != "source"} == \
        {k: v for k, v in summary.items() if k not in ("out", "seed")}
    again = robocore("map", "generate", "--aisles", "4", "--aisle-length", "6", "--cross-aisles", "2", "--stations",
                     "3", "--human-zone", "--seed", "5", "-o", tmp_path / "w2.json")
    assert again.stdout == ""
    assert (tmp_path / "w2.json").read_text().replace('"w2"', '"w"') == (tmp_path / "w.json").read_text()
    as_map = robocore("map", "generate", "--preset", "small", "-o", tmp_path / "s.map")
    assert as_map.returncode == 0 and "grid only" in as_map.stderr
    info = json.loads(robocore("map", "info", tmp_path / "s.map", "--json").stdout)
    assert (info["rows"], info["cols"], info["components"]) == (24, 46, 1)


def test_generate_bad_flags(tmp_path):
    _bad(robocore("map", "generate", "--aisles", "0", "-o", tmp_path / "x.json"), "--aisles: must be at least 1, got 0")
    _bad(robocore("map", "generate", "--aisles", "two", "-o", tmp_path / "x.json"), "--aisles", "invalid int value")
    _bad(robocore("map", "generate", "-o", tmp_path / "x.png"), "x.png: cannot write '.png'")
    _bad(robocore("map", "generate", "-o", tmp_path / "no" / "x.json"), "no: output folder does not exist")
    _bad(robocore("map", "generate", "--aisles", "1", "--stations", "9", "-o", tmp_path / "x.json"),
         "--stations: 9 pack stations do not fit")


def test_warehouse_large_info(shared_data):
    proc = robocore("map", "info", shared_data / "lorr2024" / "maps" / "warehouse_large.map", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert (info["rows"], info["cols"], info["free_cells"]) == (140, 500, 38586)


def test_shared_problem_and_scen_through_the_cli(shared_data):
    proc = robocore("map", "info", shared_data / "lorr2024" / "warehouse_large_5000.json", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["spawns"] == 5000 and info["lorr"]["tasks"] == 100000 and info["lorr"]["errands"] == 200000
    movingai = shared_data / "movingai"
    proc = robocore("map", "info", movingai / "warehouse-10-20-10-2-1.map", "--scen",
                    movingai / "warehouse-10-20-10-2-1-random-3.scen", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scen"]["queries"] == 1000
