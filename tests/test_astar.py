import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner import GridSearcher, astar_length, astar_path, validate_paths
from robocore import Grid
from tests import naive_search

grids = arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.booleans())


def _free_cell(data, mask):
    free = np.argwhere(mask)
    return tuple(int(v) for v in free[data.draw(st.integers(0, len(free) - 1))])


@settings(max_examples=150, deadline=None)
@given(grids, st.data())
def test_astar_matches_bfs_twin_and_path_is_valid(mask, data):
    if not mask.any():
        return
    start, goal = _free_cell(data, mask), _free_cell(data, mask)
    expected = naive_search.bfs_length(mask, start, goal)
    assert astar_length(mask, start, goal) == expected
    path = astar_path(mask, start, goal)
    if expected is None:
        assert path is None
        return
    assert len(path) == expected + 1 and path[0] == start and path[-1] == goal
    validate_paths(mask, [path], starts=[start])
    assert all(path[i] != path[i + 1] for i in range(len(path) - 1))  # A* never waits


@settings(max_examples=40, deadline=None)
@given(grids, st.data())
def test_searcher_reuse_gives_the_same_answers_as_fresh_searches(mask, data):
    """Stamped buffers must not leak state from one query into the next."""
    if not mask.any():
        return
    searcher = GridSearcher(mask)
    for _ in range(6):
        start, goal = _free_cell(data, mask), _free_cell(data, mask)
        assert searcher.length(start, goal) == naive_search.bfs_length(mask, start, goal)
        flat = searcher.path_flat(start[0] * mask.shape[1] + start[1], goal[0] * mask.shape[1] + goal[1])
        assert (flat is None) == (searcher.length(start, goal) is None)


def test_known_path_on_shared_map_and_few_expansions(shared_data):
    from maps import read_map

    g = read_map(shared_data / "movingai" / "warehouse-10-20-10-2-1.map")
    s = GridSearcher(g)
    # open rows at the map edge: the straight run expands only the cells on it
    start, goal = (1, 1), (1, 159)
    assert g.passable[start] and g.passable[goal]
    assert s.length(start, goal) == naive_search.bfs_length(g.passable, start, goal) == 158
    assert s.expanded == 159
    path = s.path((57, 143), (16, 10))
    assert len(path) - 1 == naive_search.bfs_length(g.passable, (57, 143), (16, 10))
    validate_paths(g, [path])


def test_start_equals_goal_and_unreachable():
    mask = np.array([[1, 0, 1]], dtype=bool)
    assert astar_path(mask, (0, 0), (0, 0)) == [(0, 0)]
    assert astar_length(mask, (0, 0), (0, 2)) is None
    assert GridSearcher(mask).length_flat(0, 2) == -1
    assert GridSearcher(Grid.from_passable(mask)).path_flat(2, 2).tolist() == [2]


@pytest.mark.parametrize("start, goal, message", [
    ((0, 1), (0, 0), r"start \(0, 1\) is blocked"),
    ((0, 0), (0, 3), r"goal \(0, 3\) is outside the 1 x 3 grid"),
    ((-1, 0), (0, 0), r"start \(-1, 0\) is outside"),
])
def test_bad_cells_raise_value_error_naming_them(start, goal, message):
    with pytest.raises(ValueError, match=message):
        astar_path(np.array([[1, 0, 1]], dtype=bool), start, goal)


def test_flat_cells_are_checked():
    s = GridSearcher(np.array([[1, 0, 1]], dtype=bool))
    with pytest.raises(ValueError, match=r"goal 3 is outside"):
        s.length_flat(0, 3)
    with pytest.raises(ValueError, match=r"start \(0, 1\) is blocked"):
        s.path_flat(1, 0)
