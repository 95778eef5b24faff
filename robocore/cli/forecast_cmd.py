"""``robocore forecast``: per-SKU daily demand forecasts and reorder points."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser(
        "forecast",
        help="forecast daily demand per SKU from a ledger's order history or a CSV",
        description="Forecast daily demand per SKU (models ranked by backtest, best three averaged), "
        "with an upper 90%% quantile and a reorder point.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--db", metavar="LEDGER", help="a robocore ledger (SQLite); demand = ordered units per SKU per day")
    src.add_argument("--history", metavar="DEMAND.csv", help="CSV with columns sku,date,qty (missing dates are zero)")
    p.add_argument("--horizon", type=int, default=28, help="days to forecast, from the day after the last history date (default 28)")
    p.add_argument("--lead-time", type=float, default=7.0, help="replenishment lead time in days for the reorder point (default 7)")
    p.add_argument("--service-level", type=float, default=0.95, help="target cycle service level for safety stock (default 0.95)")
    p.add_argument("--sku", action="append", help="only this SKU (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(handler=_forecast)


def _forecast(args: argparse.Namespace) -> int:
    import datetime as dt

    import numpy as np

    from robocore.cli._common import emit_json
    from robocore.errors import InputError

    if not 1 <= args.horizon <= 366:
        raise InputError(f"--horizon must be 1-366 days, got {args.horizon}")
    if not args.lead_time > 0:
        raise InputError(f"--lead-time must be positive, got {args.lead_time}")
    if not 0.5 <= args.service_level < 1:
        raise InputError(f"--service-level must be in [0.5, 1), got {args.service_level}")
    if args.history:
        from robocore.demand import read_demand_csv

        hist = read_demand_csv(args.history)
    else:
        from robocore.demand import ledger_demand_history

        hist = ledger_demand_history(args.db)
    rows = np.arange(len(hist.skus))
    if args.sku:
        missing = [s for s in args.sku if s not in hist.skus]
        if missing:
            raise InputError(f"SKU {missing[0]!r} has no demand history")
        rows = np.array([hist.skus.index(s) for s in args.sku])
    from planner.forecast import forecast_demand, reorder_point

    res = forecast_demand(hist.demand[rows], horizon=args.horizon, starts=hist.starts[rows], quantile=0.9)
    start = hist.last_date + dt.timedelta(days=1)
    out = []
    for k, s in enumerate(rows):
        lt = int(np.ceil(args.lead_time))
        mean_lt = res.mean[k][: max(lt, 1)] if lt <= args.horizon else res.mean[k]
        rop = reorder_point(mean_lt, res.sigma[k], lead_time_days=args.lead_time, service_level=args.service_level)
        out.append({
            "sku": hist.skus[s],
            "model": res.model[k],
            "mean": [round(float(v), 4) for v in res.mean[k]],
            "q90": [round(float(v), 4) for v in res.q[k]],
            "reorder_point": round(float(rop), 3),
        })
    if args.json:
        emit_json({"start_date": start.isoformat(), "horizon": args.horizon, "lead_time_days": args.lead_time,
                   "service_level": args.service_level, "forecasts": out})
        return 0
    print(f"{len(out)} SKU(s), horizon {args.horizon} days from {start.isoformat()}, "
          f"lead time {args.lead_time:g} d, service level {args.service_level:g}")
    print(f"{'sku':16s} {'model':22s} {'mean/day':>9s} {'q90 day1':>9s} {'reorder pt':>10s}")
    for f in out:
        print(f"{f['sku'][:16]:16s} {f['model'][:22]:22s} {sum(f['mean']) / len(f['mean']):9.2f} "
              f"{f['q90'][0]:9.2f} {f['reorder_point']:10.1f}")
    return 0
