"""A parametric warehouse generator.

The floor, north (row 0) at the top; ``WarehouseSpec(aisles=2, aisle_length=3,
cross_aisles=1, cross_aisle_width=1, margins=1, robots=2, stations=2, docks=1,
chargers=2, human_zone=True, human_zone_width=2)`` gives (``.`` free, ``@``
blocked, ``#`` rack, ``S`` pick, ``E`` parking/spawn, ``D`` dock, ``P`` pack
station, ``C`` charger, ``H`` human-only)::

    @@@@@@@@@D@@@@@@@     dock doors: alcoves in the north wall
    @.............HH@     top lane (``margins`` rows)
    @.E..#SS##SS#.HH@     block 1: ``aisles`` aisles of ``aisle_length`` rows,
    C.E..#SS##SS#.HH@       ``aisle_width`` wide, with ``rack_depth`` cells of
    @.E..#SS##SS#.HH@       rack on each side
    @.............HH@     cross-aisle (``cross_aisle_width`` rows)
    @.E..#SS##SS#.HH@     block 2
    C....#SS##SS#.HH@
    @....#SS##SS#.HH@
    @.............HH@     bottom lane
    @@@@@@@P@@@P@@@@@     pack stations: alcoves in the south wall
     ^^^^^        ^^
     |   |        human-only zone (optional), east of the east lane
     |   west lane (``margins`` columns); an east lane mirrors it
     parking area: a lane column then two parking columns, repeated; the
     spawns are its ENDPOINT cells; chargers are alcoves in the west wall

Every rack cell that faces an aisle holds one storage slot; its access cell is
the aisle cell beside it, of kind PICK. There is one ``pick`` zone per block of
aisles (the block's aisle cells and the lanes just above and below it, so a
picker confined to it can walk between its aisles) and, with ``human_zone``, a
``human_only`` zone.

Guarantees, for every valid spec: the cells a robot may stand on form one
4-connected component (so every slot access cell, station, charger and dock is
reachable from every spawn), the human-only zone is connected to the rest of
the floor for humans, and the same spec and seed give the same layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from robocore.grid import CellKind, Grid
from robocore.layout import Layout, Location, Slot, Zone

__all__ = ["WarehouseSpec", "generate_warehouse"]


@dataclass(frozen=True, kw_only=True)
class WarehouseSpec:
    """Parameters of a generated warehouse. All sizes are in cells.

    Attributes
    ----------
    name: the layout's name.
    aisles: parallel aisles in each block (west to east), >= 1.
    aisle_length: rows of rack along each aisle in one block, >= 1.
    rack_depth: cells of rack on each side of an aisle, >= 1. Only the cell
        facing the aisle holds a slot; deeper cells are bulk storage.
    aisle_width: cells across an aisle, >= 1.
    cross_aisles: cross-aisles between blocks; there are ``cross_aisles + 1``
        blocks, >= 0.
    cross_aisle_width: rows across a cross-aisle, >= 1.
    margins: width of the lanes around the aisles (top, bottom, west, east), >= 1.
    stations: pack stations along the south wall, >= 0.
    docks: dock doors along the north wall, >= 0.
    chargers: chargers along the west wall, >= 0.
    robots: the fleet the layout is sized for, >= 0.
    humans: the human pickers it is sized for, >= 0.
    spawns: robot parking/spawn cells; None means ``2 * (robots + humans)``.
    human_zone: add a human-only zone (HUMAN_ONLY cells) east of the east lane.
    human_zone_width: its width in columns, >= 1.
    slot_capacity: units per slot, >= 1.
    capacity_spread: with ``s > 0`` each slot's capacity is drawn uniformly
        from ``slot_capacity * (1 - s) .. slot_capacity * (1 + s)`` (seeded),
        0 <= s < 1.

    Raises
    ------
    ValueError
        Naming the field (``"aisles: must be at least 1, got 0"``) if a value is
        out of range or the stations, docks or chargers do not fit their wall.
    """

    name: str = "warehouse"
    aisles: int = 8
    aisle_length: int = 10
    rack_depth: int = 1
    aisle_width: int = 2
    cross_aisles: int = 1
    cross_aisle_width: int = 2
    margins: int = 2
    stations: int = 4
    docks: int = 2
    chargers: int = 4
    robots: int = 30
    humans: int = 0
    spawns: int | None = None
    human_zone: bool = False
    human_zone_width: int = 3
    slot_capacity: int = 100
    capacity_spread: float = 0.0

    def __post_init__(self) -> None:
        minimum = {"aisles": 1, "aisle_length": 1, "rack_depth": 1, "aisle_width": 1, "cross_aisles": 0,
                   "cross_aisle_width": 1, "margins": 1, "stations": 0, "docks": 0, "chargers": 0, "robots": 0,
                   "humans": 0, "spawns": 0, "human_zone_width": 1, "slot_capacity": 1}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in minimum and value is not None:
                if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                    raise ValueError(f"{f.name}: must be an integer, got {value!r}")
                if value < minimum[f.name]:
                    raise ValueError(f"{f.name}: must be at least {minimum[f.name]}, got {value}")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name: must be a non-empty string, got {self.name!r}")
        if not 0.0 <= float(self.capacity_spread) < 1.0:
            raise ValueError(f"capacity_spread: must be in [0, 1), got {self.capacity_spread}")
        if self.stations > self.region_cols:
            raise ValueError(f"stations: {self.stations} pack stations do not fit along the {self.region_cols}-cell "
                             f"south wall of the aisles")
        if self.docks > self.region_cols:
            raise ValueError(f"docks: {self.docks} dock doors do not fit along the {self.region_cols}-cell north wall "
                             f"of the aisles")
        if self.chargers > self.rows - 2:
            raise ValueError(f"chargers: {self.chargers} chargers do not fit along the {self.rows - 2}-cell west wall")

    # ---------------------------------------------------------- derived sizes
    @property
    def blocks(self) -> int:
        """Blocks of aisles, ``cross_aisles + 1``."""
        return self.cross_aisles + 1

    @property
    def pitch(self) -> int:
        """Columns per aisle with its two racks, ``aisle_width + 2 * rack_depth``."""
        return self.aisle_width + 2 * self.rack_depth

    @property
    def region_cols(self) -> int:
        """Columns of the aisle region (racks and aisles)."""
        return self.aisles * self.pitch

    @property
    def spawn_count(self) -> int:
        """Spawn cells to make: ``spawns``, or ``2 * (robots + humans)``."""
        return 2 * (self.robots + self.humans) if self.spawns is None else int(self.spawns)

    @property
    def rows(self) -> int:
        """Grid rows: walls, lanes, blocks and cross-aisles."""
        return 2 + 2 * self.margins + self.blocks * self.aisle_length + self.cross_aisles * self.cross_aisle_width

    @property
    def parking_cols(self) -> int:
        """Columns of the parking area: the fewest groups of three (a lane and
        two parking columns) that hold :attr:`spawn_count` parking cells."""
        if self.spawn_count == 0:
            return 0
        per_group = 2 * (self.rows - 2 - 2 * self.margins - self.cross_aisles * self.cross_aisle_width)
        return 3 * math.ceil(self.spawn_count / per_group)

    @property
    def cols(self) -> int:
        """Grid columns."""
        return (2 + self.parking_cols + 2 * self.margins + self.region_cols
                + (self.human_zone_width if self.human_zone else 0))

    @property
    def slot_count(self) -> int:
        """Slots the layout will have: two per aisle row per block."""
        return 2 * self.aisles * self.blocks * self.aisle_length


def _spread(n: int, lo: int, hi: int) -> list[int]:
    """``n`` distinct positions spread evenly over ``lo .. hi - 1``."""
    span = hi - lo
    return [lo + int((i + 0.5) * span / n) for i in range(n)]


def generate_warehouse(spec: WarehouseSpec, *, seed: int = 0) -> Layout:
    """Generate the warehouse ``spec`` describes (see the module docstring).

    Parameters
    ----------
    spec:
        The shape; see :class:`WarehouseSpec`.
    seed:
        Seeds the spawn order (a shuffle, so any prefix of the spawns is spread
        over the parking area) and, with ``capacity_spread``, slot capacities.

    Returns
    -------
    Layout
        ``spec.rows x spec.cols``, with ``spec.slot_count`` slots, the stations,
        docks, chargers and spawns asked for, one ``pick`` zone per block and,
        with ``human_zone``, a ``human_only`` zone.

    Examples
    --------
    >>> lay = generate_warehouse(WarehouseSpec(aisles=2, aisle_length=3, robots=2, stations=1, docks=1, chargers=1))
    >>> lay.rows, lay.cols, len(lay.slots), len(lay.spawns), lay.grid.component_count()
    (14, 17, 24, 4, 1)
    """
    rng = np.random.default_rng(seed)
    rows, cols, m = spec.rows, spec.cols, spec.margins
    kinds = np.full((rows, cols), CellKind.FREE, dtype=np.uint8)
    kinds[0, :] = kinds[-1, :] = CellKind.BLOCKED
    kinds[:, 0] = kinds[:, -1] = CellKind.BLOCKED

    # Row bands: which rows are lanes and where each block starts.
    block_top = [1 + m + b * (spec.aisle_length + spec.cross_aisle_width) for b in range(spec.blocks)]
    lane_row = np.ones(rows, dtype=bool)
    lane_row[0] = lane_row[-1] = False
    for top in block_top:
        lane_row[top:top + spec.aisle_length] = False

    # Parking area: columns [1, 1 + P); lane columns every third, the rest
    # parking cells on rows that are not lanes.
    p0, pcols = 1, spec.parking_cols
    candidates = [(r, p0 + j) for j in range(pcols) if j % 3 != 0 for r in range(1, rows - 1) if not lane_row[r]]
    candidates.sort(key=lambda rc: (rc[1], rc[0]))
    parking = candidates[: spec.spawn_count]
    for r, c in parking:
        kinds[r, c] = CellKind.ENDPOINT

    # Aisles and racks.
    x0 = 1 + pcols + m  # first column of the aisle region
    slots: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    width_a = len(str(spec.aisles))
    width_r = len(str(spec.aisle_length))
    d, w = spec.rack_depth, spec.aisle_width
    for b, top in enumerate(block_top):
        rr = slice(top, top + spec.aisle_length)
        for a in range(spec.aisles):
            base = x0 + a * spec.pitch
            west_rack, aisle0, east_rack = base, base + d, base + d + w
            kinds[rr, west_rack:aisle0] = CellKind.RACK
            kinds[rr, east_rack:east_rack + d] = CellKind.RACK
            kinds[rr, aisle0] = CellKind.PICK
            kinds[rr, aisle0 + w - 1] = CellKind.PICK
            for i in range(spec.aisle_length):
                r = top + i
                prefix = f"B{b + 1}-A{a + 1:0{width_a}d}"
                slots.append((f"{prefix}-W-{i + 1:0{width_r}d}", (r, aisle0 - 1), (r, aisle0)))
                slots.append((f"{prefix}-E-{i + 1:0{width_r}d}", (r, east_rack), (r, aisle0 + w - 1)))
    x1 = x0 + spec.region_cols  # first column of the east lane

    # Human-only zone east of the east lane.
    human_cells: list[tuple[int, int]] = []
    if spec.human_zone:
        h0 = x1 + m
        kinds[1:rows - 1, h0:h0 + spec.human_zone_width] = CellKind.HUMAN_ONLY
        human_cells = [(r, c) for r in range(1, rows - 1) for c in range(h0, h0 + spec.human_zone_width)]

    # Alcoves in the walls: docks north, stations south, chargers west.
    docks = []
    for i, c in enumerate(_spread(spec.docks, x0, x1)):
        kinds[0, c] = CellKind.DOCK
        docks.append(Location(f"D{i + 1:02d}", (0, c)))
    stations = []
    for i, c in enumerate(_spread(spec.stations, x0, x1)):
        kinds[rows - 1, c] = CellKind.STATION
        stations.append(Location(f"P{i + 1:02d}", (rows - 1, c)))
    chargers = []
    for i, r in enumerate(_spread(spec.chargers, 1, rows - 1)):
        kinds[r, 0] = CellKind.CHARGER
        chargers.append(Location(f"C{i + 1:02d}", (r, 0)))

    # Slot capacities (seeded when spread).
    if spec.capacity_spread > 0:
        lo = max(1, int(round(spec.slot_capacity * (1 - spec.capacity_spread))))
        hi = max(lo, int(round(spec.slot_capacity * (1 + spec.capacity_spread))))
        caps = rng.integers(lo, hi + 1, size=len(slots)).tolist()
    else:
        caps = [spec.slot_capacity] * len(slots)

    # Zones: one pick zone per block (its aisle cells and the lanes above and below).
    zones = []
    aisle_cols = [c for c in range(x0, x1) if (c - x0) % spec.pitch in range(d, d + w)]
    for b, top in enumerate(block_top):
        above = range(top - (m if b == 0 else spec.cross_aisle_width), top)
        bottom = top + spec.aisle_length
        below = range(bottom, bottom + (m if b == spec.blocks - 1 else spec.cross_aisle_width))
        cells = {(r, c) for r in range(top, bottom) for c in aisle_cols}
        cells |= {(r, c) for r in (*above, *below) for c in range(x0, x1)}
        zones.append(Zone(f"pick-{b + 1}", "pick", frozenset(cells)))
    if human_cells:
        zones.append(Zone("human-only", "human_only", frozenset(human_cells)))

    order = rng.permutation(len(parking)) if parking else np.zeros(0, dtype=np.int64)
    spawns = tuple(parking[int(k)] for k in order)
    return Layout(
        Grid(kinds),
        name=spec.name,
        slots=tuple(Slot(sid, rack, access, int(cap)) for (sid, rack, access), cap in zip(slots, caps)),
        stations=tuple(stations),
        chargers=tuple(chargers),
        docks=tuple(docks),
        spawns=spawns,
        zones=tuple(zones),
    )
