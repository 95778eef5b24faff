"""BFS distance-table build time: robocore's Numba kernel vs pure Python and networkx.

A table is the distance from every cell to one goal on ``warehouse_large``
(140 x 500 = 70,000 cells, 38,586 passable). robocore's
``planner.bfs_distances`` builds a fresh ``int32`` table per call (allocation
included); the peers are a plain ``collections.deque`` BFS over the same flat
passability list and ``networkx.single_source_shortest_path_length`` on the
4-connected ``grid_2d_graph`` minus blocked cells (graph built once, outside
the timing). Goals are random passable cells (seeded), the same for everyone;
every peer table is asserted equal to robocore's.

    nice -n 10 python benchmarks/distance_bench.py [--builds 500] [--peer-builds 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maps import read_map  # noqa: E402
from planner import UNREACHABLE, bfs_distances  # noqa: E402

DATA = next(p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data", Path("/work/shared/data"))
            if p.is_dir())
MAP = DATA / "lorr2024" / "maps" / "warehouse_large.map"


def python_bfs(passable: list, rows: int, cols: int, goal: int) -> list:
    dist = [UNREACHABLE] * (rows * cols)
    dist[goal] = 0
    queue = deque([goal])
    while queue:
        v = queue.popleft()
        d = dist[v] + 1
        r, c = divmod(v, cols)
        for u, ok in ((v + 1, c + 1 < cols), (v + cols, r + 1 < rows), (v - 1, c > 0), (v - cols, r > 0)):
            if ok and passable[u] and dist[u] == UNREACHABLE:
                dist[u] = d
                queue.append(u)
    return dist


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--builds", type=int, default=500)
    ap.add_argument("--peer-builds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "distance_bench.json"))
    args = ap.parse_args(argv)
    import networkx as nx

    grid = read_map(MAP)
    P, rows, cols = grid.passable_flat, grid.rows, grid.cols
    free = np.flatnonzero(P)
    goals = [int(g) for g in np.random.default_rng(args.seed).choice(free, args.builds)]
    bfs_distances(P, rows, cols, goals[0])  # load the cached kernel
    rc = []
    for g in goals:
        t0 = time.perf_counter_ns()
        bfs_distances(P, rows, cols, g)
        rc.append((time.perf_counter_ns() - t0) / 1e3)
    rc = np.array(rc)

    k = min(args.peer_builds, len(goals))
    plist = P.tolist()
    G = nx.grid_2d_graph(rows, cols)
    G.remove_nodes_from([(int(r), int(c)) for r, c in np.argwhere(~grid.passable)])
    py_t, nx_t = [], []
    for g in goals[:k]:
        ref = bfs_distances(P, rows, cols, g)
        t0 = time.perf_counter_ns()
        d = python_bfs(plist, rows, cols, g)
        py_t.append((time.perf_counter_ns() - t0) / 1e3)
        assert np.array_equal(np.array(d, dtype=np.int32), ref)
        t0 = time.perf_counter_ns()
        lengths = nx.single_source_shortest_path_length(G, divmod(g, cols))
        nx_t.append((time.perf_counter_ns() - t0) / 1e3)
        d2 = np.full(rows * cols, UNREACHABLE, dtype=np.int32)
        for (r, c), v in lengths.items():
            d2[r * cols + c] = v
        assert np.array_equal(d2, ref)
    rc_med = float(np.median(rc))
    res = {
        "map": MAP.name, "rows": rows, "cols": cols, "free_cells": int(len(free)),
        "robocore": {"builds": len(goals), "median_us": rc_med, "p99_us": float(np.percentile(rc, 99)),
                     "min_us": float(rc.min())},
        "python_deque_bfs": {"builds": k, "median_us": float(np.median(py_t)), "ratio": float(np.median(py_t)) / rc_med},
        "networkx": {"builds": k, "median_us": float(np.median(nx_t)), "ratio": float(np.median(nx_t)) / rc_med},
    }
    print(f"distance table on {MAP.name} ({rows} x {cols}, {len(free)} free cells)")
    print(f"{'builder':<20} {'builds':>6} {'median ms':>10} {'ratio':>8}")
    print(f"{'robocore':<20} {len(goals):>6} {rc_med / 1e3:>10.3f} {'1x':>8}   (p99 {res['robocore']['p99_us'] / 1e3:.3f} ms)")
    for name in ("python_deque_bfs", "networkx"):
        r = res[name]
        print(f"{name:<20} {r['builds']:>6} {r['median_us'] / 1e3:>10.3f} {r['ratio']:>7.0f}x")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
