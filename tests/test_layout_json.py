"""Layout JSON and the loader: round trips over random layouts, and every bad input."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import load_layout
from maps.layout_json import format_layout_json, parse_layout_json, read_layout_json, write_layout_json
from maps.loader import save_layout
from maps.lorr import LorrProblem, save_problem
from robocore import CellKind, Grid, InputError, Layout, Location, Slot, Zone

_IDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)


@st.composite
def layouts(draw, *, kinds=tuple(CellKind)):
    rows, cols = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    grid = Grid(np.array(draw(st.lists(st.sampled_from(kinds), min_size=rows * cols, max_size=rows * cols)),
                         dtype=np.uint8).reshape(rows, cols))
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    robot = [c for c in cells if grid.passable[c]]
    pairs = [(c, a) for c in cells if grid.kind(c) == CellKind.RACK for a in _adjacent(c) if grid.is_passable(a, human=True)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=6)) if pairs else []
    slot_ids = draw(st.lists(_IDS, unique=True, min_size=len(chosen), max_size=len(chosen)))
    slots = tuple(Slot(i, rack, access, draw(st.integers(1, 10_000))) for i, (rack, access) in zip(slot_ids, chosen))

    def locations():
        if not robot:
            return ()
        where = draw(st.lists(st.sampled_from(robot), max_size=4))
        ids = draw(st.lists(_IDS, unique=True, min_size=len(where), max_size=len(where)))
        return tuple(Location(i, c) for i, c in zip(ids, where))

    stations, chargers, docks = locations(), locations(), locations()
    spawns = tuple(draw(st.lists(st.sampled_from(robot), unique=True, max_size=8))) if robot else ()
    zone_ids = draw(st.lists(_IDS, unique=True, max_size=3))
    zones = tuple(Zone(i, draw(st.sampled_from(["pick", "human_only", "x y"])),
                       frozenset(draw(st.lists(st.sampled_from(cells), max_size=12)))) for i in zone_ids)
    return Layout(grid, name=draw(_IDS), slots=slots, stations=stations, chargers=chargers, docks=docks,
                  spawns=spawns, zones=zones)


def _adjacent(cell):
    r, c = cell
    return [(r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts())
def test_layout_json_round_trip(tmp_path, layout):
    path = save_layout(layout, tmp_path / "l.json")
    again = load_layout(path)
    assert again == layout
    assert format_layout_json(again) == path.read_text(encoding="utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts(kinds=(CellKind.FREE, CellKind.BLOCKED, CellKind.ENDPOINT, CellKind.PICK)))
def test_map_round_trip_through_loader(tmp_path, layout):
    bare = Layout(layout.grid, name="g")
    path = save_layout(bare, tmp_path / "g.map")
    assert load_layout(path) == bare
    assert load_layout(save_layout(load_layout(path), tmp_path / "g.map")) == bare


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts(kinds=(CellKind.FREE, CellKind.BLOCKED, CellKind.ENDPOINT, CellKind.PICK)))
def test_lorr_problem_round_trip_through_loader(tmp_path, layout):
    free = np.flatnonzero(layout.grid.passable_flat)
    if not len(free):
        return
    problem = LorrProblem(grid=layout.grid, map_path=None, starts=free[:3], tasks=[(int(free[-1]),)],
                          team_size=min(3, len(free)), num_tasks_reveal=1, assignment="greedy", version=2023)
    as_layout = load_layout(save_problem(problem, tmp_path / "p.json"))
    assert as_layout.grid == layout.grid and as_layout.name == "p"
    assert as_layout.spawns == tuple(layout.grid.coord(i) for i in free[:3])
    assert load_layout(save_layout(as_layout, tmp_path / "p-layout.json")) == as_layout


def test_written_file_is_one_item_a_line():
    grid = Grid(np.array([[1, 1, 1, 1], [1, 2, 3, 0], [1, 4, 0, 8]], dtype=np.uint8))
    layout = Layout(grid, name="tiny", slots=(Slot("s1", (1, 1), (1, 2), 5),), stations=(Location("P1", (2, 1)),),
                    spawns=((2, 3), (1, 3)), zones=(Zone("z", "pick", {(1, 2), (1, 3), (2, 2)}),))
    text = format_layout_json(layout)
    assert text.splitlines()[5:10] == ['  "grid": [', '    "@@@@",', '    "@#S.",', '    "@P.E"', "  ],"]
    assert '    {"id": "s1", "rack": [1, 1], "access": [1, 2], "capacity": 5}' in text.splitlines()
    assert '    {"id": "z", "kind": "pick", "runs": [[1, 2, 3], [2, 2, 2]]}' in text.splitlines()
    assert parse_layout_json(text) == layout


def _doc(**changes):
    grid = Grid(np.array([[1, 1, 1, 1], [1, 2, 3, 0], [1, 4, 0, 8]], dtype=np.uint8))
    layout = Layout(grid, name="tiny", slots=(Slot("s1", (1, 1), (1, 2), 5),), stations=(Location("P1", (2, 1)),),
                    spawns=((2, 3),), zones=(Zone("z", "pick", {(1, 2)}),))
    data = json.loads(format_layout_json(layout))
    data.update(changes)
    return data


def _canonical_text(data):
    """The writer's one-item-a-line shape for arbitrary (possibly invalid) data."""
    lines = ["{"]
    items = list(data.items())
    for k, (key, value) in enumerate(items):
        end = "," if k < len(items) - 1 else ""
        if isinstance(value, list) and value:
            lines.append(f'  "{key}": [')
            lines += [f"    {json.dumps(v)}" + ("," if j < len(value) - 1 else "") for j, v in enumerate(value)]
            lines.append("  ]" + end)
        else:
            lines.append(f'  "{key}": {json.dumps(value)}{end}')
    return "\n".join(lines + ["}"]) + "\n"


