import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner import UNREACHABLE, GridDistances, distance_matrix, expand_route, route_length, shortest_path, validate_paths
from robocore import Grid
from tests import naive_pick


@settings(max_examples=60, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 9), st.integers(1, 9)), elements=st.booleans()), st.data())
def test_matrix_matches_naive_bfs(mask, data):
    rows, cols = mask.shape
    cells = data.draw(st.lists(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1)), min_size=1, max_size=6))
    fast = distance_matrix(Grid.from_passable(mask), cells)
    slow = naive_pick.distances(mask, cells)
    assert np.array_equal(fast, slow)


@settings(max_examples=60, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 9), st.integers(1, 9)), elements=st.booleans()), st.data())
def test_shortest_path_is_a_shortest_walk(mask, data):
    free = [tuple(map(int, c)) for c in np.argwhere(mask)]
    if not free:
        return
    a = data.draw(st.sampled_from(free))
    b = data.draw(st.sampled_from(free))
    g = Grid.from_passable(mask)
    d = int(distance_matrix(g, [a, b])[0, 1])
    if d >= UNREACHABLE:
        with pytest.raises(ValueError, match="cannot be reached"):
            shortest_path(g, a, b)
        return
    path = shortest_path(g, a, b)
    assert path[0] == a and path[-1] == b and len(path) == d + 1
    validate_paths(g, [path])


def test_expand_route_walks_every_cell_and_matches_length():
    g = Grid.from_passable([[1, 1, 1, 1], [1, 0, 0, 1], [1, 1, 1, 1]])
    stops = [(0, 0), (2, 3), (0, 3), (0, 0)]
    cells = expand_route(g, stops)
    assert len(cells) == route_length(g, stops) + 1 == 5 + 2 + 3 + 1
    validate_paths(g, [cells])
    assert cells[0] == (0, 0) and cells[-1] == (0, 0)


def test_cache_reuses_tables_and_rejects_cells_outside():
    g = Grid.from_passable(np.ones((5, 5), dtype=bool))
    cache = GridDistances(g, max_tables=2)
    assert cache.matrix([(0, 0), (4, 4), (0, 0)]).tolist() == [[0, 8, 0], [8, 0, 8], [0, 8, 0]]
    assert cache.path((0, 0), (0, 2)) == [(0, 0), (0, 1), (0, 2)]
    with pytest.raises(ValueError, match="outside"):
        cache.matrix([(5, 0)])
