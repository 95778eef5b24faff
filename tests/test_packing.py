"""Packing values and the independent checker."""

from __future__ import annotations

import pytest

from robocore.errors import InputError
from robocore.packing import (
    DEFAULT_CARTONS,
    Carton,
    Item,
    PackingError,
    PackResult,
    Parcel,
    Placement,
    orientations,
    verify_packing,
)

BOX = Carton("B", (100, 100, 100), 10.0, 1.0)


def _ok(items, placements, carton=BOX):
    parcel = Parcel(carton, tuple(placements))
    fill = sum(it.volume for it in items) / carton.volume
    return PackResult((parcel,), carton.cost, fill)


def test_catalogue_is_a_realistic_range():
    ids = [c.id for c in DEFAULT_CARTONS]
    assert len(ids) == len(set(ids)) and 7 <= len(ids) <= 11
    assert any(c.dims[2] <= 50 for c in DEFAULT_CARTONS)  # a mailer
    costs = [c.cost for c in DEFAULT_CARTONS]
    assert costs == sorted(costs)
    vols = [c.volume for c in DEFAULT_CARTONS if c.id != "MAILER"]
    assert vols == sorted(vols)


def test_parcel_weights():
    items = [Item("a", (10, 10, 10), 1.25), Item("b", (10, 10, 10), 0.5)]
    c = Carton("T", (100, 100, 100), 5.0, 1.0, tare=0.2)
    p = Parcel(c, (Placement(0, (0, 0, 0), (10, 10, 10)), Placement(1, (10, 0, 0), (10, 10, 10))))
    assert p.weight(items) == 1.75 and p.gross_weight(items) == 1.95
    with pytest.raises(InputError, match="tare"):
        Carton("T", (1, 1, 1), 1.0, 1.0, tare=-1)


def test_orientations_count_and_upright():
    assert len(orientations(Item("a", (1, 2, 3), 0))) == 6
    assert len(orientations(Item("a", (2, 2, 3), 0))) == 3
    assert orientations(Item("a", (5, 5, 5), 0)) == [(5, 5, 5)]
    assert all(o[2] == 3 for o in orientations(Item("a", (1, 2, 3), 0, upright_only=True)))


@pytest.mark.parametrize("dims", [(0, 1, 1), (1, -2, 3), (1, 2), (1.5, 2, 3), "abc"])
def test_bad_item_dims_raise_input_error(dims):
    with pytest.raises(InputError, match="item 'x'"):
        Item("x", dims, 1.0)


def test_negative_weight_raises():
    with pytest.raises(InputError, match="weight"):
        Item("x", (1, 1, 1), -1.0)


def test_sound_packing_passes_and_touching_is_allowed():
    items = [Item("a", (50, 100, 100), 1.0), Item("b", (100, 50, 50), 1.0), Item("c", (50, 100, 50), 1.0)]
    pl = [
        Placement(0, (0, 0, 0), (50, 100, 100)),
        Placement(1, (50, 0, 0), (50, 100, 50)),
        Placement(2, (50, 0, 50), (50, 100, 50)),
    ]
    res = _ok(items, pl)
    assert res.fill_rate == 1.0
    verify_packing(res, items)


def test_overlap_is_caught():
    items = [Item("a", (60, 100, 100), 1.0), Item("b", (50, 100, 100), 1.0)]
    pl = [Placement(0, (0, 0, 0), (60, 100, 100)), Placement(1, (50, 0, 0), (50, 100, 100))]
    with pytest.raises(PackingError, match="overlap"):
        verify_packing(_ok(items, pl), items)


def test_outside_the_carton_is_caught():
    items = [Item("a", (60, 100, 100), 1.0)]
    with pytest.raises(PackingError, match="sticks out"):
        verify_packing(_ok(items, [Placement(0, (41, 0, 0), (60, 100, 100))]), items)
    with pytest.raises(PackingError, match="sticks out"):
        verify_packing(_ok(items, [Placement(0, (-1, 0, 0), (60, 100, 100))]), items)


def test_illegal_rotation_is_caught():
    items = [Item("a", (60, 100, 30), 1.0, upright_only=True)]
    with pytest.raises(PackingError, match="upright-only"):
        verify_packing(_ok(items, [Placement(0, (0, 0, 0), (60, 30, 100))]), items)
    with pytest.raises(PackingError, match="legal rotation"):
        verify_packing(_ok(items, [Placement(0, (0, 0, 0), (60, 100, 40))]), items)


def test_missing_and_duplicate_items_are_caught():
    items = [Item("a", (10, 10, 10), 1.0), Item("b", (10, 10, 10), 1.0)]
    with pytest.raises(PackingError, match="'b' placed 0 times"):
        verify_packing(_ok(items[:1], [Placement(0, (0, 0, 0), (10, 10, 10))]), items)
    dup = [Placement(0, (0, 0, 0), (10, 10, 10)), Placement(0, (10, 0, 0), (10, 10, 10))]
    with pytest.raises(PackingError, match="placed 2 times"):
        verify_packing(_ok(items, dup), items)


def test_overweight_is_caught():
    items = [Item("a", (10, 10, 10), 6.0), Item("b", (10, 10, 10), 6.0)]
    pl = [Placement(0, (0, 0, 0), (10, 10, 10)), Placement(1, (10, 0, 0), (10, 10, 10))]
    with pytest.raises(PackingError, match="12.000 kg > max 10.0"):
        verify_packing(_ok(items, pl), items)


def test_wrong_cost_or_fill_is_caught():
    items = [Item("a", (10, 10, 10), 1.0)]
    parcel = Parcel(BOX, (Placement(0, (0, 0, 0), (10, 10, 10)),))
    with pytest.raises(PackingError, match="cost"):
        verify_packing(PackResult((parcel,), 0.5, 0.001), items)
    with pytest.raises(PackingError, match="fill rate"):
        verify_packing(PackResult((parcel,), 1.0, 0.5), items)
