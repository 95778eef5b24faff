"""Pick batching and routing: total travel of pick-by-order and of batching methods.

Instances
---------
``block``: a generated single-block warehouse: 10 aisles, each with 30 slots
on both sides (600 slots; a picker stands in the aisle, so both sides of a
row share one access cell), aisles 3 cells apart, the front cross-aisle as the
grid's bottom row and the back one as its top row (aisle length 31 moves),
the depot at the front-left corner. 200 orders of 1-5 lines on distinct
random slots (seed 0), carts of 8 orders.

``medium`` / ``large``: the bundled layouts (``maps.load_layout``), 2,000
orders of 1-5 lines on random slots whose access cell a robot can reach,
picked at the access cells, depot at the first pack station, carts of 8.

Methods (the robocore pricing routes each tour exactly on the block with the
Ratliff-Rosenthal program, and with Held-Karp up to 8 stops / local search
above on the bundled layouts):

* pick by order, S-shape routing (block only) and optimal routing;
* FIFO batching (fill carts in order id order);
* Clarke-Wright savings, static (C&W(i)) and dynamic (C&W(ii));
* robocore: ``planner.plan_tours`` end to end (dynamic savings, iterated
  local search, CP-SAT set partitioning, assignment, final routing), with a
  2 s budget (what the fleet controller would use) and the full budget.

Usage: ``nice -n 10 python benchmarks/pick_bench.py [--instances block,medium,large] [--time-limit S]``.
Writes ``benchmarks/results/pick_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from planner import (AisleBlock, PickAgent, PickContext, PickOrder, batch_fifo, batch_savings,  # noqa: E402
                     plan_tours, route_s_shape)
from planner.batching import total_cost  # noqa: E402


def block_instance(seed: int = 0, n_orders: int = 200):
    block = AisleBlock(tuple(range(1, 30, 3)), front=31, back=0)
    grid = block.to_grid()
    rng = random.Random(seed)
    slots = [(r, x, side) for x in block.aisle_positions for r in range(1, 31) for side in ("L", "R")]
    orders = []
    for i in range(n_orders):
        lines = rng.sample(slots, rng.randint(1, 5))
        orders.append(PickOrder(f"O{i:04d}", tuple((r, x) for r, x, _ in lines)))
    return {"name": "block", "grid": grid, "block": block, "depot": (31, 0), "orders": orders,
            "desc": "10 aisles x 2 sides x 30 slots, 200 orders"}


def layout_instance(name: str, seed: int = 0, n_orders: int = 2000):
    from maps import load_layout

    layout = load_layout(name)
    grid = layout.grid
    depot = layout.stations[0].cell
    slots = [s for s in layout.slots if grid.is_passable(s.access)]
    rng = random.Random(seed)
    orders = []
    for i in range(n_orders):
        lines = rng.sample(slots, rng.randint(1, 5))
        orders.append(PickOrder(f"O{i:04d}", tuple(s.access for s in lines)))
    return {"name": name, "grid": grid, "block": None, "depot": depot, "orders": orders,
            "desc": f"{grid.rows} x {grid.cols}, {len(slots)} robot-reachable slots, {n_orders} orders"}


def routing_check(n_tours: int = 1000, n_brute: int = 200, seed: int = 0) -> dict:
    """Exact router on the block: time per tour and equality with Held-Karp
    (all tours) and with brute force over every permutation (the first
    ``n_brute``), orders of 1-8 picks on distinct random slots."""
    import itertools

    import numpy as np

    from planner import distance_matrix, route_exact, route_optimal
    from planner.routing import path_cost

    inst = block_instance(seed)
    block, grid, depot = inst["block"], inst["grid"], inst["depot"]
    rng = random.Random(seed + 1)
    slots = [(r, x) for x in block.aisle_positions for r in range(1, 31)]
    route_optimal(block, depot, slots[:3])  # compile / load the kernels outside the timing
    rr_us, rr_cpu_us, hk_us, bad_hk, bad_bf, brute = [], [], [], 0, 0, 0
    for i in range(n_tours):
        stops = rng.sample(slots, rng.randint(1, 8))
        t = time.perf_counter()
        c = time.thread_time()
        r = route_optimal(block, depot, stops)
        rr_cpu_us.append((time.thread_time() - c) * 1e6)
        rr_us.append((time.perf_counter() - t) * 1e6)
        D = distance_matrix(grid, [depot] + stops + [depot]).astype(np.int64)
        t = time.perf_counter()
        h = route_exact(D)
        hk_us.append((time.perf_counter() - t) * 1e6)
        bad_hk += int(h.length != r.length or path_cost(D, r.sequence) != r.length)
        if i < n_brute:
            brute += 1
            k = len(stops)
            best = min(path_cost(D, p) for p in itertools.permutations(range(k)))
            bad_bf += int(best != r.length)
    return {"tours": n_tours, "picks": "1-8", "rr_us_median": round(float(np.median(rr_us)), 1),
            "rr_us_p99": round(float(np.percentile(rr_us, 99)), 1), "rr_ms_max": round(max(rr_us) / 1000, 3),
            "rr_cpu_us_median": round(float(np.median(rr_cpu_us)), 1),
            "rr_cpu_us_p99": round(float(np.percentile(rr_cpu_us, 99)), 1),
            "rr_cpu_ms_max": round(max(rr_cpu_us) / 1000, 3),
            "held_karp_us_median": round(float(np.median(hk_us)), 1), "mismatch_vs_held_karp": bad_hk,
            "brute_force_checked": brute, "mismatch_vs_brute_force": bad_bf}


def run(inst, *, capacity: int, time_limit: float, seed: int) -> dict:
    grid, orders, depot, block = inst["grid"], inst["orders"], inst["depot"], inst["block"]
    agents = [PickAgent(f"R{i}", capacity_orders=capacity) for i in range(10)]
    rows = []
    t = time.perf_counter()
    ctx = PickContext(grid, orders, agents[:1], depot=depot, block=block)
    setup = time.perf_counter() - t
    p = ctx.problem
    t = time.perf_counter()
    pbo = sum(p.cost((i,)) for i in range(len(orders)))
    rows.append(("pick by order, optimal routing", pbo, time.perf_counter() - t, len(orders)))
    if block is not None:
        t = time.perf_counter()
        s = sum(route_s_shape(block, depot, o.picks).length for o in orders)
        rows.append(("pick by order, S-shape", s, time.perf_counter() - t, len(orders)))
    for label, fn in (("FIFO batching", lambda: batch_fifo(p)),
                      ("savings, static C&W(i)", lambda: batch_savings(p, dynamic=False)),
                      ("savings, dynamic C&W(ii)", lambda: batch_savings(p, dynamic=True))):
        t = time.perf_counter()
        b = fn()
        rows.append((label, total_cost(p, b), time.perf_counter() - t, len(b)))
    for tl in sorted({min(2.0, time_limit), time_limit}):
        t = time.perf_counter()
        tours = plan_tours(grid, orders, agents, depot=depot, block=block, time_limit_s=tl, seed=seed)
        rows.append((f"robocore plan_tours, time_limit_s={tl:g}", sum(tr.distance for tr in tours),
                     time.perf_counter() - t, len(tours)))
    out = {"instance": inst["name"], "desc": inst["desc"], "orders": len(orders), "capacity": capacity,
           "setup_s": round(setup, 3), "time_limit_s": time_limit, "results": []}
    for label, dist, wall, ntours in rows:
        out["results"].append({"method": label, "distance": int(dist), "ratio_to_pbo_optimal": round(dist / pbo, 4),
                               "tours": ntours, "wall_s": round(wall, 3)})
    sav = next(r["distance"] for r in out["results"] if r["method"].startswith("savings, dynamic"))
    rob = out["results"][-1]["distance"]
    out["robocore_vs_savings"] = round(rob / sav, 4)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default="block,medium,large")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="robocore's time_limit_s (default 20 on block, 40 on the bundled layouts)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / "results" / "pick_bench.json"))
    ap.add_argument("--no-routing", action="store_true", help="skip the exact-router check")
    args = ap.parse_args(argv)
    results = []
    routing = None
    if not args.no_routing:
        routing = routing_check(seed=args.seed)
        print(f"exact router (Ratliff-Rosenthal) on the block, {routing['tours']} tours of {routing['picks']} picks: "
              f"median {routing['rr_us_median']} us, p99 {routing['rr_us_p99']} us, max {routing['rr_ms_max']} ms "
              f"per tour wall (CPU: median {routing['rr_cpu_us_median']} us, p99 {routing['rr_cpu_us_p99']} us, "
              f"max {routing['rr_cpu_ms_max']} ms); Held-Karp median {routing['held_karp_us_median']} us; mismatches vs Held-Karp "
              f"{routing['mismatch_vs_held_karp']}, vs brute force {routing['mismatch_vs_brute_force']} "
              f"of {routing['brute_force_checked']}")
        sys.stdout.flush()
    for name in args.instances.split(","):
        inst = block_instance(args.seed) if name == "block" else layout_instance(name, args.seed)
        tl = args.time_limit if args.time_limit is not None else (20.0 if name == "block" else 40.0)
        res = run(inst, capacity=8, time_limit=tl, seed=args.seed)
        results.append(res)
        print(f"\n{name}: {res['desc']}, carts of {res['capacity']} orders, distances set up in {res['setup_s']} s")
        print(f"| method | total distance | x pick-by-order optimal | tours | wall s |")
        print(f"|---|---:|---:|---:|---:|")
        for r in res["results"]:
            print(f"| {r['method']} | {r['distance']:,} | {r['ratio_to_pbo_optimal']:.4f} | {r['tours']} | {r['wall_s']:.2f} |")
        print(f"robocore / dynamic savings = {res['robocore_vs_savings']:.4f}")
        sys.stdout.flush()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"benchmark": "pick_bench", "seed": args.seed, "routing": routing,
                                           "instances": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
