import json
import subprocess
import sys

import pytest

from planner import AisleBlock
from robocore.cli import main
from tests import naive_pick

BLOCK = AisleBlock((1, 4, 7), front=9, back=0)
GRID = BLOCK.to_grid()


@pytest.fixture()
def map_file(tmp_path):
    rows = ["".join("." if GRID.passable[r, c] else "@" for c in range(GRID.cols)) for r in range(GRID.rows)]
    p = tmp_path / "block.map"
    p.write_text(f"type octile\nheight {GRID.rows}\nwidth {GRID.cols}\nmap\n" + "\n".join(rows) + "\n")
    return p


def _doc(**over):
    doc = {"depot": [9, 0],
           "agents": [{"id": "R1", "kind": "robot", "capacity_orders": 3, "speed": 1.0},
                      {"id": "H1", "kind": "human", "capacity_orders": 2, "speed": 0.8, "pick_time": 2}],
           "orders": [{"id": f"O{i}", "picks": [[1 + (i * 3) % 8, (1, 4, 7)[i % 3]], [1 + (i * 5) % 8, (1, 4, 7)[(i + 1) % 3]]]}
                      for i in range(9)]}
    doc.update(over)
    return doc


def _run(capsys, map_file, tmp_path, doc, *extra):
    path = tmp_path / "orders.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=1))
    code = main(["pickplan", "--map", str(map_file), "--orders", str(path), "--time-limit", "0.5", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(capsys, map_file, tmp_path):
    doc = _doc()
    code, out, err = _run(capsys, map_file, tmp_path, doc, "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) >= {"tours", "total_distance", "pick_by_order_distance", "wall_s"}
    picks = {o["id"]: {tuple(p) for p in o["picks"]} for o in doc["orders"]}
    caps = {a["id"]: a["capacity_orders"] for a in doc["agents"]}
    seen = []
    for t in res["tours"]:
        assert t["route"][0] == [9, 0] and t["route"][-1] == [9, 0]
        route = [tuple(c) for c in t["route"]]
        for o in t["orders"]:
            assert picks[o] <= set(route)
        assert len(t["orders"]) <= caps[t["agent"]]
        mask = GRID.human_passable if t["agent"] == "H1" else GRID.passable
        assert t["distance"] == naive_pick.route_length(mask, route)
        seen += t["orders"]
    assert sorted(seen) == sorted(picks)
    assert res["total_distance"] == sum(t["distance"] for t in res["tours"])
    assert res["total_distance"] < res["pick_by_order_distance"]
    assert res["wall_s"] >= 0


def test_text_output(capsys, map_file, tmp_path):
    code, out, err = _run(capsys, map_file, tmp_path, _doc())
    assert code == 0, err
    assert "9 orders in" in out and "pick by order" in out


@pytest.mark.parametrize("change, needle", [
    ({"orders": [{"id": "A", "picks": [[0, 0]]}, {"id": "B", "picks": [[1, 1], [1, 2]]}]}, "order 'B' pick 2: cell [1, 2] is BLOCKED"),
    ({"orders": [{"id": "A", "picks": [[40, 1]]}]}, "order 'A' pick 1: cell [40, 1] is outside"),
    ({"orders": [{"id": "A", "picks": [[1, 1]], "colour": "red"}]}, "order 'A': unknown key 'colour'"),
    ({"agents": []}, "agents: need at least one agent"),
    ({"agents": [{"id": "R1", "capacity_orders": 0}]}, "agent 'R1': capacity_orders must be an integer >= 1"),
    ({"agents": [{"id": "R1", "kind": "drone"}]}, "agent 'R1': kind must be one of"),
    ({"orders": [{"id": "A", "picks": [[1, "x"]]}]}, "order 'A' pick 1: expected [row, col] integers"),
    ({"extra": 1}, "unknown key 'extra'"),
    ({"depot": [1, 2]}, "depot [1, 2] is a BLOCKED cell"),
])
def test_bad_input_is_one_line_exit_2(capsys, map_file, tmp_path, change, needle):
    code, out, err = _run(capsys, map_file, tmp_path, _doc(**change), "--json")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert needle in err and "orders.json" in err


def test_bad_json_names_the_line(capsys, map_file, tmp_path):
    code, out, err = _run(capsys, map_file, tmp_path, '{"depot": [9, 0],\n "agents": [\n}')
    assert code == 2
    assert "orders.json: line 3: bad JSON" in err
    assert len(err.strip().splitlines()) == 1


def test_missing_orders_file_via_subprocess(map_file, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "robocore", "pickplan", "--map", str(map_file), "--orders",
                           str(tmp_path / "nope.json")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "nope.json" in proc.stderr
