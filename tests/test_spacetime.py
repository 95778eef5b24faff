import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner import ReservationTable, SpaceTimeSearcher, astar_path, bfs_distances, spacetime_astar, validate_paths
from tests import naive_search

_MOVES = ((0, 1), (1, 0), (0, -1), (-1, 0))


def _draw_case(data, max_side=7, max_t=8):
    mask = data.draw(arrays(bool, st.tuples(st.integers(1, max_side), st.integers(1, max_side)),
                            elements=st.booleans()))
    rows, cols = mask.shape
    cell = st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1))
    vertices = set(data.draw(st.lists(st.tuples(cell, st.integers(0, max_t)), max_size=25)))
    edges = set()
    for (r, c), k, t in data.draw(st.lists(st.tuples(cell, st.integers(0, 3), st.integers(0, max_t)), max_size=15)):
        nr, nc = r + _MOVES[k][0], c + _MOVES[k][1]
        if 0 <= nr < rows and 0 <= nc < cols:
            edges.add(((r, c), (nr, nc), t))
    holds = dict(data.draw(st.lists(st.tuples(cell, st.integers(0, max_t)), max_size=2)))
    return mask, vertices, edges, holds


def _table(shape, vertices, edges, holds):
    table = ReservationTable(shape, capacity=4)  # tiny: exercise the rehashing
    for cell, t in vertices:
        table.reserve_vertex(cell, t)
    for a, b, t in edges:
        table.reserve_edge(a, b, t)
    for cell, t in holds.items():
        table.reserve_from(cell, t)
    return table


