"""A shift over the ZeroMQ bridge vs the same shift in-process.

Runs ``fleet.shift.run_shift`` twice with the same spec and seed: once with
the in-process ``SimLink`` and once with ``fleet.zmqlink.ZmqLink`` over a
``LoopbackFleet`` (CURVE on loopback, ``robocore robot --lockstep`` child
processes). Reports wall time of the shift loop, floor steps per wall second,
the link's time spent waiting for robot states, late steps, collisions, the
five order counts, and whether both trajectories are identical (they must be:
lockstep makes the wire invisible). The start-up (robot processes connecting)
is timed separately.

    nice -n 10 python benchmarks/zmqshift_bench.py [--layout medium] [--robots 12] [--humans 2] [--orders 40]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORDER_KEYS = ("orders_shipped", "orders_backordered", "orders_cancelled", "orders_rejected", "orders_open")


def main(argv=None) -> int:
    import numpy as np

    from fleet.shift import ShiftSpec, run_shift
    from fleet.zmqlink import LoopbackFleet
    from maps import load_layout

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layout", default="medium")
    ap.add_argument("--robots", type=int, default=12)
    ap.add_argument("--humans", type=int, default=2)
    ap.add_argument("--orders", type=int, default=40, help="orders (0: the shift's order rate, as `robocore run`)")
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=None, help="robot processes (default: 1 per 50 robots)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "zmqshift_bench.json"))
    args = ap.parse_args(argv)
    layout = load_layout(args.layout)
    load_before = os.getloadavg()
    spec = ShiftSpec(layout=args.layout, robots=args.robots, humans=args.humans, orders=args.orders or None,
                     hours=args.hours, seed=args.seed)
    rows = {}
    sim = run_shift(spec, layout=layout)
    rows["sim"] = {"wall_s": sim.report["wall_s"], "steps": sim.report["steps"],
                   "collisions": sim.report["collisions"], **{k: sim.report[k] for k in ORDER_KEYS}}
    t0 = time.perf_counter()
    with LoopbackFleet(args.layout, map_id=layout.name, robots=args.robots, processes=args.processes,
                       params=spec.link_params(), seed=spec.seed) as fleet:
        box = {}

        def make_link(grid, kinds, starts, **options):
            link = fleet.link(grid, kinds, starts, **options)
            link.connect()
            box["link"] = link
            box["startup_s"] = time.perf_counter() - t0
            return link

        zq = run_shift(spec, layout=layout, make_link=make_link)
    link = box["link"]
    rows["zmq"] = {"wall_s": zq.report["wall_s"], "steps": zq.report["steps"], "collisions": zq.report["collisions"],
                   **{k: zq.report[k] for k in ORDER_KEYS}, "startup_s": round(box["startup_s"], 2),
                   "wait_s": round(link.wait_s, 2), "late_steps": len(link.late), "robots_gone": len(link.gone)}
    same = bool(np.array_equal(sim.recorder.positions(), zq.recorder.positions()))
    for name, r in rows.items():
        r["steps_per_s"] = round(r["steps"] / max(r["wall_s"], 1e-9), 1)
    print(f"{args.layout}: {args.robots} robots, {args.humans} humans, {args.orders} orders, seed {args.seed}")
    print(f"{'link':<5} {'steps':>6} {'wall s':>8} {'steps/s':>8} {'wait s':>7} {'late':>5} {'coll':>5} "
          f"{'ship/back/canc/rej/open':>24}")
    for name, r in rows.items():
        counts = "/".join(str(r[k]) for k in ORDER_KEYS)
        print(f"{name:<5} {r['steps']:>6} {r['wall_s']:>8.2f} {r['steps_per_s']:>8.1f} "
              f"{r.get('wait_s', 0):>7.2f} {r.get('late_steps', 0):>5} {r['collisions']:>5} {counts:>24}")
    load = [round(x, 2) for x in (*load_before, *os.getloadavg())]
    print(f"zmq set-up to the first step (ledger stocking, robot processes connecting): {rows['zmq']['startup_s']:.2f} s; "
          f"trajectories identical: {same}; load average 1/5/15 min before {load[:3]}, after {load[3:]}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"spec": vars(args), "runs": rows, "identical_trajectories": same,
                               "load_average": {"before": load[:3], "after": load[3:]}}, indent=2) + "\n")
    sim.close()
    zq.close()
    return 0 if same and rows["zmq"]["collisions"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
