"""Velocity slotting against random slotting in the same shift.

Runs the shift twice with the same seed, layout, fleet and order stream:
once with SKUs on random slots (popular SKUs on more slots, placed anywhere)
and once with velocity slotting (the same SKU list dealt over the slots
nearest the pack stations first, ``planner.slotting``). Reports travel per
line, lines per hour and on-time rate, prints a table and writes JSON.

    python benchmarks/slotting_bench.py [--layout medium] [--hours 2] [--policy batch]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fleet.shift import ShiftSpec, run_shift  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layout", default="medium")
    ap.add_argument("--robots", type=int, default=30)
    ap.add_argument("--humans", type=int, default=6)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--policy", default="batch", choices=("batch", "single"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "slotting_bench.json"))
    args = ap.parse_args(argv)
    rows = {}
    for slotting in ("random", "velocity"):
        spec = ShiftSpec(layout=args.layout, robots=args.robots, humans=args.humans, hours=args.hours,
                         seed=args.seed, policy=args.policy, slotting=slotting)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            res = run_shift(spec, out=Path(tmp) / "run")
            r = res.report
            res.close()
        rows[slotting] = {k: r[k] for k in ("lines_picked", "travel_per_line", "lines_per_hour", "on_time_rate",
                                             "collisions", "orders_backordered")}
        rows[slotting]["wall_s"] = time.perf_counter() - t0
    cut = 1 - rows["velocity"]["travel_per_line"] / rows["random"]["travel_per_line"]
    print(f"{args.layout}, {args.robots} robots + {args.humans} humans, {args.hours:g} h, policy {args.policy}, "
          f"seed {args.seed}")
    print(f"{'slotting':10s} {'lines':>6s} {'travel/line':>11s} {'lines/h':>8s} {'on-time':>8s} {'collisions':>10s}")
    for name, r in rows.items():
        print(f"{name:10s} {r['lines_picked']:6d} {r['travel_per_line']:11.2f} {r['lines_per_hour']:8.1f} "
              f"{r['on_time_rate']:8.3f} {r['collisions']:10d}")
    print(f"travel per line cut by velocity slotting: {100 * cut:.1f}%")
    out = {"layout": args.layout, "robots": args.robots, "humans": args.humans, "hours": args.hours,
           "policy": args.policy, "seed": args.seed, "runs": rows, "travel_cut": cut}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
