"""``robocore pickplan``: batch, assign and route pick tours on a map."""

from __future__ import annotations

import argparse
import json
import math
import time

__all__ = ["register", "read_orders_file", "parse_orders"]

_TOP_KEYS = {"depot", "end", "agents", "orders"}
_AGENT_KEYS = {"id", "kind", "position", "capacity_orders", "capacity_volume", "capacity_weight", "speed",
               "pick_time", "zone"}
_ORDER_KEYS = {"id", "picks", "volume", "weight"}


def register(sub) -> None:
    p = sub.add_parser(
        "pickplan",
        help="batch orders into pick tours, assign them to agents and route them",
        description="Batch the orders of ORDERS.json into cart tours (savings, local search, CP-SAT set "
                    "partitioning), assign the tours to the agents (CP-SAT, least makespan) and route each "
                    "tour (exact where possible). Routes list stops: the depot, each pick cell in visiting "
                    "order, the depot; distances are 4-connected grid lengths.",
    )
    p.add_argument("--map", required=True, metavar="MAP", help="a map or layout file, or a bundled layout name")
    p.add_argument("--orders", required=True, metavar="ORDERS.json", help="depot, agents and orders (see docs/picking.md)")
    p.add_argument("--time-limit", type=float, default=2.0, metavar="S",
                   help="seconds for the improvement phases (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the local search (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(handler=_run)


def _fail(msg: str, source: str):
    from robocore.errors import InputError

    raise InputError(msg, source=source)


def _cell(value, what: str, source: str) -> tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        _fail(f"{what}: expected [row, col] integers, got {json.dumps(value)[:40]}", source)
    return (int(value[0]), int(value[1]))


def _number(obj: dict, key: str, what: str, source: str, default):
    if key not in obj:
        return default
    v = obj[key]
    if not isinstance(v, (int, float)) or isinstance(v, bool) or (isinstance(v, float) and math.isnan(v)):
        _fail(f"{what}: {key} must be a number, got {json.dumps(v)[:40]}", source)
    return v


def parse_orders(data, *, source: str = "<orders>"):
    """Turn an ORDERS.json document into ``(depot, end, agents, orders)``.

    Raises :class:`~robocore.errors.InputError` naming the agent, order or
    pick at fault (unknown keys, wrong types, capacity < 1, no agents...).
    Whether picks are on free cells of the map is checked by the planner.
    """
    from planner.picktypes import PickAgent, PickOrder

    if not isinstance(data, dict):
        _fail("top level must be a JSON object", source)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        _fail(f"unknown key {unknown[0]!r} (expected {', '.join(sorted(_TOP_KEYS))})", source)
    for key in ("depot", "agents", "orders"):
        if key not in data:
            _fail(f"missing key {key!r}", source)
    depot = _cell(data["depot"], "depot", source)
    end = _cell(data["end"], "end", source) if data.get("end") is not None else None
    if not isinstance(data["agents"], list) or not data["agents"]:
        _fail("agents: need at least one agent", source)
    if not isinstance(data["orders"], list) or not data["orders"]:
        _fail("orders: need at least one order", source)
    agents = []
    for i, a in enumerate(data["agents"]):
        what = f"agent {i + 1}"
        if not isinstance(a, dict):
            _fail(f"{what}: must be an object", source)
        if "id" in a:
            what = f"agent {a['id']!r}"
        unknown = sorted(set(a) - _AGENT_KEYS)
        if unknown:
            _fail(f"{what}: unknown key {unknown[0]!r}", source)
        if not isinstance(a.get("id"), str) or not a["id"]:
            _fail(f"{what}: id must be a non-empty string", source)
        cap = a.get("capacity_orders", 8)
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            _fail(f"{what}: capacity_orders must be an integer >= 1, got {json.dumps(cap)[:40]}", source)
        zone = a.get("zone")
        if zone is not None:
            if not isinstance(zone, list):
                _fail(f"{what}: zone must be a list of [row, col] cells", source)
            zone = frozenset(_cell(c, f"{what} zone cell {j + 1}", source) for j, c in enumerate(zone))
        try:
            agents.append(PickAgent(
                id=a["id"], kind=a.get("kind", "robot"),
                position=_cell(a["position"], f"{what} position", source) if a.get("position") is not None else None,
                capacity_orders=cap,
                capacity_volume=_number(a, "capacity_volume", what, source, math.inf),
                capacity_weight=_number(a, "capacity_weight", what, source, math.inf),
                speed=_number(a, "speed", what, source, 1.0),
                pick_time=_number(a, "pick_time", what, source, 0.0),
                zone=zone,
            ))
        except ValueError as err:
            _fail(str(err), source)
    orders = []
    for i, o in enumerate(data["orders"]):
        what = f"order {i + 1}"
        if not isinstance(o, dict):
            _fail(f"{what}: must be an object", source)
        if "id" in o:
            what = f"order {o['id']!r}"
        unknown = sorted(set(o) - _ORDER_KEYS)
        if unknown:
            _fail(f"{what}: unknown key {unknown[0]!r}", source)
        if not isinstance(o.get("id"), str) or not o["id"]:
            _fail(f"{what}: id must be a non-empty string", source)
        picks = o.get("picks")
        if not isinstance(picks, list) or not picks:
            _fail(f"{what}: picks must be a non-empty list of [row, col] cells", source)
        cells = tuple(_cell(p, f"{what} pick {j + 1}", source) for j, p in enumerate(picks))
        try:
            orders.append(PickOrder(o["id"], cells, volume=_number(o, "volume", what, source, 0.0),
                                    weight=_number(o, "weight", what, source, 0.0)))
        except ValueError as err:
            _fail(str(err), source)
    return depot, end, agents, orders


def read_orders_file(path: str):
    """Read ORDERS.json (or ``-`` for stdin); see :func:`parse_orders`."""
    import sys

    from robocore.cli._common import existing_file

    if path == "-":
        text = sys.stdin.read()
    else:
        existing_file(path, what="orders file")
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            _fail("not a UTF-8 text file", path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        from robocore.errors import InputError

        raise InputError(f"bad JSON: {err.msg} (column {err.colno})", source=path, line=err.lineno) from None
    return parse_orders(data, source=path)


def _run(args: argparse.Namespace) -> int:
    from maps import load_layout
    from planner.aisles import AisleBlock
    from planner.pickplan import PickContext, plan_tours, route_batch
    from robocore.cli._common import emit_json
    from robocore.errors import InputError

    t0 = time.perf_counter()
    if args.time_limit is None or not (args.time_limit >= 0) or math.isinf(args.time_limit):
        raise InputError(f"--time-limit must be a finite number >= 0, got {args.time_limit}")
    layout = load_layout(args.map)
    depot, end, agents, orders = read_orders_file(args.orders)
    grid = layout.grid
    block = AisleBlock.detect(grid)  # a single-block floor gets exact Ratliff-Rosenthal routing
    try:
        ctx = PickContext(grid, orders, agents, depot=depot, end=end, block=block)
        tours = plan_tours(grid, orders, agents, depot=depot, end=end, time_limit_s=args.time_limit, seed=args.seed,
                           block=block, context=ctx)
    except ValueError as err:
        raise InputError(str(err), source=args.orders) from None
    # pick by order: each order alone on its best route (the planning metric)
    single = 0
    for i in range(len(orders)):
        single += route_batch(ctx, [i], ctx.pricing_kind([i]))[1]
    out = {
        "tours": [{"agent": t.agent, "orders": list(t.orders), "route": [list(c) for c in t.route],
                   "distance": t.distance, "start": round(t.start, 3), "finish": round(t.finish, 3)} for t in tours],
        "total_distance": sum(t.distance for t in tours),
        "pick_by_order_distance": single,
        "makespan": round(max(t.finish for t in tours), 3),
        "router": "ratliff-rosenthal" if ctx.frames else "held-karp/local-search",
        "wall_s": round(time.perf_counter() - t0, 3),
    }
    if args.json:
        emit_json(out)
        return 0
    print(f"{len(orders)} orders in {len(tours)} tours for {len({t.agent for t in tours})} agent(s): "
          f"total distance {out['total_distance']} (pick by order {single}, "
          f"{out['total_distance'] / max(single, 1):.3f}x), makespan {out['makespan']:g} steps, {out['wall_s']:.2f} s")
    for t in tours:
        print(f"  {t.agent:>8}  {t.start:8.1f}-{t.finish:8.1f}  {t.distance:6d} moves  {len(t.route) - 2:3d} stops  "
              f"{', '.join(t.orders)}")
    return 0
