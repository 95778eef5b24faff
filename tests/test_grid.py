import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from robocore import CellKind, Grid


def test_conventions_flat_index_and_coord():
    g = Grid.from_passable(np.ones((3, 5), dtype=bool))
    assert g.index((2, 3)) == 13
    assert g.coord(13) == (2, 3)
    assert g.shape == (3, 5) and g.size == 15


def test_neighbours_skip_blocked_and_edges():
    g = Grid.from_passable([[1, 0, 1], [1, 1, 1]])
    assert list(g.neighbours((1, 1))) == [(1, 2), (1, 0)]  # E, S(out), W, N(blocked)
    assert list(g.neighbours((0, 0))) == [(1, 0)]


def test_kinds_passability():
    k = np.array([[CellKind.FREE, CellKind.RACK, CellKind.HUMAN_ONLY, CellKind.STATION, CellKind.BLOCKED]])
    g = Grid(k)
    assert g.passable.tolist() == [[True, False, False, True, False]]
    assert g.human_passable.tolist() == [[True, False, True, True, False]]
    assert g.free_cells == 2
    assert g.count(CellKind.RACK) == 1


def test_grid_is_read_only_and_rejects_bad_values():
    g = Grid.from_passable([[1, 1]])
    with pytest.raises(ValueError):
        g.kinds[0, 0] = 1
    with pytest.raises(ValueError, match="unknown cell kind value 42"):
        Grid(np.array([[0, 42]]))
    with pytest.raises(ValueError, match="non-empty 2-D"):
        Grid(np.zeros((0, 3)))


def test_components_two_islands():
    g = Grid.from_passable([[1, 0, 1], [1, 0, 1], [0, 0, 1]])
    labels = g.components()
    assert g.component_count() == 2
    assert labels[0, 0] == labels[1, 0] == 0
    assert labels[0, 2] == labels[2, 2] == 1
    assert labels[0, 1] == -1


@settings(max_examples=60, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 9), st.integers(1, 9))))
def test_components_agree_with_networkx(mask):
    import networkx as nx

    g = Grid.from_passable(mask)
    graph = nx.grid_2d_graph(*mask.shape)
    graph.remove_nodes_from([tuple(map(int, rc)) for rc in np.argwhere(~mask)])
    assert g.component_count() == nx.number_connected_components(graph)
    labels = g.components()
    for comp in nx.connected_components(graph):
        assert len({int(labels[rc]) for rc in comp}) == 1
