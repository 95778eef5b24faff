"""Tour assignment: from the pool of released lines to one job per idle agent.

Two policies:

``batch`` (default)
    The oldest orders of the pool are batched with the pick planner's
    Clarke-Wright savings (``planner.batching.batch_savings`` over a
    ``planner.pickplan.PickContext``: each cart's capacity in orders and
    volume, each picker's zone). The batches with the most lines go first,
    each to the free agent standing nearest one of its pick cells, one tour
    per agent a round, and each is routed from that agent's cell through its
    picks to the pack station nearest the last pick (Held-Karp up to
    :data:`EXACT_STOPS` stops, local search above). With ``improve=True``
    the planner's full ``plan_tours`` runs instead (local search, set
    partitioning, CP-SAT assignment, tours from the depot); its phases stop
    on wall-clock limits, so it is off by default to keep the same seed
    giving the same shift.
``single``
    Pick-by-order: each idle agent takes the oldest order it can pick and
    visits its pick cells in S-shape order: aisle by aisle (pick cells
    grouped by column, left to right), walking each aisle in alternating
    direction. This is the classic manual-warehouse baseline the batching
    policy is measured against.

An order whose pool lines do not all lie where one agent may pick (some on
``HUMAN_ONLY`` floor, some outside a picker's zone) is split into parts:
the lines robots can reach, and the rest, each offered to the agents that
can take it; the order is packed when every part has reached a station.
"""

from __future__ import annotations

import numpy as np

from fleet.tours import Job, Stop
from robocore.agents import AgentKind

__all__ = ["TourAssigner", "s_shape_order", "EXACT_STOPS"]

#: Tours with at most this many pick cells are routed exactly (Held-Karp,
#: ``2**k * k**2`` work: about a millisecond at 12); longer ones by local search.
EXACT_STOPS = 12


def s_shape_order(cells, cols: int) -> list[int]:
    """Flat ``cells`` in S-shape visiting order: by column (aisle) left to
    right, rows ascending in the 1st, 3rd, ... aisle and descending in the
    2nd, 4th, .... Repeated cells appear once."""
    by_col: dict[int, list[int]] = {}
    for f in dict.fromkeys(int(c) for c in cells):
        by_col.setdefault(f % cols, []).append(f)
    out: list[int] = []
    for k, col in enumerate(sorted(by_col)):
        out += sorted(by_col[col], reverse=bool(k % 2))
    return out


