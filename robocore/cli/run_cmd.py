"""``robocore run``: simulate a shift end to end and write a run folder."""

from __future__ import annotations

import argparse
import sys

from robocore.cli._common import arg_type

__all__ = ["register", "add_shift_options", "add_publish_options", "add_replenish_options", "print_kpis"]


_positive_int = arg_type(int, "a positive integer", ok=lambda v: v >= 1)
_count = arg_type(int, "a non-negative integer", ok=lambda v: v >= 0)
_hours = arg_type(float, "a number of hours", ok=lambda v: 0 < v <= 168, bad="hours must be in (0, 168]")
_rate = arg_type(float, "a probability", ok=lambda v: 0 <= v <= 1, bad="expected a probability in [0, 1]")
_order_rate = arg_type(float, "orders per hour", ok=lambda v: v > 0, bad="orders per hour must be positive")


def add_publish_options(p) -> None:
    """``--publish``, ``--publish-every`` and ``--publish-speed`` (``run`` and ``serve``)."""
    p.add_argument("--publish", metavar="tcp://HOST:PORT", default=None,
                   help="publish the floor every step on a telemetry PUB at PORT with snapshots on PORT+1, "
                        "for 'robocore view --connect' (PORT 0 or *: free ports, printed on stderr)")
    p.add_argument("--publish-every", type=_positive_int, default=1, metavar="K",
                   help="with --publish: publish every K-th step (default 1)")
    p.add_argument("--publish-speed", type=float, default=0.0, metavar="S",
                   help="with --publish: pace the run to S floor seconds per wall second (default 0: as fast as it runs)")


def add_shift_options(p) -> None:
    """Options shared by ``run`` and ``bench`` (everything but layout and fleet size)."""
    p.add_argument("--hours", type=_hours, default=8.0, help="shift length in hours of floor time (default 8)")
    p.add_argument("--orders", type=_positive_int, default=None,
                   help="exactly N orders; the run ends as soon as every one is done (shipped, cancelled, rejected or backordered)")
    p.add_argument("--seed", type=int, default=0, help="seed of everything random (default 0)")
    p.add_argument("--policy", choices=("batch", "single"), default="batch",
                   help="batch: batched, routed tours (default); single: pick-by-order with S-shape routes")
    p.add_argument("--slotting", choices=("random", "velocity"), default="random",
                   help="random: SKUs on random slots (default); velocity: fast movers nearest the pack stations")
    p.add_argument("--fault-rate", type=_rate, default=2e-6, help="robot fault probability per working step (default 2e-6)")
    p.add_argument("--rate", type=_order_rate, default=None,
                   help="order arrivals per hour (default: sized to the fleet, about 12.5 per robot and 9 per human)")


