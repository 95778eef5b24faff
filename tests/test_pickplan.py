import random

import numpy as np
import pytest

from planner import AisleBlock, PickAgent, PickOrder, expand_route, plan_tours, validate_paths
from planner.assignment import assign_greedy, makespan
from robocore import CellKind, Grid
from tests import naive_pick

BLOCK = AisleBlock(tuple(range(1, 19, 3)), front=13, back=0)
GRID = BLOCK.to_grid(margin=1)
CELLS = [(r, x) for x in BLOCK.aisle_positions for r in range(1, 13)]
DEPOT = (13, 0)


def _orders(n, seed):
    rng = random.Random(seed)
    return [PickOrder(f"O{i}", tuple(rng.sample(CELLS, rng.randint(1, 4)))) for i in range(n)]


def _check_tours(grid, tours, orders, agents, depot):
    by_id = {o.id: o for o in orders}
    agent = {a.id: a for a in agents}
    seen = sorted(o for t in tours for o in t.orders)
    assert seen == sorted(by_id)
    for t in tours:
        a = agent[t.agent]
        human = a.kind == "human"
        assert t.route[0] == depot and t.route[-1] == depot
        picks = {c for o in t.orders for c in by_id[o].picks}
        assert picks <= set(t.route)
        assert len(t.orders) <= a.capacity_orders
        if a.zone is not None:
            assert picks <= a.zone
        mask = grid.human_passable if human else grid.passable
        assert t.distance == naive_pick.route_length(mask, t.route)
        cells = expand_route(grid, t.route, human=human)
        validate_paths(mask, [cells])
        assert len(cells) == t.distance + 1


@pytest.mark.parametrize("use_block", [True, False])
def test_plan_tours_on_a_block_covers_orders_with_valid_routes(use_block):
    orders = _orders(30, 1)
    agents = [PickAgent("R1", capacity_orders=6), PickAgent("R2", capacity_orders=6, position=(13, 17)),
              PickAgent("H1", kind="human", capacity_orders=3, speed=0.7, pick_time=4.0)]
    tours = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=2, seed=0,
                       block=BLOCK if use_block else None)
    _check_tours(GRID, tours, orders, agents, DEPOT)
    # batching pays: far less walking than one tour per order
    single = plan_tours(GRID, orders, [PickAgent("R", capacity_orders=1)], depot=DEPOT, improve=False)
    assert sum(t.distance for t in tours) < 0.6 * sum(t.distance for t in single)
    # tours of one agent run back to back from when it reaches the depot
    for a in agents:
        mine = [t for t in tours if t.agent == a.id]
        for x, y in zip(mine, mine[1:]):
            assert x.finish == pytest.approx(y.start)
    r2 = [t for t in tours if t.agent == "R2"]
    if r2:
        assert r2[0].start == pytest.approx(17.0)


def test_assignment_in_plan_tours_is_not_worse_than_greedy():
    orders = _orders(40, 4)
    agents = [PickAgent("R1", capacity_orders=5), PickAgent("R2", capacity_orders=5, speed=0.5),
              PickAgent("H1", kind="human", capacity_orders=5, speed=0.8, pick_time=2.0)]
    tours = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=2, seed=0, block=BLOCK)
    _check_tours(GRID, tours, orders, agents, DEPOT)
    got = max(t.finish for t in tours)
    by_id = {o.id: o for o in orders}
    duration = []
    for t in tours:
        lines = sum(len(by_id[o].picks) for o in t.orders)
        duration.append({i: t.distance / a.speed + lines * a.pick_time for i, a in enumerate(agents)})
    greedy = assign_greedy(duration, [0.0] * 3)
    assert got <= makespan(greedy, duration, [0.0] * 3) + 1e-6


def test_humans_walk_human_only_floor_and_zones_hold():
    kinds = np.array(GRID.kinds)
    kinds[13, 5:8] = CellKind.HUMAN_ONLY  # a stretch of front cross-aisle robots may not use
    grid = Grid(kinds)
    zone = frozenset(c for c in CELLS if c[1] >= 10)
    orders = _orders(20, 9)
    agents = [PickAgent("R1", capacity_orders=4), PickAgent("H1", kind="human", capacity_orders=4, zone=zone)]
    tours = plan_tours(grid, orders, agents, depot=DEPOT, time_limit_s=1, seed=2)
    _check_tours(grid, tours, orders, agents, DEPOT)


def test_same_seed_same_tours():
    orders = _orders(25, 3)
    agents = [PickAgent("R1", capacity_orders=4), PickAgent("R2", capacity_orders=4)]
    a = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=5, seed=1)
    b = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=5, seed=1)
    assert a == b


def test_a_separate_end_cell():
    orders = _orders(10, 2)
    tours = plan_tours(GRID, orders, [PickAgent("R", capacity_orders=4)], depot=DEPOT, end=(13, 18), time_limit_s=1)
    for t in tours:
        assert t.route[0] == DEPOT and t.route[-1] == (13, 18)
        assert t.distance == naive_pick.route_length(GRID.passable, t.route)


def test_an_idle_small_cart_gets_work_when_that_finishes_sooner():
    orders = _orders(24, 8)
    solo = plan_tours(GRID, orders, [PickAgent("R1", capacity_orders=8)], depot=DEPOT, time_limit_s=1)
    agents = [PickAgent("R1", capacity_orders=8), PickAgent("H1", kind="human", capacity_orders=2, pick_time=1.0)]
    tours = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=1)
    _check_tours(GRID, tours, orders, agents, DEPOT)
    assert {t.agent for t in tours} == {"R1", "H1"}
    assert max(t.finish for t in tours) < max(t.finish for t in solo)


def test_doctests_of_the_pick_modules():
    import doctest

    import planner.aisles
    import planner.distmatrix

    for mod in (planner.aisles, planner.distmatrix):
        assert doctest.testmod(mod).failed == 0


def test_a_kept_distance_cache_gives_the_same_tours():
    from planner import GridDistances

    orders = _orders(12, 6)
    agents = [PickAgent("R1", capacity_orders=4)]
    cache = {"robot": GridDistances(GRID, max_tables=512)}
    a = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=3, distances=cache)
    assert len(cache["robot"]._tables) > 0  # tables of the pick cells were kept
    b = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=3, distances=cache)
    c = plan_tours(GRID, orders, agents, depot=DEPOT, time_limit_s=3)
    assert a == b == c


def test_a_pick_on_the_depot_is_not_an_extra_stop():
    orders = [PickOrder("A", (DEPOT, (5, 1))), PickOrder("B", ((13, 0), (3, 4)))]
    for block in (BLOCK, None):
        tours = plan_tours(GRID, orders, [PickAgent("R", capacity_orders=2)], depot=DEPOT, time_limit_s=1, block=block)
        assert len(tours) == 1
        route = tours[0].route
        assert route.count(DEPOT) == 2 and len(route) == 4
        assert tours[0].distance == naive_pick.route_length(GRID.passable, route)
