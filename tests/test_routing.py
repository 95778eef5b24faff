import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner import UNREACHABLE, distance_matrix, route_exact, route_local_search, route_ortools, route_stops
from planner.routing import path_cost
from robocore import Grid
from tests import naive_pick


def _instance(mask, data, kmax):
    free = [tuple(map(int, c)) for c in np.argwhere(mask)]
    start = data.draw(st.sampled_from(free))
    end = data.draw(st.sampled_from(free))
    stops = data.draw(st.lists(st.sampled_from(free), min_size=0, max_size=kmax))
    D = naive_pick.distances(mask, [start] + stops + [end])
    return D


@settings(max_examples=80, deadline=None)
@given(arrays(bool, st.tuples(st.integers(2, 7), st.integers(2, 7)), elements=st.booleans()), st.data())
def test_held_karp_equals_brute_force(mask, data):
    mask[0, 0] = True
    D = _instance(mask, data, 7)
    if (D >= UNREACHABLE).any():
        return
    r = route_exact(D)
    assert sorted(r.sequence) == list(range(D.shape[0] - 2))
    assert r.length == path_cost(D, r.sequence) == naive_pick.brute_force_tour(D)


@settings(max_examples=60, deadline=None)
@given(arrays(bool, st.tuples(st.integers(2, 7), st.integers(2, 7)), elements=st.booleans()), st.data())
def test_local_search_is_a_valid_tour_no_shorter_than_optimal(mask, data):
    mask[0, 0] = True
    D = _instance(mask, data, 7)
    if (D >= UNREACHABLE).any():
        return
    r = route_local_search(D)
    assert sorted(r.sequence) == list(range(D.shape[0] - 2))
    assert r.length == path_cost(D, r.sequence) >= naive_pick.brute_force_tour(D)


def test_local_search_and_ortools_on_a_bigger_tour():
    rng = np.random.default_rng(3)
    g = Grid.from_passable(np.ones((20, 20), dtype=bool))
    cells = [tuple(int(v) for v in rng.integers(0, 20, 2)) for _ in range(30)]
    D = distance_matrix(g, [(0, 0)] + cells + [(0, 0)]).astype(np.int64)
    ls = route_local_search(D)
    ot = route_ortools(D, time_limit_s=0.3)
    for r in (ls, ot):
        assert sorted(r.sequence) == list(range(30))
        assert r.length == path_cost(D, r.sequence)
    assert ot.length <= ls.length
    # a lower bound: a closed tour is at least twice the farthest stop's distance
    assert ls.length >= 2 * int(D[0].max())


def test_route_stops_picks_a_method_and_rejects_unknown_ones():
    D = np.array([[0, 2, 5, 0], [2, 0, 3, 2], [5, 3, 0, 5], [0, 2, 5, 0]])
    assert route_stops(D).length == 10
    assert route_stops(D, method="ortools").length == 10
    with pytest.raises(ValueError, match="unknown routing method"):
        route_stops(D, method="magic")
    with pytest.raises(ValueError, match="at most"):
        route_exact(np.zeros((20, 20), dtype=np.int64))
