"""``robocore map``: inspect, generate and render layouts."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("map", help="inspect, generate and render warehouse layouts")
    p.set_defaults(group_parser=p)
    msub = p.add_subparsers(dest="map_command", metavar="SUBCOMMAND", parser_class=type(p))

    info = msub.add_parser("info", help="size, free cells, components and location counts of a map or layout")
    info.add_argument("map", metavar="MAP", help="a map or layout file")
    info.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    info.set_defaults(handler=_info)

    from robocore.cli.view_cmd import register_map_render

    register_map_render(msub)


def _info(args: argparse.Namespace) -> int:
    from maps import load_layout
    from robocore.cli._common import emit_json

    layout = load_layout(args.map)
    summary = layout.summary()
    summary["source"] = str(args.map)
    if args.json:
        emit_json(summary)
        return 0
    print(f"{summary['name']}: {summary['rows']} x {summary['cols']}, {summary['free_cells']} free cells, "
          f"{summary['components']} component(s)")
    kinds = ", ".join(f"{k} {v}" for k, v in summary["kinds"].items() if v)
    print(f"  cells: {kinds}")
    print(f"  slots {summary['slots']}, stations {summary['stations']}, chargers {summary['chargers']}, "
          f"docks {summary['docks']}, spawns {summary['spawns']}, zones {summary['zones']}")
    return 0
