"""Order batching: group orders into cart tours of least total travel.

The algorithms here see a :class:`BatchProblem`: ``n`` orders, a *price*
(the tour length in moves of any set of orders, from the routers), a
feasibility test (does some agent's cart take this set) and, per order, a
short list of nearby orders to consider combining with. A batching is a list
of batches, each a sorted tuple of order indexes, covering every order once.

* :func:`batch_fifo`: fill carts in release order (the naive baseline);
* :func:`batch_savings`: Clarke-Wright savings; ``dynamic=False`` is the
  classic static list of pair savings (C&W(i)), ``dynamic=True`` recomputes
  savings between merged batches (C&W(ii));
* :func:`improve_batches`: local search moving and swapping orders between
  batches, with random restarts from perturbed solutions until a time or
  round limit (iterated local search);
* :func:`set_partition`: CP-SAT picks the cheapest exact cover of the orders
  from a pool of priced candidate batches.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
import random
import time
from typing import Callable, Iterable, Sequence

import numpy as np

__all__ = ["BatchProblem", "batch_fifo", "batch_savings", "improve_batches", "set_partition", "total_cost"]

Batch = tuple  # sorted tuple of order indexes


class BatchProblem:
    """What the batching algorithms need to know.

    Parameters
    ----------
    n: number of orders (indexed 0 .. n-1).
    price: ``price(members)`` -> tour length in moves of one tour picking
        the orders in ``members`` (a sorted ``int64`` array). Called once per
        distinct set: results are cached.
    fits: ``fits(members_tuple)`` -> True if some agent's cart can take these
        orders together (capacity, volume, weight, zones).
    near: ``(n, K)`` integer array: for each order, K other orders worth
        combining with (closest first). ``None`` means every other order.
    """

    def __init__(self, n: int, *, price: Callable[[np.ndarray], int], fits: Callable[[tuple], bool],
                 near: np.ndarray | None = None):
        self.n = int(n)
        self._price = price
        self._fits = fits
        self._costs: dict[tuple, int] = {(): 0}
        self._fit: dict[tuple, bool] = {(): True}
        if near is None:
            idx = np.arange(self.n, dtype=np.int64)
            near = np.array([np.delete(idx, i) for i in range(self.n)], dtype=np.int64).reshape(self.n, max(self.n - 1, 0))
        self.near = np.asarray(near, dtype=np.int64)
        #: batches of every local optimum the improvement phase reached:
        #: good columns for :func:`set_partition`.
        self.elite: set[tuple] = set()
        #: calls of :meth:`cost` so far (the local search's work counter)
        self.lookups = 0

    @property
    def evaluations(self) -> int:
        """How many distinct batches have been priced so far."""
        return len(self._costs) - 1

    def cost(self, members: Iterable[int]) -> int:
        """Tour length (moves) of one tour over ``members`` (cached)."""
        self.lookups += 1
        key = tuple(sorted(members))
        c = self._costs.get(key)
        if c is None:
            c = int(self._price(np.asarray(key, dtype=np.int64)))
            self._costs[key] = c
        return c

    def fits(self, members: Iterable[int]) -> bool:
        """True if one cart can take all of ``members`` (cached)."""
        key = tuple(sorted(members))
        f = self._fit.get(key)
        if f is None:
            f = bool(self._fits(key))
            self._fit[key] = f
        return f

    def pool(self) -> list[tuple[tuple, int]]:
        """Every feasible batch priced so far, with its cost."""
        return [(k, c) for k, c in self._costs.items() if k and self.fits(k)]


def total_cost(problem: BatchProblem, batches: Sequence[Batch]) -> int:
    """Sum of the tour lengths of ``batches`` in moves."""
    return sum(problem.cost(b) for b in batches)


def _check_cover(problem: BatchProblem, batches: Sequence[Batch]) -> None:
    seen = sorted(o for b in batches for o in b)
    if seen != list(range(problem.n)):  # pragma: no cover - internal invariant
        raise AssertionError("batches do not cover every order exactly once")


# ----------------------------------------------------------------- construction


def batch_fifo(problem: BatchProblem, *, order: Sequence[int] | None = None) -> list[Batch]:
    """Fill one cart after another in release ``order`` (default 0 .. n-1),
    starting a new cart when the next order does not fit."""
    order = range(problem.n) if order is None else order
    out: list[Batch] = []
    cur: list[int] = []
    for o in order:
        if cur and not problem.fits(cur + [o]):
            out.append(tuple(sorted(cur)))
            cur = []
        cur.append(int(o))
    if cur:
        out.append(tuple(sorted(cur)))
    return out


def batch_savings(problem: BatchProblem, *, dynamic: bool = True) -> list[Batch]:
    """Clarke-Wright savings batching.

    Start with one batch per order. The saving of joining batches ``A`` and
    ``B`` is ``cost(A) + cost(B) - cost(A | B)``. ``dynamic=False``: rank the
    order pairs once by saving and merge the batches of each pair in turn when
    the union fits (C&W(i)). ``dynamic=True``: always merge the feasible pair
    of current batches with the largest saving, re-pricing the merged batch
    against its neighbours (C&W(ii)). Only positive savings merge.
    """
    n = problem.n
    near = problem.near
    pairs = set()
    for i in range(n):
        for j in near[i]:
            j = int(j)
            if j != i:
                pairs.add((i, j) if i < j else (j, i))
    if not dynamic:
        sav = []
        for i, j in sorted(pairs):
            s = problem.cost((i,)) + problem.cost((j,)) - problem.cost((i, j))
            if s > 0:
                sav.append((-s, i, j))
        sav.sort()
        batch_of = list(range(n))
        members: dict[int, list[int]] = {i: [i] for i in range(n)}
        for _, i, j in sav:
            a, b = batch_of[i], batch_of[j]
            if a == b:
                continue
            merged = members[a] + members[b]
            if not problem.fits(merged):
                continue
            for o in members[b]:
                batch_of[o] = a
            members[a] = merged
            del members[b]
        out = [tuple(sorted(m)) for m in members.values()]
        _check_cover(problem, out)
        return out
    # dynamic
    batches: dict[int, tuple] = {i: (i,) for i in range(n)}
    batch_of = list(range(n))
    heap: list = []
    for i, j in sorted(pairs):
        if problem.fits((i, j)):
            s = problem.cost((i,)) + problem.cost((j,)) - problem.cost((i, j))
            if s > 0:
                heap.append((-s, i, j))
    heapq.heapify(heap)
    next_id = n
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in batches or b not in batches:
            continue
        merged = tuple(sorted(batches[a] + batches[b]))
        c = next_id
        next_id += 1
        del batches[a], batches[b]
        batches[c] = merged
        for o in merged:
            batch_of[o] = c
        others = {batch_of[int(p)] for o in merged for p in near[o]} - {c}
        cc = problem.cost(merged)
        for d in sorted(others):
            u = batches[d] + merged
            if not problem.fits(u):
                continue
            s = cc + problem.cost(batches[d]) - problem.cost(u)
            if s > 0:
                heapq.heappush(heap, (-s, min(c, d), max(c, d)))
    out = sorted(batches.values())
    _check_cover(problem, out)
    return out


# ------------------------------------------------------------------ improvement


def _local_search(problem: BatchProblem, bs: list[list[int]], where: list[int], rng: random.Random,
                  out_of_budget: Callable[[], bool], dirty: Iterable[int] | None = None,
                  neighbours: int | None = None, swap_batches: int | None = None) -> bool:
    """Relocate/swap descent in place, first improvement per order.

    Orders are examined from a queue (``dirty``, default all in a seeded
    random order); after a move the orders of the two batches changed are
    queued again (don't-look bits). Returns False if stopped by the deadline.
    """
    cost = problem.cost
    fits = problem.fits
    near = problem.near if neighbours is None else problem.near[:, :neighbours]
    bc = {}

    def bcost(i):
        c = bc.get(i)
        if c is None:
            c = bc[i] = cost(bs[i])
        return c

    if dirty is None:
        queue = list(range(problem.n))
        rng.shuffle(queue)
    else:
        queue = sorted(set(dirty))
        rng.shuffle(queue)
    queue = deque(queue)
    queued = set(queue)
    while queue:
        if out_of_budget():
            return False
        o = queue.popleft()
        queued.discard(o)
        a = where[o]
        A = bs[a]
        A_minus = [x for x in A if x != o]
        c_am = cost(A_minus)
        ca = bcost(a)
        best = 0
        move = None
        cands = sorted({where[int(p)] for p in near[o]} - {a})
        insertion = []
        for b in cands:
            Bo = bs[b] + [o]
            cbo = cost(Bo)
            insertion.append((cbo - bcost(b), b))
            if fits(Bo):
                d = c_am + cbo - ca - bcost(b)
                if d < best:
                    best, move = d, ("move", b, None)
        if swap_batches is None:
            partners = [int(p) for p in near[o]]
        else:  # every order of the batches o joins most cheaply
            insertion.sort()
            partners = [p for _, b in insertion[:swap_batches] for p in sorted(bs[b])]
        for p in partners:
            b = where[p]
            if b == a:
                continue
            A2 = A_minus + [p]
            B2 = [x for x in bs[b] if x != p] + [o]
            if fits(A2) and fits(B2):
                d = cost(A2) + cost(B2) - ca - bcost(b)
                if d < best:
                    best, move = d, ("swap", b, p)
        if move is None:
            continue
        kind, b, p = move
        if kind == "move":
            bs[a] = A_minus
            bs[b] = bs[b] + [o]
            where[o] = b
        else:
            bs[a] = A_minus + [p]
            bs[b] = [x for x in bs[b] if x != p] + [o]
            where[o], where[p] = b, a
        bc.pop(a, None)
        bc.pop(b, None)
        for x in bs[a] + bs[b]:
            if x not in queued:
                queued.add(x)
                queue.append(x)
    return True


def _compact(bs: list[list[int]]) -> list[Batch]:
    return sorted(tuple(sorted(b)) for b in bs if b)


def improve_batches(problem: BatchProblem, batches: Sequence[Batch], *, time_limit_s: float = 1.0,
                    rounds: int = 50, seed: int = 0, strength: int = 3, max_work: int | None = None,
                    patience: int = 100, neighbours: int | None = None,
                    swap_batches: int | None = 4) -> list[Batch]:
    """Improve a batching by iterated local search; never returns a worse one.

    Local search: for each order (in a seeded random order), the best of
    moving it to a neighbouring batch or swapping it with a nearby order of
    another batch, while that lowers the total tour length. Then up to
    ``rounds`` times: perturb the best solution (``strength`` random swaps or
    moves between neighbouring batches, kept feasible), descend again, and
    keep the result if it is better; stop after ``patience`` rounds in a row
    without a gain. Also stops at ``time_limit_s`` seconds or after
    ``max_work`` batch-cost look-ups, whichever comes first; when the clock
    is not what stopped it, the result depends only on the inputs and
    ``seed`` (the work budget is machine-independent). ``neighbours``
    limits each order's moves and swaps to its closest that many orders
    (default: all of ``problem.near``). Swaps pair an order with every
    order of the ``swap_batches`` batches it would join most cheaply
    (``None``: with its nearby orders instead).
    """
    deadline = time.perf_counter() + float(time_limit_s)
    cap = math.inf if max_work is None else problem.lookups + int(max_work)

    def out_of_budget() -> bool:
        return problem.lookups >= cap or time.perf_counter() > deadline

    rng = random.Random(seed)
    bs = [list(b) for b in batches]
    where = [0] * problem.n
    for i, b in enumerate(bs):
        for o in b:
            where[o] = i
    _local_search(problem, bs, where, rng, out_of_budget, neighbours=neighbours,
                  swap_batches=swap_batches)
    best = _compact(bs)
    problem.elite.update(best)
    best_cost = total_cost(problem, best)
    done = 0
    stall = 0
    for _ in range(int(rounds)):
        if out_of_budget() or stall >= patience:
            break
        bs = [list(b) for b in best]
        where = [0] * problem.n
        for i, b in enumerate(bs):
            for o in b:
                where[o] = i
        touched: set[int] = set()
        for _ in range(strength):
            o = rng.randrange(problem.n)
            a = where[o]
            p = int(problem.near[o][rng.randrange(problem.near.shape[1])]) if problem.near.shape[1] else o
            b = where[p]
            if a == b:
                continue
            A2 = [x for x in bs[a] if x != o] + [p]
            B2 = [x for x in bs[b] if x != p] + [o]
            if problem.fits(A2) and problem.fits(B2):
                bs[a], bs[b] = A2, B2
                where[o], where[p] = b, a
            elif problem.fits(bs[b] + [o]):
                bs[a] = [x for x in bs[a] if x != o]
                bs[b] = bs[b] + [o]
                where[o] = b
            else:
                continue
            touched.update(bs[a])
            touched.update(bs[b])
        if not _local_search(problem, bs, where, rng, out_of_budget, dirty=touched,
                             neighbours=neighbours, swap_batches=swap_batches):
            break
        done += 1
        cand = _compact(bs)
        problem.elite.update(cand)
        c = total_cost(problem, cand)
        if c < best_cost:
            best, best_cost = cand, c
            stall = 0
        else:
            stall += 1
    _check_cover(problem, best)
    problem.last_rounds = done
    return best


# ------------------------------------------------------------ set partitioning


def set_partition(problem: BatchProblem, batches: Sequence[Batch], *, pool: Sequence[tuple[Batch, int]] | None = None,
                  time_limit_s: float = 1.0, max_columns: int = 50_000, seed: int = 0) -> list[Batch]:
    """Cheapest exact cover of the orders by candidate batches (CP-SAT).

    Candidates are ``pool`` (default: the batches of every local optimum
    :func:`improve_batches` reached, ``problem.elite``) plus ``batches`` and
    all singletons; the model picks a subset covering
    each order exactly once at least total cost, hinted with ``batches``.
    With more than ``max_columns`` candidates the most cost-efficient
    (cost per order) are kept. One worker and a fixed seed make it
    reproducible; never returns a worse cover than ``batches``.
    """
    from ortools.sat.python import cp_model

    from planner import cpsat

    cols: dict[tuple, int] = {}
    if pool is None:
        pool = [(b, problem.cost(b)) for b in sorted(problem.elite)]
    for b, c in pool:
        cols[tuple(b)] = int(c)
    for b in batches:
        cols[tuple(b)] = problem.cost(b)
    for i in range(problem.n):
        cols[(i,)] = problem.cost((i,))
    keys = list(cols)
    if len(keys) > max_columns:
        must = {tuple(b) for b in batches} | {(i,) for i in range(problem.n)}
        rest = sorted((k for k in keys if k not in must), key=lambda k: (cols[k] / len(k), k))
        keys = sorted(must) + rest[:max(0, max_columns - len(must))]
    model = cp_model.CpModel()
    x = [model.NewBoolVar(f"b{i}") for i in range(len(keys))]
    cover: list[list[int]] = [[] for _ in range(problem.n)]
    for i, k in enumerate(keys):
        for o in k:
            cover[o].append(i)
    for o in range(problem.n):
        model.AddExactlyOne(x[i] for i in cover[o])
    model.Minimize(sum(cols[k] * x[i] for i, k in enumerate(keys)))
    current = {tuple(b) for b in batches}
    for i, k in enumerate(keys):
        model.AddHint(x[i], 1 if k in current else 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    status = cpsat.solve(solver, model)
    base = sorted(tuple(b) for b in batches)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return base
    chosen = sorted(keys[i] for i in range(len(keys)) if solver.Value(x[i]))
    if total_cost(problem, chosen) >= total_cost(problem, base):
        return base
    _check_cover(problem, chosen)
    return chosen
