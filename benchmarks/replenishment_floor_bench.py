"""Replenishment on the floor: fixed reorder point against forecast-driven
levels, with and without velocity slotting, in the same simulated shift.

Every run is the same ``robocore run`` shift (layout, fleet, seed and order
stream) with the slots stocked low (``--stock-units``, default 10: 1..10
units a slot) so that the shelves run dry within hours without
replenishment. Replenishment reviews stock every ``--review-hours`` and
orders inbound due ``--lead-time-hours`` later; the inbound arrives at a dock
and the robots put it away (``fleet.putaway``), so replenishment competes with
picking for the fleet. Policies:

* ``off``: no replenishment (the floor only sells down);
* ``fixed``: reorder point = mean hourly demand of the 48 hours before the
  shift over the lead time + ``safety_hours`` of mean demand, order-up-to =
  reorder point + a review period of mean demand, set once;
* ``forecast``: ``planner.forecast`` on the hourly history (before the shift,
  then the shift's own hours), levels by service level 0.95, every review.

The fixed policy is run at several safety buffers; its stock-outs at the
forecast policy's average stock are interpolated between the two buffers
that bracket it (the comparison "at no more stock held on average").

Metrics per run: stock-out SKU-hours (SKU-hours at zero available stock,
sampled each floor minute), orders ever backordered, on-time rate, travel
per picked line (cells), average units held (shelves + dock), putaway robot
loads and their travel (cells).

    python benchmarks/replenishment_floor_bench.py [--hours 8] [--layout medium] [--stock-units 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fleet.shift import ShiftSpec, run_shift  # noqa: E402


def one(spec: ShiftSpec) -> dict:
    t0 = time.perf_counter()
    res = run_shift(spec)
    r = res.report
    led = res.controller.ledger
    ever_backordered = len({e.order_id for e in led.events() if e.to_state == "backordered"})
    led.check_invariants()
    res.close()
    return {
        "replenish": spec.replenish, "slotting": spec.slotting, "safety_hours": spec.safety_hours,
        "stockout_sku_hours": r["stockout_sku_hours"], "orders_ever_backordered": ever_backordered,
        "orders_backordered_at_end": r["orders_backordered"], "orders_shipped": r["orders_shipped"],
        "on_time_rate": r["on_time_rate"], "travel_per_line": r["travel_per_line"],
        "avg_units_held": r["avg_units_held"], "putaways": r["putaways"], "putaway_moves": r["putaway_moves"],
        "units_put_away": r["units_put_away"], "replenishment_orders": r["replenishment_orders"],
        "lines_picked": r["lines_picked"], "robot_utilisation": r["robot_utilisation"],
        "collisions": r["collisions"], "wall_s": round(time.perf_counter() - t0, 1),
    }


def at_stock(fixed_runs: list[dict], held: float) -> float | None:
    """Fixed-policy stock-outs interpolated at ``held`` average units (None if
    ``held`` is outside the runs' range)."""
    pts = sorted((f["avg_units_held"], f["stockout_sku_hours"]) for f in fixed_runs)
    for (h0, s0), (h1, s1) in zip(pts, pts[1:]):
        if h0 <= held <= h1:
            return s0 + (s1 - s0) * (held - h0) / (h1 - h0) if h1 > h0 else s0
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layout", default="medium")
    ap.add_argument("--robots", type=int, default=30)
    ap.add_argument("--humans", type=int, default=6)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stock-units", type=int, default=10)
    ap.add_argument("--review-hours", type=float, default=1.0)
    ap.add_argument("--lead-time-hours", type=float, default=1.0)
    ap.add_argument("--safety", default="0.5,1,2,3", help="fixed policy safety buffers, hours of mean demand")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "replenishment_floor_bench.json"))
    args = ap.parse_args(argv)

    base = ShiftSpec(layout=args.layout, robots=args.robots, humans=args.humans, hours=args.hours, seed=args.seed,
                     stock_units=args.stock_units, review_hours=args.review_hours,
                     lead_time_hours=args.lead_time_hours)
    safety = [float(x) for x in args.safety.split(",")]
    runs: list[dict] = []
    for slotting in ("random", "velocity"):
        runs.append(one(replace(base, slotting=slotting, replenish="off")))
        runs.append(one(replace(base, slotting=slotting, replenish="forecast")))
        for sh in (safety if slotting == "random" else [1.0]):
            runs.append(one(replace(base, slotting=slotting, replenish="fixed", safety_hours=sh)))
        print(f"{slotting}: {len(runs)} runs done", file=sys.stderr, flush=True)

    print(f"{args.layout}, {args.robots} robots + {args.humans} humans, {args.hours:g} h, seed {args.seed}, "
          f"1..{args.stock_units} units a slot at the start, review every {args.review_hours:g} h, "
          f"lead time {args.lead_time_hours:g} h")
    head = (f"{'slotting':9s} {'policy':16s} {'stock-out SKU-h':>15s} {'backordered':>11s} {'on-time':>8s} "
            f"{'travel/line':>11s} {'avg units held':>14s} {'putaways':>8s} {'putaway cells':>13s} {'wall s':>7s}")
    print(head)
    for r in runs:
        pol = r["replenish"] + (f" ({r['safety_hours']:g} h)" if r["replenish"] == "fixed" else "")
        print(f"{r['slotting']:9s} {pol:16s} {r['stockout_sku_hours']:15.1f} {r['orders_ever_backordered']:11d} "
              f"{(r['on_time_rate'] or 0):8.4f} {r['travel_per_line']:11.2f} {r['avg_units_held']:14.0f} "
              f"{r['putaways']:8d} {r['putaway_moves']:13d} {r['wall_s']:7.1f}")
    out = {"layout": args.layout, "robots": args.robots, "humans": args.humans, "hours": args.hours,
           "seed": args.seed, "stock_units": args.stock_units, "review_hours": args.review_hours,
           "lead_time_hours": args.lead_time_hours, "runs": runs, "comparisons": {}}
    for slotting in ("random", "velocity"):
        fc = next(r for r in runs if r["slotting"] == slotting and r["replenish"] == "forecast")
        fixed = [r for r in runs if r["slotting"] == slotting and r["replenish"] == "fixed"]
        f1 = next(r for r in fixed if r["safety_hours"] == 1.0) if any(r["safety_hours"] == 1.0 for r in fixed) \
            else fixed[0]
        eq = at_stock(fixed, fc["avg_units_held"]) if len(fixed) > 1 else None
        cmp = {"forecast_stockouts": fc["stockout_sku_hours"], "forecast_held": fc["avg_units_held"],
               "fixed_1h_stockouts": f1["stockout_sku_hours"], "fixed_1h_held": f1["avg_units_held"],
               "ratio_vs_fixed_1h": round(fc["stockout_sku_hours"] / max(f1["stockout_sku_hours"], 1e-9), 3),
               "fixed_at_equal_stock": None if eq is None else round(eq, 1),
               "ratio_at_equal_stock": None if eq is None else round(fc["stockout_sku_hours"] / max(eq, 1e-9), 3)}
        out["comparisons"][slotting] = cmp
        line = (f"{slotting}: forecast / fixed (1 h safety) stock-outs = {cmp['ratio_vs_fixed_1h']:.3f} "
                f"with {fc['avg_units_held'] / max(f1['avg_units_held'], 1e-9):.3f}x the stock")
        if eq is not None:
            line += f"; at equal stock (fixed interpolated: {eq:.1f} SKU-h) = {cmp['ratio_at_equal_stock']:.3f}"
        print(line)
    vel = {p: next(r for r in runs if r["slotting"] == "velocity" and r["replenish"] == p
                   and (p != "fixed" or r["safety_hours"] == 1.0)) for p in ("off", "forecast", "fixed")}
    rnd = {p: next(r for r in runs if r["slotting"] == "random" and r["replenish"] == p
                   and (p != "fixed" or r["safety_hours"] == 1.0)) for p in ("off", "forecast", "fixed")}
    for p in ("off", "fixed", "forecast"):
        cut = 1 - vel[p]["travel_per_line"] / rnd[p]["travel_per_line"]
        out["comparisons"][f"velocity_travel_cut_{p}"] = round(cut, 4)
        print(f"velocity slotting, replenish {p}: travel per line {rnd[p]['travel_per_line']:.2f} -> "
              f"{vel[p]['travel_per_line']:.2f} cells ({100 * cut:+.1f}% cut)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
