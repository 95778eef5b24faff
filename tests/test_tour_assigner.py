"""The batching tour assigner (``fleet.assign.TourAssigner``): who gets which
batch, and how a batch is routed from where its agent stands."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.assign import EXACT_STOPS, TourAssigner
from fleet.controller import AgentInfo
from fleet.tours import FloorTask
from planner.distmatrix import GridDistances
from planner.pickplan import PickContext
from planner.picktypes import PickAgent, PickOrder
from robocore.agents import AgentKind
from tests.fleet_helpers import tiny_layout

LAYOUT = tiny_layout()
G = LAYOUT.grid
STATIONS = [s.cell for s in LAYOUT.stations]
ACCESS = sorted({s.access for s in LAYOUT.slots if G.is_passable(s.access)})
FLOOR = [(r, c) for r in range(G.rows) for c in range(G.cols) if G.is_passable((r, c))]


def _graph():
    """The robots' floor as a networkx graph: the slow, independent distance."""
    gr = nx.grid_2d_graph(G.rows, G.cols)
    gr.remove_nodes_from([n for n in list(gr) if not G.is_passable(n)])
    return gr


GRAPH = _graph()
DIST = dict(nx.all_pairs_shortest_path_length(GRAPH))


def _fake_controller():
    """The parts of a controller the assigner reads."""
    from planner.distance import bfs_distances

    ok = G.passable.ravel()
    hok = G.human_passable.ravel()
    cells = np.array([G.index(s) for s in STATIONS], dtype=np.int64)
    sku = SimpleNamespace(dims_mm=(100, 100, 100))
    return SimpleNamespace(
        grid=G,
        station_cells=cells,
        station_dist=np.stack([bfs_distances(ok, G.rows, G.cols, int(c)) for c in cells]),
        station_dist_h=np.stack([bfs_distances(hok, G.rows, G.cols, int(c)) for c in cells]),
        is_human=np.zeros(8, dtype=bool),
        ledger=SimpleNamespace(sku=lambda _sku: sku),
    )


def _brute_open_tour(start, picks):
    """Shortest start -> every pick -> nearest station, over all orders of the picks."""
    best = None
    for perm in itertools.permutations(picks):
        walk = [start, *perm]
        d = sum(DIST[a][b] for a, b in zip(walk, walk[1:]))
        d += min(DIST[walk[-1]][s] for s in STATIONS)
        best = d if best is None else min(best, d)
    return best


@settings(max_examples=40, deadline=None)
@given(start=st.sampled_from(FLOOR),
       picks=st.lists(st.sampled_from(ACCESS), min_size=1, max_size=6, unique=True))
def test_route_from_is_the_shortest_open_tour(start, picks):
    ta = TourAssigner(LAYOUT)
    ta._caches = {"robot": GridDistances(G), "human": GridDistances(G, human=True)}
    ctl = _fake_controller()
    order = PickOrder(id="o1", picks=tuple(picks))
    agent = PickAgent(id="0", kind="robot", position=start)
    ctx = PickContext(G, [order], [agent], depot=STATIONS[0], cache=ta._caches)
    nodes = sorted(ctx.node_of[p] for p in set(picks) if ctx.node_of[p] > 1)
    route, length = ta._route_from(ctl, ctx, nodes, agent)
    # starts where the agent stands, visits every pick cell, ends at a station
    assert route[0] == start
    assert route[-1] in STATIONS
    assert set(route[1:-1]) == {ctx.cells[n] for n in nodes}
    # its length is the walk's length, the walk ends at the station nearest its
    # last pick, and no order of the picks is shorter
    assert length == sum(DIST[a][b] for a, b in zip(route, route[1:]))
    last = route[-2] if len(route) > 2 else start
    assert DIST[last][route[-1]] == min(DIST[last][s] for s in STATIONS)
    rest = [ctx.cells[n] for n in nodes]
    assert length == _brute_open_tour(start, rest)


def test_exact_stops_bound_is_cheap_enough():
    # Held-Karp's table is 2**k * k entries: keep it well under a million
    assert 2 ** EXACT_STOPS * EXACT_STOPS < 1_000_000


def test_a_batch_goes_to_the_free_robot_nearest_its_picks():
    """Two idle robots: one parked beside the far end of the racks, one at a
    pack station. A single order picked at the far end goes to the near one,
    and its route starts where that robot stands."""
    ctl = _fake_controller()
    far = [(6, 13), (4, 12)]
    tasks = [FloorTask(id=i + 1, order_id="A", line_no=i + 1, sku="S1", slot="x", cell=G.index(c), qty=1)
             for i, c in enumerate(far)]
    near_picks = (7, 13)
    at_station = (1, 3)
    agents = [AgentInfo(index=0, kind=AgentKind.ROBOT, cell=G.index(at_station), capacity_orders=4,
                        capacity_volume=100.0, speed=1.0, pick_time=5.0, zone=None),
              AgentInfo(index=1, kind=AgentKind.ROBOT, cell=G.index(near_picks), capacity_orders=4,
                        capacity_volume=100.0, speed=1.0, pick_time=5.0, zone=None)]
    jobs = TourAssigner(LAYOUT).assign(ctl, agents, {"A": tasks})
    assert [a for a, _ in jobs] == [1]
    job = jobs[0][1]
    assert [G.coord(s.cell) for s in job.stops] == [(6, 13), (4, 12)]
    # from (7, 13): 1 move to (6, 13), then around the rack end to (4, 12), then the nearest station
    expected = DIST[near_picks][(6, 13)] + DIST[(6, 13)][(4, 12)] + min(DIST[(4, 12)][s] for s in STATIONS)
    assert job.distance == expected
