import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import parse_scen, read_map, read_scen
from maps.movingai import ScenRow, check_scen, format_map, parse_map, write_map, write_scen
from robocore import CellKind, Grid, InputError


def test_shared_movingai_map_and_scen_load(shared_data):
    g = read_map(shared_data / "movingai" / "warehouse-10-20-10-2-1.map")
    assert (g.rows, g.cols) == (63, 161)
    rows = read_scen(shared_data / "movingai" / "warehouse-10-20-10-2-1-random-1.scen")
    assert rows[0].start == (57, 143) and rows[0].goal == (16, 10) and rows[0].line == 2
    assert all(g.passable[r.start] and g.passable[r.goal] for r in rows)


def test_scen_bad_row_names_line():
    with pytest.raises(InputError, match=r"<scen>: line 2: expected 9 fields"):
        parse_scen("version 1\n1\tm.map\t3\n")


def test_map_characters_and_kinds():
    g = parse_map("type octile\nheight 2\nwidth 4\nmap\n.GES\n@TOW\n")
    assert [CellKind(k) for k in g.kinds[0]] == [CellKind.FREE, CellKind.FREE, CellKind.ENDPOINT, CellKind.PICK]
    assert (g.kinds[1] == CellKind.BLOCKED).all()
    assert format_map(g) == "type octile\nheight 2\nwidth 4\nmap\n..ES\n@@@@\n"


def test_write_map_is_lossy_for_layout_kinds(tmp_path):
    kinds = np.array([[CellKind.RACK, CellKind.STATION, CellKind.CHARGER, CellKind.DOCK, CellKind.HUMAN_ONLY]])
    write_map(Grid(kinds), tmp_path / "x.map")
    assert (tmp_path / "x.map").read_text().splitlines()[4] == "@EEE@"


@pytest.mark.parametrize("text, message", [
    ("type octile\nheight 1\nwidth 2\nmap\n.x\n", r"<map>: line 5: unknown map character 'x' at column 1"),
    ("type octile\nheight 2\nwidth 2\nmap\n..\n.\n", r"<map>: line 6: row 1 has 1 cells, header says width 2"),
    ("type octile\nheight 3\nwidth 2\nmap\n..\n..\n", r"header says height 3 but there are 2 map rows"),
    ("type octile\nheigth 3\nwidth 2\nmap\n..\n", r"<map>: line 2: bad header line"),
    ("type octile\nheight 1\nwidth 2\nmap\n.\u00e9\n", r"unknown map character '\u00e9' at column 1"),
])
def test_bad_maps_name_line(text, message):
    with pytest.raises(InputError, match=message):
        parse_map(text)


_MAP_KINDS = [CellKind.FREE, CellKind.BLOCKED, CellKind.ENDPOINT, CellKind.PICK]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_map_round_trip(tmp_path, data):
    rows, cols = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    kinds = np.array(data.draw(st.lists(st.sampled_from(_MAP_KINDS), min_size=rows * cols, max_size=rows * cols)),
                     dtype=np.uint8).reshape(rows, cols)
    grid = Grid(kinds)
    write_map(grid, tmp_path / "r.map")
    assert read_map(tmp_path / "r.map") == grid


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_scen_round_trip_and_check(tmp_path, data):
    grid = Grid.from_passable(np.ones((5, 7), dtype=bool))
    cells = st.tuples(st.integers(0, 4), st.integers(0, 6))
    rows = [ScenRow(bucket=data.draw(st.integers(0, 99)), map_name="m.map", width=7, height=5,
                    start=data.draw(cells), goal=data.draw(cells),
                    optimal=data.draw(st.floats(0, 1e4, allow_nan=False)), line=i + 2)
            for i in range(data.draw(st.integers(0, 5)))]
    write_scen(rows, tmp_path / "r.scen")
    again = read_scen(tmp_path / "r.scen")
    assert again == rows
    check_scen(again, grid, source="r.scen")


def test_check_scen_names_line():
    grid = Grid.from_passable([[1, 0, 1]])
    rows = parse_scen("version 1\n0\tm.map\t3\t1\t0\t0\t2\t0\t2.0\n0\tm.map\t3\t1\t0\t0\t1\t0\t1\n", source="s.scen")
    with pytest.raises(InputError, match=r"s\.scen: line 3: goal \(x=1, y=0\) is on a blocked cell"):
        check_scen(rows, grid, source="s.scen")
    rows = parse_scen("version 1\n0\tm.map\t3\t1\t5\t0\t2\t0\t2.0\n", source="s.scen")
    with pytest.raises(InputError, match=r"s\.scen: line 2: start \(x=5, y=0\) is outside"):
        check_scen(rows, grid, source="s.scen")


def test_shared_map_round_trips_byte_for_byte(shared_data, tmp_path):
    src = shared_data / "lorr2024" / "maps" / "warehouse_large.map"
    g = read_map(src)
    assert (g.rows, g.cols) == (140, 500)
    write_map(g, tmp_path / "w.map")
    assert (tmp_path / "w.map").read_bytes() == src.read_bytes()


def test_every_shared_scen_checks_against_its_map(shared_data):
    scens = sorted((shared_data / "movingai").glob("*.scen"))
    assert len(scens) == 5
    for scen in scens:
        rows = read_scen(scen)
        assert len(rows) == 1000
        check_scen(rows, read_map(scen.parent / rows[0].map_name), source=str(scen))
