import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import AisleBlock, distance_matrix, route_combined, route_largest_gap, route_optimal, route_s_shape
from planner.routing import path_cost
from robocore import Grid
from tests import naive_pick


@st.composite
def blocks(draw, *, horizontal=False):
    n = draw(st.integers(1, 5))
    gaps = draw(st.lists(st.integers(2, 4), min_size=n - 1, max_size=n - 1))
    first = draw(st.integers(1, 2))
    pos = [first]
    for g in gaps:
        pos.append(pos[-1] + g)
    L = draw(st.integers(2, 7))
    front_is_top = draw(st.booleans())
    front, back = (0, L) if front_is_top else (L, 0)
    return AisleBlock(tuple(pos), front=front, back=back,
                      orientation="horizontal" if horizontal else "vertical")


def _cells_of(block, grid):
    return [tuple(map(int, c)) for c in np.argwhere(grid.passable) if block.contains(tuple(map(int, c)))]


@settings(max_examples=150, deadline=None)
@given(blocks(), st.data())
def test_ratliff_rosenthal_equals_brute_force(block, data):
    grid = block.to_grid(margin=data.draw(st.integers(0, 2)))
    block.check(grid)
    cells = _cells_of(block, grid)
    L = block.length
    depot = data.draw(st.sampled_from([c for c in cells if abs(c[0] - block.front) in (0, L)]))
    stops = data.draw(st.lists(st.sampled_from(cells), min_size=0, max_size=7))
    D = naive_pick.distances(grid.passable, [depot] + stops + [depot])
    r = route_optimal(block, depot, stops)
    assert sorted(r.sequence) == list(range(len(stops)))
    assert r.length == path_cost(D, r.sequence) == naive_pick.brute_force_tour(D)


@settings(max_examples=40, deadline=None)
@given(blocks(horizontal=True), st.data())
def test_horizontal_blocks_and_model_distances_match_the_grid(block, data):
    grid = block.to_grid()
    block.check(grid)
    cells = _cells_of(block, grid)
    pts = data.draw(st.lists(st.sampled_from(cells), min_size=2, max_size=6))
    D = distance_matrix(grid, pts)
    for i, a in enumerate(pts):
        for j, b in enumerate(pts):
            assert block.distance(a, b) == D[i, j]
    cross = [c for c in cells if abs(c[1] - block.front) in (0, block.length)]  # horizontal: columns are depth
    depot = data.draw(st.sampled_from(cross))
    D2 = naive_pick.distances(grid.passable, [depot] + pts + [depot])
    assert route_optimal(block, depot, pts).length == naive_pick.brute_force_tour(D2)


@settings(max_examples=80, deadline=None)
@given(blocks(), st.data())
def test_heuristics_visit_everything_and_are_never_better_than_optimal(block, data):
    grid = block.to_grid(margin=1)
    L = block.length
    inner = [block.cell(x, d) for x in block.aisle_positions for d in range(1, L)]
    depot = block.cell(data.draw(st.integers(0, grid.cols - 1 if block.orientation == "vertical" else grid.rows - 1)), 0)
    stops = data.draw(st.lists(st.sampled_from(inner), min_size=1, max_size=7))
    D = naive_pick.distances(grid.passable, [depot] + stops + [depot])
    best = route_optimal(block, depot, stops).length
    for h in (route_s_shape, route_largest_gap, route_combined):
        r = h(block, depot, stops)
        assert sorted(r.sequence) == list(range(len(stops)))
        # the policy walks its own way: never shorter than shortest paths between its stops
        assert best <= path_cost(D, r.sequence) <= r.length


def test_known_values_on_a_two_aisle_block():
    b = AisleBlock((1, 4), front=6, back=0)
    g = b.to_grid()
    depot = (6, 1)
    stops = [(1, 1), (5, 4)]  # deep in aisle 1, shallow in aisle 4
    assert route_optimal(b, depot, stops).length == 10 + 2 + 2 * 3  # up aisle 1 and back, over, into aisle 4 and back
    assert route_s_shape(b, depot, stops).length == 6 + 3 + 6 + 3  # traverse both aisles
    assert route_largest_gap(b, depot, stops).length == 18
    assert route_combined(b, depot, stops).length == 18
    assert distance_matrix(g, [depot, (0, 4)])[0, 1] == 9


def test_check_rejects_grids_that_are_not_the_block():
    b = AisleBlock((1, 4), front=6, back=0)
    kinds = np.array(b.to_grid().kinds)
    kinds[3, 2] = 0  # a hole through the rack between the aisles
    with pytest.raises(ValueError, match="between aisles"):
        b.check(Grid(kinds))
    with pytest.raises(ValueError, match="not on an aisle"):
        route_optimal(b, (6, 1), [(3, 2)])
    with pytest.raises(ValueError, match="strictly increasing"):
        AisleBlock((4, 1), front=0, back=5)
    with pytest.raises(ValueError, match="front cross-aisle"):
        route_s_shape(b, (0, 1), [(3, 1)])


@settings(max_examples=30, deadline=None)
@given(blocks(), st.booleans())
def test_detect_finds_generated_blocks_and_rejects_open_floor(block, horizontal):
    b = AisleBlock(block.aisle_positions, front=block.front, back=block.back,
                   orientation="horizontal" if horizontal else "vertical")
    grid = b.to_grid(margin=1)
    found = AisleBlock.detect(grid)
    assert found is not None
    found.check(grid)
    if len(b.aisle_positions) >= 3:  # with one or two aisles the grid reads both ways
        assert found.aisle_positions == b.aisle_positions and found.orientation == b.orientation
        assert {found.front, found.back} == {b.front, b.back}
    assert AisleBlock.detect(Grid.from_passable(np.ones((6, 7), dtype=bool))) is None
