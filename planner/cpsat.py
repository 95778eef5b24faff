"""Running OR-Tools CP-SAT without losing Ctrl-C.

CP-SAT's ``Solve`` installs its own C-level SIGINT handler while it runs and
leaves the default action behind, so after a solve a Ctrl-C could kill the
process outright (no ``KeyboardInterrupt``, no cleanup, no run folder) or be
swallowed. :func:`solve` turns that handler off (``catch_sigint_signal``)
and puts back the Python handler that was there before.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["solve"]


def solve(solver, model) -> int:
    """``solver.Solve(model)`` without OR-Tools taking over Ctrl-C. Returns the solver status.

    CP-SAT installs its own SIGINT handler for the solve unless
    ``catch_sigint_signal`` is off, and its clean-up can race with the
    caller's (seen under load: a Ctrl-C after the solve was swallowed). The
    parameter is turned off, so Ctrl-C stays Python's ``KeyboardInterrupt``;
    Python's handler is also restored afterwards, in case a native layer
    replaced it anyway. Signal handlers can only be set from the main thread;
    elsewhere that restore is skipped.
    """
    solver.parameters.catch_sigint_signal = False
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    try:
        return solver.Solve(model)
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGINT, previous)
