"""robocore: warehouse fulfilment and robotics engine.

This package holds the domain: the floor grid and layouts, orders, the
inventory ledger, packing, shipping, events, config and the ``robocore`` CLI.
"""

from robocore.carrier_events import CarrierEvent, CarrierEventKind, CarrierSimulator
from robocore.catalog import Sku, Warehouse, demo_catalog, demo_warehouses, iter_demo_catalog, stock_layout
from robocore.errors import InputError
from robocore.grid import DIRECTIONS, CellKind, Coord, Grid
from robocore.labels import Label, label_png, label_zpl
from robocore.layout import Layout, Location, Slot, Zone
from robocore.ledger import Ledger
from robocore.ledger_records import (Event, InvariantError, LineRecord, OrderRecord, OrderSummary, OutboxMessage,
                                     Pick, PickTask, Receipt, Reservation, StockRow, Substitute)
from robocore.lifecycle import State
from robocore.motion import Motion, MotionError, MotionEvent, MotionParams, fault_draws
from robocore.notifications import Notification, NotificationKind, notification_for_event
from robocore.orders import Address, Order, OrderLine, validate_order
from robocore.packing import DEFAULT_CARTONS, Carton, Item, PackingError, PackResult, Parcel, Placement, verify_packing
from robocore.shipping import (DEFAULT_CARRIERS, DEFAULT_SERVICES, Carrier, Service, ServiceChoice, ServiceLevel,
                               choose_service, promise_date, service_choice)
from robocore.tracking import tracking_number, tracking_serial, valid_tracking_number

__all__ = [
    # the agent motion model
    "Motion",
    "MotionError",
    "MotionEvent",
    "MotionParams",
    "fault_draws",
    # floor model
    "CellKind", "Coord", "DIRECTIONS", "Grid", "InputError", "Layout", "Location", "Slot", "Zone",
    # orders and ledger
    "Address", "Event", "InvariantError", "Ledger", "LineRecord", "Order", "OrderLine", "OrderRecord",
    "OrderSummary", "OutboxMessage", "Pick", "PickTask", "Receipt", "Reservation", "Sku", "State", "StockRow", "Substitute",
    "Warehouse", "demo_catalog", "demo_warehouses", "iter_demo_catalog", "stock_layout", "validate_order",
    # packing and shipping
    "Carrier", "CarrierEvent", "CarrierEventKind", "CarrierSimulator", "Carton", "DEFAULT_CARRIERS",
    "DEFAULT_CARTONS", "DEFAULT_SERVICES", "Item", "Label", "Notification", "NotificationKind", "PackResult",
    "PackingError", "Parcel", "Placement", "Service", "ServiceChoice", "ServiceLevel", "choose_service",
    "label_png", "label_zpl", "notification_for_event", "promise_date", "service_choice", "tracking_number", "tracking_serial",
    "valid_tracking_number", "verify_packing",
]

__version__ = "0.1.0"
