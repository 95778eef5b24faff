"""League of Robot Runners 2024 instance with the rotation action model.

Runs ``../shared/data/lorr2024/warehouse_large_5000.json`` (5,000 agents on
``warehouse_large``, 2-errand tasks, a pool of 1.5 x 5,000 open tasks, greedy
nearest-task assignment) with forward / turn / wait actions, and reports
tasks finished, per-step planning time (median, p99, max; the League allows
1 s a step; building the first 5,000 goals' distance tables happens before
step 1, in the League's preprocessing phase, and is reported apart) and whether the executed plan validates (headings included).

Peers in the same run: the League's published figures (best known 94,232
tasks in 5,000 steps on this map with 5,000 agents; the 2024 start kit's
default planner finished 484 tasks in 1,000 steps with 200 agents) and a
robocore run of that 200-agent, 1,000-step setting for direct comparison.

Usage::

    nice -n 10 python benchmarks/lorr_bench.py                 # 5,000 steps: long
    nice -n 10 python benchmarks/lorr_bench.py --steps 1000    # shorter
    nice -n 10 python benchmarks/lorr_bench.py --quick         # 500 steps

Writes ``benchmarks/results/lorr_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
PROBLEM = DATA / "lorr2024" / "warehouse_large_5000.json"
BEST_KNOWN = 94_232
START_KIT_200x1000 = 484


def run(agents: int, steps: int, seed: int, *, validate: bool, progress: bool) -> dict:
    from maps import load_problem
    from planner.lifelong import GreedyTasks, pool_size, run_lifelong
    from planner.validate import validate_paths

    prob = load_problem(PROBLEM)
    grid = prob.grid
    source = GreedyTasks(prob.tasks, pool_size=pool_size(prob.num_tasks_reveal, agents), cols=grid.cols)
    t_last = [time.perf_counter()]

    def cb(t, done):
        if progress and (t % 250 == 0 or t == steps):
            now = time.perf_counter()
            print(f"  step {t}/{steps}: {done} tasks ({now - t_last[0]:.1f} s since last)", file=sys.stderr, flush=True)
            t_last[0] = now

    t0 = time.perf_counter()
    res = run_lifelong(grid, prob.starts[:agents], source, steps=steps, actions="rotate", seed=seed, progress=cb,
                       record=validate)
    wall = time.perf_counter() - t0
    valid = None
    if validate:
        tv = time.perf_counter()
        p = res.paths
        validate_paths(grid, np.stack([p // grid.cols, p % grid.cols], axis=-1), headings=res.headings)
        valid = True
        print(f"  validated in {time.perf_counter() - tv:.1f} s", file=sys.stderr, flush=True)
    ms = res.step_ms
    return {"agents": agents, "steps": steps, "tasks_finished": res.tasks_finished,
            "tasks_assigned": len(res.tasks), "median_ms": float(np.median(ms)), "p99_ms": float(np.percentile(ms, 99)),
            "max_ms": float(ms.max()), "preprocess_s": round(res.preprocess_s, 2), "steps_over_1s": int((ms > 1000).sum()), "wall_s": round(wall, 1),
            "valid": valid, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=5000, help="steps of the 5,000-agent run (League: 5000)")
    ap.add_argument("--quick", action="store_true", help="500 steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-validate", action="store_true", help="skip recording and validating the plan")
    args = ap.parse_args(argv)
    steps = 500 if args.quick else args.steps
    rows = []
    print("robocore, 200 agents, 1,000 steps (the start kit's published setting)", file=sys.stderr)
    rows.append(run(200, 1000, args.seed, validate=not args.no_validate, progress=False))
    print(f"robocore, 5,000 agents, {steps} steps", file=sys.stderr)
    rows.append(run(5000, steps, args.seed, validate=not args.no_validate, progress=True))
    big = rows[-1]
    result = {"problem": str(PROBLEM.name), "actions": "rotate", "assign": "greedy", "seed": args.seed,
              "best_known_5000_steps": BEST_KNOWN, "start_kit_200_agents_1000_steps": START_KIT_200x1000,
              "rows": rows, "load_avg": os.getloadavg()[0]}
    if steps == 5000:
        result["fraction_of_best_known"] = big["tasks_finished"] / BEST_KNOWN
    print(f"\nLeague of Robot Runners 2024, {PROBLEM.name}, rotation model")
    print(f"{'run':<28} {'tasks':>7} {'median ms':>10} {'p99 ms':>8} {'max ms':>8} {'>1 s':>5} {'prep s':>7} "
          f"{'valid':>6} {'peak MB':>8}")
    for r in rows:
        print(f"{'robocore ' + str(r['agents']) + ' x ' + str(r['steps']):<28} {r['tasks_finished']:>7} "
              f"{r['median_ms']:>10.2f} {r['p99_ms']:>8.2f} {r['max_ms']:>8.1f} {r['steps_over_1s']:>5} "
              f"{r['preprocess_s']:>7.1f} "
              f"{str(r['valid']):>6} {r['peak_rss_mb']:>8.0f}")
    print(f"{'start kit 200 x 1000':<28} {START_KIT_200x1000:>7}")
    print(f"{'best known 5000 x 5000':<28} {BEST_KNOWN:>7}")
    if steps == 5000:
        print(f"robocore reaches {100 * result['fraction_of_best_known']:.1f}% of the best known")
    out = HERE / "results" / "lorr_bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
