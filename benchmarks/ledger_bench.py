"""Ledger benchmark: submissions per second, catalogue load time, confirmation latency.

Runs robocore's ledger and a naive peer in the same run and prints a table;
writes ``benchmarks/results/ledger_bench.json``.

* **submit**: orders submitted one by one (one transaction each) into a file
  ledger, then the same number submitted and confirmed (validation,
  allocation, reservation); invariants checked after. Peer: the same order
  rows written the naive way, one autocommit INSERT per row into SQLite with
  its default journal and synchronous settings.
* **load**: ``--skus`` SKUs (default 1,000,000), each stocked in one slot of
  each of 3 warehouses (3 x SKUs stock rows and locations), in one
  ``Ledger.load`` call from generators. Peer: one autocommit INSERT per row,
  measured on a sample and scaled linearly (it is far too slow to run whole).
* **confirm**: on that loaded ledger, orders of 1-5 lines over random SKUs;
  latency of ``confirm`` alone and of ``submit(confirm=True)``, median / p99.

Usage: ``python benchmarks/ledger_bench.py [--quick] [--skus N] [--orders N] [--seed S]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from robocore import Address, Ledger, Order, OrderLine, Warehouse, demo_catalog  # noqa: E402
from robocore.catalog import iter_demo_catalog  # noqa: E402

WAREHOUSES = [Warehouse("WH-1", region="north", handling_days=1, cost=4.0),
              Warehouse("WH-2", region="south", handling_days=1, cost=3.0),
              Warehouse("WH-3", region="east", handling_days=2, cost=1.0)]
REGIONS = ["north", "south", "east"]


def make_orders(n: int, skus: list[str], *, seed: int, prefix: str) -> list[Order]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = rng.randint(1, 5)
        lines = tuple(OrderLine(s, rng.randint(1, 3)) for s in rng.sample(skus, k))
        out.append(Order(f"{prefix}{i}", f"C{rng.randint(1, 999)}", Address(region=rng.choice(REGIONS),
                                                                            postcode=f"{rng.randint(1000, 9999)}",
                                                                            country="NL"),
                         lines, ship_complete=rng.random() < 0.7, priority=rng.randint(0, 2)))
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100.0 * (len(xs) - 1))))]


# ------------------------------------------------------------------------------------ submissions
def naive_submit(path: str, orders: list[Order]) -> float:
    """The peer: every row its own autocommit INSERT, SQLite defaults (rollback journal, synchronous FULL)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, customer TEXT, ship_to TEXT, state TEXT, at TEXT)")
    db.execute("CREATE TABLE lines (order_id TEXT, line_no INTEGER, sku TEXT, qty INTEGER, "
               "PRIMARY KEY (order_id, line_no))")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, order_id TEXT, at TEXT, to_state TEXT)")
    t = time.perf_counter()
    for o in orders:
        db.execute("INSERT INTO orders VALUES (?, ?, ?, 'received', datetime('now'))",
                   (o.id, o.customer, json.dumps(o.ship_to.to_dict())))
        for i, ln in enumerate(o.lines, 1):
            db.execute("INSERT INTO lines VALUES (?, ?, ?, ?)", (o.id, i, ln.sku, ln.qty))
        db.execute("INSERT INTO events (order_id, at, to_state) VALUES (?, datetime('now'), 'received')", (o.id,))
    dt = time.perf_counter() - t
    db.close()
    return dt


def bench_submit(tmp: Path, n: int, seed: int, *, naive_orders: int) -> dict:
    path = str(tmp / "submit.db")
    cat = demo_catalog(2000, seed=seed)
    ids = [s.id for s in cat]
    rng = random.Random(seed)
    with Ledger(path) as led:
        led.load(warehouses=WAREHOUSES, skus=cat,
                 stock=[(w.id, f"S{i:05d}", s, rng.randint(20, 200)) for w in WAREHOUSES for i, s in enumerate(ids)])
        plain = make_orders(n, ids, seed=seed, prefix="P-")
        confirmed = make_orders(n, ids, seed=seed + 1, prefix="C-")
        t, c = time.perf_counter(), time.process_time()
        for o in plain:
            led.submit(o)
        t_plain, c_plain = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        for o in confirmed:
            led.submit(o, confirm=True)
        t_conf, c_conf = time.perf_counter() - t, time.process_time() - c
        t = time.perf_counter()
        led.check_invariants()
        t_inv = time.perf_counter() - t
        counts = {k: v for k, v in led.counts().items() if v}
    m = min(n, naive_orders)
    t_naive = naive_submit(str(tmp / "naive_submit.db"), plain[:m])
    return {"orders": n, "submit_per_s": n / t_plain, "submit_confirm_per_s": n / t_conf,
            "submit_per_cpu_s": n / c_plain, "submit_confirm_per_cpu_s": n / c_conf,
            "naive_orders": m, "naive_submit_per_s": m / t_naive, "ratio_vs_naive": (t_naive / m) / (t_plain / n),
            "invariants_s": t_inv, "invariants_ok": True, "states": counts}


