"""Errors that carry a one-line, user-facing message.

Every user mistake (a bad file, flag, order or wire message) is raised as an
:class:`InputError`. The CLI prints ``str(err)`` on one line and exits with
code 2; library users catch it like any ``ValueError``.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad user input, with where it came from.

    Parameters
    ----------
    message:
        What is wrong, naming the bad value.
    source:
        The file (or other source) the input came from, if any.
    line:
        1-based line number within ``source``, if known.

    Examples
    --------
    >>> str(InputError("unknown cell kind 'X'", source="layout.json", line=12))
    "layout.json: line 12: unknown cell kind 'X'"
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = None if source is None else str(source)
        self.line = line
        parts = []
        if self.source is not None:
            parts.append(self.source)
        if line is not None:
            parts.append(f"line {line}")
        parts.append(message)
        super().__init__(": ".join(parts))
