"""robocore fleet: the floor controller, simulated robots and human pickers.

* :class:`RobotLink` (``fleet.link``) -- the controller's interface to the
  agents; :class:`SimLink` (``fleet.simlink``) runs them in-process on
  :class:`robocore.motion.Motion`; :class:`fleet.zmqlink.ZmqLink` drives robots
  over the ZeroMQ bridge in lockstep (import it from ``fleet.zmqlink``: it
  loads pyzmq and ``bridge``, which ``import fleet`` does not).
* :class:`Controller` (``fleet.controller``) -- the tick loop.
* :class:`TourAssigner` (``fleet.assign``), :class:`PackDesk`
  (``fleet.packdesk``), :class:`ChargingPolicy` (``fleet.charging``),
  :func:`check_lines` (``fleet.accounting``).
* :class:`Putaway` (``fleet.putaway``) -- inbound from the docks to the slots;
  :class:`Replenisher` (``fleet.replenish``) -- stock reviews inside a shift;
  :class:`StockWatch` (``fleet.stockwatch``) -- stock-outs and units held.
* :func:`run_shift` (``fleet.shift``) -- a whole shift and its run folder.

Importing ``fleet`` is light: the planner, OR-Tools and pygame load when a
shift runs.
"""

from fleet.accounting import LineError, Place, check_lines, line_places
from fleet.assign import TourAssigner, s_shape_order
from fleet.charging import Chargers, ChargingPolicy
from fleet.controller import AgentInfo, Controller, FleetConfig
from fleet.link import Command, RobotLink
from fleet.orderstream import Arrival, Cancellation, order_stream
from fleet.packdesk import PackDesk
from fleet.putaway import Putaway, PutawayConfig, PutawayTask, putaway_errors
from fleet.recorder import Recorder, count_collisions
from fleet.replenish import ReplenishConfig, Replenisher, hourly_demand
from fleet.shift import REPORT_KEYS, ShiftResult, ShiftSpec, place_agents, run_shift
from fleet.simlink import SimLink
from fleet.stockwatch import StockWatch
from fleet.tours import FloorTask, Job, Stop, ToteItem

__all__ = [
    "AgentInfo", "Arrival", "Cancellation", "Chargers", "ChargingPolicy", "Command", "Controller", "FleetConfig",
    "FloorTask", "Job", "LineError", "PackDesk", "Place", "REPORT_KEYS", "Recorder", "RobotLink", "ShiftResult",
    "ShiftSpec", "SimLink", "Stop", "TourAssigner", "ToteItem", "check_lines", "count_collisions", "line_places",
    "order_stream", "place_agents", "run_shift", "s_shape_order",
    "Putaway", "PutawayConfig", "PutawayTask", "putaway_errors", "ReplenishConfig", "Replenisher", "hourly_demand",
    "StockWatch",
]