class TourAssigner:
    """Assign pool lines to idle agents (see the module docs).

    Parameters
    ----------
    layout: the floor.
    policy: ``"batch"`` or ``"single"``.
    seed: seeds the batching search.
    time_limit_s: the batching planner's time budget per round, seconds.
    max_orders: most orders offered to the planner per round, per idle agent
        slot (``capacity_orders``), times this factor.
    max_agents: most agents given tours per round (the rest wait for the next
        round, ``FleetConfig.assign_every`` steps later); bounds the planner's
        work per round on big fleets.
    improve: run the planner's time-limited improvement phases (local search,
        set partitioning). Off by default: a phase stopped by its time limit
        depends on the machine's speed, and the same seed must give the same
        shift; savings batching and exact assignment are deterministic.
    """

    def __init__(self, layout, *, policy: str = "batch", seed: int = 0, time_limit_s: float = 0.03,
                 max_orders: float = 1.25, max_agents: int = 8, improve: bool = False):
        if policy not in ("batch", "single"):
            raise ValueError(f"policy must be 'batch' or 'single', got {policy!r}")
        self.layout = layout
        self.grid = layout.grid
        self.policy = policy
        self.seed = int(seed)
        self.time_limit_s = float(time_limit_s)
        self.max_orders = float(max_orders)
        self.max_agents = int(max_agents)
        self.improve = bool(improve)
        self.rounds = 0
        self._robot_ok = self.grid.passable.ravel()
        self._volume_l: dict[str, float] = {}
        self._caches: dict | None = None  # BFS tables kept between rounds, per agent kind

    # ---------------------------------------------------------------- parts
    def _parts(self, ctl, pool) -> list[tuple[str, str, list]]:
        """``(part id, order id, tasks)`` in pool order: robot-reachable lines and the rest."""
        out = []
        for oid, tasks in pool.items():
            robot = [t for t in tasks if self._robot_ok[t.cell]]
            other = [t for t in tasks if not self._robot_ok[t.cell]]
            if robot:
                out.append((f"{oid}|r", oid, robot))
            if other:
                out.append((f"{oid}|h", oid, other))
        return out

    @staticmethod
    def _can_take(info, tasks, robot_ok) -> bool:
        if info.zone is not None and any(t.cell not in info.zone for t in tasks):
            return False
        if info.kind == AgentKind.ROBOT and not all(robot_ok[t.cell] for t in tasks):
            return False
        return True

    def _volume(self, ctl, tasks) -> float:
        vol = 0.0
        for t in tasks:
            if t.sku not in self._volume_l:
                dims = ctl.ledger.sku(t.sku).dims_mm
                self._volume_l[t.sku] = dims[0] * dims[1] * dims[2] / 1e6
            vol += self._volume_l[t.sku] * t.qty
        return vol

    # --------------------------------------------------------------- assign
    def assign(self, ctl, agents, pool) -> list[tuple[int, Job]]:
        """Jobs for some of the idle ``agents`` (``AgentInfo``) from ``pool``
        (order id -> unassigned ``FloorTask`` s). Raises nothing on an empty
        pool or when no agent can take any part (returns ``[]``)."""
        self.rounds += 1
        parts = [p for p in self._parts(ctl, pool)
                 if any(self._can_take(a, p[2], self._robot_ok) for a in agents)]
        if not parts:
            return []
        if self.policy == "single":
            return self._single(ctl, agents, parts)
        return self._batch(ctl, agents, parts)

    def _single(self, ctl, agents, parts) -> list[tuple[int, Job]]:
        out = []
        used: set[str] = set()
        cols = self.grid.cols
        for info in agents:
            for pid, oid, tasks in parts:
                if pid in used or not self._can_take(info, tasks, self._robot_ok):
                    continue
                used.add(pid)
                by_cell: dict[int, list[int]] = {}
                for t in tasks:
                    by_cell.setdefault(t.cell, []).append(t.id)
                stops = [Stop(cell=c, tasks=by_cell[c]) for c in s_shape_order(by_cell, cols)]
                out.append((info.index, Job(stops=stops, station=-1, orders=(oid,))))
                break
        return out

    def _batch(self, ctl, agents, parts) -> list[tuple[int, Job]]:
        from planner.distmatrix import GridDistances
        from planner.pickplan import PickContext, plan_tours
        from planner.picktypes import PickAgent, PickOrder

        if self._caches is None:
            # pick cells recur round after round: keep their distance tables,
            # 4 bytes a cell each, within about 256 MB (all of them on medium,
            # about 900 on large)
            n = max(16, min(4096, int(256e6 // (4 * self.grid.size))))
            self._caches = {"robot": GridDistances(self.grid, max_tables=n),
                            "human": GridDistances(self.grid, human=True, max_tables=max(16, n // 4))}
        g = self.grid
        # offer only as many agents as the pool can fill: the planner minimises
        # the makespan and would otherwise spread a few orders over many totes
        covered: set[str] = set()
        agents_used = []
        for a in agents:
            if len(agents_used) == self.max_agents:
                break
            mine = [p[0] for p in parts if p[0] not in covered and self._can_take(a, p[2], self._robot_ok)]
            if mine:
                agents_used.append(a)
                covered.update(mine[: a.capacity_orders])
        slots = sum(a.capacity_orders for a in agents_used)
        parts = parts[: max(int(self.max_orders * slots), 1)]
        max_tours = len(agents_used)
        if self.improve:
            agents = agents_used
        else:
            # every idle agent that can take a part competes for the batches:
            # each batch goes to the one standing nearest its picks
            agents = [a for a in agents if any(self._can_take(a, p[2], self._robot_ok) for p in parts)]
        parts = [p for p in parts if any(self._can_take(a, p[2], self._robot_ok) for a in agents)]
        if not parts:
            return []
        cap_vol = min(a.capacity_volume for a in agents)
        orders = []
        tasks_of: dict[str, list] = {}
        for pid, oid, tasks in parts:
            vol = min(self._volume(ctl, tasks), cap_vol)  # an oversized order still fits one tote alone
            orders.append(PickOrder(id=pid, picks=tuple(g.coord(t.cell) for t in tasks), volume=vol))
            tasks_of[pid] = tasks
        pick_agents = []
        for a in agents:
            vol = max(a.capacity_volume, 1e-6)
            pick_agents.append(PickAgent(
                id=str(a.index), kind="human" if a.kind == AgentKind.HUMAN else "robot", position=g.coord(a.cell),
                capacity_orders=a.capacity_orders, capacity_volume=vol, speed=a.speed, pick_time=a.pick_time,
                zone=None if a.zone is None else frozenset(g.coord(c) for c in a.zone)))
        # tours start and end at the pack station nearest the idle agents
        cells = np.array([a.cell for a in agents], dtype=np.int64)
        dsum = ctl.station_dist[:, cells].astype(np.int64).sum(axis=1)
        depot = g.coord(int(ctl.station_cells[int(np.argmin(dsum))]))
        ctx = PickContext(g, orders, pick_agents, depot=depot, cache=self._caches)
        if self.improve:
            tours = [(int(t.agent), t.orders, t.route, t.distance)
                     for t in plan_tours(g, orders, pick_agents, depot=depot, time_limit_s=self.time_limit_s,
                                         seed=self.seed, improve=True, context=ctx)]
        else:
            tours = self._savings_tours(ctl, ctx, pick_agents, max_tours=max_tours)
        out = []
        taken: set[str] = set()
        for a, tour_orders, route, distance in tours:
            if any(x[0] == a for x in out):
                continue  # one tour per agent per round; the rest go back to the pool
            by_cell: dict[int, list[int]] = {}
            for pid in tour_orders:
                for t in tasks_of[pid]:
                    by_cell.setdefault(t.cell, []).append(t.id)
            stops = []
            seen = set()
            for cell in route:
                f = g.index(cell)
                if f in by_cell and f not in seen:
                    seen.add(f)
                    stops.append(Stop(cell=f, tasks=by_cell[f]))
            missing = set(by_cell) - seen
            if missing:
                raise RuntimeError(f"tour for agent {a} misses pick cells {sorted(missing)}")
            taken.update(tour_orders)
            out.append((a, Job(stops=stops, station=-1,
                               orders=tuple(dict.fromkeys(p.split("|")[0] for p in tour_orders)),
                               distance=int(distance))))
        return out

    def _savings_tours(self, ctl, ctx, pick_agents, *, max_tours: int) -> list[tuple[int, tuple, tuple, int]]:
        """One tour per agent at most, from the pick planner's savings batches
        (``planner.batching.batch_savings`` under each cart's capacity and
        zone), at most ``max_tours`` of them. The batches with the most lines go first, each to the free
        agent that may take it and stands nearest to one of its pick cells;
        the batch is then routed from where that agent stands, through its
        pick cells, to whichever pack station is nearest the last one
        (:meth:`_route_from`). (The planner's own CP-SAT assignment balances
        several tours per agent; here every agent takes one tour a round, so
        a greedy match does the same job at a fraction of the cost.)"""
        from planner.batching import batch_savings

        g = self.grid
        free = list(range(len(pick_agents)))
        batches = batch_savings(ctx.problem, dynamic=True)
        batches = sorted(batches, key=lambda b: (-sum(ctx.lines[o] for o in b), min(b)))
        at = np.array([g.index(pa.position) for pa in pick_agents], dtype=np.int64)
        human = np.array([pa.kind == "human" for pa in pick_agents], dtype=bool)
        out = []
        for b in batches:
            if not free or len(out) == max_tours:
                break
            feas = set(ctx.feasible_profiles(b))
            cand = np.array([i for i in free if ctx.agent_profile[i] in feas], dtype=np.int64)
            if not len(cand):
                continue
            nodes = sorted({int(n) for o in b for n in ctx.onode[ctx.optr[o]:ctx.optr[o + 1]]} - {0, 1})
            # each candidate's distance to the batch's nearest pick cell
            reach = np.full(len(cand), np.iinfo(np.int64).max, dtype=np.int64)
            for kind, mask in (("robot", ~human[cand]), ("human", human[cand])):
                if mask.any() and nodes:
                    cache = self._caches[kind]
                    d = np.min([cache.table(ctx.cells[n])[at[cand[mask]]] for n in nodes], axis=0)
                    reach[mask] = d
            ai = int(cand[int(np.argmin(reach))])  # ties: the lowest agent index
            free.remove(ai)
            route, dist = self._route_from(ctl, ctx, nodes, pick_agents[ai])
            out.append((int(pick_agents[ai].id), tuple(ctx.orders[o].id for o in b), route, int(dist)))
        return out

    def _route_from(self, ctl, ctx, nodes, agent) -> tuple[tuple, int]:
        """Route over pick nodes ``nodes`` of ``ctx`` for ``agent``
        (``PickAgent``): from the cell it stands on, through every node, to
        the pack station nearest the last one (an open end: the controller
        sends a finished tour to its nearest station). Exact (Held-Karp) up
        to :data:`EXACT_STOPS` stops, local search above. Returns
        ``(route cells, length in moves)``; the route's last element is the
        station."""
        from planner.routing import route_exact, route_local_search

        g = self.grid
        human = agent.kind == "human"
        cache = self._caches["human" if human else "robot"]
        station = ctl.station_dist_h if human else ctl.station_dist
        at = g.index(agent.position)
        k = len(nodes)
        cells = [ctx.cells[n] for n in nodes]
        flat = [g.index(c) for c in cells]
        D = np.zeros((k + 2, k + 2), dtype=np.int64)
        if k:
            D[1:k + 1, 1:k + 1] = ctx.D[agent.kind][np.ix_(nodes, nodes)]
            D[0, 1:k + 1] = [int(cache.table(c)[at]) for c in cells]
            D[1:k + 1, k + 1] = station[:, flat].min(axis=0)
        D[0, k + 1] = int(station[:, at].min())
        r = route_exact(D) if k <= EXACT_STOPS else route_local_search(D)
        last = flat[r.sequence[-1]] if k else at
        end = g.coord(int(ctl.station_cells[int(np.argmin(station[:, last]))]))
        return (agent.position,) + tuple(cells[i] for i in r.sequence) + (end,), int(r.length)
