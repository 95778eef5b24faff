"""MovingAI grid maps (``.map``).

Format::

    type octile
    height H
    width W
    map
    <H rows of W characters>

``.``, ``G``, ``S`` and ``E`` are free (League of Robot Runners maps use ``E``
for emitters and ``S`` for service points); ``@``, ``O``, ``T`` and ``W`` are
blocked. Rows are ``(row, col)`` with row 0 the first map line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from robocore.errors import InputError
from robocore.grid import CellKind, Grid

__all__ = ["read_map", "parse_map", "FREE_CHARS", "BLOCKED_CHARS"]

FREE_CHARS = frozenset(".GSE")
BLOCKED_CHARS = frozenset("@OTW")


def read_map(path) -> Grid:
    """Read a MovingAI ``.map`` file into a :class:`~robocore.grid.Grid`.

    Raises :class:`~robocore.errors.InputError` naming the file and line on a
    missing file, bad header, ragged row or unknown character.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a map file", source=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a text file", source=str(path)) from None
    return parse_map(text, source=str(path))


def parse_map(text: str, *, source: str = "<map>") -> Grid:
    """Parse the text of a MovingAI map; see :func:`read_map`."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    i = 0
    while i < len(lines):
        raw = lines[i].strip()
        i += 1
        if not raw:
            continue
        if raw == "map":
            break
        key, _, value = raw.partition(" ")
        if key not in ("type", "height", "width"):
            raise InputError(f"bad header line {raw[:40]!r} (expected type/height/width/map)", source=source, line=i)
        header[key] = value.strip()
    else:
        raise InputError("no 'map' line: not a MovingAI map", source=source)
    dims = {}
    for key in ("height", "width"):
        if key not in header:
            raise InputError(f"header has no {key!r}", source=source)
        try:
            dims[key] = int(header[key])
        except ValueError:
            raise InputError(f"{key} {header[key]!r} is not an integer", source=source) from None
        if dims[key] <= 0:
            raise InputError(f"{key} must be positive, got {dims[key]}", source=source)
    h, w = dims["height"], dims["width"]
    body = lines[i:]
    while body and not body[-1].strip():
        body.pop()
    if len(body) != h:
        raise InputError(f"header says height {h} but there are {len(body)} map rows", source=source, line=i + min(len(body), h) + (0 if len(body) < h else 1))
    kinds = np.empty((h, w), dtype=np.uint8)
    for r, row in enumerate(body):
        row = row.rstrip("\r")
        lineno = i + r + 1
        if len(row) != w:
            raise InputError(f"row {r} has {len(row)} cells, header says width {w}", source=source, line=lineno)
        for c, ch in enumerate(row):
            if ch in FREE_CHARS:
                kinds[r, c] = CellKind.ENDPOINT if ch == "E" else CellKind.FREE
            elif ch in BLOCKED_CHARS:
                kinds[r, c] = CellKind.BLOCKED
            else:
                raise InputError(f"unknown map character {ch!r} at column {c}", source=source, line=lineno)
    return Grid(kinds)


# ---------------------------------------------------------------- scenarios
from dataclasses import dataclass  # noqa: E402

__all__ += ["ScenRow", "read_scen", "parse_scen"]


@dataclass(frozen=True)
class ScenRow:
    """One ``.scen`` query. Cells are ``(row, col)``; ``optimal`` is the file's
    8-connected (octile) optimum, *not* the 4-connected length."""

    bucket: int
    map_name: str
    width: int
    height: int
    start: tuple[int, int]
    goal: tuple[int, int]
    optimal: float
    line: int  #: 1-based line in the file


def read_scen(path) -> list[ScenRow]:
    """Read a MovingAI ``.scen`` file (``version 1`` header, tab-separated
    ``bucket map width height start_x start_y goal_x goal_y optimal``; x is the
    column, y the row)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a scenario file", source=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a text file", source=str(path)) from None
    return parse_scen(text, source=str(path))


def parse_scen(text: str, *, source: str = "<scen>") -> list[ScenRow]:
    rows: list[ScenRow] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if lineno == 1 and line.startswith("version"):
            continue
        parts = line.split()
        if len(parts) != 9:
            raise InputError(f"expected 9 fields (bucket map width height sx sy gx gy optimal), got {len(parts)}",
                             source=source, line=lineno)
        try:
            bucket, width, height, sx, sy, gx, gy = (int(parts[i]) for i in (0, 2, 3, 4, 5, 6, 7))
            optimal = float(parts[8])
        except ValueError:
            raise InputError("a numeric field is not a number", source=source, line=lineno) from None
        rows.append(ScenRow(bucket, parts[1], width, height, (sy, sx), (gy, gx), optimal, lineno))
    return rows
