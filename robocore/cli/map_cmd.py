"""``robocore map``: inspect, generate and render layouts."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]

# WarehouseSpec fields exposed as ``robocore map generate`` flags: (field, type, help).
_SPEC_FLAGS: tuple[tuple[str, type, str], ...] = (
    ("aisles", int, "parallel aisles per block"),
    ("aisle_length", int, "rack rows along an aisle in one block"),
    ("rack_depth", int, "rack cells on each side of an aisle"),
    ("aisle_width", int, "cells across an aisle"),
    ("cross_aisles", int, "cross-aisles between blocks (blocks = cross-aisles + 1)"),
    ("cross_aisle_width", int, "rows across a cross-aisle"),
    ("margins", int, "width of the lanes around the aisles"),
    ("stations", int, "pack stations along the south wall"),
    ("docks", int, "dock doors along the north wall"),
    ("chargers", int, "chargers along the west wall"),
    ("robots", int, "robots the layout is sized for"),
    ("humans", int, "human pickers the layout is sized for"),
    ("spawns", int, "parking/spawn cells (default: 2 x (robots + humans))"),
    ("human_zone_width", int, "columns of the human-only zone"),
    ("slot_capacity", int, "units per slot"),
    ("capacity_spread", float, "slot capacities drawn within +- this fraction (seeded)"),
)


def register(sub) -> None:
    p = sub.add_parser("map", help="inspect, generate and render warehouse layouts")
    p.set_defaults(group_parser=p)
    msub = p.add_subparsers(dest="map_command", metavar="SUBCOMMAND", parser_class=type(p))

    info = msub.add_parser(
        "info", help="size, free cells, components and location counts of a map or layout",
        description="Summarise a bundled layout (small, medium, large), a MovingAI .map, a layout .json or a "
                    "League of Robot Runners problem .json. Every start and task cell is checked.")
    info.add_argument("map", metavar="MAP", help="a bundled layout name or a .map / .json file")
    info.add_argument("--scen", metavar="SCEN", help="also check a MovingAI .scen against the map")
    info.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    info.set_defaults(handler=_info)

    from robocore.cli.view_cmd import register_map_render

    register_map_render(msub)
    gen = msub.add_parser(
        "generate", help="generate a warehouse layout (.json or .map)",
        description="Generate a warehouse: blocks of aisles with racks on both sides, pack stations on the south "
                    "wall, dock doors on the north wall, chargers and a parking area on the west side, an optional "
                    "human-only zone. Start from --preset's spec and override any part.")
    gen.add_argument("-o", "--out", required=True, metavar="FILE",
                     help="output file: .json (layout JSON, everything) or .map (MovingAI, grid only)")
    gen.add_argument("--preset", choices=("small", "medium", "large"),
                     help="start from a bundled layout's spec (default: the generator's defaults)")
    gen.add_argument("--name", help="layout name (default: the output file name)")
    for field, typ, text in _SPEC_FLAGS:
        gen.add_argument(f"--{field.replace('_', '-')}", dest=field, type=typ, metavar="N", help=text)
    zone = gen.add_mutually_exclusive_group()
    zone.add_argument("--human-zone", dest="human_zone", action="store_true", default=None,
                      help="add a human-only zone")
    zone.add_argument("--no-human-zone", dest="human_zone", action="store_false", help="no human-only zone")
    gen.add_argument("--seed", type=int, default=0, help="seed for spawn order and slot capacities (default 0)")
    gen.add_argument("--json", action="store_true", help="print the layout summary as JSON on stdout")
    gen.set_defaults(handler=_generate)


def _info(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from maps.loader import is_bundled_name, layout_from_problem, load_layout
    from maps.lorr import is_lorr_problem, load_problem
    from robocore.cli._common import emit_json

    problem = None
    path = Path(args.map)
    if path.suffix.lower() == ".json" and path.is_file() and not is_bundled_name(args.map):
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            head = None  # load_layout reports it
        if is_lorr_problem(head):
            problem = load_problem(path)
    layout = layout_from_problem(problem, name=path.stem) if problem is not None else load_layout(args.map)
    summary = layout.summary()
    summary["source"] = str(args.map)
    if problem is not None:
        summary["lorr"] = {"version": problem.version, "team_size": problem.team_size, "tasks": len(problem.tasks),
                           "errands": sum(len(t) for t in problem.tasks),
                           "num_tasks_reveal": problem.num_tasks_reveal, "assignment": problem.assignment,
                           "map": str(problem.map_path)}
    if args.scen:
        from maps.movingai import check_scen, read_scen

        rows = read_scen(args.scen)
        check_scen(rows, layout.grid, source=args.scen)
        summary["scen"] = {"file": args.scen, "queries": len(rows)}
    if args.json:
        emit_json(summary)
        return 0
    print(f"{summary['name']}: {summary['rows']} x {summary['cols']}, {summary['free_cells']} free cells, "
          f"{summary['components']} component(s)")
    kinds = ", ".join(f"{k} {v}" for k, v in summary["kinds"].items() if v)
    print(f"  cells: {kinds}")
    print(f"  slots {summary['slots']}, stations {summary['stations']}, chargers {summary['chargers']}, "
          f"docks {summary['docks']}, spawns {summary['spawns']}, zones {summary['zones']}")
    if problem is not None:
        lorr = summary["lorr"]
        print(f"  League of Robot Runners {lorr['version']}: team {lorr['team_size']}, {lorr['tasks']} tasks "
              f"({lorr['errands']} errands), reveal {lorr['num_tasks_reveal']:g}"
              + (f", assignment {lorr['assignment']}" if lorr["assignment"] else ""))
    if args.scen:
        print(f"  scenario {args.scen}: {summary['scen']['queries']} queries, all on free cells")
    return 0


def _generate(args: argparse.Namespace) -> int:
    import dataclasses
    from pathlib import Path

    from maps.generator import WarehouseSpec, generate_warehouse
    from maps.loader import save_layout
    from robocore.cli._common import emit_json
    from robocore.errors import InputError

    out = Path(args.out)
    if out.suffix.lower() not in (".json", ".map"):
        raise InputError(f"cannot write {out.suffix or 'a file without a suffix'!r}: use .json (layout JSON) or "
                         f".map (MovingAI, grid only)", source=str(out))
    if args.preset:
        from maps.build_bundled import BUNDLED_SPECS

        base = BUNDLED_SPECS[args.preset]
    else:
        base = WarehouseSpec()
    changes = {f: getattr(args, f) for f, _, _ in _SPEC_FLAGS if getattr(args, f) is not None}
    if args.human_zone is not None:
        changes["human_zone"] = args.human_zone
    changes["name"] = args.name or out.stem
    try:
        spec = dataclasses.replace(base, **changes)
    except ValueError as err:
        field, _, what = str(err).partition(": ")
        raise InputError(f"--{field.replace('_', '-')}: {what}" if what else str(err)) from None
    layout = generate_warehouse(spec, seed=args.seed)
    if out.parent and not out.parent.exists():
        raise InputError("output folder does not exist", source=str(out.parent))
    save_layout(layout, out)
    s = layout.summary()
    lossy = " (grid only: .map keeps no slots, stations or spawns)" if out.suffix.lower() == ".map" else ""
    print(f"wrote {out}: {s['rows']} x {s['cols']}, {s['free_cells']} free cells, {s['slots']} slots, "
          f"{s['stations']} stations, {s['docks']} docks, {s['chargers']} chargers, {s['spawns']} spawns, "
          f"seed {args.seed}{lossy}", file=sys.stderr)
    if args.json:
        s["out"] = str(out)
        s["seed"] = args.seed
        emit_json(s)
    return 0
