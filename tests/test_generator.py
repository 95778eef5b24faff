"""The warehouse generator and the bundled layouts."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps import load_layout
from maps.build_bundled import BUNDLED_SEED, BUNDLED_SPECS, LAYOUTS_DIR, build
from maps.generator import WarehouseSpec, generate_warehouse
from robocore import CellKind, Layout


def _reachable(layout: Layout, start, *, human=False) -> set:
    """Plain BFS over the grid, independent of Grid.components."""
    g = layout.grid
    seen = {start}
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        for n in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)):
            if n not in seen and g.is_passable(n, human=human):
                seen.add(n)
                queue.append(n)
    return seen


specs = st.builds(
    WarehouseSpec,
    aisles=st.integers(1, 6), aisle_length=st.integers(1, 6), rack_depth=st.integers(1, 3),
    aisle_width=st.integers(1, 3), cross_aisles=st.integers(0, 3), cross_aisle_width=st.integers(1, 2),
    margins=st.integers(1, 3), stations=st.integers(0, 3), docks=st.integers(0, 3), chargers=st.integers(0, 3),
    robots=st.integers(0, 12), humans=st.integers(0, 3), human_zone=st.booleans(), human_zone_width=st.integers(1, 3),
    capacity_spread=st.sampled_from([0.0, 0.5]),
)


def _check(spec: WarehouseSpec, layout: Layout) -> None:
    g = layout.grid
    assert (layout.rows, layout.cols) == (spec.rows, spec.cols)
    assert (len(layout.stations), len(layout.docks), len(layout.chargers)) == (spec.stations, spec.docks, spec.chargers)
    assert len(layout.spawns) == spec.spawn_count == g.count(CellKind.ENDPOINT)
    assert len(layout.slots) == spec.slot_count
    # one component for robots: everything reachable from every spawn (and from a station if there are no spawns)
    robot_cells = {tuple(map(int, rc)) for rc in np.argwhere(g.passable)}
    assert g.component_count() == 1
    start = layout.spawns[0] if layout.spawns else next(iter(sorted(robot_cells)))
    assert _reachable(layout, start) == robot_cells
    for s in layout.slots:
        assert g.kind(s.rack) == CellKind.RACK and g.kind(s.access) == CellKind.PICK
        assert s.access in robot_cells
        assert s.capacity >= 1 and abs(s.capacity - spec.slot_capacity) <= spec.capacity_spread * spec.slot_capacity + 1
    for group, kind in (("stations", CellKind.STATION), ("docks", CellKind.DOCK), ("chargers", CellKind.CHARGER)):
        for loc in getattr(layout, group):
            assert g.kind(loc.cell) == kind and loc.cell in robot_cells
    assert g.count(CellKind.STATION) == spec.stations and g.count(CellKind.DOCK) == spec.docks
    assert all(loc.cell[0] == spec.rows - 1 for loc in layout.stations)  # along the south wall
    assert all(loc.cell[0] == 0 for loc in layout.docks)  # on the opposite wall
    # every parking cell touches a lane cell (FREE), so a parked robot never walls another in
    for r, c in layout.spawns:
        assert any(g.kind(n) == CellKind.FREE for n in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)))
    # zones: one pick zone per block, each walkable as one piece for a human; human-only zone connected
    picks = [z for z in layout.zones if z.kind == "pick"]
    assert len(picks) == spec.blocks
    for z in picks:
        first = min(z.cells)
        walk = {n for n in _reachable(layout, first, human=True) if n in z.cells}
        assert _zone_component(z.cells, first) == set(z.cells) and walk == set(z.cells)
    human = [z for z in layout.zones if z.kind == "human_only"]
    assert len(human) == int(spec.human_zone)
    assert g.count(CellKind.HUMAN_ONLY) == (spec.human_zone_width * (spec.rows - 2) if spec.human_zone else 0)
    assert g.component_count(human=True) == 1
    for z in human:
        assert all(g.kind(c) == CellKind.HUMAN_ONLY for c in z.cells)


def _zone_component(cells, start) -> set:
    seen, queue = {start}, deque([start])
    while queue:
        r, c = queue.popleft()
        for n in ((r, c + 1), (r + 1, c), (r, c - 1), (r - 1, c)):
            if n in cells and n not in seen:
                seen.add(n)
                queue.append(n)
    return seen


@settings(max_examples=60, deadline=None)
@given(spec=specs, seed=st.integers(0, 2**32 - 1))
def test_generated_layouts_hold_their_guarantees(spec, seed):
    _check(spec, generate_warehouse(spec, seed=seed))


def test_same_seed_same_layout_and_seed_matters():
    spec = WarehouseSpec(aisles=4, aisle_length=5, robots=10, capacity_spread=0.3)
    a, b = generate_warehouse(spec, seed=7), generate_warehouse(spec, seed=7)
    assert a == b
    c = generate_warehouse(spec, seed=8)
    assert c.grid == a.grid and set(c.spawns) == set(a.spawns)
    assert c.spawns != a.spawns and [s.capacity for s in c.slots] != [s.capacity for s in a.slots]


def test_slot_geometry_of_a_tiny_warehouse():
    spec = WarehouseSpec(aisles=1, aisle_length=2, rack_depth=2, aisle_width=3, cross_aisles=0, margins=1,
                         stations=1, docks=1, chargers=1, robots=1)
    lay = generate_warehouse(spec)
    rows = ["".join(".@#SPCDHE"[k] for k in row) for row in lay.grid.kinds]
    assert rows == ["@@@@@@@@D@@@@@",
                    "@............@",
                    "@.E..##S.S##.@",
                    "C.E..##S.S##.@",
                    "@............@",
                    "@@@@@@@@P@@@@@"]
    assert [(s.id, s.rack, s.access) for s in lay.slots] == [
        ("B1-A1-W-1", (2, 6), (2, 7)), ("B1-A1-E-1", (2, 10), (2, 9)),
        ("B1-A1-W-2", (3, 6), (3, 7)), ("B1-A1-E-2", (3, 10), (3, 9))]
    assert set(lay.spawns) == {(2, 2), (3, 2)}
    assert lay.zones[0].cells == {(1, c) for c in range(5, 12)} | {(4, c) for c in range(5, 12)} | \
        {(r, c) for r in (2, 3) for c in (7, 8, 9)}


@pytest.mark.parametrize("changes, message", [
    ({"aisles": 0}, "aisles: must be at least 1, got 0"),
    ({"margins": 0}, "margins: must be at least 1, got 0"),
    ({"robots": -1}, "robots: must be at least 0, got -1"),
    ({"aisle_length": 2.5}, "aisle_length: must be an integer"),
    ({"capacity_spread": 1.0}, r"capacity_spread: must be in \[0, 1\)"),
    ({"aisles": 1, "stations": 9}, "stations: 9 pack stations do not fit"),
    ({"chargers": 500}, "chargers: 500 chargers do not fit"),
])
def test_bad_specs_name_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        WarehouseSpec(**changes)


def test_spec_is_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        WarehouseSpec(8)  # type: ignore[misc]
    spec = WarehouseSpec()
    with pytest.raises(AttributeError):
        spec.aisles = 3  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(BUNDLED_SPECS))
def test_bundled_layout_matches_its_spec(name):
    layout = load_layout(name)
    assert layout.name == name
    _check(BUNDLED_SPECS[name], layout)
    assert layout == generate_warehouse(BUNDLED_SPECS[name], seed=BUNDLED_SEED)


@pytest.mark.parametrize("name", sorted(BUNDLED_SPECS))
def test_regenerating_bundled_layouts_is_byte_identical(name):
    assert build(name) == (LAYOUTS_DIR / f"{name}.json").read_text(encoding="utf-8")


def _aisles(layout):
    return {s.id.split("-")[1] for s in layout.slots}


def test_bundled_sizes():
    small, medium, large = (load_layout(n) for n in ("small", "medium", "large"))
    assert small.rows < 40 and small.cols < 60 and len(small.spawns) >= 60
    assert 2000 <= medium.grid.free_cells <= 5000 and len(_aisles(medium)) >= 8
    assert len([z for z in medium.zones if z.kind == "pick"]) == 3  # 2 cross-aisles -> 3 blocks
    assert len(medium.stations) == 4 and len(medium.spawns) >= 2 * (30 + 6)
    assert medium.grid.count(CellKind.HUMAN_ONLY) > 0
    assert large.rows == 140 and 490 <= large.cols <= 500 and len(large.slots) >= 20000
    assert len(large.spawns) >= 2000
    assert 30000 <= large.grid.free_cells <= 45000  # the League's warehouse_large has 38,586


def test_docstring_examples_run():
    import doctest

    import maps.generator

    result = doctest.testmod(maps.generator)
    assert result.attempted >= 2 and result.failed == 0