# ------------------------------------------------------------------------------------ load
def stock_rows(n_skus: int, seed: int):
    """Each SKU in one slot of each warehouse, 1-50 units (seeded), as a generator."""
    import numpy as np

    rng = np.random.default_rng(seed)
    whs = [w.id for w in WAREHOUSES]
    for lo in range(0, n_skus, 100_000):
        n = min(100_000, n_skus - lo)
        qty = rng.integers(1, 51, (n, len(whs))).tolist()
        for k in range(n):
            i = lo + k
            sku, slot, q = f"SKU-{i:07d}", f"S{i:07d}", qty[k]
            for j, w in enumerate(whs):
                yield (w, slot, sku, q[j])


def naive_load_rate(path: str, sample_skus: int, seed: int) -> float:
    """Rows per second of one-autocommit-INSERT-per-row loading with SQLite defaults."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE skus (id TEXT PRIMARY KEY, name TEXT, category TEXT, length_mm INT, width_mm INT, "
               "height_mm INT, weight_kg REAL, price REAL, upright_only INT, attributes TEXT)")
    db.execute("CREATE TABLE locations (warehouse TEXT, slot TEXT, PRIMARY KEY (warehouse, slot))")
    db.execute("CREATE TABLE stock (sku TEXT, warehouse TEXT, slot TEXT, on_hand INT, "
               "PRIMARY KEY (sku, warehouse, slot))")
    rows = 0
    t = time.perf_counter()
    for s in iter_demo_catalog(sample_skus, seed=seed):
        db.execute("INSERT INTO skus VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (s.id, s.name, s.category, *s.dims_mm, s.weight_kg, s.price, int(s.upright_only),
                    json.dumps(s.attributes)))
        rows += 1
    for wh, slot, sku, q in stock_rows(sample_skus, seed):
        db.execute("INSERT INTO locations VALUES (?, ?)", (wh, slot))
        db.execute("INSERT INTO stock VALUES (?, ?, ?, ?)", (sku, wh, slot, q))
        rows += 2
    dt = time.perf_counter() - t
    db.close()
    return rows / dt


def bench_load(path: str, n_skus: int, seed: int, tmp: Path, naive_sample: int) -> dict:
    t, c0 = time.perf_counter(), time.process_time()
    for _ in iter_demo_catalog(n_skus, seed=seed):
        pass
    for _ in stock_rows(n_skus, seed):
        pass
    t_gen = time.perf_counter() - t
    c_gen = time.process_time() - c0
    t = time.perf_counter()
    c = time.process_time()
    with Ledger(path) as led:
        counts = led.load(warehouses=WAREHOUSES, skus=iter_demo_catalog(n_skus, seed=seed),
                          stock=stock_rows(n_skus, seed))
    t_load = time.perf_counter() - t
    c_load = time.process_time() - c
    rows = counts["skus"] + 2 * counts["stock"]  # stock rows also write their location
    rate = naive_load_rate(str(tmp / "naive_load.db"), naive_sample, seed)
    return {"skus": n_skus, "warehouses": len(WAREHOUSES), "stock_rows": counts["stock"], "rows_written": rows,
            "load_s": t_load, "generate_s": t_gen, "load_minus_generate_s": t_load - t_gen,
            "load_cpu_s": c_load, "generate_cpu_s": c_gen,
            "db_mb": os.path.getsize(path) / 1e6, "naive_rows_per_s": rate, "naive_sample_skus": naive_sample,
            "naive_load_s_extrapolated": rows / rate, "ratio_vs_naive": (rows / rate) / t_load}


# ------------------------------------------------------------------------------------ confirm latency
def bench_confirm(path: str, n_skus: int, n: int, seed: int) -> dict:
    rng = random.Random(seed)
    ids = [f"SKU-{rng.randrange(n_skus):07d}" for _ in range(20 * n)]
    a = make_orders(n, ids, seed=seed + 2, prefix="L-")
    b = make_orders(n, ids, seed=seed + 3, prefix="M-")
    conf, both, conf_cpu = [], [], []
    with Ledger(path) as led:
        for o in a:
            led.submit(o)
        for o in a:
            t, c = time.perf_counter(), time.thread_time()
            led.confirm(o.id)
            conf.append((time.perf_counter() - t) * 1e3)
            conf_cpu.append((time.thread_time() - c) * 1e3)
        for o in b:
            t = time.perf_counter()
            led.submit(o, confirm=True)
            both.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()
        led.check_invariants()
        t_inv = time.perf_counter() - t
        states = {k: v for k, v in led.counts().items() if v}
    return {"orders": n, "confirm_ms_median": statistics.median(conf), "confirm_ms_p99": pct(conf, 99),
            "confirm_cpu_ms_median": statistics.median(conf_cpu), "confirm_cpu_ms_p99": pct(conf_cpu, 99),
            "contention_probe": contention_probe(),
            "confirm_ms_max": max(conf), "submit_confirm_ms_median": statistics.median(both),
            "submit_confirm_ms_p99": pct(both, 99), "invariants_s": t_inv, "invariants_ok": True, "states": states}


def contention_probe(seconds: float = 2.0) -> dict:
    """How often a 1,000-addition busy loop takes over 5 ms wall time: the share of time this
    process is descheduled by other load on the machine (0 on an idle machine)."""
    n = slow = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        a = time.perf_counter()
        sum(range(1000))
        n += 1
        slow += (time.perf_counter() - a) > 0.005
    return {"loops": n, "over_5ms": slow, "per_second": slow / seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run (20,000 SKUs)")
    ap.add_argument("--skus", type=int, help="catalogue size (default 1,000,000; quick 20,000)")
    ap.add_argument("--orders", type=int, help="orders per measurement (default 5,000; quick 1,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--naive-orders", type=int, default=50, help="orders the naive submit peer writes")
    ap.add_argument("--naive-skus", type=int, default=30, help="SKUs the naive load peer writes (x7 rows)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "ledger_bench.json"))
    args = ap.parse_args(argv)
    n_skus = args.skus or (20_000 if args.quick else 1_000_000)
    n_orders = args.orders or (1_000 if args.quick else 5_000)
    with tempfile.TemporaryDirectory(prefix="ledger_bench_") as d:
        tmp = Path(d)
        print(f"submit: {n_orders} orders ...", file=sys.stderr)
        sub = bench_submit(tmp, n_orders, args.seed, naive_orders=args.naive_orders)
        print(f"load: {n_skus} SKUs x 3 warehouses ...", file=sys.stderr)
        load = bench_load(str(tmp / "big.db"), n_skus, args.seed, tmp, naive_sample=min(n_skus, args.naive_skus))
        print(f"confirm: {n_orders} orders on the loaded ledger ...", file=sys.stderr)
        conf = bench_confirm(str(tmp / "big.db"), n_skus, n_orders, args.seed)
    result = {"quick": args.quick, "seed": args.seed, "cpu_count": os.cpu_count(),
              "load_average": os.getloadavg()[0], "submit": sub, "load": load, "confirm": conf}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")

    rows = [
        ("submit (one tx each), orders/s", f"{sub['submit_per_s']:,.0f}", f"{sub['naive_submit_per_s']:,.0f}",
         f"{sub['ratio_vs_naive']:.1f}x", ">= 2,000"),
        ("  per CPU second", f"{sub['submit_per_cpu_s']:,.0f}", "-", "-", "-"),
        ("submit + confirm, orders/s", f"{sub['submit_confirm_per_s']:,.0f}", "-", "-", "-"),
        ("  per CPU second", f"{sub['submit_confirm_per_cpu_s']:,.0f}", "-", "-", "-"),
        (f"load {n_skus:,} SKUs x 3 wh, s", f"{load['load_s']:.1f}", f"{load['naive_load_s_extrapolated']:,.0f} (extrap.)",
         f"{load['ratio_vs_naive']:.0f}x", "< 60"),
        ("  of which generating the input, s", f"{load['generate_s']:.1f}", "-", "-", "-"),
        ("  load CPU time (generating incl.), s", f"{load['load_cpu_s']:.1f} ({load['generate_cpu_s']:.1f})", "-",
         "-", "-"),
        ("confirm latency median / p99, ms", f"{conf['confirm_ms_median']:.2f} / {conf['confirm_ms_p99']:.2f}", "-",
         "-", "p99 <= 5"),
        ("  CPU time median / p99, ms", f"{conf['confirm_cpu_ms_median']:.2f} / {conf['confirm_cpu_ms_p99']:.2f}",
         "-", "-", "-"),
        ("submit+confirm median / p99, ms",
         f"{conf['submit_confirm_ms_median']:.2f} / {conf['submit_confirm_ms_p99']:.2f}", "-", "-", "-"),
        ("check_invariants at load size, s", f"{conf['invariants_s']:.1f}", "-", "-", "-"),
    ]
    w = [max(len(r[i]) for r in rows) for i in range(5)]
    head = ("measure", "robocore", "naive peer", "ratio", "target")
    w = [max(w[i], len(head[i])) for i in range(5)]
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
    for r in rows:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
    print(f"(load average {result['load_average']:.1f} on {os.cpu_count()} cores; a busy loop was descheduled "
          f"> 5 ms {conf['contention_probe']['per_second']:.0f} times/s; results in {args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
