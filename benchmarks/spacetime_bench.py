"""Space-time A* per query: robocore's Numba search vs the same search in pure Python.

Prioritized planning, the way windowed multi-agent planning uses the search:
``--agents`` agents with random distinct starts and goals (seeded, one
component) are planned one after another, each against the reserved paths of
all agents before it (every cell at its time, the reverse of every move, the
last cell held for good), with ``hold_goal`` on. The distance table to each
goal is built beforehand and passed in, so a query's time is the search alone.
The peer is a plain ``heapq`` space-time A* over Python sets with the same
semantics and heuristic; it answers the first ``--peer-agents`` queries
against the same table contents, and every answer's length is asserted equal.

    nice -n 10 python benchmarks/spacetime_bench.py [--agents 200 400] [--peer-agents 40] [--seed 0]
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maps import read_map  # noqa: E402
from planner import UNREACHABLE, ReservationTable, SpaceTimeSearcher, bfs_distances  # noqa: E402

DATA = next(p for p in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data", Path("/work/shared/data"))
            if p.is_dir())
MAPS = {
    "warehouse-10-20-10-2-1": DATA / "movingai" / "warehouse-10-20-10-2-1.map",
    "warehouse_large": DATA / "lorr2024" / "maps" / "warehouse_large.map",
}


class PyTable:
    """The peer's reservations: Python sets and dicts."""

    def __init__(self):
        self.vertices, self.edges, self.holds, self.last_vertex, self.t_last = set(), set(), {}, {}, -1

    def reserve_path(self, path):
        for t, v in enumerate(path):
            self.vertices.add((v, t))
            self.last_vertex[v] = max(self.last_vertex.get(v, -1), t)
            if t and path[t - 1] != v:
                self.edges.add((v, path[t - 1], t - 1))
        self.holds[path[-1]] = min(self.holds.get(path[-1], 1 << 31), len(path) - 1)
        self.t_last = max(self.t_last, len(path) - 1)


def py_spacetime_astar(passable, rows, cols, start, goal, table: PyTable, dist):
    """Steps of an earliest-arrival held-goal path, or None (pure Python)."""
    if goal in table.holds or dist[start] >= UNREACHABLE:
        return None
    goal_free = table.last_vertex.get(goal, -1) + 1
    t_last = table.t_last

    def free(v, t):
        return (v, t) not in table.vertices and table.holds.get(v, 1 << 31) > t

    if not free(start, 0):
        return None
    best = {(start, min(0, t_last + 1)): 0}
    heap = [(max(dist[start], goal_free), 0, start)]
    while heap:
        f, negt, v = heapq.heappop(heap)
        t = -negt
        if best.get((v, min(t, t_last + 1)), -1) < t:
            continue
        if v == goal and t >= goal_free:
            return t
        r, c = divmod(v, cols)
        for u, ok in ((v + 1, c + 1 < cols), (v + cols, r + 1 < rows), (v - 1, c > 0), (v - cols, r > 0), (v, True)):
            if not ok or not passable[u] or dist[u] >= UNREACHABLE or not free(u, t + 1):
                continue
            if u != v and (v, u, t) in table.edges:
                continue
            key = (u, min(t + 1, t_last + 1))
            if key in best and best[key] <= t + 1:
                continue
            best[key] = t + 1
            heapq.heappush(heap, (t + 1 + max(dist[u], goal_free - t - 1), -(t + 1), u))
    return None


def run(name, path, agents, peer_agents, seed):
    grid = read_map(path)
    P, rows, cols = grid.passable_flat, grid.rows, grid.cols
    labels = grid.components().ravel()
    big = np.bincount(labels[labels >= 0]).argmax()
    cells = np.flatnonzero(labels == big)
    rng = np.random.default_rng(seed)
    starts = rng.choice(cells, agents, replace=False).tolist()
    goals = rng.choice(cells, agents, replace=False).tolist()
    dists = [bfs_distances(P, rows, cols, g) for g in goals]
    searcher = SpaceTimeSearcher(grid)
    table, pytable = ReservationTable(grid), PyTable()
    searcher.search(starts[0], starts[0], ReservationTable(grid), hold_goal=False)  # load the cached kernel
    plist = P.tolist()
    rc_t, rc_exp, py_t, delays, failed = [], [], [], [], 0
    for i, (s, g) in enumerate(zip(starts, goals)):
        t0 = time.perf_counter_ns()
        p = searcher.search(s, g, table, dist=dists[i])
        rc_t.append((time.perf_counter_ns() - t0) / 1e3)
        rc_exp.append(searcher.expanded)
        if i < peer_agents:
            dl = dists[i].tolist()
            t0 = time.perf_counter_ns()
            ref = py_spacetime_astar(plist, rows, cols, s, g, pytable, dl)
            py_t.append((time.perf_counter_ns() - t0) / 1e3)
            assert ref == (None if p is None else len(p) - 1), f"{name}: agent {i}: lengths disagree"
        if p is None:
            failed += 1
            continue
        delays.append(len(p) - 1 - int(dists[i][s]))
        cells_p = p.tolist()
        table.reserve_path(cells_p)
        pytable.reserve_path(cells_p)
    rc_t = np.array(rc_t)
    k = len(py_t)
    res = {
        "agents": agents, "failed": failed, "mean_delay_steps": float(np.mean(delays)) if delays else None,
        "table_bytes": table.nbytes, "vertex_reservations": table.vertex_count, "edge_reservations": table.edge_count,
        "robocore": {"queries": agents, "median_us": float(np.median(rc_t)), "p99_us": float(np.percentile(rc_t, 99)),
                     "mean_expanded": float(np.mean(rc_exp)), "median_us_peer_queries": float(np.median(rc_t[:k]))},
        "python": {"queries": k, "median_us": float(np.median(py_t)), "p99_us": float(np.percentile(py_t, 99)),
                   "ratio": float(np.median(py_t)) / float(np.median(rc_t[:k]))},
    }
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, nargs=2, default=[200, 400], metavar=("SMALL", "LARGE"),
                    help="agents on warehouse-10-20-10-2-1 and on warehouse_large")
    ap.add_argument("--peer-agents", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "spacetime_bench.json"))
    args = ap.parse_args(argv)
    out = {"seed": args.seed, "maps": {}}
    print(f"{'map':<24} {'solver':<9} {'queries':>7} {'median us':>10} {'p99 us':>10} {'ratio':>7}")
    for (name, path), agents in zip(MAPS.items(), args.agents):
        r = run(name, path, agents, args.peer_agents, args.seed)
        out["maps"][name] = r
        rc, py = r["robocore"], r["python"]
        print(f"{name:<24} {'robocore':<9} {rc['queries']:>7} {rc['median_us']:>10.1f} {rc['p99_us']:>10.1f}")
        print(f"{'':<24} {'robocore':<9} {py['queries']:>7} {rc['median_us_peer_queries']:>10.1f} {'':>10} {'1x':>7}")
        print(f"{'':<24} {'python':<9} {py['queries']:>7} {py['median_us']:>10.1f} {py['p99_us']:>10.1f} {py['ratio']:>6.0f}x")
        print(f"{'':<24} ({rc['mean_expanded']:.0f} states expanded on average; {r['failed']} agents found no path; "
              f"mean delay {r['mean_delay_steps']:.1f} steps over the free-floor distance; table "
              f"{r['table_bytes'] / 1e6:.1f} MB for {r['vertex_reservations']} vertex and {r['edge_reservations']} edge reservations)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
