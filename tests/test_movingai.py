import pytest

from maps import parse_scen, read_map, read_scen
from robocore import InputError


def test_shared_movingai_map_and_scen_load(shared_data):
    g = read_map(shared_data / "movingai" / "warehouse-10-20-10-2-1.map")
    assert (g.rows, g.cols) == (63, 161)
    rows = read_scen(shared_data / "movingai" / "warehouse-10-20-10-2-1-random-1.scen")
    assert rows[0].start == (57, 143) and rows[0].goal == (16, 10) and rows[0].line == 2
    assert all(g.passable[r.start] and g.passable[r.goal] for r in rows)


def test_scen_bad_row_names_line():
    with pytest.raises(InputError, match=r"<scen>: line 2: expected 9 fields"):
        parse_scen("version 1\n1\tm.map\t3\n")