def add_replenish_options(p) -> None:
    """In-shift replenishment and putaway (``docs/putaway.md``)."""
    p.add_argument("--replenish", choices=("off", "fixed", "forecast"), default="off",
                   help="review stock during the shift and order inbound, which arrives at a dock and is put "
                        "away by the robots: fixed reorder point, or forecast-driven levels (default off)")
    p.add_argument("--review-hours", type=_hours, default=1.0, metavar="H",
                   help="with --replenish: floor hours between stock reviews (default 1)")
    p.add_argument("--lead-time-hours", type=_hours, default=1.0, metavar="H",
                   help="with --replenish: floor hours from a purchase to its arrival at a dock (default 1)")
    p.add_argument("--stock-units", type=_positive_int, default=100, metavar="N",
                   help="at most N units on each stocked slot at the start (default 100)")
    p.add_argument("--load-units", type=_positive_int, default=40, metavar="N",
                   help="units a robot carries per putaway trip (default 40)")


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate a warehouse shift end to end: orders in, parcels out",
                       description="Simulate a shift on a warehouse floor: a seeded order stream is confirmed, "
                                   "picked by robots and people, packed, labelled and shipped. Writes a run folder "
                                   "(ledger.sqlite, layout.json, report.json, trajectory.npz, floor.png, labels/).")
    p.add_argument("--layout", default="medium", help="bundled layout (small, medium, large) or a layout file (default medium)")
    p.add_argument("--robots", type=_count, default=30, help="robots (default 30)")
    p.add_argument("--humans", type=_count, default=6, help="human pickers (default 6)")
    add_shift_options(p)
    p.add_argument("--db", default=None, help="ledger file to create (default OUT/ledger.sqlite)")
    p.add_argument("--out", default=None, help="run folder (default runs/seed<SEED>-<UTC time>)")
    p.add_argument("--check", action="store_true", help="prove the line accounting every step (slower)")
    p.add_argument("--view", action="store_true",
                   help="watch the floor live in a window (space pause, +/- speed, q quit: the run stops there)")
    p.add_argument("--view-speed", type=float, default=10.0,
                   help="with --view: floor seconds shown per wall second (default 10; 0 = as fast as it runs)")
    add_replenish_options(p)
    add_publish_options(p)
    p.add_argument("--link", choices=("sim", "zmq"), default="sim",
                   help="sim: agents simulated in this process (default); zmq: robots as separate processes "
                        "driven over the ZeroMQ bridge on loopback, in lockstep simulated time")
    p.add_argument("--robot-processes", type=_positive_int, default=None, metavar="P",
                   help="with --link zmq: robot processes (default one per 50 robots)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object on stdout")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import datetime as _dt
    import os

    from fleet.shift import ShiftSpec, run_shift
    from robocore.cli._common import Progress, emit_json
    from robocore.errors import InputError

    spec = ShiftSpec(layout=args.layout, robots=args.robots, humans=args.humans, hours=args.hours,
                     orders=args.orders, seed=args.seed, policy=args.policy, fault_rate=args.fault_rate,
                     rate_per_hour=args.rate, slotting=args.slotting, replenish=args.replenish,
                     review_hours=args.review_hours, lead_time_hours=args.lead_time_hours,
                     stock_units=args.stock_units, load_units=args.load_units)
    out = args.out
    if out is None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        out = os.path.join("runs", f"seed{args.seed}-{stamp}")
    if os.path.exists(os.path.join(out, "report.json")):
        raise InputError("run folder already holds a run; choose another --out", source=out)
    from maps import load_layout

    layout = load_layout(args.layout)
    on_step = viewer = None
    if args.view:
        from fleet.shift import live_frame
        from viz import Viewer

        if args.view_speed < 0:
            raise InputError(f"--view-speed must be >= 0, got {args.view_speed}")
        viewer = Viewer(layout, title=f"robocore run: {layout.name}", speed=args.view_speed or None)

        def on_step(ctl):
            return viewer.show(live_frame(ctl))

    publisher = None
    if args.publish is not None:
        on_step, publisher = _publishing(args, layout, on_step)
    fleet = make_link = None
    link_stats = {}
    if args.link == "zmq":
        if args.robots > len(layout.spawns):
            raise InputError(f"--link zmq: layout {layout.name!r} has {len(layout.spawns)} spawn cells for "
                             f"{args.robots} robots (robot processes start on spawn cells)")
        from fleet.zmqlink import LoopbackFleet

        os.makedirs(out, exist_ok=True)
        fleet = LoopbackFleet(args.layout, map_id=layout.name, robots=args.robots, processes=args.robot_processes,
                              log_path=os.path.join(out, "robots.log"), params=spec.link_params(), seed=spec.seed)
        print(f"bridge on {fleet.server.endpoint}; {args.robots} robot(s) starting", file=sys.stderr)

        def make_link(grid, kinds, starts, **options):
            link = fleet.link(grid, kinds, starts, **options)
            link.connect()
            link_stats["link"] = link
            return link

    try:
        with Progress(int(round(spec.hours * 3600)), desc="shift", enabled=not args.quiet and not args.json) as bar:
            result = run_shift(spec, layout=layout, out=out, db=args.db, progress=bar,
                               check_every=1 if args.check else 0, on_step=on_step, make_link=make_link)
    finally:
        if viewer is not None:
            viewer.close()
        if publisher is not None:
            publisher.close()
        if fleet is not None:
            fleet.close()
    result.close()
    report = dict(result.report)
    report["out"] = str(out)
    report["link"] = args.link
    if "link" in link_stats:
        link = link_stats["link"]
        report["link_late_steps"] = len(link.late)
        report["link_robots_gone"] = list(link.gone)
        report["link_wait_s"] = round(link.wait_s, 3)
    if args.json:
        emit_json(report)
    else:
        print_kpis(report)
        print(f"run folder: {out}")
    return 0 if report["collisions"] == 0 else 1


