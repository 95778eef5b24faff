import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.slotting import abc_classes, assign_by_velocity, expected_travel, reslot_plan, slot_costs
from robocore import CellKind, Grid, Layout, Location, Slot


def test_slot_costs_are_round_trips_to_the_nearest_station():
    k = np.full((3, 6), CellKind.FREE, dtype=np.uint8)
    k[0, :] = CellKind.RACK
    k[2, 0] = CellKind.STATION
    k[2, 5] = CellKind.STATION
    lay = Layout(Grid(k), slots=tuple(Slot(f"S{c}", (0, c), (1, c)) for c in range(6)),
                 stations=(Location("P1", (2, 0)), Location("P2", (2, 5))))
    assert slot_costs(lay).tolist() == [2, 4, 6, 6, 4, 2]
    assert slot_costs(lay, targets=[(2, 0)]).tolist() == [2, 4, 6, 8, 10, 12]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 50), min_size=1, max_size=6), st.data())
def test_velocity_assignment_is_optimal_against_brute_force(velocity, data):
    n_slots = data.draw(st.integers(len(velocity), 7))
    cost = data.draw(st.lists(st.integers(1, 40), min_size=n_slots, max_size=n_slots))
    got = assign_by_velocity(velocity, cost)
    assert len(set(got.tolist())) == len(velocity)
    best = min(expected_travel(velocity, list(p), cost) for p in itertools.permutations(range(n_slots), len(velocity)))
    assert expected_travel(velocity, got, cost) == pytest.approx(best)


def test_abc_classes_by_cumulative_share():
    v = [50, 30, 10, 5, 3, 2, 0]
    assert abc_classes(v).tolist() == ["A", "A", "B", "B", "C", "C", "C"]
    assert abc_classes([0, 0]).tolist() == ["C", "C"]
    with pytest.raises(ValueError):
        abc_classes([-1])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=2, max_size=8), st.data(), st.integers(0, 8))
def test_reslot_plan_keeps_one_sku_per_slot_and_never_adds_travel_in_full(velocity, data, max_moves):
    n = len(velocity)
    cost = data.draw(st.lists(st.integers(1, 30), min_size=n + 2, max_size=n + 2))
    current = np.array(data.draw(st.permutations(range(n + 2)))[:n])
    moves, now, after_full = reslot_plan(velocity, current, cost)
    assert after_full <= now + 1e-9
    assert after_full == pytest.approx(expected_travel(velocity, assign_by_velocity(velocity, cost), cost))
    moves, now, after = reslot_plan(velocity, current, cost, max_moves=max_moves)
    assert len(moves) <= max_moves
    placed = current.copy()
    for m in moves:
        assert placed[m.sku] == m.src
        placed[m.sku] = m.dst
    assert len(set(placed.tolist())) == n
    assert after == pytest.approx(expected_travel(velocity, placed, cost))


def test_stock_layout_by_velocity_puts_fast_movers_nearest_the_stations():
    from maps import load_layout
    from robocore import Ledger, Warehouse, demo_catalog, stock_layout

    layout = load_layout("small")
    cost = slot_costs(layout)
    order = [layout.slots[i].id for i in np.argsort(cost, kind="stable")]
    skus = demo_catalog(40, seed=2)  # listed fastest first
    with Ledger() as led:
        led.add_warehouse(Warehouse("WH-1", "north"))
        rows = stock_layout(led, "WH-1", layout, skus, seed=1, fill=0.5, slot_order=order)
        by_slot = {s.id: c for s, c in zip(layout.slots, cost)}
        mean_cost = {}
        for slot, sku, _ in rows:
            mean_cost.setdefault(sku, []).append(by_slot[slot])
        means = [np.mean(mean_cost[s.id]) for s in skus]
        # every SKU stocked, in blocks: each SKU's slots are all no farther than the next SKU's
        assert len(mean_cost) == 40
        assert all(max(mean_cost[a.id]) <= min(mean_cost[b.id]) for a, b in zip(skus, skus[1:]))
        assert means == sorted(means)
        assert len(rows) == round(0.5 * len(layout.slots))
        led.check_invariants()
        with pytest.raises(Exception, match="unknown slot 'nope'"):
            stock_layout(led, "WH-1", layout, skus, slot_order=["nope"])
        led.check_invariants()


