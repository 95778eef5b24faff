import json
import subprocess
import sys

import numpy as np
import pytest

from maps import read_map, read_scen
from planner import UNREACHABLE, bfs_distances
from robocore.cli import main
from tests import naive_search


@pytest.fixture(scope="module")
def warehouse(shared_data):
    d = shared_data / "movingai"
    return d / "warehouse-10-20-10-2-1.map", d / "warehouse-10-20-10-2-1-random-1.scen"


def test_json_shape_and_lengths_agree_with_bfs(warehouse, capsys):
    map_path, scen_path = warehouse
    assert main(["path", str(map_path), str(scen_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"queries", "median_us", "p99_us"}
    grid, rows = read_map(map_path), read_scen(scen_path)
    assert len(doc["queries"]) == len(rows) == 1000
    for q, row in zip(doc["queries"], rows):
        assert set(q) == {"start", "goal", "length", "us"}
        assert q["start"] == list(row.start) and q["goal"] == list(row.goal)
        assert isinstance(q["us"], float) and q["us"] > 0
        d = bfs_distances(grid.passable_flat, grid.rows, grid.cols, grid.index(row.goal))[grid.index(row.start)]
        assert q["length"] == (None if d == UNREACHABLE else int(d))
    for q in doc["queries"][:40]:  # and against the slow twin
        assert q["length"] == naive_search.bfs_length(grid.passable, tuple(q["start"]), tuple(q["goal"]))
    us = np.array([q["us"] for q in doc["queries"]])
    assert doc["median_us"] == pytest.approx(np.median(us), abs=0.02)
    assert doc["p99_us"] == pytest.approx(np.percentile(us, 99), abs=0.05)
    assert doc["median_us"] <= doc["p99_us"]


def test_text_table(warehouse, capsys):
    map_path, scen_path = warehouse
    assert main(["path", str(map_path), str(scen_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 1000 + 1
    assert lines[1].split()[-2] == "174"  # (57, 143) -> (16, 10)
    assert lines[-1].startswith("1000 queries (0 unreachable): median")


def test_unreachable_goal_has_null_length(tmp_path, capsys):
    (tmp_path / "m.map").write_text("type octile\nheight 1\nwidth 3\nmap\n.@.\n")
    (tmp_path / "m.scen").write_text("version 1\n0\tm.map\t3\t1\t0\t0\t2\t0\t2\n0\tm.map\t3\t1\t0\t0\t0\t0\t0\n")
    assert main(["path", str(tmp_path / "m.map"), str(tmp_path / "m.scen"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [q["length"] for q in doc["queries"]] == [None, 0]


@pytest.mark.parametrize("row, message", [
    ("0\tm.map\t3\t1\t1\t0\t2\t0\t1", r"line 3: start \(row 0, col 1\) is a blocked cell"),
    ("0\tm.map\t3\t1\t0\t0\t5\t0\t5", r"line 3: goal \(row 0, col 5\) is outside the 1 x 3 map"),
    ("0\tm.map\t4\t1\t0\t0\t2\t0\t2", r"line 3: row is for a 1 x 4 map"),
])
def test_bad_row_is_one_line_exit_2(tmp_path, capsys, row, message):
    (tmp_path / "m.map").write_text("type octile\nheight 1\nwidth 3\nmap\n.@.\n")
    scen = tmp_path / "m.scen"
    scen.write_text(f"version 1\n0\tm.map\t3\t1\t0\t0\t0\t0\t0\n{row}\n")
    assert main(["path", str(tmp_path / "m.map"), str(scen), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(scen) in err
    import re

    assert re.search(message, err)


def test_bad_row_from_a_real_process_has_no_traceback(tmp_path):
    (tmp_path / "m.map").write_text("type octile\nheight 1\nwidth 3\nmap\n.@.\n")
    (tmp_path / "m.scen").write_text("version 1\n0\tm.map\t3\t1\t1\t0\t0\t0\t1\n")
    proc = subprocess.run([sys.executable, "-m", "robocore", "path", str(tmp_path / "m.map"), str(tmp_path / "m.scen")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"robocore: {tmp_path / 'm.scen'}: line 2: start (row 0, col 1) is a blocked cell"


def test_missing_scen_file(tmp_path, capsys, warehouse):
    assert main(["path", str(warehouse[0]), str(tmp_path / "nope.scen")]) == 2
    assert "nope.scen" in capsys.readouterr().err
