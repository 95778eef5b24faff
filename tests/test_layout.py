import numpy as np
import pytest

from robocore import CellKind, Grid, Layout, Location, Slot, Zone


def _grid():
    k = np.full((3, 4), CellKind.FREE, dtype=np.uint8)
    k[0, 1] = CellKind.RACK
    k[2, 3] = CellKind.STATION
    k[2, 0] = CellKind.CHARGER
    return Grid(k)


def test_layout_valid_and_summary():
    lay = Layout(
        _grid(),
        name="t",
        slots=(Slot("S1", (0, 1), (1, 1), 10),),
        stations=(Location("P1", (2, 3)),),
        chargers=(Location("C1", (2, 0)),),
        spawns=((1, 0),),
        zones=(Zone("Z", "pick", {(1, 1), (1, 2)}),),
    )
    s = lay.summary()
    assert s["rows"] == 3 and s["cols"] == 4 and s["slots"] == 1 and s["stations"] == 1
    assert s["free_cells"] == 11 and s["kinds"]["rack"] == 1
    assert lay.slot("S1").access == (1, 1)
    with pytest.raises(KeyError, match="unknown slot 'nope'"):
        lay.slot("nope")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"slots": (Slot("S1", (0, 0), (1, 0)),)}, "not RACK"),
        ({"slots": (Slot("S1", (0, 1), (2, 2)),)}, "not next to rack"),
        ({"slots": (Slot("S1", (0, 1), (1, 1)), Slot("S1", (0, 1), (0, 0)))}, "duplicate id"),
        ({"stations": (Location("P", (9, 9)),)}, "outside the 3 x 4 grid"),
        ({"chargers": (Location("C", (0, 1)),)}, "RACK, not traversable"),
        ({"spawns": ((1, 1), (1, 1))}, "listed twice"),
    ],
)
def test_layout_rejects_bad_locations(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Layout(_grid(), **kwargs)


def test_slot_capacity_must_be_positive():
    with pytest.raises(ValueError, match="capacity must be a positive integer"):
        Slot("S", (0, 0), (0, 1), 0)
