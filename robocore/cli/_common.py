"""Helpers shared by the command modules: JSON output and progress bars."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

__all__ = ["emit_json", "Progress", "existing_file", "arg_type"]


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON, alone, on stdout (the ``--json`` contract)."""
    sys.stdout.write(json.dumps(obj, indent=None, separators=(",", ":"), default=_default))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _default(o: Any):
    try:
        import numpy as np

        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return float(o)
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def arg_type(convert, expected: str, *, ok=None, bad: str | None = None):
    """An argparse ``type=`` that converts with ``convert`` and checks ``ok``.

    A value that does not convert reads ``expected <expected>, got '<text>'``;
    one that fails ``ok`` reads ``<bad>, got '<text>'`` (``bad`` defaults to
    ``expected <expected>``). argparse prints either on one line, exit 2.
    """
    import argparse

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if ok is not None and not ok(value):
            raise argparse.ArgumentTypeError(f"{bad or 'expected ' + expected}, got {text!r}")
        return value

    return parse


def existing_file(path: str, *, what: str = "file") -> str:
    """Return ``path`` if it is a readable file, else raise a one-line InputError."""
    from robocore.errors import InputError

    if not os.path.exists(path):
        raise InputError(f"{what} not found", source=path)
    if os.path.isdir(path):
        raise InputError(f"{what} is a directory", source=path)
    return path


class Progress:
    """A progress bar on stderr; silent when ``enabled`` is False.

    Redraws at most ten times a second. On a terminal it redraws in place; when
    stderr is not a terminal it prints a line every 10% so logs stay short.
    """

    def __init__(self, total: int, *, desc: str = "", enabled: bool = True, width: int = 30):
        self.total = max(int(total), 1)
        self.desc = desc
        self.enabled = enabled
        self.width = width
        self.done = 0
        self.t0 = time.perf_counter()
        self._last = 0.0
        self._tty = sys.stderr.isatty()
        self._last_decile = -1
        self.extra = ""

    def update(self, n: int = 1, *, extra: str | None = None) -> None:
        self.done = min(self.done + n, self.total)
        if extra is not None:
            self.extra = extra
        if not self.enabled:
            return
        now = time.perf_counter()
        if self._tty:
            if now - self._last >= 0.1 or self.done == self.total:
                self._last = now
                self._draw(end="\r")
        else:
            decile = (10 * self.done) // self.total
            if decile != self._last_decile:
                self._last_decile = decile
                self._draw(end="\n")

    def _draw(self, *, end: str) -> None:
        frac = self.done / self.total
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        extra = f" {self.extra}" if self.extra else ""
        sys.stderr.write(f"{self.desc} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s eta {eta:5.1f}s{extra}\x1b[K{end}" if self._tty
                         else f"{self.desc} [{bar}] {self.done}/{self.total} {elapsed:.1f}s{extra}{end}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self._tty:
            self._draw(end="\n")

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
