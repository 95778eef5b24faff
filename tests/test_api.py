"""Pin the public API of each package: a change here is a deliberate act."""

import importlib

import pytest

EXPECTED = {
    "robocore": {
        "CellKind", "Coord", "DIRECTIONS", "Grid", "InputError", "Layout", "Location", "Slot", "Zone",
        "Address", "Event", "InvariantError", "Ledger", "LineRecord", "Order", "OrderLine", "OrderRecord",
        "OrderSummary", "OutboxMessage", "Pick", "PickTask", "Receipt", "Reservation", "Sku", "State", "StockRow", "Substitute",
        "Warehouse", "demo_catalog", "demo_warehouses", "iter_demo_catalog", "stock_layout", "validate_order",
        "Carrier", "CarrierEvent", "CarrierEventKind", "CarrierSimulator", "Carton", "DEFAULT_CARRIERS",
        "DEFAULT_CARTONS", "DEFAULT_SERVICES", "Item", "Label", "Notification", "NotificationKind", "PackResult",
        "PackingError", "Parcel", "Placement", "Service", "ServiceChoice", "ServiceLevel", "choose_service",
        "label_png", "label_zpl", "notification_for_event", "promise_date", "service_choice", "tracking_number",
        "tracking_serial",
        "valid_tracking_number", "verify_packing",
        "Motion", "MotionError", "MotionEvent", "MotionParams", "fault_draws",
    },
    "planner": {
        "UNREACHABLE", "PlanError", "bfs_distances", "distance_table", "is_valid_paths", "validate_paths",
        "validate_plan", "validate_plan_file",
        "GridSearcher", "astar_length", "astar_path", "MAX_TIME", "NEVER", "ReservationTable", "SpaceTimeSearcher",
        "spacetime_astar",
        "cartonize", "cheapest_carton", "fit_items",
        "CacheStats", "DistanceCache", "LifelongPlanner", "PlannerStats", "SolveIncomplete", "solve",
        "GreedyTasks", "LifelongRun", "RandomTasks", "RoundRobinTasks", "run_lifelong",
        "AisleBlock", "BatchProblem", "GridDistances", "PickAgent", "PickContext", "PickOrder", "Route", "Tour",
        "assign_cpsat", "assign_greedy", "batch_fifo", "batch_savings", "distance_matrix", "expand_route",
        "improve_batches", "plan_tours", "route_combined", "route_exact", "route_largest_gap", "route_length",
        "route_local_search", "route_optimal", "route_ortools", "route_s_shape", "route_stops", "set_partition",
        "shortest_path",
    },
    "bridge": {
        "DEFAULT_MAX_BYTES", "ProtocolError", "Reason", "decode", "encode", "HEADING_THETA", "INSTANT_ACTION_TYPES",
        "MANUFACTURER", "VERSION", "ActionStatus", "BlockingType", "ConnectionState", "EStop", "ErrorLevel", "Headers",
        "OperatingMode", "Topic", "action", "connection_message", "edge_id", "error", "factsheet_message",
        "instant_actions_message", "node_id", "node_position", "order_message", "parse_node_id", "state_message",
        "timestamp", "visualization_message", "OrderChannel", "Agv", "OrderOutcome", "NODE_ACTION_TYPES", "FAULT_ERROR",
        "SerialAuthenticator", "RobotClient", "KeyPair", "KeyStore", "valid_serial", "Peer", "PeerTable", "Verdict",
        "parse_timestamp", "ZAP_DOMAIN", "BridgeServer", "Inbound", "SNAPSHOT_END", "SNAPSHOT_REQUEST",
        "TelemetryPublisher", "TelemetrySubscriber", "BridgeController", "PumpResult", "RobotGone", "SimRobots",
        "LockstepDriver", "LockstepResult", "FloorPublisher",
    },
    "maps": {
        "LorrProblem", "ScenRow", "WarehouseSpec", "bundled_layouts", "check_scen", "generate_warehouse", "load_layout",
        "load_problem", "parse_map", "parse_scen", "read_layout_json", "read_map", "read_scen", "save_layout",
        "save_problem", "write_layout_json", "write_map", "write_scen",
    },
    "fleet": {
        "Controller", "FleetConfig", "RobotLink", "SimLink", "Command", "TourAssigner", "PackDesk", "ChargingPolicy",
        "Chargers", "check_lines", "line_places", "LineError", "Place", "run_shift", "ShiftSpec", "ShiftResult",
        "REPORT_KEYS", "Recorder", "count_collisions", "order_stream", "FloorTask", "Job", "Stop", "ToteItem",
        "resume_floor", "resume_step",
        "Putaway", "PutawayConfig", "PutawayTask", "putaway_errors", "Replenisher", "ReplenishConfig",
        "hourly_demand", "StockWatch",
    },
    "viz": {
        "Camera", "Frame", "FrameSource", "LiveSource", "PushSource", "RecordedSource", "ReplaySource",
        "RunRecording", "Viewer", "fit_cell_px", "load_run", "render_frames", "render_layout", "render_snapshot",
        "render_surface", "snapshot_cell_px", "TelemetrySource",
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_public_api_is_pinned(name):
    mod = importlib.import_module(name)
    assert set(mod.__all__) >= EXPECTED[name]
    for sym in mod.__all__:
        assert hasattr(mod, sym), f"{name}.{sym} is in __all__ but missing"


def test_import_planner_is_headless_and_light():
    import subprocess
    import sys

    code = "import sys, planner, robocore; assert 'pygame' not in sys.modules and 'ortools' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_viz_is_headless_and_light():
    import subprocess
    import sys

    code = ("import sys, viz, viz.viewer, viz.snapshot, robocore.cli.view_cmd; "
            "assert 'pygame' not in sys.modules and 'maps' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
