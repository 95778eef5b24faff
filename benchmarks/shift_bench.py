"""Shift simulation: speed against real time, a 200-robot shift on ``large``,
and batching + routing against pick-by-order S-shape in the same shift.

Three measurements, each a :func:`fleet.shift.run_shift` (the same code as
``robocore run``, no run folder written):

1. ``default``: the default ``robocore run`` (bundled ``medium``, 30 robots,
   6 humans, 8 hours, seed 0); speed = floor seconds per wall second
   (target >= 1,000x; the peer is real time, 1x).
2. ``large``: 200 robots on ``large`` for ``--large-hours`` hours (default 8,
   28,800 steps; with fewer hours the 8-hour wall time is extrapolated
   linearly and marked so) (target < 180 s).
3. ``policy``: the same shift (``--compare-layout``, default ``medium``,
   30 robots, 6 humans, ``--compare-hours`` hours, seed 0, the same order
   stream) under ``batch`` (pick planner batching and routing) and ``single``
   (one order per tour, S-shape visiting order): travel per line (moves made
   on tours per pick line) and the reduction (target >= 60%).

    nice -n 10 python benchmarks/shift_bench.py [--large-hours 8] [--compare-hours 2] [--skip-default] [--skip-large]

Prints a table and writes ``benchmarks/results/shift_bench.json``. Wall
times exclude Numba warm-up (compiled or loaded from cache before the clock).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fleet.shift import ShiftSpec, run_shift  # noqa: E402


def _run(spec: ShiftSpec) -> dict:
    t0 = time.perf_counter()
    res = run_shift(spec)
    res.close()
    r = dict(res.report)
    r["total_s"] = round(time.perf_counter() - t0, 2)
    r.pop("rejections", None)
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large-hours", type=float, default=8.0)
    ap.add_argument("--compare-hours", type=float, default=2.0)
    ap.add_argument("--compare-layout", default="medium")
    ap.add_argument("--skip-default", action="store_true")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "shift_bench.json"))
    args = ap.parse_args(argv)
    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_avg_start": os.getloadavg()}}
    rows = []
    if not args.skip_default:
        r = _run(ShiftSpec())
        result["default"] = r
        rows.append(("default run (medium, 30 robots + 6 humans, 8 h)", r["steps"], r["wall_s"],
                     f"{r['steps'] / r['wall_s']:,.0f}x real time", "target >= 1,000x"))
    if not args.skip_large:
        r = _run(ShiftSpec(layout="large", robots=200, humans=0, hours=args.large_hours))
        per_step = r["wall_s"] / r["steps"]
        r["extrapolated_8h_s"] = round(per_step * 28_800, 1)
        result["large"] = r
        what = (f"{r['steps'] / r['wall_s']:,.0f}x real time" if r["steps"] >= 28_800
                else f"8 h extrapolated: {r['extrapolated_8h_s']:.0f} s")
        rows.append((f"large, 200 robots, {args.large_hours:g} h", r["steps"], r["wall_s"], what, "target < 180 s"))
    base = ShiftSpec(layout=args.compare_layout, hours=args.compare_hours, seed=0)
    batch = _run(replace(base, policy="batch"))
    single = _run(replace(base, policy="single"))
    cut = 1.0 - batch["travel_per_line"] / single["travel_per_line"]
    result["policy"] = {"batch": batch, "single": single, "travel_reduction": round(cut, 4)}
    rows.append((f"batch + routing ({args.compare_layout}, {args.compare_hours:g} h)", batch["steps"], batch["wall_s"],
                 f"{batch['travel_per_line']:.1f} cells/line, {batch['lines_per_hour']:.0f} lines/h", ""))
    rows.append((f"pick-by-order S-shape (same shift)", single["steps"], single["wall_s"],
                 f"{single['travel_per_line']:.1f} cells/line, {single['lines_per_hour']:.0f} lines/h",
                 f"travel cut {100 * cut:.1f}% (target >= 60%)"))
    result["machine"]["load_avg_end"] = os.getloadavg()
    w = max(len(r[0]) for r in rows)
    print(f"{'run':<{w}}  {'steps':>6}  {'wall s':>7}  result")
    for name, steps, wall, res, target in rows:
        print(f"{name:<{w}}  {steps:>6}  {wall:>7.1f}  {res}  {target}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
