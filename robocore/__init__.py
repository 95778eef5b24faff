"""robocore: warehouse fulfilment and robotics engine.

This package holds the domain: the floor grid and layouts, orders, the
inventory ledger, packing, shipping, events, config and the ``robocore`` CLI.
"""

from robocore.errors import InputError
from robocore.grid import DIRECTIONS, CellKind, Coord, Grid
from robocore.layout import Layout, Location, Slot, Zone
from robocore.catalog import Sku, Warehouse, demo_catalog, demo_warehouses, iter_demo_catalog, stock_layout
from robocore.ledger import Ledger
from robocore.ledger_records import (Event, InvariantError, LineRecord, OrderRecord, OrderSummary, OutboxMessage,
                                     Pick, PickTask, Reservation, StockRow, Substitute)
from robocore.lifecycle import State
from robocore.orders import Address, Order, OrderLine, validate_order

__all__ = [
    "Address",
    "CellKind",
    "Coord",
    "DIRECTIONS",
    "Grid",
    "InputError",
    "Layout",
    "Location",
    "Slot",
    "Zone",
    "Event",
    "InvariantError",
    "Ledger",
    "LineRecord",
    "Order",
    "OrderLine",
    "OrderRecord",
    "OrderSummary",
    "OutboxMessage",
    "Pick",
    "PickTask",
    "Reservation",
    "Sku",
    "State",
    "StockRow",
    "Substitute",
    "Warehouse",
    "demo_catalog",
    "demo_warehouses",
    "iter_demo_catalog",
    "stock_layout",
    "validate_order",
]

__version__ = "0.1.0"
