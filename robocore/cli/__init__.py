"""The ``robocore`` command line.

Each command group lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` (a function
taking the parsed ``argparse.Namespace`` and returning an exit code). Command
modules import their heavy dependencies (planner, fleet, pygame, OR-Tools)
inside the handler, so ``robocore --help`` stays fast.

Exit codes: 0 success, 1 a run that finished but failed a check, 2 bad input
(one line on stderr naming the bad thing), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from robocore.errors import InputError

__all__ = ["main", "build_parser"]

#: Command modules, in the order ``--help`` lists them. Add a module here to add
#: a command group.
COMMAND_MODULES: tuple[str, ...] = (
    "map_cmd",
    "run_cmd",
    "serve_cmd",
    "forecast_cmd",
    "path_cmd",
    "order_cmd",
    "stock_cmd",
    "view_cmd",
    "mapf_cmd",
    "pickplan_cmd",
    "bench_cmd",
    "keys_cmd",
    "robot_cmd",
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="robocore",
        description="Warehouse fulfilment and robotics engine.",
    )
    from robocore import __version__

    parser.add_argument("--version", action="version", version=f"robocore {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"robocore.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        # a group without a sub-command, or no command at all
        target = getattr(args, "group_parser", parser)
        target.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except InputError as err:
        print(f"robocore: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("robocore: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
