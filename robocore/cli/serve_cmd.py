"""``robocore serve``: the fleet controller for robots in separate processes (or on the floor)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from robocore.cli._common import arg_type

__all__ = ["register"]


_port = arg_type(int, "a port number", ok=lambda v: 0 <= v <= 65535, bad="port must be in 0..65535")


def register(sub) -> None:
    from robocore.cli.run_cmd import _count, _hours, _order_rate, add_publish_options, add_replenish_options

    p = sub.add_parser(
        "serve", help="run the fleet controller over the ZeroMQ bridge for `robocore robot` processes",
        description="Bind the bridge (commands and state on a ROUTER, telemetry on a PUB), create the ledger, "
                    "take orders (a file and/or a generated stream), wait for --robots robots to connect "
                    "(`robocore robot --lockstep --count N --connect ENDPOINT`), then drive them in lockstep "
                    "simulated time until --hours of floor time or Ctrl-C, and write a run folder.")
    p.add_argument("--layout", default="small", help="bundled layout (small, medium, large) or a layout file (default small)")
    p.add_argument("--robots", type=_count, required=True, metavar="N", help="robots to wait for (serials R0000 ...)")
    p.add_argument("--humans", type=_count, default=0, help="human pickers, simulated in this process (default 0)")
    p.add_argument("--bind", default="127.0.0.1", metavar="HOST", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0, help="command port (default 0: an ephemeral port, printed)")
    sec = p.add_mutually_exclusive_group(required=True)
    sec.add_argument("--keys", metavar="DIR", help="CURVE keys directory (`robocore keys`): controller.key and "
                                                  "the registered robot public keys")
    sec.add_argument("--insecure", action="store_true", help="plain TCP, no CURVE (loopback tests only)")
    p.add_argument("--db", default=None,
                   help="ledger file (default OUT/ledger.sqlite); an existing one is resumed: the shift of a "
                        "controller that died continues from it (same --layout, --robots, --seed, --rate, "
                        "--stock-units), and the robots, still running, reconnect and continue; inbound at the "
                        "docks goes back into putaway")
    p.add_argument("--orders", default=None, metavar="FILE.json",
                   help="orders arriving at the start (same format as `robocore order submit`)")
    p.add_argument("--rate", type=_order_rate, default=None, help="also generate this many orders per hour")
    p.add_argument("--hours", type=_hours, default=8.0, help="floor time to run, hours (default 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated orders and stock (default 0)")
    p.add_argument("--step-timeout", type=float, default=5.0, metavar="S",
                   help="longest wait for a step's robot states before they are marked late (default 5 s)")
    p.add_argument("--connect-timeout", type=float, default=120.0, metavar="S",
                   help="longest wait for the robots to connect (default 120 s)")
    p.add_argument("--out", required=True, help="run folder to write")
    add_replenish_options(p)
    add_publish_options(p)
    p.add_argument("--json", action="store_true", help="print the report as one JSON object on stdout")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json
    from robocore.cli.run_cmd import print_kpis
    from robocore.errors import InputError

    if args.robots < 1:
        raise InputError(f"--robots must be >= 1, got {args.robots}")
    if args.orders is None and args.rate is None:
        raise InputError("no orders: give --orders FILE.json and/or --rate N")
    if args.step_timeout <= 0 or args.connect_timeout <= 0:
        raise InputError("--step-timeout and --connect-timeout must be > 0")
    if os.path.exists(os.path.join(args.out, "report.json")):
        raise InputError("run folder already holds a run; choose another --out", source=args.out)
    resume = args.db is not None and os.path.exists(args.db)
    orders = ()
    if args.orders is not None:
        from robocore.cli.order_cmd import read_orders

        orders = read_orders(args.orders)
    from bridge.controller import BridgeController
    from bridge.keys import KeyStore
    from bridge.server import BridgeServer
    from fleet.shift import ShiftSpec, run_shift
    from fleet.zmqlink import ZmqLink
    from maps import load_layout

    layout = load_layout(args.layout)
    if args.robots > len(layout.spawns):
        raise InputError(f"layout {layout.name!r} has {len(layout.spawns)} spawn cells for {args.robots} robots")
    keys = None
    if args.keys is not None:
        keys = KeyStore(args.keys)
        keys.controller()  # fail early, naming the missing key file
    serials = [f"R{i:04d}" for i in range(args.robots)]
    spec = ShiftSpec(layout=args.layout, robots=args.robots, humans=args.humans, hours=args.hours, seed=args.seed,
                     rate_per_hour=args.rate, backlog=0, replenish=args.replenish, review_hours=args.review_hours,
                     lead_time_hours=args.lead_time_hours, stock_units=args.stock_units, load_units=args.load_units)
    stop = {"asked": False}

    def on_sigint(signum, frame):
        stop["asked"] = True  # the shift ends after this step and the run folder is written

    with BridgeServer(keys=keys, host=args.bind, port=args.port, offline_after_s=max(10.0, args.step_timeout)) as server:
        print(f"commands and state: {server.endpoint}", file=sys.stderr)
        print(f"telemetry: {server.pub_endpoint} (snapshots: {server.snapshot_endpoint})", file=sys.stderr)
        import dataclasses
        import json
        import shlex

        motion = json.dumps(dataclasses.asdict(spec.link_params()), separators=(",", ":"))
        print(f"waiting for {args.robots} robot(s): robocore robot --lockstep --count {args.robots} "
              f"--connect {server.endpoint} --layout {args.layout} --seed {args.seed} --motion {shlex.quote(motion)}"
              + (" --insecure" if keys is None else ""), file=sys.stderr, flush=True)
        ctl = BridgeController(server, map_id=layout.name, heartbeat_s=1.0)
        link_box = {}

        def make_link(grid, kinds, starts, **options):
            link = ZmqLink(grid, kinds, starts, controller=ctl, serials=serials, step_timeout_s=args.step_timeout,
                           connect_timeout_s=args.connect_timeout, adopt=resume, **options)
            try:
                link.connect()
            except TimeoutError as err:
                raise InputError(f"robots did not connect: {err}") from None
            link_box["link"] = link
            link_box["previous"] = signal.signal(signal.SIGINT, on_sigint)  # from now on Ctrl-C ends the shift
            print(f"{args.robots} robot(s) connected; shift running (Ctrl-C ends it and writes the run folder)",
                  file=sys.stderr, flush=True)
            return link

        def on_step(ctl_) -> bool:
            # OR-Tools' routing solver installs a C-level SIGINT handler while it runs and leaves SIG_DFL
            # behind (Python's view of the handler does not change): install ours again every step
            signal.signal(signal.SIGINT, on_sigint)
            return not stop["asked"]

        publisher = None
        if args.publish is not None:
            from robocore.cli.run_cmd import _publishing

            on_step, publisher = _publishing(args, layout, on_step)
        try:
            result = run_shift(spec, layout=layout, out=args.out, db=args.db, make_link=make_link,
                               extra_orders=orders, generate=args.rate is not None,
                               on_step=on_step, resume=resume)
        finally:
            if publisher is not None:
                publisher.close()
            if "previous" in link_box:
                signal.signal(signal.SIGINT, link_box["previous"])
            if "link" in link_box:
                link_box["link"].close()
    result.close()
    report = dict(result.report)
    link = link_box["link"]
    report.update(out=str(args.out), link="zmq", resumed=resume, link_late_steps=len(link.late), link_robots_gone=list(link.gone),
                  link_wait_s=round(link.wait_s, 3), interrupted=stop["asked"])
    if args.json:
        emit_json(report)
    else:
        print_kpis(report)
        print(f"run folder: {args.out}")
    return 0 if report["collisions"] == 0 else 1
