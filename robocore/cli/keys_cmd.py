"""``robocore keys``: CURVE key pairs for the controller and robots, and the robot allowlist."""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["register"]

DEFAULT_KEYS_DIR = "keys"


def register(sub) -> None:
    p = sub.add_parser(
        "keys", help="generate and register CURVE keys for the bridge",
        description="Manage a keys directory: controller.key/.key_secret, allowlist/<serial>.key (registered robot "
                    "public keys) and secrets/<serial>.key_secret (robots generated here). See docs/protocol.md.")
    p.set_defaults(group_parser=p)
    ksub = p.add_subparsers(dest="keys_command", metavar="SUBCOMMAND", parser_class=type(p))

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--dir", default=DEFAULT_KEYS_DIR, metavar="DIR", help="keys directory (default: ./keys)")
        q.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    init = ksub.add_parser("init", help="generate the controller key pair")
    common(init)
    init.add_argument("--force", action="store_true", help="replace an existing controller key pair")
    init.set_defaults(handler=_init)

    robot = ksub.add_parser("robot", help="generate key pairs for robots and register their public keys")
    common(robot)
    robot.add_argument("serials", nargs="*", metavar="SERIAL", help="robot serial numbers")
    robot.add_argument("--count", type=int, default=0, metavar="N",
                       help="also generate N robots named <prefix>0000 ... (as `robocore robot --count` uses)")
    robot.add_argument("--prefix", default="R", help="serial prefix for --count (default: R)")
    robot.add_argument("--force", action="store_true", help="replace existing key pairs")
    robot.set_defaults(handler=_robot)

    reg = ksub.add_parser("register", help="register a robot's public key (allow it to connect as SERIAL)")
    common(reg)
    reg.add_argument("serial", metavar="SERIAL")
    reg.add_argument("key", metavar="KEY", help="the 40-character Z85 public key, or a .key certificate file")
    reg.add_argument("--force", action="store_true", help="replace the key registered for SERIAL")
    reg.set_defaults(handler=_register)

    ls = ksub.add_parser("list", help="show the controller key and the registered robots")
    common(ls)
    ls.set_defaults(handler=_list)


def robot_serials(count: int, prefix: str = "R") -> list[str]:
    """The serials ``robocore robot --count`` and ``robocore keys robot --count`` use."""
    return [f"{prefix}{i:04d}" for i in range(count)]


def _report(args, obj: dict, lines: list[str]) -> int:
    if args.json:
        from robocore.cli._common import emit_json

        emit_json(obj)
    else:
        for line in lines:
            print(line)
    return 0


def _init(args) -> int:
    from bridge.keys import KeyStore

    pair = KeyStore(args.dir).generate_controller(overwrite=args.force)
    return _report(args, {"dir": args.dir, "controller_public": pair.public.decode()},
                   [f"controller key pair written to {os.path.join(args.dir, 'controller.key')}[_secret]",
                    f"public key: {pair.public.decode()}"])


def _robot(args) -> int:
    from bridge.keys import KeyStore
    from robocore.errors import InputError

    if args.count < 0:
        raise InputError(f"--count must be >= 0, got {args.count}")
    serials = list(args.serials) + robot_serials(args.count, args.prefix)
    if not serials:
        raise InputError("name robot serials or pass --count N")
    store = KeyStore(args.dir)
    made = {s: store.generate_robot(s, overwrite=args.force).public.decode() for s in serials}
    print(f"{len(made)} robot key pair(s) generated and registered in {args.dir}", file=sys.stderr)
    return _report(args, {"dir": args.dir, "robots": made}, [f"{s} {k}" for s, k in made.items()])


def _register(args) -> int:
    from bridge.keys import KeyStore

    key = args.key
    if os.path.isfile(key):
        import zmq.auth

        from robocore.errors import InputError

        try:
            key = zmq.auth.load_certificate(key)[0]
        except Exception as err:
            raise InputError(f"not a key certificate ({err})", source=args.key) from None
    path = KeyStore(args.dir).register(args.serial, key, overwrite=args.force)
    public = key.decode() if isinstance(key, bytes) else key
    return _report(args, {"serial": args.serial, "public": public, "file": str(path)},
                   [f"registered {args.serial} in {path}"])


def _list(args) -> int:
    from bridge.keys import KeyStore

    store = KeyStore(args.dir)
    controller = store.controller_public().decode() if (store.dir / "controller.key").exists() else None
    robots = {serial: key.decode() for key, serial in sorted(store.allowlist().items(), key=lambda kv: kv[1])}
    lines = [f"controller {controller or '(none: run `robocore keys init`)'}"]
    lines += [f"{s} {k}" for s, k in robots.items()]
    return _report(args, {"dir": args.dir, "controller_public": controller, "robots": robots}, lines)
