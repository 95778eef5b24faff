"""Running OR-Tools CP-SAT without losing Ctrl-C.

CP-SAT's ``Solve`` installs its own C-level SIGINT handler while it runs and
leaves the default action behind, so after the first solve a Ctrl-C kills the
process outright: no ``KeyboardInterrupt``, no cleanup, no run folder.
:func:`solve` runs the solver and then puts back the Python handler that was
there before.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["solve"]


def solve(solver, model) -> int:
    """``solver.Solve(model)``, restoring Python's SIGINT handler afterwards.

    Returns the solver status. Signal handlers can only be set from the main
    thread; elsewhere the solve runs unchanged.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    try:
        return solver.Solve(model)
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGINT, previous)
