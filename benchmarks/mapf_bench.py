"""Lifelong MAPF benchmarks: robocore's PIBT at scale, and against plain Python PIBT.

Part ``large``: lifelong MAPF with random tasks (one errand on a uniformly
random free cell, a new one on arrival) on the League's ``warehouse_large``
(140 x 500) with 200, 1,000, 4,000 and 10,000 agents for 1,000 steps. Each
configuration runs in its own process, so ``peak_rss_mb`` is that run's peak
resident memory (interpreter, Numba and the recorded paths included). Every
run's paths go through ``planner.validate.validate_paths``. One extra row runs
1,000 agents with ``prefer_free=False`` (the paper's plain candidate order):
the livelock mitigation's effect on throughput.

``ideal_tasks`` is the congestion-free bound ``agents * steps / mean
distance between random free cells``: what the agents would finish if nobody
ever waited.

Part ``ref``: the same kind of run on MovingAI ``warehouse-10-20-10-2-1`` with
100, 200 and 400 agents, robocore against ``benchmarks/ref_pibt.py`` (plain
Python PIBT from the paper, pypibt style) with the same seeded task stream
generator; per-step planning milliseconds and tasks finished.

Usage::

    nice -n 10 python benchmarks/mapf_bench.py            # everything (several minutes)
    nice -n 10 python benchmarks/mapf_bench.py --quick    # 200 steps, fewer agents

Writes ``benchmarks/results/mapf_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("ROBOCORE_SHARED_DATA", REPO.parent / "shared" / "data"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
LARGE = DATA / "lorr2024" / "maps" / "warehouse_large.map"
SMALL = DATA / "movingai" / "warehouse-10-20-10-2-1.map"


def _starts(grid, n, seed):
    free = np.flatnonzero(grid.passable_flat)
    return np.random.default_rng([seed, 0x57A7]).choice(free, size=n, replace=False)


def mean_distance(grid, *, samples: int = 200, seed: int = 5) -> float:
    """Mean shortest-path distance between random free cells (sampled BFS)."""
    from planner.distance import bfs_distances

    free = np.flatnonzero(grid.passable_flat)
    rng = np.random.default_rng(seed)
    return float(np.mean([bfs_distances(grid.passable_flat, grid.rows, grid.cols, int(s))[free].mean()
                          for s in rng.choice(free, samples)]))


def one_large(n: int, steps: int, seed: int, cache_mb: float, prefer_free: bool) -> dict:
    """One lifelong run on warehouse_large; returns a result row."""
    from maps import read_map
    from planner.lifelong import RandomTasks, run_lifelong
    from planner.validate import validate_paths

    grid = read_map(LARGE)
    t0 = time.perf_counter()
    run = run_lifelong(grid, _starts(grid, n, seed), RandomTasks(np.flatnonzero(grid.passable_flat), seed=seed),
                       steps=steps, seed=seed, cache_mb=cache_mb, prefer_free=prefer_free)
    wall = time.perf_counter() - t0
    p = run.paths
    tv = time.perf_counter()
    validate_paths(grid, np.stack([p // grid.cols, p % grid.cols], axis=-1))
    ms = run.step_ms
    return {"map": LARGE.name, "agents": n, "steps": steps, "prefer_free": prefer_free, "cache_mb": cache_mb,
            "tasks_finished": run.tasks_finished, "median_ms": float(np.median(ms)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max()),
            "first_step_ms": float(ms[0]), "preprocess_s": round(run.preprocess_s, 2), "wall_s": round(wall, 2), "validate_s": round(time.perf_counter() - tv, 2),
            "valid": True, "ideal_tasks": round(n * steps / mean_distance(grid)),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def part_large(agents, steps, seed) -> list[dict]:
    rows = []
    configs = [(n, True) for n in agents] + ([(1000, False)] if 1000 in agents else [])
    for n, pf in configs:
        cache_mb = 512 if n <= 5000 else 1024  # 77 KB a table: 10,000 goals need ~770 MB
        cmd = [sys.executable, __file__, "--one-large", str(n), "--steps", str(steps), "--seed", str(seed),
               "--cache-mb", str(cache_mb)] + ([] if pf else ["--plain-order"])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(f"  large {n:>6} agents{'' if pf else ' (plain order)'}: {row['tasks_finished']} tasks, "
              f"median {row['median_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, peak {row['peak_rss_mb']} MB",
              file=sys.stderr, flush=True)
    return rows


def _ref_run(grid, n, steps, seed):
    """Plain Python PIBT with the same kind of task stream; returns (tasks, step ms, paths)."""
    from benchmarks.ref_pibt import RefPIBT

    free = np.flatnonzero(grid.passable_flat)
    rng = np.random.default_rng([seed, 0x7A5C])
    pos = [grid.coord(int(c)) for c in _starts(grid, n, seed)]
    goals = [grid.coord(int(c)) for c in rng.choice(free, size=n)]
    ref = RefPIBT(grid.passable, seed=seed)
    hist = [list(pos)]
    ms = []
    done = 0
    for _ in range(steps):
        t0 = time.perf_counter()
        pos = ref.step(pos, goals)
        ms.append((time.perf_counter() - t0) * 1e3)
        hist.append(list(pos))
        for i in range(n):
            if pos[i] == goals[i]:
                done += 1
                goals[i] = grid.coord(int(rng.choice(free)))
    return done, np.asarray(ms), np.asarray(hist).transpose(1, 0, 2)


def part_ref(agents, steps, seed) -> list[dict]:
    from maps import read_map
    from planner.lifelong import RandomTasks, run_lifelong
    from planner.validate import validate_paths

    grid = read_map(SMALL)
    free = np.flatnonzero(grid.passable_flat)
    rows = []
    for n in agents:
        row = {"map": SMALL.name, "agents": n, "steps": steps}
        for pf in (True, False):
            run = run_lifelong(grid, _starts(grid, n, seed), RandomTasks(free, seed=seed), steps=steps, seed=seed,
                               prefer_free=pf)
            validate_paths(grid, np.stack([run.paths // grid.cols, run.paths % grid.cols], axis=-1))
            key = "robocore" if pf else "robocore_plain_order"
            row[f"{key}_tasks"] = run.tasks_finished
            row[f"{key}_median_ms"] = float(np.median(run.step_ms))
            row[f"{key}_p99_ms"] = float(np.percentile(run.step_ms, 99))
        done, ms, paths = _ref_run(grid, n, steps, seed)
        validate_paths(grid, paths)
        row["ref_tasks"] = done
        row["ref_median_ms"] = float(np.median(ms))
        row["ref_p99_ms"] = float(np.percentile(ms, 99))
        row["speedup_median"] = row["ref_median_ms"] / row["robocore_median_ms"]
        rows.append(row)
        print(f"  ref {n:>4} agents: robocore {row['robocore_tasks']} tasks {row['robocore_median_ms']:.3f} ms, "
              f"ref {done} tasks {row['ref_median_ms']:.2f} ms, x{row['speedup_median']:.0f}", file=sys.stderr,
              flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 steps; large part up to 4,000 agents")
    ap.add_argument("--part", choices=("large", "ref", "all"), default="all")
    ap.add_argument("--steps", type=int, default=None, help="steps per run (default 1000; --quick 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one-large", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--cache-mb", type=float, default=512, help=argparse.SUPPRESS)
    ap.add_argument("--plain-order", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    steps = args.steps or (200 if args.quick else 1000)
    if args.one_large:
        print(json.dumps(one_large(args.one_large, steps, args.seed, args.cache_mb, not args.plain_order)))
        return 0
    result = {"steps": steps, "seed": args.seed, "quick": args.quick, "cpu_count": os.cpu_count(),
              "load_avg_at_start": os.getloadavg()[0]}
    if args.part in ("large", "all"):
        agents = [200, 1000, 4000] if args.quick else [200, 1000, 4000, 10000]
        result["large"] = part_large(agents, steps, args.seed)
    if args.part in ("ref", "all"):
        result["ref"] = part_ref([100, 200, 400], steps, args.seed)
    result["load_avg_at_end"] = os.getloadavg()[0]
    if "large" in result:
        print(f"\nLifelong MAPF, random tasks, {LARGE.name}, {steps} steps (all runs validated)")
        print(f"{'agents':>7} {'order':>6} {'tasks':>8} {'% ideal':>8} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} "
              f"{'peak MB':>8}")
        for r in result["large"]:
            print(f"{r['agents']:>7} {'free' if r['prefer_free'] else 'plain':>6} {r['tasks_finished']:>8} "
                  f"{100 * r['tasks_finished'] / r['ideal_tasks']:>8.0f} "
                  f"{r['median_ms']:>10.2f} {r['p99_ms']:>8.2f} {r['max_ms']:>8.1f} {r['peak_rss_mb']:>8.0f}")
    if "ref" in result:
        print(f"\nrobocore vs plain Python PIBT (ref_pibt.py), {SMALL.name}, {steps} steps")
        print(f"{'agents':>7} {'rc tasks':>9} {'rc ms':>8} {'plain-order tasks':>18} {'ref tasks':>10} {'ref ms':>8} "
              f"{'speedup':>8}")
        for r in result["ref"]:
            print(f"{r['agents']:>7} {r['robocore_tasks']:>9} {r['robocore_median_ms']:>8.3f} "
                  f"{r['robocore_plain_order_tasks']:>18} {r['ref_tasks']:>10} {r['ref_median_ms']:>8.2f} "
                  f"{r['speedup_median']:>7.0f}x")
    out = HERE / "results" / "mapf_bench.json"
    out.parent.mkdir(exist_ok=True)
    if args.part != "all" and out.exists():  # keep the other part's last figures
        old = json.loads(out.read_text())
        other = "ref" if args.part == "large" else "large"
        if other in old:
            result[other] = old[other]
            result[f"{other}_meta"] = old.get(f"{other}_meta", {k: old.get(k) for k in ("steps", "seed", "quick")})
    result[f"{args.part}_meta"] = {"steps": steps, "seed": args.seed, "quick": args.quick}
    out.write_text(json.dumps(result, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
