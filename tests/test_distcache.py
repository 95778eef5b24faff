"""The distance-table cache: tables equal a direct BFS, LRU eviction under the
memory bound, batch slot access."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.distance import UNREACHABLE
from planner.distcache import DistanceCache
from robocore.grid import CellKind, Grid
from tests.naive import INF, bfs_distances


@st.composite
def grids(draw, max_side=8):
    rows = draw(st.integers(1, max_side))
    cols = draw(st.integers(1, max_side))
    bits = draw(st.lists(st.booleans(), min_size=rows * cols, max_size=rows * cols))
    return Grid.from_passable(np.array(bits, dtype=bool).reshape(rows, cols))


def _expected(grid, goal, *, human=False):
    mask = grid.human_passable if human else grid.passable
    d = bfs_distances(mask, grid.coord(goal)).ravel()
    return np.where(d >= INF, UNREACHABLE, d)


@settings(max_examples=60, deadline=None)
@given(grids(), st.data())
def test_tables_equal_direct_bfs(grid, data):
    cache = DistanceCache(grid, max_mb=1)
    goals = data.draw(st.lists(st.integers(0, grid.size - 1), min_size=1, max_size=6))
    for g in goals:
        assert np.array_equal(cache.distances(g), _expected(grid, g))
    # batch access: the slot's compact row, read through cell_id, is the table
    slots = cache.slots(np.array(goals))
    for g, s in zip(goals, slots):
        exp = _expected(grid, g)
        free = cache.free_cells
        got = cache.tables[s, cache.cell_id[free]].astype(np.int64)
        got[got >= cache.unreachable] = UNREACHABLE
        assert np.array_equal(got, exp[free])


def test_flat_array_constructor_matches_grid():
    grid = Grid.from_passable(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=bool))
    a = DistanceCache(grid.passable_flat, 3, 3, max_mb=1)
    b = DistanceCache(grid, max_mb=1)
    for g in range(9):
        assert np.array_equal(a.distances(g), b.distances(g))
    with pytest.raises(ValueError):
        DistanceCache(np.ones(5), 2, 3)
    with pytest.raises(ValueError):
        DistanceCache(grid, max_mb=0)


def test_lru_eviction_under_memory_bound():
    grid = Grid.from_passable(np.ones((4, 5), dtype=bool))
    table_bytes = 20 * 2  # 20 passable cells, uint16
    cache = DistanceCache(grid, max_mb=3 * table_bytes / 2**20)
    assert cache.capacity == 3 and cache.table_bytes == table_bytes
    for g in (0, 1, 2):
        cache.distances(g)
    assert cache.stats.misses == 3 and cache.stats.evictions == 0 and len(cache) == 3
    cache.distances(0)  # 0 is now the most recently used; 1 is the least
    cache.distances(3)  # evicts 1
    assert cache.stats.evictions == 1
    assert 1 not in cache and 0 in cache and 2 in cache and 3 in cache
    assert cache.nbytes <= 3 * table_bytes
    cache.distances(1)  # evicts 2
    assert 2 not in cache and cache.stats.misses == 5 and cache.stats.hits == 1
    assert np.array_equal(cache.distances(1), _expected(grid, 1))


def test_one_request_never_evicts_its_own_tables():
    grid = Grid.from_passable(np.ones((4, 5), dtype=bool))
    cache = DistanceCache(grid, max_mb=3 * 40 / 2**20)
    slots = cache.slots(np.array([5, 6, 7, 8, 5]))
    # three fit, the fourth distinct goal overflows (-1); no eviction within a request
    assert sorted(slots[:3].tolist()) == [0, 1, 2] and slots[3] == -1 and slots[4] == slots[0]
    assert cache.stats.overflows == 1 and cache.stats.evictions == 0
    # a new request may evict the old ones
    slots = cache.slots(np.array([9, 10]))
    assert (slots >= 0).all() and cache.stats.evictions == 2


def test_human_variant_walks_human_only_cells():
    kinds = np.full((1, 5), CellKind.FREE, dtype=np.uint8)
    kinds[0, 2] = CellKind.HUMAN_ONLY
    grid = Grid(kinds)
    robot = DistanceCache(grid, max_mb=1)
    human = DistanceCache(grid, max_mb=1, human=True)
    assert robot.distances(0)[4] == UNREACHABLE
    assert human.distances(0)[4] == 4
    assert np.array_equal(human.distances(4), _expected(grid, 4, human=True))


def test_goal_outside_grid_raises():
    cache = DistanceCache(Grid.from_passable(np.ones((2, 2), dtype=bool)), max_mb=1)
    with pytest.raises(ValueError, match="outside"):
        cache.slots(np.array([4]))


def test_warehouse_large_fits_league_team_in_default_bound(shared_data):
    from maps import read_map

    grid = read_map(shared_data / "lorr2024" / "maps" / "warehouse_large.map")
    cache = DistanceCache(grid)
    assert cache.dtype == np.uint16 and cache.capacity >= 5000
    g = int(np.flatnonzero(grid.passable_flat)[123])
    assert np.array_equal(cache.distances(g), _expected(grid, g))
