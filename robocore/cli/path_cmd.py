"""``robocore path``: single-agent shortest paths for a MovingAI scenario."""

from __future__ import annotations

import argparse

__all__ = ["register", "solve_scen"]


def register(sub) -> None:
    p = sub.add_parser(
        "path",
        help="solve each row of a MovingAI .scen file as a 4-connected shortest-path query (A*)",
        description="Solve each row of a MovingAI .scen file on MAP as a 4-connected, unit-cost shortest-path "
                    "query with A* and report, per query, its length in moves and the microseconds its search "
                    "took (each query searches from scratch), with the median and 99th percentile.",
    )
    p.add_argument("map", metavar="MAP", help="a MovingAI .map file")
    p.add_argument("scen", metavar="SCEN", help="a MovingAI .scen file for MAP")
    p.add_argument("--json", action="store_true",
                   help='print {"queries": [{"start", "goal", "length", "us"}...], "median_us", "p99_us"} on stdout')
    p.set_defaults(handler=_path)


def solve_scen(grid, rows, *, source: str = "<scen>") -> dict:
    """Solve scen ``rows`` on ``grid``; return the ``--json`` document.

    Every row is checked before any is solved. ``us`` is the wall time of the
    A* call alone (``time.perf_counter_ns`` around it); the searcher's scratch
    buffers are reused between queries, but no distances or results are. The
    kernel is loaded from Numba's cache (or compiled) by a zero-length query
    before the first timed one, so no query's time includes it.

    Raises
    ------
    robocore.errors.InputError
        ``source: line N: ...`` for a row whose start or goal is outside the
        map or blocked, or whose map size differs from ``grid``'s.
    """
    import time

    import numpy as np

    from planner.astar import GridSearcher
    from robocore.errors import InputError

    searcher = GridSearcher(grid)
    cols = grid.cols
    flat = []
    for row in rows:
        if (row.height, row.width) != (grid.rows, grid.cols):
            raise InputError(f"row is for a {row.height} x {row.width} map ({row.map_name}), the map is "
                             f"{grid.rows} x {grid.cols}", source=source, line=row.line)
        pair = []
        for what, cell in (("start", row.start), ("goal", row.goal)):
            r, c = cell
            if not grid.in_bounds(cell):
                raise InputError(f"{what} (row {r}, col {c}) is outside the {grid.rows} x {grid.cols} map",
                                 source=source, line=row.line)
            if not grid.passable[r, c]:
                raise InputError(f"{what} (row {r}, col {c}) is a blocked cell", source=source, line=row.line)
            pair.append(r * cols + c)
        flat.append(pair)
    if flat:
        # load the cached kernel (or compile it) outside the timed queries
        searcher.length_flat(flat[0][0], flat[0][0])
    queries = []
    times = []
    clock = time.perf_counter_ns
    length_flat = searcher.length_flat
    for row, (s, g) in zip(rows, flat):
        t0 = clock()
        length = length_flat(s, g)
        t1 = clock()
        us = (t1 - t0) / 1000.0
        times.append(us)
        queries.append({"start": [row.start[0], row.start[1]], "goal": [row.goal[0], row.goal[1]],
                        "length": None if length < 0 else int(length), "us": round(us, 2)})
    arr = np.asarray(times, dtype=np.float64)
    median = float(np.median(arr)) if arr.size else 0.0
    p99 = float(np.percentile(arr, 99)) if arr.size else 0.0
    return {"queries": queries, "median_us": round(median, 2), "p99_us": round(p99, 2)}


def _path(args: argparse.Namespace) -> int:
    from maps import read_map, read_scen
    from robocore.cli._common import emit_json, existing_file

    grid = read_map(existing_file(args.map, what="map file"))
    rows = read_scen(existing_file(args.scen, what="scenario file"))
    result = solve_scen(grid, rows, source=str(args.scen))
    if args.json:
        emit_json(result)
        return 0
    print(f"{'#':>5}  {'start':>12}  {'goal':>12}  {'length':>6}  {'us':>9}")
    for i, q in enumerate(result["queries"]):
        start = f"({q['start'][0]}, {q['start'][1]})"
        goal = f"({q['goal'][0]}, {q['goal'][1]})"
        length = "-" if q["length"] is None else str(q["length"])
        print(f"{i:>5}  {start:>12}  {goal:>12}  {length:>6}  {q['us']:>9.2f}")
    unreachable = sum(q["length"] is None for q in result["queries"])
    print(f"{len(result['queries'])} queries ({unreachable} unreachable): median {result['median_us']:.2f} us, "
          f"p99 {result['p99_us']:.2f} us")
    return 0
