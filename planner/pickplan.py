"""Plan pick tours: batch released orders, assign the tours, route them.

:func:`plan_tours` is the entry point the fleet controller and
``robocore pickplan`` call. Steps:

1. Price: the tour length of any set of orders is the length of its best
   closed route from the depot (exact Ratliff-Rosenthal on a single-block
   layout when ``block`` is given; otherwise Held-Karp up to 8 stops and
   local search above, on grid distances).
2. Batch: dynamic Clarke-Wright savings, then iterated local search, then
   CP-SAT set partitioning over every batch priced on the way
   (:mod:`planner.batching`), under each agent's cart capacity and zone.
3. Assign: CP-SAT minimises the time the last agent finishes, given each
   agent's travel to the depot, speed and pick time (:mod:`planner.assignment`).
4. Route each tour for its agent (exact where the router allows, else local
   search) and report it as a stop sequence.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numba import njit

from planner.batching import BatchProblem, batch_savings, improve_batches, set_partition
from planner.distance import UNREACHABLE
from planner.picktypes import PickAgent, PickOrder, Tour

__all__ = ["PickContext", "build_problem", "plan_tours", "route_batch"]

#: Stops up to which batch pricing on a matrix is exact (Held-Karp).
_PRICE_EXACT = 8
#: With more orders than this, each order only looks at its nearest ones.
_NEAR_ALL = 300
_NEAR_K = 40
#: Work budget of the local search per second of ``time_limit_s``, in batch
#: cost look-ups (cached or not; one core does several times this in 0.6 s),
#: so that the work cap, not the clock, normally ends the search and
#: results repeat exactly.
_WORK_PER_S = 40_000


@njit(cache=True)
def _order_proximity(optr, onode, D):
    """Symmetric order-to-order distance: mean nearest-pick distance both ways."""
    n = optr.shape[0] - 1
    out = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            s = 0.0
            for p in range(optr[i], optr[i + 1]):
                best = D[onode[p], onode[optr[j]]]
                for q in range(optr[j], optr[j + 1]):
                    if D[onode[p], onode[q]] < best:
                        best = D[onode[p], onode[q]]
                s += best / (optr[i + 1] - optr[i])
            for q in range(optr[j], optr[j + 1]):
                best = D[onode[q], onode[optr[i]]]
                for p in range(optr[i], optr[i + 1]):
                    if D[onode[q], onode[p]] < best:
                        best = D[onode[q], onode[p]]
                s += best / (optr[j + 1] - optr[j])
            out[i, j] = s
            out[j, i] = s
    return out


@dataclass(frozen=True)
class _Profile:
    kind: str
    capacity_orders: int
    capacity_volume: float
    capacity_weight: float
    zone: frozenset | None


class PickContext:
    """Everything :func:`plan_tours` derives from one call's inputs.

    Attributes: ``cells`` (node id -> cell: depot, end, then distinct picks),
    ``D`` (per agent kind, the distance matrix among ``cells``), ``profiles``
    (distinct cart/zone profiles), ``mask`` (per order, a bit per eligible
    profile), ``problem`` (the :class:`~planner.batching.BatchProblem`).

    ``cache`` optionally maps an agent kind (``"robot"``, ``"human"``) to a
    :class:`~planner.distmatrix.GridDistances` of this grid kept between
    calls, so BFS tables of recurring pick cells are reused.
    """

    def __init__(self, grid, orders: Sequence[PickOrder], agents: Sequence[PickAgent], *, depot, end=None,
                 block=None, cache=None):
        from planner.distmatrix import GridDistances

        if not agents:
            raise ValueError("no agents to plan for")
        if not orders:
            raise ValueError("no orders to plan")
        ids = set()
        for o in orders:
            if o.id in ids:
                raise ValueError(f"order {o.id!r}: duplicate id")
            ids.add(o.id)
        aids = set()
        for a in agents:
            if a.id in aids:
                raise ValueError(f"agent {a.id!r}: duplicate id")
            aids.add(a.id)
        self.grid = grid
        self.orders = list(orders)
        self.agents = list(agents)
        self.depot = (int(depot[0]), int(depot[1]))
        self.end = self.depot if end is None else (int(end[0]), int(end[1]))
        kinds = sorted({a.kind for a in agents})
        self.kinds = kinds
        for name, cell in (("depot", self.depot), ("end", self.end)):
            if not grid.in_bounds(cell):
                raise ValueError(f"{name} {list(cell)} is outside the {grid.rows} x {grid.cols} grid")
            if not any(grid.is_passable(cell, human=(k == "human")) for k in kinds):
                raise ValueError(f"{name} {list(cell)} is a {grid.kind(cell).name} cell no agent can stand on")
        for o in self.orders:
            for i, p in enumerate(o.picks):
                if not grid.in_bounds(p):
                    raise ValueError(f"order {o.id!r} pick {i + 1}: cell {list(p)} is outside the {grid.rows} x {grid.cols} grid")
                if not grid.is_passable(p, human=True):
                    raise ValueError(f"order {o.id!r} pick {i + 1}: cell {list(p)} is {grid.kind(p).name}, not a cell a picker can stand on")
        # node ids: 0 depot, 1 end, 2.. distinct picks
        cells = [self.depot, self.end]
        node_of = {self.end: 1, self.depot: 0}  # a pick on either is no extra stop
        for o in self.orders:
            for p in o.picks:
                if p not in node_of:
                    node_of[p] = len(cells)
                    cells.append(p)
        self.cells = cells
        self.node_of = node_of
        optr = [0]
        onode = []
        for o in self.orders:
            onode.extend(node_of[p] for p in o.picks)
            optr.append(len(onode))
        self.optr = np.asarray(optr, dtype=np.int64)
        self.onode = np.asarray(onode, dtype=np.int64)
        # distances per kind (shared when the kinds walk the same cells)
        caches = cache or {}
        same_floor = not np.any(grid.human_passable != grid.passable)
        self.D = {}
        for k in kinds:
            if k == "human" and same_floor and "robot" in self.D:
                self.D[k] = self.D["robot"]
                continue
            dc = caches.get(k) or GridDistances(grid, human=(k == "human"), max_tables=0)
            self.D[k] = np.ascontiguousarray(dc.matrix(cells))  # int32: large layouts hold thousands of cells
        # profiles and eligibility
        profs = []
        self.agent_profile = []
        for a in self.agents:
            p = _Profile(a.kind, a.capacity_orders, float(a.capacity_volume), float(a.capacity_weight), a.zone)
            if p not in profs:
                profs.append(p)
            self.agent_profile.append(profs.index(p))
        self.profiles = profs
        self.mask = []
        for oi, o in enumerate(self.orders):
            m = 0
            why = "no agent can reach it from the depot"
            for pi, p in enumerate(profs):
                D = self.D[p.kind]
                nodes = self.onode[self.optr[oi]:self.optr[oi + 1]]
                if p.zone is not None and any(c not in p.zone for c in o.picks):
                    why = "a pick lies outside every agent's zone"
                    continue
                if o.volume > p.capacity_volume or o.weight > p.capacity_weight:
                    why = "it is larger than every cart"
                    continue
                if any(int(D[0, n]) >= UNREACHABLE or int(D[n, 1]) >= UNREACHABLE for n in nodes):
                    continue
                m |= 1 << pi
            if not m:
                raise ValueError(f"order {o.id!r}: no agent can pick it ({why})")
            self.mask.append(m)
        self.volume = [float(o.volume) for o in self.orders]
        self.weight = [float(o.weight) for o in self.orders]
        self.lines = [len(o.picks) for o in self.orders]
        # pricing: an exact single-block model where it applies
        self.block = None
        self.frames = {}
        if block is not None and self.end == self.depot:
            self.block = block
            for k in kinds:
                try:
                    block.check(grid, human=(k == "human"))
                    xs, trav, aisle, depth = block.frame(cells)
                except ValueError:
                    continue
                self.frames[k] = (xs, trav, np.ascontiguousarray(aisle[self.onode]), np.ascontiguousarray(depth[self.onode]),
                                  aisle[:1].copy(), depth[:1].copy())
        self.problem = self._problem()

    # ----------------------------------------------------------------- pricing
    def feasible_profiles(self, members) -> list[int]:
        """Profiles whose cart and zone take all of ``members`` together."""
        m = -1
        vol = wt = 0.0
        for o in members:
            m &= self.mask[o]
            vol += self.volume[o]
            wt += self.weight[o]
        out = []
        for pi, p in enumerate(self.profiles):
            if (m >> pi) & 1 and len(members) <= p.capacity_orders and vol <= p.capacity_volume + 1e-9 \
                    and wt <= p.capacity_weight + 1e-9:
                out.append(pi)
        return out

    def fits(self, members) -> bool:
        """True if one cart can take all of ``members``."""
        if self._single is not None:
            p = self._single
            if len(members) > p.capacity_orders:
                return False
            if self._sized:
                return (sum(self.volume[o] for o in members) <= p.capacity_volume + 1e-9
                        and sum(self.weight[o] for o in members) <= p.capacity_weight + 1e-9)
            return True
        return bool(self.feasible_profiles(members))

    def pricing_kind(self, members) -> str:
        """The agent kind whose distances price ``members``: robot if a robot may take them."""
        if len(self.kinds) == 1:
            return self.kinds[0]
        m = -1
        for o in members:
            m &= self.mask[o]
        return "robot" if m & self._robot_bits else "human"

    def price(self, members: np.ndarray, kind: str | None = None) -> int:
        """Tour length in moves of one tour over the orders ``members``."""
        return int(self._pricers[kind or self.pricing_kind(members)](members))

    def _make_pricers(self) -> None:
        from planner.aisles import _TRANS, rr_cost_members
        from planner.routing import tsp_cost_members

        self._pricers = {}
        optr, onode = self.optr, self.onode
        for k in self.kinds:
            fr = self.frames.get(k)
            if fr is not None:
                xs, trav, oaisle, odepth, base_a, base_d = fr
                L = self.block.length

                def f(members, xs=xs, trav=trav, oaisle=oaisle, odepth=odepth, base_a=base_a, base_d=base_d, L=L):
                    return rr_cost_members(members, optr, oaisle, odepth, base_a, base_d, xs, trav, L, _TRANS)
            else:
                D = self.D[k]

                def f(members, D=D):
                    return tsp_cost_members(members, optr, onode, D, 0, 1, _PRICE_EXACT)
            self._pricers[k] = f

    def _problem(self) -> BatchProblem:
        n = len(self.orders)
        kind = "robot" if "robot" in self.D else "human"
        prox = _order_proximity(self.optr, self.onode, self.D[kind])
        np.fill_diagonal(prox, np.inf)
        k = n - 1 if n <= _NEAR_ALL else min(_NEAR_K, n - 1)
        near = np.argsort(prox, axis=1, kind="stable")[:, :k]
        self._single = self.profiles[0] if len(self.profiles) == 1 else None
        self._sized = any(self.volume) or any(self.weight)
        self._robot_bits = sum(1 << i for i, p in enumerate(self.profiles) if p.kind == "robot")
        self._make_pricers()
        return BatchProblem(n, price=self.price, fits=self.fits, near=near)


def build_problem(grid, orders: Sequence[PickOrder], agents: Sequence[PickAgent], *, depot, end=None,
                  block=None) -> PickContext:
    """Validate the inputs and set up pricing; see :class:`PickContext`.

    Raises ``ValueError`` naming the order, pick or agent on bad input.
    """
    return PickContext(grid, orders, agents, depot=depot, end=end, block=block)


def route_batch(ctx: PickContext, members: Sequence[int], kind: str, *, method: str = "auto") -> tuple[tuple, int]:
    """Route one tour over the orders ``members`` for an agent ``kind``.

    Returns ``(route, distance)``: the stop sequence depot, distinct pick
    cells in visiting order, end; and its grid length in moves. ``method``:
    ``"auto"`` (exact Ratliff-Rosenthal on a checked block, exact Held-Karp
    up to 10 stops, else local search), or any :func:`planner.routing.route_stops`
    method.
    """
    from planner.aisles import route_optimal
    from planner.routing import route_stops

    nodes = sorted({int(n) for o in members for n in ctx.onode[ctx.optr[o]:ctx.optr[o + 1]]} - {0, 1})
    stops = [ctx.cells[n] for n in nodes]
    if method == "auto" and kind in ctx.frames:
        r = route_optimal(ctx.block, ctx.depot, stops)
    else:
        ids = [0] + nodes + [1]
        D = ctx.D[kind][np.ix_(ids, ids)]
        r = route_stops(D, method=method)
    route = (ctx.depot,) + tuple(stops[i] for i in r.sequence) + (ctx.end,)
    return route, int(r.length)


_WARM = False


def _warm_up() -> None:
    """Load (or compile) the Numba kernels once per process, on a tiny input,
    so that the first planning call does not spend its time budget on it."""
    global _WARM
    if _WARM:
        return
    from planner.aisles import _TRANS, AisleBlock, route_optimal, rr_cost_members
    from planner.routing import route_local_search, tsp_cost_members

    optr = np.array([0, 2], dtype=np.int64)
    onode = np.array([2, 3], dtype=np.int64)
    members = np.zeros(1, dtype=np.int64)
    for dt in (np.int32, np.int64):
        D = np.ones((4, 4), dtype=dt) - np.eye(4, dtype=dt)
        _order_proximity(optr, onode, D)
        tsp_cost_members(members, optr, onode, D, 0, 1, _PRICE_EXACT)
        tsp_cost_members(members, optr, onode, D, 0, 1, 0)
    route_local_search(np.ones((5, 5), dtype=np.int64))
    b = AisleBlock((1,), front=2, back=0)
    route_optimal(b, (2, 1), [(1, 1)])
    z = np.zeros(1, dtype=np.int64)
    rr_cost_members(members, np.array([0, 1], dtype=np.int64), z, z + 1, z, z, np.array([1], dtype=np.int64),
                    np.ones(1, dtype=np.uint8), 2, _TRANS)
    _WARM = True


def _use_idle_agents(ctx: PickContext, batches: list, duration: list, who: list, ready: list, durations) -> None:
    """Split tours of the agent that finishes last onto agents left without work.

    Batching minimises travel, so with carts of different sizes some agents
    can get no tour that fits them. While an agent is idle, try handing it
    the orders of one of the last-finishing agent's tours that save the most
    travel when removed (as many as its cart takes, the rest staying); keep
    the split that lowers the makespan most. Edits the lists in place.
    """
    n_agents = len(ctx.agents)
    for _ in range(n_agents):
        load = list(ready)
        for t, a in enumerate(who):
            load[a] += duration[t][a]
        used = set(who)
        idle = [a for a in range(n_agents) if a not in used]
        if not idle or not batches:
            return
        span = max(load[a] for a in used)
        top = max(used, key=lambda a: (load[a], -a))
        best = None
        for t in [t for t, a in enumerate(who) if a == top]:
            T = batches[t]
            if len(T) < 2:
                continue
            full = ctx.problem.cost(T)
            saving = sorted(T, key=lambda o: (-(full - ctx.problem.cost(tuple(x for x in T if x != o))), o))
            for b in idle:
                cap = ctx.profiles[ctx.agent_profile[b]].capacity_orders
                for k in range(1, min(cap, len(T) - 1) + 1):
                    S = tuple(sorted(saving[:k]))
                    R = tuple(sorted(saving[k:]))
                    if ctx.agent_profile[b] not in ctx.feasible_profiles(S):
                        continue
                    dS, dR = durations(S), durations(R)
                    if b not in dS or top not in dR:
                        continue
                    new_top = load[top] - duration[t][top] + dR[top]
                    new_b = ready[b] + dS[b]
                    others = max((load[a] for a in used if a != top), default=0.0)
                    new_span = max(new_top, new_b, others)
                    if new_span < span - 1e-9 and (best is None or new_span < best[0]):
                        best = (new_span, t, b, S, R, dS, dR)
        if best is None:
            return
        _, t, b, S, R, dS, dR = best
        batches[t] = R
        duration[t] = dR
        batches.append(S)
        duration.append(dS)
        who.append(b)


def plan_tours(grid, orders: Sequence[PickOrder], agents: Sequence[PickAgent], *, depot, end=None,
               time_limit_s: float = 2.0, seed: int = 0, block=None, improve: bool = True,
               context: PickContext | None = None, distances: dict | None = None) -> list[Tour]:
    """Batch ``orders`` into tours, assign them to ``agents`` and route them.

    Parameters
    ----------
    grid: the floor (:class:`robocore.Grid`).
    orders: released orders; every order ends up in exactly one tour.
    agents: the agents free to take tours (each may get several, run back to back).
    depot: where every tour starts (and ends, unless ``end`` is given).
    time_limit_s: wall-clock budget in seconds for the whole call, counted
        from its start: local search until 60% of it, set partitioning until
        80%, a last local search until 90%, assignment the rest. Setting up
        distances, savings and the final routing are not interruptible: with
        tens to hundreds of orders they take milliseconds to a second, with
        thousands several seconds, and then the call overruns the budget.
        The first call in a process also imports OR-Tools and loads the
        compiled kernels (about 1 s) before its clock starts.
    seed: seeds the local search; same inputs and seed give the same tours
        whenever the time limit is not what stopped a phase.
    block: an :class:`~planner.aisles.AisleBlock` describing the floor; when
        it matches the grid, pricing and routing are exact and fast.
    improve: False skips local search and set partitioning (savings only).
    context: a :class:`PickContext` already built from these same inputs
        (saves recomputing distances).
    distances: ``{"robot": GridDistances, "human": GridDistances}`` kept by
        the caller between calls on the same grid (see :class:`PickContext`).

    Returns the tours grouped by agent (in input order), each agent's by
    start time. Each tour's ``route``
    is a stop sequence (see :class:`~planner.picktypes.Tour`).

    Raises
    ------
    ValueError
        Naming the order, pick or agent: a pick outside the grid or on a cell
        no picker can stand on, an order no agent can take, duplicate ids,
        no orders or no agents.
    """
    from ortools.sat.python import cp_model  # noqa: F401 - import (about 0.5 s) before the clock starts

    _warm_up()

    from planner.assignment import assign_cpsat

    t0 = time.perf_counter()
    ctx = context if context is not None else PickContext(grid, orders, agents, depot=depot, end=end, block=block,
                                                          cache=distances)
    prob = ctx.problem
    batches = batch_savings(prob, dynamic=True)
    if improve:
        budget = float(time_limit_s)
        work = int(_WORK_PER_S * budget)

        def until(frac: float) -> float:  # seconds left until frac of the budget, counted from the call
            return max(0.0, frac * budget - (time.perf_counter() - t0))

        batches = improve_batches(prob, batches, time_limit_s=until(0.6), seed=seed, rounds=100_000,
                                  max_work=work)
        left = max(0.05, until(0.8))
        batches = set_partition(prob, batches, time_limit_s=left, seed=seed)
        batches = improve_batches(prob, batches, time_limit_s=until(0.9), rounds=0, seed=seed,
                                  max_work=work // 4)
    # durations per (tour, agent)
    routes: dict[tuple, tuple] = {}

    def durations(b: tuple) -> dict[int, float]:
        feas = set(ctx.feasible_profiles(b))
        lines = sum(ctx.lines[o] for o in b)
        d = {}
        for ai, a in enumerate(ctx.agents):
            if ctx.agent_profile[ai] not in feas:
                continue
            if (b, a.kind) not in routes:
                routes[(b, a.kind)] = route_batch(ctx, b, a.kind)
            d[ai] = routes[(b, a.kind)][1] / a.speed + lines * a.pick_time
        return d

    batches = [tuple(b) for b in batches]
    duration = [durations(b) for b in batches]
    ready = []
    for a in ctx.agents:
        if a.position is None:
            ready.append(0.0)
            continue
        from planner.distmatrix import GridDistances

        dd = GridDistances(grid, human=(a.kind == "human"), max_tables=1).matrix([a.position, ctx.depot])[0, 1]
        if dd >= UNREACHABLE:
            raise ValueError(f"agent {a.id!r}: the depot cannot be reached from {list(a.position)}")
        ready.append(float(dd) / a.speed)
    left = max(0.05, float(time_limit_s) - (time.perf_counter() - t0)) if improve else 0.2
    who = assign_cpsat(duration, ready, time_limit_s=left, seed=seed)
    if improve:
        _use_idle_agents(ctx, batches, duration, who, ready, durations)
    tours = []
    per_agent: dict[int, list[int]] = {}
    for t, a in enumerate(who):
        per_agent.setdefault(a, []).append(t)
    for a in sorted(per_agent):
        clock = ready[a]
        agent = ctx.agents[a]
        for t in sorted(per_agent[a], key=lambda t: (duration[t][a], batches[t])):
            route, dist = routes[(batches[t], agent.kind)]
            fin = clock + duration[t][a]
            tours.append(Tour(agent=agent.id, orders=tuple(ctx.orders[o].id for o in batches[t]), route=route,
                              distance=dist, start=clock, finish=fin))
            clock = fin
    return tours
