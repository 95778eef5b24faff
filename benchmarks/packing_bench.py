"""Packing benchmark: cartonization against naive policies on a seeded order set.

Orders are drawn from a seeded e-commerce SKU mix (books, apparel, phone
accessories, mugs, upright bottles, shoe boxes, electronics, toys, small
appliances; 1-5 lines, quantities 1-3) and packed into the default carton
catalogue by

* ``cartonize``: :func:`planner.cartonize.cartonize` (Numba extreme-point kernel),
  its cross-order cache of single-carton answers warm as in a shift;
* ``cartonize (cold cache)``: the same with that cache emptied before each order;
* ``cartonize-py``: the same solver, cold cache, with the kernel run as plain
  Python (``py_func`` of each Numba kernel), on the first ``--py-orders`` orders, against
  ``cartonize (same orders)``, to show what Numba buys;
* ``... bulk``: both again on ``--bulk-orders`` B2B-size orders (8-15 lines,
  about 15 units), where the kernel's share of the time is larger;
* ``one-per-item``: every unit alone in the cheapest carton it fits;
* ``py3dbp``: the PyPI ``py3dbp`` packer (1.1.2), when it is installed: the
  cheapest single carton it packs everything into, else one unit per carton.
  Its packings are run through ``verify_packing`` too; a claimed packing that
  fails (py3dbp knows no upright-only items) does not count and is reported
  as ``invalid_claims``.

Every ``cartonize`` result is checked with :func:`robocore.packing.verify_packing`.
Fill rate = total item volume / total carton volume. Run:

    nice -n 10 python benchmarks/packing_bench.py [--orders 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.cartonize import cartonize, fit_items  # noqa: E402
from robocore.packing import DEFAULT_CARTONS, Item, verify_packing  # noqa: E402

# the module (``planner.cartonize`` the attribute is the function of that name)
cz = importlib.import_module("planner.cartonize")

# category: (l range, w range, h range, kg range, upright share, weight of the category in demand)
CATEGORIES = {
    "book": ((150, 240), (100, 170), (10, 50), (0.2, 1.0), 0.0, 14),
    "apparel": ((200, 350), (150, 300), (20, 60), (0.1, 0.8), 0.0, 20),
    "phone-acc": ((80, 180), (50, 100), (10, 30), (0.05, 0.3), 0.0, 12),
    "mug": ((90, 120), (90, 120), (90, 130), (0.3, 0.5), 0.0, 6),
    "bottle": ((60, 90), (60, 90), (180, 320), (0.5, 1.6), 1.0, 6),
    "shoes": ((300, 350), (180, 220), (100, 130), (0.8, 1.6), 0.0, 10),
    "electronics": ((100, 250), (80, 200), (40, 120), (0.2, 2.0), 0.0, 14),
    "toy": ((150, 400), (100, 300), (80, 250), (0.2, 2.5), 0.0, 12),
    "appliance": ((250, 450), (200, 350), (200, 400), (2.0, 8.0), 0.3, 6),
}


def make_catalogue(n: int, rng: random.Random) -> list[Item]:
    names = list(CATEGORIES)
    weights = [CATEGORIES[c][5] for c in names]
    out = []
    for i in range(n):
        c = rng.choices(names, weights)[0]
        (l0, l1), (w0, w1), (h0, h1), (k0, k1), up, _ = CATEGORIES[c]
        out.append(Item(f"{c}-{i:04d}", (rng.randint(l0, l1), rng.randint(w0, w1), rng.randint(h0, h1)),
                        round(rng.uniform(k0, k1), 3), rng.random() < up))
    return out


def make_orders(n: int, seed: int, *, bulk: bool = False) -> list[list[Item]]:
    """``n`` orders of 1-5 lines (quantities 1-3); ``bulk`` orders have 8-15 lines instead."""
    rng = random.Random(seed)
    cat = make_catalogue(500, rng)
    orders = []
    for _ in range(n):
        lines = 1
        while lines < 5 and rng.random() < 0.45:
            lines += 1
        if bulk:
            lines = rng.randint(8, 15)
        items: list[Item] = []
        for sku in rng.sample(cat, lines):
            qty = rng.choices((1, 2, 3), (80, 15, 5))[0]
            items.extend([sku] * qty)
        orders.append(items)
    return orders


def one_per_item(items: list[Item]) -> tuple[float, int, int]:
    """(cost, parcels, carton volume) of packing each unit alone in its cheapest carton."""
    cost = 0.0
    vol = 0
    cat = sorted(DEFAULT_CARTONS, key=lambda c: (c.cost, c.volume))
    for it in items:
        for c in cat:
            if fit_items([it], c, exact=False) is not None:
                cost += c.cost
                vol += c.volume
                break
    return cost, len(items), vol


def run_cartonize(orders: list[list[Item]], *, cold_each_order: bool = False) -> dict:
    """Pack every order; the solver's cross-order cache starts empty (and is
    emptied before each order with ``cold_each_order``)."""
    cz._cheapest_single.cache_clear()
    cost = 0.0
    parcels = 0
    cvol = 0
    ivol = 0
    split = 0
    ms = []
    for items in orders:
        if cold_each_order:
            cz._cheapest_single.cache_clear()
        t0 = time.perf_counter()
        res = cartonize(items)
        ms.append((time.perf_counter() - t0) * 1000)
        verify_packing(res, items)
        cost += res.cost
        parcels += len(res.parcels)
        split += len(res.parcels) > 1
        cvol += res.carton_volume
        ivol += res.item_volume
    return {"orders": len(orders), "units": sum(map(len, orders)), "parcels": parcels, "split_orders": split,
            "cost": round(cost, 2), "cost_per_order": round(cost / len(orders), 4), "fill_rate": round(ivol / cvol, 4),
            "ms_per_order": round(statistics.fmean(ms), 3), "ms_p99": round(sorted(ms)[int(0.99 * (len(ms) - 1))], 3),
            "ms_max": round(max(ms), 3)}


def run_naive(orders: list[list[Item]]) -> dict:
    cost = 0.0
    parcels = 0
    cvol = 0
    ivol = 0
    ms = []
    for items in orders:
        t0 = time.perf_counter()
        c, p, v = one_per_item(items)
        ms.append((time.perf_counter() - t0) * 1000)
        cost += c
        parcels += p
        cvol += v
        ivol += sum(it.volume for it in items)
    return {"orders": len(orders), "units": sum(map(len, orders)), "parcels": parcels, "split_orders": None,
            "cost": round(cost, 2), "cost_per_order": round(cost / len(orders), 4), "fill_rate": round(ivol / cvol, 4),
            "ms_per_order": round(statistics.fmean(ms), 3), "ms_p99": round(sorted(ms)[int(0.99 * (len(ms) - 1))], 3),
            "ms_max": round(max(ms), 3)}


def _py3dbp_single(items: list[Item], carton) -> tuple[bool, bool]:
    """(py3dbp claims a fit, and that packing passes ``verify_packing``)."""
    from py3dbp import Bin, Item as PItem, Packer

    from robocore.packing import PackingError, PackResult, Parcel, Placement

    packer = Packer()
    packer.add_bin(Bin(carton.id, carton.dims[0], carton.dims[1], carton.dims[2], carton.max_weight))
    for k, it in enumerate(items):
        packer.add_item(PItem(str(k), it.dims[0], it.dims[1], it.dims[2], it.weight))
    packer.pack(bigger_first=True)
    b = packer.bins[0]
    if b.unfitted_items or len(b.items) != len(items):
        return False, False
    placements = tuple(
        Placement(int(pi.name), tuple(int(v) for v in pi.position), tuple(int(v) for v in pi.get_dimension()))
        for pi in b.items
    )
    iv = sum(it.volume for it in items)
    try:
        verify_packing(PackResult((Parcel(carton, placements),), carton.cost, iv / carton.volume), items)
    except PackingError:
        return True, False
    return True, True


def run_py3dbp(orders: list[list[Item]]) -> dict | None:
    """py3dbp as a peer: the cheapest single carton it packs everything into, checked
    with ``verify_packing`` (a claimed packing that fails the check does not count),
    else one unit per carton."""
    try:
        import py3dbp  # noqa: F401
    except ImportError:
        return None
    cost = 0.0
    parcels = 0
    cvol = 0
    ivol = 0
    invalid = 0
    ms = []
    cat = sorted(DEFAULT_CARTONS, key=lambda c: (c.cost, c.volume))
    for items in orders:
        t0 = time.perf_counter()
        chosen = None
        for c in cat:
            if sum(it.weight for it in items) > c.max_weight or sum(it.volume for it in items) > c.volume:
                continue
            claimed, valid = _py3dbp_single(items, c)
            invalid += claimed and not valid
            if valid:
                chosen = c
                break
        if chosen is not None:
            cost += chosen.cost
            parcels += 1
            cvol += chosen.volume
        else:
            c, p, v = one_per_item(items)
            cost += c
            parcels += p
            cvol += v
        ms.append((time.perf_counter() - t0) * 1000)
        ivol += sum(it.volume for it in items)
    return {"orders": len(orders), "units": sum(map(len, orders)), "parcels": parcels, "split_orders": None,
            "cost": round(cost, 2), "cost_per_order": round(cost / len(orders), 4), "fill_rate": round(ivol / cvol, 4),
            "ms_per_order": round(statistics.fmean(ms), 3), "ms_p99": round(sorted(ms)[int(0.99 * (len(ms) - 1))], 3),
            "ms_max": round(max(ms), 3), "invalid_claims": invalid}


KERNELS = ("_ep_pack_many", "_ep_pack", "_project")


@contextlib.contextmanager
def python_kernels():
    """Run the cartonization kernels as plain Python (their ``py_func``) inside the block."""
    saved = {k: getattr(cz, k) for k in KERNELS}
    for k, fn in saved.items():
        setattr(cz, k, fn.py_func)
    try:
        yield
    finally:
        for k, fn in saved.items():
            setattr(cz, k, fn)


def kernel_timing(orders: list[list[Item]]) -> dict:
    """ms per heuristic fit test (all orderings) of each order into carton L2, Numba vs plain Python."""
    box = next(c for c in DEFAULT_CARTONS if c.id == "L2").dims
    out = {}
    for name in ("numba", "python"):
        with python_kernels() if name == "python" else contextlib.nullcontext():
            t0 = time.perf_counter()
            for items in orders:
                cz._heuristic_fit(items, box)
            out[name] = round((time.perf_counter() - t0) * 1000 / len(orders), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=1000)
    ap.add_argument("--py-orders", type=int, default=200, help="orders for the pure-Python kernel run")
    ap.add_argument("--bulk-orders", type=int, default=30, help="B2B-size orders (8-15 lines) for the Numba comparison")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "packing_bench.json"))
    args = ap.parse_args(argv)

    orders = make_orders(args.orders, args.seed)
    cartonize(orders[0])  # Numba compile / cache load, outside the timing
    rows = {"cartonize": run_cartonize(orders)}
    rows["cartonize (cold cache)"] = run_cartonize(orders, cold_each_order=True)
    with python_kernels():
        rows["cartonize-py"] = run_cartonize(orders[: args.py_orders], cold_each_order=True)
    rows["cartonize (same orders)"] = run_cartonize(orders[: args.py_orders], cold_each_order=True)
    kernel_ms = kernel_timing(orders[: args.py_orders])
    bulk = make_orders(args.bulk_orders, args.seed + 1, bulk=True)
    rows["cartonize bulk"] = run_cartonize(bulk, cold_each_order=True)
    with python_kernels():
        rows["cartonize-py bulk"] = run_cartonize(bulk, cold_each_order=True)
    rows["one-per-item"] = run_naive(orders)
    p3 = run_py3dbp(orders)
    if p3 is not None:
        rows["py3dbp"] = p3

    base = rows["one-per-item"]
    head = (f"{'policy':<24}{'orders':>7}{'units':>7}{'parcels':>8}{'cost EUR':>10}{'EUR/order':>10}{'fill':>7}"
            f"{'ms/order':>10}{'p99 ms':>8}")
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        print(f"{name:<24}{r['orders']:>7}{r['units']:>7}{r['parcels']:>8}{r['cost']:>10.2f}"
              f"{r['cost_per_order']:>10.3f}"
              f"{r['fill_rate']:>7.3f}{r['ms_per_order']:>10.3f}{r['ms_p99']:>8.2f}")
    c = rows["cartonize"]
    ratios = {
        "cache_speedup": round(rows["cartonize (cold cache)"]["ms_per_order"] / c["ms_per_order"], 2),
        "cost_vs_one_per_item": round(c["cost"] / base["cost"], 4),
        "parcels_vs_one_per_item": round(c["parcels"] / base["parcels"], 4),
        "fill_vs_one_per_item": round(c["fill_rate"] / base["fill_rate"], 3),
        "numba_speedup_same_orders": round(rows["cartonize-py"]["ms_per_order"]
                                           / rows["cartonize (same orders)"]["ms_per_order"], 2),
        "kernel_ms_numba": kernel_ms["numba"],
        "kernel_ms_python": kernel_ms["python"],
        "kernel_speedup": round(kernel_ms["python"] / kernel_ms["numba"], 1),
        "numba_speedup_bulk": round(rows["cartonize-py bulk"]["ms_per_order"]
                                    / rows["cartonize bulk"]["ms_per_order"], 2),
    }
    print()
    for k, v in ratios.items():
        print(f"{k}: {v}")
    if p3 is None:
        print("py3dbp: not installed (optional peer), skipped")
    else:
        ratios["cost_vs_py3dbp"] = round(c["cost"] / p3["cost"], 4)
        ratios["fill_vs_py3dbp"] = round(c["fill_rate"] / p3["fill_rate"], 3)
        print(f"cost_vs_py3dbp: {ratios['cost_vs_py3dbp']}")
        print(f"fill_vs_py3dbp: {ratios['fill_vs_py3dbp']}")
        print(f"py3dbp packings that failed verify_packing: {p3['invalid_claims']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"seed": args.seed, "orders": args.orders, "cartons": [c.id for c in DEFAULT_CARTONS],
                               "rows": rows, "ratios": ratios, "py3dbp_installed": p3 is not None}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