@pytest.mark.parametrize("changes, message", [
    ({"format": "other"}, r"l\.json: format: expected 'robocore-layout'"),
    ({"version": 2}, r"l\.json: version: unsupported version 2"),
    ({"extra": 1}, r"l\.json: unknown field 'extra'"),
    ({"grid": ["@@@@", "@#S", "@P.E"]}, r"l\.json: line 8: grid\[1\]: row has 3 cells, row 0 has 4"),
    ({"grid": ["@@@@", "@#S.", "@PxE"]}, r"l\.json: line 9: grid\[2\]: unknown character 'x' at column 2"),
    ({"grid": []}, r"l\.json: grid: expected a non-empty list"),
    ({"legend": {".": "free", "@": "wall"}}, r"l\.json: legend\['@'\]: unknown cell kind \"wall\""),
    ({"slots": [{"id": "s1", "rack": [1, 1], "access": [1, "2"], "capacity": 5}]},
     r"l\.json: line \d+: slots\[0\]\.access: expected \[row, col\]"),
    ({"slots": [{"id": "s1", "rack": [1, 1], "access": [1, 2], "capacity": 0}]},
     r"l\.json: line \d+: slots\[0\]\.capacity: expected a positive integer"),
    ({"slots": [{"id": "s1", "rack": [1, 1], "acess": [1, 2]}]}, r"slots\[0\]: unknown field 'acess'"),
    ({"slots": [{"id": "s1", "rack": [1, 2], "access": [1, 3]}]},
     r"l\.json: slot 's1': rack cell \[1, 2\] is PICK, not RACK"),
    ({"stations": [{"id": "P1", "cell": [0, 0]}]}, r"l\.json: station 'P1': cell \[0, 0\] is BLOCKED"),
    ({"docks": [{"id": "D1", "cell": [9, 0]}]}, r"l\.json: dock 'D1': cell \[9, 0\] is outside the 3 x 4 grid"),
    ({"spawns": [[2, 3], [2, 3]]}, r"l\.json: spawns: a cell is listed twice"),
    ({"spawns": [[2]]}, r"l\.json: line \d+: spawns\[0\]: expected \[row, col\]"),
    ({"zones": [{"id": "z", "kind": "pick", "runs": [[1, 3, 2]]}]}, r"zones\[0\]\.runs\[0\]: expected \[row"),
    ({"zones": "all"}, r"l\.json: zones: expected a list"),
])
def test_bad_layout_json_names_file_field_and_line(tmp_path, changes, message):
    path = tmp_path / "l.json"
    path.write_text(_canonical_text(_doc(**changes)))
    with pytest.raises(InputError, match=message):
        load_layout(path)


