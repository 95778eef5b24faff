"""``robocore robot``: simulated robots that connect to a controller over the bridge."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser(
        "robot", help="run simulated robots that connect to `robocore serve` over the bridge",
        description="Run N simulated robots (serials <prefix>0000 ...) speaking VDA 5050 over ZeroMQ to a "
                    "controller. Each starts on a spawn cell of the layout, drives the released nodes of its "
                    "orders one cell per step, runs the pick/drop/charging actions attached to their nodes, and reports "
                    "its state. Robots move, pick, drain and charge their batteries and fail as the in-process "
                    "simulation's motion model says (robocore.motion; --motion overrides its parameters, --seed "
                    "seeds its faults; robot K draws the faults of agent K). Keys come from --keys (see "
                    "`robocore keys`).")
    p.add_argument("--count", type=int, default=1, metavar="N", help="number of robots (default 1)")
    p.add_argument("--connect", required=True, metavar="ENDPOINT", help="controller command endpoint, tcp://host:port")
    p.add_argument("--keys", default="keys", metavar="DIR",
                   help="keys directory with controller.key and secrets/<serial>.key_secret (default ./keys)")
    p.add_argument("--insecure", action="store_true", help="plain TCP, no CURVE (loopback tests only)")
    p.add_argument("--layout", default="small", metavar="LAYOUT",
                   help="layout (bundled name or file) for mapId and spawn cells (default small)")
    p.add_argument("--prefix", default="R", help="serial prefix (default R)")
    p.add_argument("--first", type=int, default=0, metavar="K", help="index of the first robot (default 0)")
    p.add_argument("--processes", type=int, default=1, metavar="P", help="spread the robots over P processes")
    p.add_argument("--step-s", type=float, default=0.1, metavar="S", help="wall-clock seconds per step (default 0.1)")
    p.add_argument("--lockstep", action="store_true",
                   help="simulated time owned by the controller: drive released nodes as soon as they arrive")
    p.add_argument("--seed", type=int, default=0, help="seed of the motion model's fault draws (default 0)")
    p.add_argument("--motion", default=None, metavar="JSON",
                   help="motion model parameters as a JSON object of robocore.motion.MotionParams fields, e.g. "
                        "'{\"fault_rate\": 1e-5, \"repair_s\": 600}' (default: the model's defaults)")
    p.add_argument("--battery", type=float, default=100.0, metavar="PCT", help="starting charge, percent (default 100)")
    p.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds (default: run "
                   "until interrupted)")
    p.set_defaults(handler=_run)


def _run(args) -> int:
    from robocore.errors import InputError

    for name in ("count", "processes"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.first < 0:
        raise InputError(f"--first must be >= 0, got {args.first}")
    if args.step_s <= 0:
        raise InputError(f"--step-s must be > 0, got {args.step_s}")
    if not args.connect.startswith("tcp://"):
        raise InputError(f"--connect must be tcp://host:port, got {args.connect!r}")
    params = motion_params(args.motion)
    if not 0.0 <= args.battery <= 100.0:
        raise InputError(f"--battery must be in 0..100 percent, got {args.battery}")
    if args.processes > 1:
        return _spread(args)
    from bridge.keys import KeyStore, valid_serial
    from bridge.simrobots import SimRobots
    from maps import load_layout

    layout = load_layout(args.layout)
    indexes = range(args.first, args.first + args.count)
    if indexes[-1] >= len(layout.spawns):
        raise InputError(f"layout {layout.name!r} has {len(layout.spawns)} spawn cells; robot {indexes[-1]} has none")
    serials = [valid_serial(f"{args.prefix}{i:04d}") for i in indexes]
    keys = None if args.insecure else KeyStore(args.keys)
    if keys is not None:
        keys.controller_public()
        for s in serials:
            keys.robot(s)  # fail early, naming the missing key file
    robots = SimRobots(serials, [layout.spawns[i] for i in indexes], endpoint=args.connect, map_id=layout.name,
                       keys=keys, step_s=args.step_s, lockstep=args.lockstep, grid=layout.grid, params=params,
                       seed=args.seed, battery=args.battery, agents=list(indexes))
    print(f"{len(serials)} robot(s) {serials[0]}..{serials[-1]} connecting to {args.connect}", file=sys.stderr)
    # a child of --processes stops when its parent is gone (SIGKILLed or otherwise)
    orphaned = None if args.parent_pid is None else (lambda: os.getppid() != args.parent_pid)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        robots.run(duration_s=args.duration, stop=orphaned)
    finally:
        robots.close()
    return 0


def motion_params(text: str | None):
    """:class:`robocore.motion.MotionParams` from ``--motion`` JSON (None: defaults).

    Raises :class:`robocore.errors.InputError` naming the bad field."""
    import dataclasses
    import json

    from robocore.errors import InputError
    from robocore.motion import MotionParams

    if text is None:
        return MotionParams()
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"--motion: not JSON: {err.msg} at character {err.pos}") from None
    if not isinstance(fields, dict):
        raise InputError("--motion must be a JSON object of MotionParams fields")
    known = {f.name for f in dataclasses.fields(MotionParams)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InputError(f"--motion: unknown field {unknown[0]!r} (fields: {', '.join(sorted(known))})")
    try:
        return MotionParams(**fields)
    except (TypeError, ValueError) as err:
        raise InputError(f"--motion: {err}") from None


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _spread(args) -> int:
    """Run the robots as ``processes`` child processes, each with a share of them."""
    per = -(-args.count // args.processes)
    procs = []
    first = args.first
    while first < args.first + args.count:
        n = min(per, args.first + args.count - first)
        cmd = [sys.executable, "-m", "robocore", "robot", "--count", str(n), "--first", str(first),
               "--connect", args.connect, "--keys", args.keys, "--layout", args.layout, "--prefix", args.prefix,
               "--step-s", str(args.step_s), "--parent-pid", str(os.getpid())]
        if args.insecure:
            cmd.append("--insecure")
        if args.lockstep:
            cmd.append("--lockstep")
        if args.duration is not None:
            cmd += ["--duration", str(args.duration)]
        cmd += ["--seed", str(args.seed), "--battery", repr(args.battery)]
        if args.motion is not None:
            cmd += ["--motion", args.motion]
        procs.append(subprocess.Popen(cmd))
        first += n
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        codes = [p.wait() for p in procs]
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        raise
    return max(codes)
