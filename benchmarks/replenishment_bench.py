"""Forecast-driven replenishment against a fixed reorder-point policy.

Simulates the same ``--weeks`` of daily demand for ``--skus`` SKUs (the
seeded synthetic set of ``forecast_bench``; two years of history before the
simulated weeks) under two continuous-review (s, S) policies with the same
supplier lead time:

* fixed: reorder point = historical mean over the lead time + ``safety_days``
  of mean demand, order-up-to = reorder point + a review period of mean
  demand, set once at the start;
* forecast: levels recomputed every week from ``planner.forecast`` (mean and
  error spread) by ``planner.replenishment.levels_from_forecast``.

Unmet demand is backordered and served first when stock arrives. The fixed
policy's ``safety_days`` is calibrated (bisection) so that it holds the same
average stock as the forecast policy; the comparison is then stock-outs at
equal stock. Prints a table and writes JSON.

    python benchmarks/replenishment_bench.py [--skus 500] [--weeks 16] [--lead-time 7]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from forecast_bench import synthetic_demand  # noqa: E402

from planner.forecast import forecast_demand  # noqa: E402
from planner.replenishment import fixed_levels, levels_from_forecast, order_quantity  # noqa: E402


def simulate(demand: np.ndarray, levels_for_week, *, start: int, days: int, lead_time: int):
    """Run the policy over ``demand[:, start:start+days]``; returns metrics."""
    n = demand.shape[0]
    levels = levels_for_week(0)
    on_hand = np.array([lv.order_up_to for lv in levels], dtype=np.float64).round()
    backlog = np.zeros(n)
    pipeline = np.zeros((lead_time + 1, n))  # pipeline[k] arrives in k days
    stockout_days = 0
    short_units = 0.0
    held = 0.0
    demand_total = 0.0
    orders = 0
    for day in range(days):
        if day and day % 7 == 0:
            levels = levels_for_week(day // 7)
        # arrivals
        on_hand += pipeline[0]
        pipeline[:-1] = pipeline[1:]
        pipeline[-1] = 0
        serve = np.minimum(on_hand, backlog)
        on_hand -= serve
        backlog -= serve
        d = demand[:, start + day]
        demand_total += d.sum()
        filled = np.minimum(on_hand, d)
        on_hand -= filled
        unmet = d - filled
        backlog += unmet
        stockout_days += int((unmet > 0).sum())
        short_units += unmet.sum()
        # review
        position = on_hand + pipeline.sum(axis=0) - backlog
        for s in range(n):
            q = order_quantity(position[s], levels[s])
            if q:
                pipeline[lead_time - 1, s] += q
                orders += 1
        held += on_hand.sum()
    return {
        "stockout_sku_days": stockout_days,
        "short_units": float(short_units),
        "fill_rate": float(1 - short_units / max(demand_total, 1)),
        "avg_units_held": held / days,
        "purchase_orders": orders,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skus", type=int, default=500)
    ap.add_argument("--weeks", type=int, default=16)
    ap.add_argument("--lead-time", type=int, default=7)
    ap.add_argument("--service-level", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "replenishment_bench.json"))
    args = ap.parse_args(argv)

    days = 7 * args.weeks
    y, _ = synthetic_demand(args.skus, days=730 + days, seed=args.seed)
    start = 730
    lt = args.lead_time
    t0 = time.perf_counter()
    cache: dict[int, list] = {}

    def forecast_week(w: int):
        if w not in cache:
            hist = y[:, : start + 7 * w]
            starts = np.array([np.flatnonzero(r)[0] if r.any() else 0 for r in hist])
            res = forecast_demand(hist, horizon=lt + 7, starts=starts, origins=4)
            cache[w] = [levels_from_forecast(res.mean[s], res.sigma[s], lead_time_days=lt, review_days=7,
                                             service_level=args.service_level) for s in range(args.skus)]
        return cache[w]

    fc = simulate(y, forecast_week, start=start, days=days, lead_time=lt)
    fc_wall = time.perf_counter() - t0

    hist_mean_window = y[:, start - 56:start]

    def fixed_with(safety_days: float):
        lv = [fixed_levels(hist_mean_window[s], lead_time_days=lt, review_days=7, safety_days=safety_days)
              for s in range(args.skus)]
        return simulate(y, lambda w: lv, start=start, days=days, lead_time=lt)

    lo, hi = 0.0, 30.0
    fixed = fixed_with(3.0)
    for _ in range(30):
        mid = (lo + hi) / 2
        fixed = fixed_with(mid)
        if fixed["avg_units_held"] < fc["avg_units_held"]:
            lo = mid
        else:
            hi = mid
        if abs(fixed["avg_units_held"] - fc["avg_units_held"]) < 0.002 * fc["avg_units_held"]:
            break
    fixed["safety_days"] = mid
    fixed3 = fixed_with(3.0)
    ratio = fc["stockout_sku_days"] / max(fixed["stockout_sku_days"], 1)
    print(f"{args.skus} SKUs, {args.weeks} weeks, lead time {lt} d, service level {args.service_level}, seed {args.seed}")
    print(f"{'policy':34s} {'stock-out SKU-days':>18s} {'fill rate':>9s} {'avg units held':>14s} {'POs':>6s}")
    for name, r in (("forecast-driven (weekly)", fc), (f"fixed ROP, equal stock ({mid:.2f} d)", fixed),
                    ("fixed ROP, 3 days safety", fixed3)):
        print(f"{name:34s} {r['stockout_sku_days']:18d} {r['fill_rate']:9.4f} {r['avg_units_held']:14.0f} "
              f"{r['purchase_orders']:6d}")
    print(f"stock-outs at equal stock: forecast / fixed = {ratio:.3f}; forecasting and simulation {fc_wall:.1f} s")
    out = {"skus": args.skus, "weeks": args.weeks, "lead_time": lt, "service_level": args.service_level,
           "seed": args.seed, "forecast": fc, "fixed_equal_stock": fixed, "fixed_3_days": fixed3,
           "stockout_ratio": ratio}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
