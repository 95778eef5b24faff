import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner import UNREACHABLE, bfs_distances, distance_table
from robocore import Grid
from tests import naive


@settings(max_examples=80, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.booleans()), st.data())
def test_bfs_matches_naive_twin(mask, data):
    rows, cols = mask.shape
    goal = (data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1)))
    fast = bfs_distances(mask.ravel().astype(np.uint8), rows, cols, goal[0] * cols + goal[1]).reshape(rows, cols)
    slow = naive.bfs_distances(mask, goal)
    assert UNREACHABLE == naive.INF
    assert np.array_equal(fast, slow)


def test_distance_table_small_known_values():
    g = Grid.from_passable([[1, 1, 1], [0, 0, 1], [1, 1, 1]])
    d = distance_table(g, (2, 0)).reshape(3, 3)
    assert d[0, 0] == 6 and d[2, 2] == 2 and d[1, 0] == UNREACHABLE