def _check_path(path, mask, start, goal, vertices, edges, holds, t0, hold_goal):
    cells = [tuple(int(v) for v in divmod(int(p), mask.shape[1])) for p in path]
    assert cells[0] == start and cells[-1] == goal
    validate_paths(mask, [cells], starts=[start])
    for i, cell in enumerate(cells):
        t = t0 + i
        assert (cell, t) not in vertices and not (cell in holds and holds[cell] <= t)
        if i:
            assert (cells[i - 1], cell, t - 1) not in edges or cells[i - 1] == cell
    if hold_goal:
        arrive = t0 + len(cells) - 1
        assert goal not in holds and all(not (c == goal and t >= arrive) for c, t in vertices)


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_spacetime_matches_bfs_twin(data):
    mask, vertices, edges, holds = _draw_case(data)
    if not mask.any():
        return
    free = [tuple(map(int, c)) for c in np.argwhere(mask)]
    start = free[data.draw(st.integers(0, len(free) - 1))]
    goal = free[data.draw(st.integers(0, len(free) - 1))]
    t0 = data.draw(st.integers(0, 3))
    max_time = data.draw(st.none() | st.integers(0, 14))
    hold_goal = data.draw(st.booleans())
    table = _table(mask.shape, vertices, edges, holds)
    expected = naive_search.spacetime_bfs(mask, start, goal, vertices=vertices, edges=edges, holds=holds,
                                          start_time=t0, max_time=max_time, hold_goal=hold_goal)
    path = spacetime_astar(mask, start, goal, table, start_time=t0, max_time=max_time, hold_goal=hold_goal)
    if expected is None:
        assert path is None
        return
    assert path is not None and len(path) - 1 == expected
    _check_path(path, mask, start, goal, vertices, edges, holds, t0, hold_goal)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_searcher_reuse_and_small_pool_growth(data):
    """One searcher, a pool of 16 states that must grow, several queries."""
    mask, vertices, edges, holds = _draw_case(data)
    if not mask.any():
        return
    table = _table(mask.shape, vertices, edges, holds)
    searcher = SpaceTimeSearcher(mask, capacity=16)
    free = [tuple(map(int, c)) for c in np.argwhere(mask)]
    for _ in range(4):
        start = free[data.draw(st.integers(0, len(free) - 1))]
        goal = free[data.draw(st.integers(0, len(free) - 1))]
        expected = naive_search.spacetime_bfs(mask, start, goal, vertices=vertices, edges=edges, holds=holds)
        path = searcher.search(start, goal, table)
        assert (None if path is None else len(path) - 1) == expected
        if path is not None:
            _check_path(path, mask, start, goal, vertices, edges, holds, 0, True)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_prioritized_planning_is_conflict_free(data):
    """Agents planned one after another against each other's reserved paths
    (held at their goals) form a plan the validator accepts."""
    mask = data.draw(arrays(bool, st.tuples(st.integers(2, 8), st.integers(2, 8)), elements=st.booleans()))
    free = [tuple(map(int, c)) for c in np.argwhere(mask)]
    if len(free) < 2:
        return
    k = data.draw(st.integers(1, min(5, len(free) // 2)))
    starts = data.draw(st.permutations(free))[:k]
    goals = data.draw(st.permutations(free))[:k]
    if len(set(goals)) < k:
        return
    table = ReservationTable(mask.shape)
    searcher = SpaceTimeSearcher(mask, capacity=64)
    cols = mask.shape[1]
    planned = []
    for s, g in zip(starts, goals):
        path = searcher.search(s, g, table)
        if path is None:
            continue  # blocked in by agents planned earlier: left out of the plan
        table.reserve_path(path)
        planned.append([divmod(int(p), cols) for p in path])
    if not planned:
        return
    horizon = max(len(p) for p in planned)
    padded = [p + [p[-1]] * (horizon - len(p)) for p in planned]
    validate_paths(mask, padded)


def test_waits_for_a_reserved_cell_and_avoids_swaps():
    corridor = np.ones((1, 4), dtype=bool)
    table = ReservationTable(corridor.shape)
    table.reserve_vertex((0, 1), 1)
    assert spacetime_astar(corridor, (0, 0), (0, 3), table).tolist() == [0, 0, 1, 2, 3]
    # another agent walks 3 -> 0 along the corridor: no way to pass it
    table = ReservationTable(corridor.shape)
    table.reserve_path([3, 2, 1, 0], hold=False)
    assert spacetime_astar(corridor, (0, 0), (0, 3), table) is None
    # with a side pocket the agent steps aside, lets it pass, then goes on
    pocket = np.array([[1, 1, 1, 1], [0, 1, 0, 0]], dtype=bool)
    table = ReservationTable(pocket.shape)
    other = [3, 2, 1, 0]
    table.reserve_path(other)  # and parks on cell 0 for good
    path = spacetime_astar(pocket, (0, 1), (0, 3), table)
    assert len(path) - 1 == 5 and 5 in path.tolist()  # e.g. 1, 1, 5, 1, 2, 3
    cells = [divmod(int(p), 4) for p in path]
    others = [divmod(p, 4) for p in other]
    validate_paths(pocket, [cells, others + [others[-1]] * (len(cells) - len(others))])


def test_edge_reservation_forbids_only_that_direction_and_time():
    table = ReservationTable((1, 2))
    table.reserve_edge((0, 0), (0, 1), 0)
    assert table.is_edge_reserved(0, 1, 0) and not table.is_edge_reserved(1, 0, 0) and not table.is_edge_reserved(0, 1, 1)
    assert spacetime_astar(np.ones((1, 2), bool), (0, 0), (0, 1), table).tolist() == [0, 0, 1]


def test_goal_must_be_holdable():
    line = np.ones((1, 3), dtype=bool)
    table = ReservationTable(line.shape)
    table.reserve_vertex((0, 2), 6)  # someone passes the goal at t = 6
    path = spacetime_astar(line, (0, 0), (0, 2), table)
    assert len(path) - 1 == 7 and path[-1] == 2
    assert len(spacetime_astar(line, (0, 0), (0, 2), table, hold_goal=False)) - 1 == 2
    assert spacetime_astar(line, (0, 0), (0, 2), table, max_time=6) is None
    table.reserve_from((0, 2), 20)  # parked there for good later: never holdable
    assert spacetime_astar(line, (0, 0), (0, 2), table) is None
    assert table.is_vertex_reserved((0, 2), 25) and not table.is_vertex_reserved((0, 2), 19)


def test_start_reserved_or_unreachable_gives_none():
    mask = np.array([[1, 0, 1]], dtype=bool)
    table = ReservationTable(mask.shape)
    assert spacetime_astar(mask, (0, 0), (0, 2), table) is None
    table.reserve_vertex((0, 0), 0)
    assert spacetime_astar(mask, (0, 0), (0, 0), table) is None


def test_bad_inputs_raise_value_error():
    mask = np.array([[1, 0, 1]], dtype=bool)
    table = ReservationTable(mask.shape)
    with pytest.raises(ValueError, match=r"start \(0, 1\) is blocked"):
        spacetime_astar(mask, (0, 1), (0, 0), table)
    with pytest.raises(ValueError, match=r"goal \(2, 0\) is outside the 1 x 3 grid"):
        spacetime_astar(mask, (0, 0), (2, 0), table)
    with pytest.raises(ValueError, match=r"not a move between 4-neighbours"):
        table.reserve_edge((0, 0), (0, 2), 1)
    with pytest.raises(ValueError, match=r"time -1"):
        table.reserve_vertex((0, 0), -1)
    with pytest.raises(ValueError, match=r"reservation table is 2 x 2"):
        spacetime_astar(mask, (0, 0), (0, 0), ReservationTable((2, 2)))


def test_matches_astar_on_shared_map_without_reservations_and_detours_around_a_parked_agent(shared_data):
    from maps import read_map

    g = read_map(shared_data / "movingai" / "warehouse-10-20-10-2-1.map")
    start, goal = (57, 143), (16, 10)
    free_path = astar_path(g, start, goal)
    dist = bfs_distances(g.passable_flat, g.rows, g.cols, g.index(goal))
    searcher = SpaceTimeSearcher(g)
    path = searcher.search(start, goal, ReservationTable(g), dist=dist)
    assert len(path) == len(free_path)
    # park an agent on the A* path's middle cell: a detour is needed
    table = ReservationTable(g)
    mid = free_path[len(free_path) // 2]
    table.reserve_from(mid, 0)
    path = searcher.search(start, goal, table, dist=dist)
    cells = [g.coord(p) for p in path]
    assert mid not in cells and len(path) >= len(free_path)
    validate_paths(g, [cells, [mid] * len(cells)])


def test_large_search_grows_the_visited_hash_and_agrees_with_the_twin():
    """Both cells next to the goal are taken until t = 59, so every (cell, t)
    with t + distance <= 61 ties or beats the answer's f = 61: thousands of
    states, so the visited hash must grow past its first 1,024 slots (a rerun)."""
    mask = np.ones((15, 15), dtype=bool)
    vertices = {(cell, t) for cell in ((13, 14), (14, 13)) for t in range(60)}
    table = _table(mask.shape, vertices, set(), {})
    searcher = SpaceTimeSearcher(mask, capacity=64)
    path = searcher.search((0, 0), (14, 14), table)
    assert searcher.expanded > 1024
    expected = naive_search.spacetime_bfs(mask, (0, 0), (14, 14), vertices=vertices, edges=set(), holds={})
    assert expected == 61 and len(path) - 1 == expected
    _check_path(path, mask, (0, 0), (14, 14), vertices, set(), {}, 0, True)


def test_time_limits():
    from planner import MAX_TIME

    table = ReservationTable((1, 2))
    with pytest.raises(ValueError, match="out of range"):
        table.reserve_vertex((0, 0), MAX_TIME)
    with pytest.raises(ValueError, match="beyond the last time step"):
        spacetime_astar(np.ones((1, 2), bool), (0, 0), (0, 1), table, start_time=MAX_TIME + 1)
    table.reserve_vertex((0, 1), MAX_TIME - 1)
    assert table.t_last == MAX_TIME - 1
    # the goal is free to hold only from MAX_TIME: beyond a horizon of 100 steps
    assert spacetime_astar(np.ones((1, 2), bool), (0, 0), (0, 1), table, max_time=100) is None
    assert spacetime_astar(np.ones((1, 2), bool), (0, 0), (0, 1), table, hold_goal=False).tolist() == [0, 1]
