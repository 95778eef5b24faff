"""A* per query: robocore vs networkx.astar_path vs the PyPI ``pathfinding`` package.

For each map: ``--pairs`` random start/goal pairs (seeded; free cells in one
4-connected component). robocore (``planner.GridSearcher.path_flat``, which
returns the path) runs on all of them; the peers run on the first
``--peer-pairs`` of the same pairs, and the ratio compares medians on exactly
those. Graphs and grids are built once, outside the timing. ``pathfinding``
marks nodes during a search and must be ``cleanup()``-ed between queries; the
cleanup is *outside* the timed region (its cost is reported separately).
Every query's length is asserted equal across the three.

    nice -n 10 python benchmarks/astar_bench.py [--pairs 1000] [--peer-pairs 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maps import read_map  # noqa: E402
from planner import GridSearcher  # noqa: E402

DATA = next(p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data", Path("/work/shared/data"))
            if p.is_dir())
MAPS = {
    "warehouse-10-20-10-2-1": DATA / "movingai" / "warehouse-10-20-10-2-1.map",
    "warehouse_large": DATA / "lorr2024" / "maps" / "warehouse_large.map",
}


def random_pairs(grid, count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` (start, goal) flat pairs of free cells in one component."""
    rng = np.random.default_rng(seed)
    labels = grid.components().ravel()
    free = np.flatnonzero(labels >= 0)
    pairs = []
    while len(pairs) < count:
        s = int(free[rng.integers(len(free))])
        cands = np.flatnonzero(labels == labels[s])
        g = int(cands[rng.integers(len(cands))])
        pairs.append((s, g))
    return pairs


def bench_robocore(grid, pairs):
    searcher = GridSearcher(grid)
    searcher.path_flat(pairs[0][0], pairs[0][0])  # load the cached kernel
    times, lengths, expanded = [], [], []
    for s, g in pairs:
        t0 = time.perf_counter_ns()
        path = searcher.path_flat(s, g)
        t1 = time.perf_counter_ns()
        times.append((t1 - t0) / 1e3)
        lengths.append(len(path) - 1)
        expanded.append(searcher.expanded)
    return np.array(times), lengths, expanded


def bench_networkx(grid, pairs):
    import networkx as nx

    G = nx.grid_2d_graph(grid.rows, grid.cols)
    G.remove_nodes_from([(int(r), int(c)) for r, c in np.argwhere(~grid.passable)])

    def manhattan(a, b):
        return abs(a[0] - b[0]) + abs(a[1] - b[1])

    times, lengths = [], []
    for s, g in pairs:
        a, b = grid.coord(s), grid.coord(g)
        t0 = time.perf_counter_ns()
        path = nx.astar_path(G, a, b, heuristic=manhattan)
        t1 = time.perf_counter_ns()
        times.append((t1 - t0) / 1e3)
        lengths.append(len(path) - 1)
    return np.array(times), lengths


def bench_pathfinding(grid, pairs):
    from pathfinding.core.diagonal_movement import DiagonalMovement
    from pathfinding.core.grid import Grid as PFGrid
    from pathfinding.finder.a_star import AStarFinder

    pf = PFGrid(matrix=grid.passable.astype(int).tolist())
    finder = AStarFinder(diagonal_movement=DiagonalMovement.never)  # Manhattan heuristic by default
    times, lengths, cleanups = [], [], []
    for s, g in pairs:
        (sr, sc), (gr, gc) = grid.coord(s), grid.coord(g)
        t0 = time.perf_counter_ns()
        path, _runs = finder.find_path(pf.node(sc, sr), pf.node(gc, gr), pf)
        t1 = time.perf_counter_ns()
        pf.cleanup()
        t2 = time.perf_counter_ns()
        times.append((t1 - t0) / 1e3)
        cleanups.append((t2 - t1) / 1e3)
        lengths.append(len(path) - 1)
    return np.array(times), lengths, np.array(cleanups)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--peer-pairs", type=int, default=1000, help="pairs the (slow) peers run; the first of --pairs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "astar_bench.json"))
    args = ap.parse_args(argv)
    results = {"pairs": args.pairs, "peer_pairs": args.peer_pairs, "seed": args.seed, "maps": {}}
    print(f"{'map':<24} {'solver':<12} {'pairs':>6} {'median us':>11} {'p99 us':>10} {'ratio':>8}")
    for name, path in MAPS.items():
        grid = read_map(path)
        pairs = random_pairs(grid, args.pairs, args.seed)
        k = min(args.peer_pairs, len(pairs))
        rc_t, rc_len, rc_exp = bench_robocore(grid, pairs)
        nx_t, nx_len = bench_networkx(grid, pairs[:k])
        pf_t, pf_len, pf_clean = bench_pathfinding(grid, pairs[:k])
        assert rc_len[:k] == nx_len == pf_len, f"{name}: path lengths disagree"
        rc_k = float(np.median(rc_t[:k]))
        row = {
            "rows": grid.rows, "cols": grid.cols, "free_cells": grid.free_cells,
            "robocore": {"pairs": len(pairs), "median_us": float(np.median(rc_t)), "p99_us": float(np.percentile(rc_t, 99)),
                         "median_us_peer_pairs": rc_k, "mean_expanded": float(np.mean(rc_exp)),
                         "mean_length": float(np.mean(rc_len))},
            "networkx": {"pairs": k, "median_us": float(np.median(nx_t)), "p99_us": float(np.percentile(nx_t, 99)),
                         "ratio": float(np.median(nx_t)) / rc_k},
            "pathfinding": {"pairs": k, "median_us": float(np.median(pf_t)), "p99_us": float(np.percentile(pf_t, 99)),
                            "ratio": float(np.median(pf_t)) / rc_k,
                            "cleanup_median_us_untimed": float(np.median(pf_clean))},
        }
        results["maps"][name] = row
        r = row["robocore"]
        print(f"{name:<24} {'robocore':<12} {r['pairs']:>6} {r['median_us']:>11.1f} {r['p99_us']:>10.1f} {'':>8}")
        if k < len(pairs):
            print(f"{'':<24} {'robocore':<12} {k:>6} {rc_k:>11.1f} {float(np.percentile(rc_t[:k], 99)):>10.1f} {'1.0x':>8}")
        for peer in ("networkx", "pathfinding"):
            p = row[peer]
            print(f"{'':<24} {peer:<12} {p['pairs']:>6} {p['median_us']:>11.1f} {p['p99_us']:>10.1f} {p['ratio']:>7.0f}x")
        print(f"{'':<24} (mean {r['mean_expanded']:.0f} cells expanded for a mean length of {r['mean_length']:.0f}; "
              f"pathfinding cleanup, untimed: {row['pathfinding']['cleanup_median_us_untimed']:.0f} us)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
