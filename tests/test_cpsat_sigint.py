"""After a CP-SAT solve, Ctrl-C still raises KeyboardInterrupt (OR-Tools resets SIGINT)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CODE = """
import os, signal, time
from planner.assignment import assign_cpsat
assign_cpsat([{0: 3.0, 1: 4.0}, {0: 2.0, 1: 1.0}], [0.0, 0.0], time_limit_s=0.5)
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1)
    print("no interrupt")
except KeyboardInterrupt:
    print("interrupted cleanly")
"""


def test_ctrl_c_after_a_cpsat_solve_raises_keyboard_interrupt():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "interrupted cleanly"
