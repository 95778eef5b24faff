"""robocore: warehouse fulfilment and robotics engine.

This package holds the domain: the floor grid and layouts, orders, the
inventory ledger, packing, shipping, events, config and the ``robocore`` CLI.
"""

from robocore.errors import InputError
from robocore.grid import DIRECTIONS, CellKind, Coord, Grid
from robocore.layout import Layout, Location, Slot, Zone

__all__ = [
    "CellKind",
    "Coord",
    "DIRECTIONS",
    "Grid",
    "InputError",
    "Layout",
    "Location",
    "Slot",
    "Zone",
]

__version__ = "0.1.0"