def test_allocation_draws_from_the_best_ranked_slot_first():
    from robocore import Address, Ledger, Order, OrderLine, Warehouse

    sku = demo_sku = None
    from robocore import demo_catalog

    demo_sku = demo_catalog(1, seed=4)[0]
    sku = demo_sku.id
    with Ledger() as led:
        led.add_warehouse(Warehouse("WH-1", "north"))
        led.add_skus([demo_sku])
        # rank 0 = nearest; it holds less than the far slot
        led.load(locations=[("WH-1", "NEAR", 0), ("WH-1", "FAR", 5), ("WH-1", "PLAIN")])
        led.receive_many([("WH-1", "NEAR", sku, 3), ("WH-1", "FAR", sku, 50), ("WH-1", "PLAIN", sku, 80)])
        r1 = led.submit(Order("A", "c", Address(region="north"), (OrderLine(sku, 2),)), confirm=True)
        assert [(r.slot, r.qty) for r in r1.reservations] == [("NEAR", 2)]
        r2 = led.submit(Order("B", "c", Address(region="north"), (OrderLine(sku, 4),)), confirm=True)
        assert [(r.slot, r.qty) for r in r2.reservations] == [("NEAR", 1), ("FAR", 3)]
        led.check_invariants()
        with pytest.raises(Exception, match="pick rank must be an integer"):
            led.load(locations=[("WH-1", "X", "first")])
        led.check_invariants()


def _cost_of_deal(instances, slot_of, demand, cost, q):
    """Expected travel of a deal: each SKU draws from its cheapest slot
    first, so its slots sorted by cost expect q, q, ..., the rest, 0 units."""
    total = 0.0
    for sku in set(instances):
        costs = sorted(cost[slot_of[k]] for k, s in enumerate(instances) if s == sku)
        for j, c in enumerate(costs):
            total += min(q, max(0.0, demand[sku] - j * q)) * c
    return total


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("ABC"), min_size=1, max_size=6), st.data())
def test_deal_by_use_is_optimal_against_brute_force(instances, data):
    from planner.slotting import deal_by_use

    demand = {s: data.draw(st.floats(0, 200), label=f"demand {s}") for s in set(instances)}
    q = data.draw(st.floats(1, 60), label="units per slot")
    cost = sorted(data.draw(st.lists(st.integers(0, 30), min_size=len(instances), max_size=len(instances))))
    order = deal_by_use(instances, demand, units_per_slot=q)
    assert sorted(order) == list(range(len(instances)))
    # slots cheapest first go to the instances in the returned order
    got = _cost_of_deal(instances, {k: i for i, k in enumerate(order)}, demand, cost, q)
    best = min(_cost_of_deal(instances, dict(enumerate(p)), demand, cost, q)
               for p in itertools.permutations(range(len(instances))))
    assert got == pytest.approx(best, abs=1e-6)


def test_deal_by_use_sends_reserve_slots_of_fast_movers_behind_the_slow_movers():
    from planner.slotting import deal_by_use

    # FAST will use two slots' worth of 50 units over the horizon, SLOW one slot's 10 units
    instances = ["FAST"] * 4 + ["SLOW"]
    order = deal_by_use(instances, {"FAST": 100.0, "SLOW": 10.0}, units_per_slot=50)
    assert [instances[k] for k in order] == ["FAST", "FAST", "SLOW", "FAST", "FAST"]
    assert order == [0, 1, 4, 2, 3]


def test_deal_by_use_rejects_bad_input():
    from planner.slotting import deal_by_use

    with pytest.raises(ValueError, match="units_per_slot"):
        deal_by_use(["A"], {"A": 1.0}, units_per_slot=0)
    with pytest.raises(ValueError, match="no demand given for 'B'"):
        deal_by_use(["A", "B"], {"A": 1.0}, units_per_slot=10)
    with pytest.raises(ValueError, match="demand for 'A'"):
        deal_by_use(["A"], {"A": -1.0}, units_per_slot=10)
