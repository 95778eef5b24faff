"""Several processes on one ledger file never oversell; a killed process leaves it consistent."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from robocore import Ledger
from tests import _ledger_workers as workers

REPO = Path(__file__).resolve().parent.parent


def test_concurrent_submitters_never_oversell(tmp_path):
    path = str(tmp_path / "ledger.db")
    units = 40
    workers.setup(path, units)
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        got = pool.starmap(workers.submitter, [(path, w, 25, 100 + w) for w in range(4)])
    with Ledger(path) as led:
        rows = {r.slot: r for r in led.stock("HOT")}
        reserved = sum(r.reserved for r in rows.values())
        assert reserved <= units and all(r.reserved <= r.on_hand for r in rows.values())
        # 100 orders of 1-3 units for 40 units: the stock is used up, never exceeded
        assert reserved >= units - 2 and sum(got) >= 13
        states = led.counts()
        assert sum(states.values()) == 100 and states["backordered"] > 0
        held = sum(r.qty for o in led.orders() for r in led.order(o.id).reservations if not r.void)
        assert held == reserved
        led.check_invariants()


def test_kill_9_mid_operation_leaves_ledger_consistent(tmp_path):
    path = str(tmp_path / "ledger.db")
    workers.setup(path, 20)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    seen = 0
    for round_ in range(3):
        proc = subprocess.Popen([sys.executable, "-c",
                                 f"from tests._ledger_workers import churn; churn({path!r}, {round_ * 100000})"],
                                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            with Ledger(path) as led:
                while len(led.orders()) < seen + 20 + 7 * round_:
                    assert proc.poll() is None, proc.stderr.read().decode()
                    assert time.monotonic() < deadline, "churn made no progress"
                    time.sleep(0.02)
            time.sleep(0.013 * round_)  # kill at a different point of the loop each round
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stderr.close()
        with Ledger(path) as led:
            n = len(led.orders())
            assert n > seen
            seen = n
            t = led.totals()
            assert t["received"] + t["adjusted"] == t["on_hand"] + t["in_totes"] + t["shipped"]
            led.check_invariants()
