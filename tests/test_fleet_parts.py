"""The controller's smaller parts: collision counting, the order stream,
chargers, the S-shape order, the recorder."""

from __future__ import annotations

import numpy as np
import pytest

from fleet.assign import s_shape_order
from fleet.charging import Chargers, ChargingPolicy
from fleet.orderstream import order_stream
from fleet.recorder import Recorder, count_collisions
from robocore.agents import AgentKind
from robocore.grid import CellKind, Grid
from robocore.motion import MotionParams


def _grid():
    k = np.zeros((3, 4), dtype=np.uint8)
    k[2, 3] = CellKind.HUMAN_ONLY
    return Grid(k)


def _traj(paths):
    """(N, T+1, 2) lists -> (T+1, N, 2)."""
    return np.asarray(paths).transpose(1, 0, 2)


def test_count_collisions_zero_for_a_safe_trajectory():
    g = _grid()
    pos = _traj([[(0, 0), (0, 1), (0, 2)], [(1, 0), (1, 1), (1, 2)]])
    assert count_collisions(g, pos, [AgentKind.ROBOT, AgentKind.ROBOT]) == 0


def test_count_collisions_counts_vertex_swap_and_human_only():
    g = _grid()
    R, H = AgentKind.ROBOT, AgentKind.HUMAN
    vertex = _traj([[(0, 0), (0, 1), (0, 1)], [(0, 2), (0, 1), (0, 2)]])
    assert count_collisions(g, vertex, [R, R]) >= 1
    swap = _traj([[(0, 0), (0, 1)], [(0, 1), (0, 0)]])
    assert count_collisions(g, swap, [R, H]) == 1
    on_human_only = _traj([[(1, 3), (2, 3)]])
    assert count_collisions(g, on_human_only, [R]) == 1
    assert count_collisions(g, on_human_only, [H]) == 0
    # two separate conflicts are both counted
    two = _traj([[(0, 0), (0, 1), (0, 2), (0, 2), (0, 2), (0, 2)],   # a swap at 0->1,
                 [(0, 1), (0, 0), (1, 0), (1, 1), (1, 2), (0, 2)]])  # a shared cell at step 5
    assert count_collisions(g, two, [R, R]) == 2


def test_recorder_round_trip(tmp_path):
    rec = Recorder([0, 1], cols=4, expected_steps=1)
    for t in range(40):  # grows past its first capacity
        rec.record([t % 4, 4 + t % 4], [1, 2], [3, 7])
    rec.save(tmp_path / "t.npz")
    z = np.load(tmp_path / "t.npz")
    assert z["positions"].shape == (40, 2, 2) and z["positions"].dtype == np.int16
    assert z["positions"][5].tolist() == [[0, 1], [1, 1]]
    assert z["states"].dtype == np.uint8 and z["kinds"].tolist() == [0, 1]
    assert z["goals"][0].tolist() == [3, 7]


def test_order_stream_is_seeded_and_has_bad_orders():
    skus = [f"S{i}" for i in range(30)]
    a1, c1 = order_stream(skus, hours=2, rate_per_hour=100, seed=4, bad_fraction=0.2, cancel_fraction=0.1)
    a2, c2 = order_stream(skus, hours=2, rate_per_hour=100, seed=4, bad_fraction=0.2, cancel_fraction=0.1)
    assert [(x.step, x.order) for x in a1] == [(x.step, x.order) for x in a2] and c1 == c2
    assert 140 < len(a1) < 260
    assert all(0 <= x.step < 7200 for x in a1)
    assert [x.step for x in a1] == sorted(x.step for x in a1)
    bad = [x for x in a1 if any(ln.sku not in skus or ln.qty < 1 for ln in x.order.lines)]
    assert 0.1 * len(a1) < len(bad) < 0.3 * len(a1)
    assert c1 and all(c.order_id.startswith("O-4-") for c in c1)
    exact, _ = order_stream(skus, hours=8, rate_per_hour=100, n_orders=17, backlog=5, seed=1)
    assert len(exact) == 17 and sum(x.step == 0 for x in exact) >= 5
    with pytest.raises(ValueError):
        order_stream([], hours=1, rate_per_hour=1)


def test_chargers_claim_nearest_free_and_not_occupied():
    tables = np.array([[0, 1, 2, 3], [3, 2, 1, 0]])
    ch = Chargers([0, 3], tables)
    assert ch.claim(7, 1) == 0
    assert ch.claim(8, 1) == 1  # the nearest is taken
    assert ch.claim(9, 1) is None
    ch.release(7)
    assert ch.claim(9, 2, occupied=[0]) is None  # free but someone stands on it
    assert ch.claim(9, 2) == 0
    assert ch.distance_from(2) == 1


def test_charging_policy_bounds_and_energy():
    with pytest.raises(ValueError):
        ChargingPolicy(charge_below=90, charge_until=80)
    pol = ChargingPolicy()
    p = MotionParams(drain_per_move=0.01, drain_per_pick=0.1, drain_idle=0.0)
    assert pol.tour_energy(p, moves=100, picks=3, steps=200) == pytest.approx(1.3 * 1.0 + 0.3)
    assert pol.trip_energy(p, 50) == pytest.approx(1.3 * 0.5)


def test_s_shape_order():
    cols = 10
    cells = [r * cols + c for r, c in [(5, 2), (1, 2), (3, 6), (8, 6), (2, 4), (1, 2)]]
    order = [(f // cols, f % cols) for f in s_shape_order(cells, cols)]
    assert order == [(1, 2), (5, 2), (2, 4), (3, 6), (8, 6)]
