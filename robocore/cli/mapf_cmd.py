"""``robocore mapf``: multi-agent path finding on benchmark files.

Three modes, chosen by the arguments:

* ``robocore mapf MAP SCEN --agents N``: one-shot MAPF with the first N rows of
  a MovingAI scenario;
* ``robocore mapf PROBLEM.json``: lifelong MAPF on a League of Robot Runners
  problem (2023 or 2024), tasks revealed and assigned as the League does;
* ``robocore mapf MAP --agents N --steps T``: lifelong MAPF with random tasks.
"""

from __future__ import annotations

import argparse
import json
import time

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser(
        "mapf", help="multi-agent path finding: one-shot on a scen, lifelong on a League problem or random tasks",
        description="One-shot MAPF (MAP SCEN --agents N), lifelong MAPF on a League of Robot Runners problem "
                    "(PROBLEM.json) or on any map with random tasks (MAP --agents N --steps T). Writes the plan "
                    "file with --out; prints a one-line summary (or JSON with --json).")
    p.add_argument("source", metavar="MAP|PROBLEM", help="a MovingAI .map or a League problem .json")
    p.add_argument("scen", metavar="SCEN", nargs="?", help="a MovingAI .scen (one-shot mode)")
    p.add_argument("--agents", type=int, help="number of agents (one-shot: first N scen rows; random tasks: "
                   "random starts; League: at most teamSize)")
    p.add_argument("--steps", type=int, help="lifelong steps (default 1000; League 2024: 5000)")
    p.add_argument("--max-steps", type=int, default=10_000, help="one-shot: give up after this many steps")
    p.add_argument("--seed", type=int, default=0, help="seed for random starts, tasks and tie-breaking")
    p.add_argument("--out", metavar="PLAN.json", help="write the plan file here")
    p.add_argument("--actions", choices=("move", "rotate"), default=None,
                   help="move: 4-connected plus wait; rotate: forward/turn/wait, League 2024 "
                        "(default: rotate for 2024 problems, else move)")
    p.add_argument("--assign", choices=("roundrobin", "greedy"), default=None,
                   help="League task assignment (default: the problem's 2023 strategy, greedy for 2024)")
    p.add_argument("--endpoints", action="store_true", help="random tasks on ENDPOINT cells only")
    p.add_argument("--step-budget-ms", type=float, default=None, help="per-step budget; steps over it are counted")
    p.add_argument("--cache-mb", type=float, default=512, help="distance-table cache bound in MiB (default 512)")
    p.add_argument("--json", action="store_true", help="print a JSON summary alone on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_run)


def _positive(name, value):
    from robocore.errors import InputError

    if value is not None and value <= 0:
        raise InputError(f"--{name} must be positive, got {value}")


def _run(args: argparse.Namespace) -> int:
    from robocore.cli._common import existing_file
    from robocore.errors import InputError

    for name in ("agents", "steps", "max_steps", "step_budget_ms", "cache_mb"):
        _positive(name.replace("_", "-"), getattr(args, name))
    existing_file(args.source, what="map or problem file")
    if args.source.lower().endswith(".json"):
        if args.scen:
            raise InputError("a League problem takes no SCEN argument", source=args.scen)
        return _league(args)
    if args.scen:
        if args.steps is not None:
            raise InputError("--steps is for lifelong runs; one-shot uses --max-steps")
        return _one_shot(args)
    if args.agents is None:
        raise InputError("random-task lifelong MAPF needs --agents N (or give a SCEN for one-shot)")
    return _random(args)


def _write_plan(args, plan) -> None:
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(plan, fh, separators=(",", ":"))


def _summary(args, summary: dict, line: str) -> int:
    from robocore.cli._common import emit_json

    if args.json:
        emit_json(summary)
    else:
        print(line)
    return 0


def _progress_cb(args, steps, desc):
    from robocore.cli._common import Progress

    bar = Progress(steps, desc=desc, enabled=not args.quiet and steps >= 200)

    def cb(t, finished):
        bar.update(1, extra=f"tasks {finished}")

    return bar, cb


def _one_shot(args) -> int:
    import numpy as np

    from maps import read_map, read_scen
    from planner.mapf import LifelongPlanner
    from robocore.cli._common import existing_file
    from robocore.errors import InputError

    if args.actions == "rotate":
        raise InputError("one-shot mode supports --actions move only")
    grid = read_map(args.source)
    rows = read_scen(existing_file(args.scen, what="scenario file"))
    n = len(rows) if args.agents is None else args.agents
    if n > len(rows):
        raise InputError(f"--agents {n} but the scenario has {len(rows)} rows", source=args.scen)
    rows = rows[:n]
    for r in rows:
        for what, cell in (("start", r.start), ("goal", r.goal)):
            if not grid.is_passable(cell):
                raise InputError(f"{what} {cell} is blocked or outside the map", source=args.scen, line=r.line)
    starts = np.array([grid.index(r.start) for r in rows], dtype=np.int64)
    goals = np.array([grid.index(r.goal) for r in rows], dtype=np.int64)
    if np.unique(starts).size != n:
        raise InputError("two agents share a start cell in the first --agents rows", source=args.scen)
    t0 = time.perf_counter()
    planner = LifelongPlanner(grid, seed=args.seed, cache_mb=args.cache_mb, step_budget_ms=args.step_budget_ms)
    pos = starts.copy()
    hist = [pos]
    first = np.where(pos == goals, 0, -1)
    for t in range(1, args.max_steps + 1):
        if np.array_equal(pos, goals):
            break
        pos = planner.step(pos, goals)
        hist.append(pos)
        first[(first < 0) & (pos == goals)] = t
    wall = time.perf_counter() - t0
    paths = np.stack(hist, axis=1)
    steps = paths.shape[1] - 1
    arrived = pos == goals
    solved = bool(arrived.all())
    ms = np.asarray(planner.step_ms)
    med = float(np.median(ms)) if ms.size else 0.0
    p99 = float(np.percentile(ms, 99)) if ms.size else 0.0
    coords = np.stack([paths // grid.cols, paths % grid.cols], axis=-1)
    soc = int(sum(int(np.flatnonzero(paths[a] != goals[a])[-1]) + 1 if (paths[a] != goals[a]).any() else 0
                  for a in range(n)))
    plan = {"map": args.source, "rows": grid.rows, "cols": grid.cols, "steps": steps, "paths": coords.tolist(),
            "tasks_finished": int(arrived.sum()), "planner": "pibt-move", "wall_s": round(wall, 3),
            "step_ms": {"median": med, "p99": p99},
            "tasks": [{"agent": a, "goal": [int(goals[a] // grid.cols), int(goals[a] % grid.cols)], "assigned": 0,
                       "finished": steps if arrived[a] else None} for a in range(n)]}
    _write_plan(args, plan)
    summary = {"mode": "one-shot", "map": args.source, "scen": args.scen, "agents": n, "solved": solved,
               "arrived": int(arrived.sum()), "makespan": steps if solved else None,
               "sum_of_costs": soc if solved else None, "steps": steps, "wall_s": round(wall, 3),
               "step_ms": {"median": med, "p99": p99}, "out": args.out}
    line = (f"one-shot: {n} agents, {'solved' if solved else 'NOT solved'} in {steps} steps "
            f"({int(arrived.sum())}/{n} on goal), sum of costs {soc}, step ms median {med:.2f} p99 {p99:.2f}, "
            f"wall {wall:.2f} s" + (f", plan {args.out}" if args.out else ""))
    _summary(args, summary, line)
    return 0 if solved else 1


def _random(args) -> int:
    import numpy as np

    from maps import load_layout
    from planner.lifelong import RandomTasks, run_lifelong
    from robocore.errors import InputError
    from robocore.grid import CellKind

    grid = load_layout(args.source).grid
    free = np.flatnonzero(grid.passable_flat)
    if args.agents > free.size:
        raise InputError(f"--agents {args.agents} but the map has {free.size} free cells", source=args.source)
    cells = np.flatnonzero(grid.kinds.ravel() == CellKind.ENDPOINT) if args.endpoints else free
    if cells.size == 0:
        raise InputError("the map has no ENDPOINT cells for --endpoints", source=args.source)
    rng = np.random.default_rng([args.seed, 0x57A7])
    starts = rng.choice(free, size=args.agents, replace=False)
    steps = 1000 if args.steps is None else args.steps
    return _lifelong(args, grid, starts, RandomTasks(cells, seed=args.seed), steps, args.actions or "move",
                     {"mode": "random-tasks"})


def _league(args) -> int:
    from maps import load_problem
    from planner.lifelong import GreedyTasks, RoundRobinTasks, pool_size
    from robocore.errors import InputError

    prob = load_problem(args.source)
    team = prob.team_size if args.agents is None else args.agents
    if team > prob.starts.size:
        raise InputError(f"--agents {team} but the problem has {prob.starts.size} starts", source=args.source)
    strategy = args.assign or ("greedy" if prob.version == 2024 else (prob.assignment or "roundrobin"))
    if strategy.startswith("roundrobin"):
        source = RoundRobinTasks(prob.tasks, team)
        strategy = "roundrobin"
    else:
        source = GreedyTasks(prob.tasks, pool_size=pool_size(prob.num_tasks_reveal, team), cols=prob.grid.cols)
        strategy = "greedy"
    steps = args.steps or (5000 if prob.version == 2024 else 1000)
    actions = args.actions or ("rotate" if prob.version == 2024 else "move")
    return _lifelong(args, prob.grid, prob.starts[:team], source, steps, actions,
                     {"mode": "league", "version": prob.version, "assign": strategy},
                     map_path=str(prob.map_path) if prob.map_path else args.source)


def _lifelong(args, grid, starts, source, steps, actions, extra, *, map_path=None) -> int:
    import numpy as np

    from planner.lifelong import run_lifelong

    bar, cb = _progress_cb(args, steps, f"mapf {len(starts)} agents")
    with bar:
        try:
            run = run_lifelong(grid, starts, source, steps=steps, actions=actions, seed=args.seed,
                               cache_mb=args.cache_mb, step_budget_ms=args.step_budget_ms, progress=cb,
                               record=bool(args.out))
        except ValueError as err:
            from robocore.errors import InputError

            raise InputError(str(err), source=args.source) from None
    if args.out:
        _write_plan(args, run.plan_dict(grid, map_path=map_path or args.source))
    ms = run.step_ms
    med = float(np.median(ms)) if ms.size else 0.0
    p99 = float(np.percentile(ms, 99)) if ms.size else 0.0
    summary = dict(extra)
    summary.update({"source": args.source, "agents": int(len(starts)), "steps": int(steps), "actions": actions,
                    "tasks_finished": run.tasks_finished, "tasks_assigned": len(run.tasks),
                    "step_ms": {"median": med, "p99": p99, "max": float(ms.max()) if ms.size else 0.0},
                    "wall_s": round(run.wall_s, 3), "preprocess_s": round(run.preprocess_s, 3), "steps_over_budget": run.over_budget,
                    "planner": run.planner,
                    "out": args.out})
    line = (f"lifelong ({extra['mode']}, {actions}): {len(starts)} agents, {steps} steps, "
            f"{run.tasks_finished} tasks finished, step ms median {med:.2f} p99 {p99:.2f}, wall {run.wall_s:.1f} s"
            + (f", plan {args.out}" if args.out else ""))
    return _summary(args, summary, line)
