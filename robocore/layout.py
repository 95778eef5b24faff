"""A warehouse layout: a :class:`~robocore.grid.Grid` plus named locations.

A layout knows where stock lives (storage slots), where pickers stand to reach
it, where totes are packed (pack stations), where robots charge, where parcels
leave (dock doors), where robots park, and which areas are zones (for example a
human-only zone, or the zone a picker is confined to).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from robocore.grid import CellKind, Coord, Grid

__all__ = ["Slot", "Location", "Zone", "Layout"]


def _cell(value) -> Coord:
    r, c = value
    return (int(r), int(c))


@dataclass(frozen=True)
class Slot:
    """A storage slot.

    Attributes
    ----------
    id: unique slot id within the layout, e.g. ``"A03-L-12"``.
    rack: the rack cell holding the stock (kind RACK).
    access: the traversable cell a picker stands on to reach it (4-adjacent to ``rack``).
    capacity: how many units fit, a positive integer.
    """

    id: str
    rack: Coord
    access: Coord
    capacity: int = 100

    def __post_init__(self) -> None:
        object.__setattr__(self, "rack", _cell(self.rack))
        object.__setattr__(self, "access", _cell(self.access))
        if not isinstance(self.capacity, int) or self.capacity <= 0:
            raise ValueError(f"slot {self.id!r}: capacity must be a positive integer, got {self.capacity!r}")


@dataclass(frozen=True)
class Location:
    """A named single-cell location: pack station, charger or dock door."""

    id: str
    cell: Coord

    def __post_init__(self) -> None:
        object.__setattr__(self, "cell", _cell(self.cell))


@dataclass(frozen=True)
class Zone:
    """A named set of cells with a role.

    ``kind`` is free text with two meanings the engine knows: ``"human_only"``
    (robots never enter) and ``"pick"`` (a picking zone a human may be confined to).
    """

    id: str
    kind: str
    cells: frozenset[Coord]

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", frozenset(_cell(c) for c in self.cells))


@dataclass(frozen=True)
class Layout:
    """A grid and its named locations. Validated on construction.

    Raises
    ------
    ValueError
        If any location lies outside the grid, on the wrong kind of cell, an
        id repeats, or a slot's access cell is not 4-adjacent to its rack.
    """

    grid: Grid
    name: str = "layout"
    slots: tuple[Slot, ...] = ()
    stations: tuple[Location, ...] = ()
    chargers: tuple[Location, ...] = ()
    docks: tuple[Location, ...] = ()
    spawns: tuple[Coord, ...] = ()
    zones: tuple[Zone, ...] = ()
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("slots", "stations", "chargers", "docks", "zones"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "spawns", tuple(_cell(c) for c in self.spawns))
        self._check()

    # ------------------------------------------------------------ validation
    def _check(self) -> None:
        g = self.grid

        def need(cell: Coord, what: str, *, human: bool = False) -> None:
            if not g.in_bounds(cell):
                raise ValueError(f"{what}: cell {list(cell)} is outside the {g.rows} x {g.cols} grid")
            if not g.is_passable(cell, human=human):
                raise ValueError(f"{what}: cell {list(cell)} is {g.kind(cell).name}, not traversable")

        seen: set[str] = set()
        for s in self.slots:
            if s.id in seen:
                raise ValueError(f"slot {s.id!r}: duplicate id")
            seen.add(s.id)
            if not g.in_bounds(s.rack):
                raise ValueError(f"slot {s.id!r}: rack cell {list(s.rack)} is outside the {g.rows} x {g.cols} grid")
            if g.kind(s.rack) != CellKind.RACK:
                raise ValueError(f"slot {s.id!r}: rack cell {list(s.rack)} is {g.kind(s.rack).name}, not RACK")
            need(s.access, f"slot {s.id!r} access", human=True)
            if abs(s.rack[0] - s.access[0]) + abs(s.rack[1] - s.access[1]) != 1:
                raise ValueError(f"slot {s.id!r}: access cell {list(s.access)} is not next to rack {list(s.rack)}")
        for group in ("stations", "chargers", "docks"):
            ids: set[str] = set()
            for loc in getattr(self, group):
                if loc.id in ids:
                    raise ValueError(f"{group[:-1]} {loc.id!r}: duplicate id")
                ids.add(loc.id)
                need(loc.cell, f"{group[:-1]} {loc.id!r}")
        for i, cell in enumerate(self.spawns):
            need(cell, f"spawn {i}")
        if len(set(self.spawns)) != len(self.spawns):
            raise ValueError("spawns: a cell is listed twice")
        zids: set[str] = set()
        for z in self.zones:
            if z.id in zids:
                raise ValueError(f"zone {z.id!r}: duplicate id")
            zids.add(z.id)
            for cell in z.cells:
                if not g.in_bounds(cell):
                    raise ValueError(f"zone {z.id!r}: cell {list(cell)} is outside the {g.rows} x {g.cols} grid")

    # -------------------------------------------------------------- look-ups
    def slot(self, slot_id: str) -> Slot:
        """The slot with this id. Raises ``KeyError`` naming it if absent."""
        if "slots" not in self._index:
            self._index["slots"] = {s.id: s for s in self.slots}
        try:
            return self._index["slots"][slot_id]
        except KeyError:
            raise KeyError(f"unknown slot {slot_id!r}") from None

    @property
    def rows(self) -> int:
        return self.grid.rows

    @property
    def cols(self) -> int:
        return self.grid.cols

    def summary(self) -> dict:
        """Counts that ``robocore map info`` reports, as a JSON-ready dict."""
        g = self.grid
        return {
            "name": self.name,
            "rows": g.rows,
            "cols": g.cols,
            "cells": g.size,
            "free_cells": g.free_cells,
            "components": g.component_count(),
            "kinds": {k.name.lower(): g.count(k) for k in CellKind},
            "slots": len(self.slots),
            "stations": len(self.stations),
            "chargers": len(self.chargers),
            "docks": len(self.docks),
            "spawns": len(self.spawns),
            "zones": len(self.zones),
        }
