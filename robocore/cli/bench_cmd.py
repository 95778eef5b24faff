"""``robocore bench``: the shift on a grid of layouts x fleet sizes."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register", "bench_grid", "write_chart"]

COLUMNS = ("layout", "robots", "humans", "orders_received", "orders_shipped", "lines_picked", "lines_per_hour",
           "on_time_rate", "travel_per_line", "robot_utilisation", "collisions", "steps", "wall_s")


def _list_of_counts(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip()
        try:
            v = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated robot counts, got {part!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"robot counts must be >= 0, got {v}")
        out.append(v)
    if not out:
        raise argparse.ArgumentTypeError("expected at least one robot count")
    return out


def _list_of_names(text: str) -> list[str]:
    out = [p.strip() for p in text.split(",") if p.strip()]
    if not out:
        raise argparse.ArgumentTypeError("expected at least one layout")
    return out


def register(sub) -> None:
    from robocore.cli.run_cmd import _count, add_shift_options

    p = sub.add_parser("bench", help="throughput, on-time rate and travel per line against layout and fleet size",
                       description="Run the shift on every layout x fleet size and compare: lines picked per hour, "
                                   "on-time rate, travel per line. Writes bench.csv, bench.json and bench.png.")
    p.add_argument("--layouts", type=_list_of_names, default=["small", "medium"],
                   help="comma-separated bundled layouts or layout files (default small,medium)")
    p.add_argument("--robots", type=_list_of_counts, default=[5, 10, 20],
                   help="comma-separated robot counts (default 5,10,20)")
    p.add_argument("--humans", type=_count, default=0, help="human pickers in every run (default 0)")
    add_shift_options(p)
    p.set_defaults(hours=1.0, rate=1500.0)
    p.add_argument("--out", default=None, help="folder for bench.csv/json/png (default runs/bench-<UTC time>)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object on stdout")
    p.set_defaults(handler=_bench)


def bench_grid(layouts, robots, *, humans: int, base, progress=None) -> list[dict]:
    """Run :func:`fleet.shift.run_shift` for every layout x robot count;
    return one row (``COLUMNS``) per run."""
    from dataclasses import replace

    from fleet.shift import run_shift
    from maps import load_layout

    rows = []
    for name in layouts:
        layout = load_layout(name)
        for n in robots:
            if n + humans == 0:
                continue
            spec = replace(base, layout=name, robots=n, humans=humans)
            res = run_shift(spec, layout=layout)
            res.close()
            r = res.report
            row = {k: r[k] for k in COLUMNS}
            row["layout"] = name
            rows.append(row)
            if progress is not None:
                progress(row)
    return rows


def write_chart(rows, path) -> bool:
    """Throughput against fleet size, one line per layout, as a PNG. Returns
    False (and says so on stderr) when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        print("robocore bench: matplotlib is not installed (pip install 'robocore[bench]'); no chart written",
              file=sys.stderr)
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    for name in dict.fromkeys(r["layout"] for r in rows):
        pts = sorted((r["robots"], r["lines_per_hour"]) for r in rows if r["layout"] == name)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set_xlabel("robots")
    ax.set_ylabel("lines picked per hour")
    ax.set_title("Throughput against fleet size")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _bench(args: argparse.Namespace) -> int:
    import csv
    import datetime as _dt
    import json
    import os

    from fleet.shift import ShiftSpec
    from robocore.cli._common import emit_json

    base = ShiftSpec(hours=args.hours, orders=args.orders, seed=args.seed, policy=args.policy, fault_rate=args.fault_rate,
                     rate_per_hour=args.rate, slotting=args.slotting)
    out = args.out or os.path.join("runs", "bench-" + _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out, exist_ok=True)
    total = len(args.layouts) * len(args.robots)
    done = [0]

    def tell(row):
        done[0] += 1
        if not args.quiet and not args.json:
            print(f"bench [{done[0]}/{total}] {row['layout']} {row['robots']} robots: "
                  f"{row['lines_per_hour']:.0f} lines/h, {row['wall_s']:.1f} s", file=sys.stderr)

    rows = bench_grid(args.layouts, args.robots, humans=args.humans, base=base, progress=tell)
    with open(os.path.join(out, "bench.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    result = {"hours": args.hours, "seed": args.seed, "policy": args.policy, "slotting": args.slotting, "humans": args.humans,
              "orders_per_hour": args.rate, "runs": rows,
              "out": out}
    with open(os.path.join(out, "bench.json"), "w") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")
    write_chart(rows, os.path.join(out, "bench.png"))
    if args.json:
        emit_json(result)
    else:
        hdr = f"{'layout':<12} {'robots':>6} {'lines/h':>9} {'on-time':>8} {'travel/line':>11} {'util':>6} {'wall s':>7}"
        print(hdr)
        for r in rows:
            ot = "-" if r["on_time_rate"] is None else f"{100 * r['on_time_rate']:.1f}%"
            tl = "-" if r["travel_per_line"] is None else f"{r['travel_per_line']:.1f}"
            print(f"{r['layout']:<12} {r['robots']:>6} {r['lines_per_hour']:>9.1f} {ot:>8} {tl:>11} "
                  f"{100 * r['robot_utilisation']:>5.1f}% {r['wall_s']:>7.1f}")
        print(f"results: {out}/bench.csv, bench.json, bench.png")
    return 0 if all(r["collisions"] == 0 for r in rows) else 1