def _publishing(args: argparse.Namespace, layout, inner):
    """``on_step`` that publishes the floor (bridge.floor.FloorPublisher), then calls ``inner`` (the window)."""
    import time

    from bridge.floor import FloorPublisher
    from fleet.shift import live_frame
    from robocore.errors import InputError

    if not args.publish_speed >= 0:
        raise InputError(f"--publish-speed must be >= 0, got {args.publish_speed}")
    pub = FloorPublisher(args.publish, layout, every=args.publish_every)
    print(f"robocore run: publishing the floor on {pub.endpoint} (snapshots on port {pub.port + 1}); "
          f"watch with: robocore view --connect {pub.endpoint}", file=sys.stderr, flush=True)
    start = time.perf_counter()

    def on_step(ctl):
        pub.step(lambda: live_frame(ctl))
        if args.publish_speed > 0:
            wait = start + ctl.step_no / args.publish_speed - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        return inner(ctl) if inner is not None else None

    return on_step, pub


def print_kpis(r: dict, file=None) -> None:
    """The KPI table of one run, on stdout."""
    file = file or sys.stdout

    def pct(v):
        return "-" if v is None else f"{100 * v:.1f}%"

    rows = [
        ("layout", f"{r['layout']} ({r['robots']} robots, {r['humans']} humans, policy {r['policy']})"),
        ("floor time", f"{r['steps']} s ({r['steps'] / 3600:.2f} h), wall {r['wall_s']:.1f} s, {r['speedup'] or 0:.0f}x real time"),
        ("orders received", r["orders_received"]),
        ("  shipped", r["orders_shipped"]),
        ("  backordered", r["orders_backordered"]),
        ("  cancelled", r["orders_cancelled"]),
        ("  rejected", r["orders_rejected"]),
        ("  open", r["orders_open"]),
        ("lines picked", f"{r['lines_picked']} ({r['lines_per_hour']:.1f} per hour)"),
        ("on-time rate", pct(r["on_time_rate"])),
        ("avg order cycle time", "-" if r["avg_cycle_time_s"] is None else f"{r['avg_cycle_time_s'] / 60:.1f} min"),
        ("robot utilisation", pct(r["robot_utilisation"])),
        ("travel per line", "-" if r["travel_per_line"] is None else f"{r['travel_per_line']:.1f} cells"),
        ("parcels", r["parcels"]),
        ("faults / charges / stranded", f"{r['faults']} / {r['charges']} / {r['stranded']}"),
        ("planner step", f"median {r['planner_step_ms']['median']:.3f} ms, p99 {r['planner_step_ms']['p99']:.3f} ms"),
        ("collisions", r["collisions"]),
    ]
    if r.get("replenish", "off") != "off":
        rows[-1:-1] = [
            ("replenishment", f"{r['replenish']}: {r['replenishment_reviews']} reviews, "
                              f"{r['replenishment_orders']} purchases, {r['units_ordered']} units"),
            ("putaway", f"{r['inbound_receipts']} receipts, {r['putaways']} robot loads, "
                        f"{r['units_put_away']}/{r['units_received']} units put away"),
        ]
    if r.get("stockout_sku_hours") is not None:
        rows.insert(-1, ("stock-outs", f"{r['stockout_sku_hours']:.1f} SKU-hours at zero available, "
                                       f"{r['avg_units_held']:.0f} units held on average"))
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{w}}  {v}", file=file)
