"""robocore planner: pure algorithms over arrays.

Distance tables, A*, space-time search, lifelong multi-agent path finding,
plan validation, order batching and tour assignment, pick routing,
cartonization and demand forecasting. Importing ``planner`` is cheap: Numba
kernels compile (or load from cache) on first use, and OR-Tools is imported
inside the functions that need it.
"""

from planner.aisles import AisleBlock, route_combined, route_largest_gap, route_optimal, route_s_shape
from planner.assignment import assign_cpsat, assign_greedy
from planner.batching import BatchProblem, batch_fifo, batch_savings, improve_batches, set_partition
from planner.distmatrix import GridDistances, distance_matrix, expand_route, route_length, shortest_path
from planner.pickplan import PickContext, plan_tours
from planner.picktypes import PickAgent, PickOrder, Tour
from planner.routing import Route, route_exact, route_local_search, route_ortools, route_stops
from planner.astar import GridSearcher, astar_length, astar_path
from planner.cartonize import cartonize, cheapest_carton, fit_items
from planner.distance import UNREACHABLE, bfs_distances, distance_table
from planner.distcache import CacheStats, DistanceCache
from planner.lifelong import GreedyTasks, LifelongRun, RandomTasks, RoundRobinTasks, run_lifelong
from planner.mapf import LifelongPlanner, PlannerStats, SolveIncomplete, solve
from planner.spacetime import MAX_TIME, NEVER, ReservationTable, SpaceTimeSearcher, spacetime_astar
from planner.validate import PlanError, is_valid_paths, validate_paths, validate_plan, validate_plan_file

__all__ = [
    "CacheStats", "DistanceCache", "GridSearcher", "LifelongPlanner", "MAX_TIME", "NEVER", "PlanError", "PlannerStats",
    "ReservationTable", "SolveIncomplete", "SpaceTimeSearcher", "UNREACHABLE", "astar_length", "astar_path",
    "bfs_distances", "cartonize", "cheapest_carton", "distance_table", "fit_items", "is_valid_paths", "solve",
    "spacetime_astar", "validate_paths", "validate_plan", "validate_plan_file",
    # lifelong runs with task sources
    "GreedyTasks", "LifelongRun", "RandomTasks", "RoundRobinTasks", "run_lifelong",
    # pick planning: distances, routing, batching, assignment
    "AisleBlock", "BatchProblem", "GridDistances", "PickAgent", "PickContext", "PickOrder", "Route", "Tour",
    "assign_cpsat", "assign_greedy", "batch_fifo", "batch_savings", "distance_matrix", "expand_route",
    "improve_batches", "plan_tours", "route_combined", "route_exact", "route_largest_gap", "route_length",
    "route_local_search", "route_optimal", "route_ortools", "route_s_shape", "route_stops", "set_partition",
    "shortest_path",
]