def test_invalid_json_names_line(tmp_path):
    path = tmp_path / "l.json"
    path.write_text('{\n  "format": "robocore-layout",\n  "version": 1\n  "grid": []\n}\n')
    with pytest.raises(InputError, match=r"l\.json: line 4: invalid JSON: Expecting ',' delimiter"):
        read_layout_json(path)
    path.write_text('{"mapFile": 3}')
    with pytest.raises(InputError, match=r"l\.json: field 'mapFile' has the wrong type"):
        load_layout(path)
    path.write_text('[1, 2]')
    with pytest.raises(InputError, match=r"l\.json: neither a robocore layout"):
        load_layout(path)


def test_loader_bad_sources(tmp_path):
    with pytest.raises(InputError, match=r"nowhere\.map: file not found"):
        load_layout(tmp_path / "nowhere.map")
    with pytest.raises(InputError, match=r"nowhere\.json: file not found"):
        load_layout(tmp_path / "nowhere.json")
    with pytest.raises(InputError, match=r"^hueg: no such file, and not a bundled layout name"):
        load_layout("hueg")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(InputError, match=r"x\.txt: unsupported file type '\.txt'"):
        load_layout(tmp_path / "x.txt")
    with pytest.raises(InputError, match=r"x\.png: cannot write '\.png'"):
        save_layout(Layout(Grid.from_passable([[1]])), tmp_path / "x.png")


def test_lorr_duplicate_starts_are_reported(tmp_path):
    grid = Grid.from_passable([[1, 1]])
    problem = LorrProblem(grid=grid, map_path=None, starts=[0, 0], tasks=[(1,)], team_size=2, num_tasks_reveal=1,
                          assignment=None, version=2023)
    path = save_problem(problem, tmp_path / "d.json")
    with pytest.raises(InputError, match=r"agents/d\.agents: agent starts as spawns: spawns: a cell is listed twice"):
        load_layout(path)


def test_write_read_layout_json_functions(tmp_path):
    layout = Layout(Grid.from_passable([[1, 0], [1, 1]]), name="two", spawns=((0, 0),))
    write_layout_json(layout, tmp_path / "two.json")
    assert read_layout_json(tmp_path / "two.json") == layout


def test_every_shared_file_loads_as_layout(shared_data):
    maps_ = sorted(shared_data.glob("**/*.map"))
    problems = sorted((shared_data / "lorr").glob("*.json")) + sorted((shared_data / "lorr2024").glob("*.json"))
    assert len(maps_) == 4 and len(problems) == 18
    for path in maps_:
        layout = load_layout(path)
        assert layout.grid.free_cells > 0 and layout.grid.component_count() == 1
    big = load_layout(shared_data / "lorr2024" / "warehouse_large_5000.json")
    assert (big.rows, big.cols, len(big.spawns), big.grid.free_cells) == (140, 500, 5000, 38586)
    small = load_layout(shared_data / "lorr" / "EI23-warehouse_small_800.json")
    assert len(small.spawns) == 800


def test_docs_example_is_a_valid_layout():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "layout-format.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    layout = parse_layout_json(example, source="layout-format.md")
    assert (layout.rows, layout.cols, len(layout.slots), len(layout.docks)) == (6, 8, 4, 2)
    assert layout.grid.component_count() == 1
    assert format_layout_json(layout) == example
