"""Assign tours to agents to finish all of them as early as possible.

Each agent ``a`` is free at ``ready[a]`` (steps; its travel to the depot) and
then runs its tours back to back; tour ``t`` takes ``duration[t][a]`` steps on
agent ``a`` (travel at the agent's speed plus its pick time), or cannot run
on it at all (cart too small, picks outside its zone). The *makespan* is the
time the last agent finishes. Minimising it is a scheduling problem on
unrelated parallel machines; :func:`assign_cpsat` solves it with CP-SAT,
:func:`assign_greedy` is the classic longest-processing-time-first baseline.
"""

from __future__ import annotations

from typing import Mapping, Sequence

__all__ = ["assign_greedy", "assign_cpsat", "makespan"]


def makespan(assignment: Sequence[int], duration: Sequence[Mapping[int, float]], ready: Sequence[float]) -> float:
    """Finish time of the last agent for ``assignment[t]`` = agent of tour ``t``."""
    load = list(map(float, ready))
    for t, a in enumerate(assignment):
        load[a] += float(duration[t][a])
    used = set(assignment)
    return max((load[a] for a in used), default=0.0)


def _check(duration, ready) -> None:
    for t, d in enumerate(duration):
        if not d:
            raise ValueError(f"tour {t} fits no agent")
        for a in d:
            if not 0 <= a < len(ready):
                raise ValueError(f"tour {t}: agent index {a} out of range")


def assign_greedy(duration: Sequence[Mapping[int, float]], ready: Sequence[float]) -> list[int]:
    """Longest tour first, each to the agent that would finish it earliest.

    ``duration[t]`` maps agent index -> steps for the agents that can run
    tour ``t``. Returns the agent index of every tour. Ties go to the lower
    agent index, so the result is deterministic.

    Raises ``ValueError`` if a tour fits no agent.
    """
    _check(duration, ready)
    load = list(map(float, ready))
    order = sorted(range(len(duration)), key=lambda t: (-min(duration[t].values()), t))
    out = [-1] * len(duration)
    for t in order:
        a = min(duration[t], key=lambda a: (load[a] + duration[t][a], a))
        out[t] = a
        load[a] += duration[t][a]
    return out


def assign_cpsat(duration: Sequence[Mapping[int, float]], ready: Sequence[float], *, time_limit_s: float = 1.0,
                 seed: int = 0, scale: float = 100.0) -> list[int]:
    """Minimise the makespan with CP-SAT, then the total busy time.

    Durations are rounded to ``1/scale`` steps inside the model. The search
    starts from :func:`assign_greedy` and the result is never worse than it
    (compared unrounded). One worker and ``seed`` make it reproducible when
    the time limit is not hit.

    Raises ``ValueError`` if a tour fits no agent.
    """
    from ortools.sat.python import cp_model

    from planner import cpsat

    greedy = assign_greedy(duration, ready)
    if len(duration) <= 1:
        return greedy
    agents = sorted({a for d in duration for a in d})
    q = {(t, a): int(round(d * scale)) for t, dm in enumerate(duration) for a, d in dm.items()}
    r = {a: int(round(ready[a] * scale)) for a in agents}
    ub = max(r.values()) + sum(max(q[t, a] for a in duration[t]) for t in range(len(duration)))
    model = cp_model.CpModel()
    x = {(t, a): model.NewBoolVar(f"x{t}_{a}") for (t, a) in q}
    for t, dm in enumerate(duration):
        model.AddExactlyOne(x[t, a] for a in dm)
    span = model.NewIntVar(0, ub, "makespan")
    for a in agents:
        terms = [q[t, a] * x[t, a] for t in range(len(duration)) if (t, a) in x]
        used = model.NewBoolVar(f"used{a}")
        model.AddMaxEquality(used, [x[t, a] for t in range(len(duration)) if (t, a) in x])
        # an idle agent does not set the makespan, however late it is free
        model.Add(span >= r[a] + sum(terms)).OnlyEnforceIf(used)
    total = sum(q[k] * x[k] for k in x)
    model.Minimize(span * (sum(max(q[t, a] for a in duration[t]) for t in range(len(duration))) + 1) + total)
    for t, a in enumerate(greedy):
        for b in duration[t]:
            model.AddHint(x[t, b], 1 if b == a else 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    status = cpsat.solve(solver, model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return greedy
    out = []
    for t, dm in enumerate(duration):
        out.append(next(a for a in sorted(dm) if solver.Value(x[t, a])))
    if makespan(out, duration, ready) > makespan(greedy, duration, ready):
        return greedy
    return out
