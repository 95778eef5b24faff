"""Hand-made floors for the fleet tests.

``tiny_layout()`` is an 11 x 16 warehouse: two rack rows with pick aisles on
both sides, a human-only pick aisle in front of a third, short rack row, two
pack stations and three chargers along the top, parking along the bottom.
"""

from __future__ import annotations

import numpy as np

from robocore.grid import CellKind as K
from robocore.grid import Grid
from robocore.layout import Layout, Location, Slot, Zone


def tiny_layout() -> Layout:
    rows, cols = 11, 16
    k = np.full((rows, cols), K.FREE, dtype=np.uint8)
    k[2, 2:14] = K.PICK
    k[3, 2:14] = K.RACK
    k[4, 2:14] = K.PICK
    k[5, 2:14] = K.RACK
    k[6, 2:14] = K.PICK
    k[8, 2:7] = K.HUMAN_ONLY
    k[9, 2:7] = K.RACK
    k[10, :] = K.ENDPOINT
    stations = [Location("PS-1", (0, 3)), Location("PS-2", (0, 8))]
    chargers = [Location("CH-1", (0, 12)), Location("CH-2", (0, 13)), Location("CH-3", (0, 14))]
    for loc in stations:
        k[loc.cell] = K.STATION
    for loc in chargers:
        k[loc.cell] = K.CHARGER
    slots = []
    for c in range(2, 14):
        slots.append(Slot(f"A-{c:02d}-N", (3, c), (2, c), capacity=60))
        slots.append(Slot(f"A-{c:02d}-S", (3, c), (4, c), capacity=60))
        slots.append(Slot(f"B-{c:02d}-N", (5, c), (4, c), capacity=60))
        slots.append(Slot(f"B-{c:02d}-S", (5, c), (6, c), capacity=60))
    for c in range(2, 7):
        slots.append(Slot(f"H-{c:02d}", (9, c), (8, c), capacity=60))
    zones = [
        Zone("human-aisle", "human_only", frozenset((8, c) for c in range(2, 7))),
        Zone("zone-south", "pick", frozenset((r, c) for r in range(6, 9) for c in range(cols))),
    ]
    spawns = [(10, c) for c in range(cols)]
    return Layout(Grid(k), name="tiny", slots=tuple(slots), stations=tuple(stations), chargers=tuple(chargers),
                  spawns=tuple(spawns), zones=tuple(zones))


class FirstOrderAssigner:
    """The simplest assigner: each idle agent takes, from the oldest order
    with work it can do, the tasks it can pick (robots: cells robots may
    stand on; humans: cells in their zone), visiting them in the order given.
    Tests only: it keeps controller tests independent of the batching optimiser."""

    def assign(self, ctl, agents, pool):
        from fleet.tours import Job, Stop

        out = []
        taken: set[int] = set()
        robot_ok = ctl.grid.passable.ravel()
        for info in agents:
            for oid, tasks in pool.items():
                if info.zone is not None:
                    mine = [t for t in tasks if t.cell in info.zone and t.id not in taken]
                elif info.kind == 0:
                    mine = [t for t in tasks if robot_ok[t.cell] and t.id not in taken]
                else:
                    mine = [t for t in tasks if t.id not in taken]
                if not mine:
                    continue
                taken.update(t.id for t in mine)
                stops: list = []
                for t in mine:
                    if stops and stops[-1].cell == t.cell:
                        stops[-1].tasks.append(t.id)
                    else:
                        stops.append(Stop(cell=t.cell, tasks=[t.id]))
                out.append((info.index, Job(stops=stops, station=-1, orders=(oid,))))
                break
        return out


class PlainDesk:
    """Packs every order into one parcel and ships it at once (tests only)."""

    def __init__(self, ledger):
        self.ledger = ledger
        self.parcels = 0

    def promise(self, record, now):
        return None

    def pack_and_ship(self, order_id, items, now):
        self.parcels += 1
        pid = f"P-{self.parcels}"
        self.ledger.mark_packed(order_id, [{"id": pid}], at=now)
        rec = self.ledger.mark_shipped(order_id, [{"id": pid, "carrier": "test", "service": "test",
                                                   "tracking": f"T{self.parcels:06d}"}], at=now)
        return {"state": rec.state, "on_time": True}

    def carrier_events(self, now):
        return []
