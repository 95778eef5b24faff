"""MovingAI grid maps (``.map``).

Format::

    type octile
    height H
    width W
    map
    <H rows of W characters>

Characters and the :class:`~robocore.grid.CellKind` each becomes:

=========  ==============  ===================================================
character  kind            meaning
=========  ==============  ===================================================
``.``      FREE            open floor
``G``      FREE            ground (MovingAI)
``@``      BLOCKED         out of bounds / obstacle
``T``      BLOCKED         tree (MovingAI); rack block in warehouse maps
``O``      BLOCKED         out of bounds (MovingAI)
``W``      BLOCKED         water (MovingAI; impassable for 4-connected agents)
``E``      ENDPOINT        League of Robot Runners emitter: a task endpoint
``S``      PICK            League of Robot Runners service point: the cell an
                           agent stands on to serve the rack beside it
=========  ==============  ===================================================

Rows are ``(row, col)`` with row 0 the first map line.

Writing (:func:`write_map`) emits ``.``, ``@``, ``E`` and ``S``. A bare
``.map`` holds cells only, so kinds MovingAI lacks are written as the nearest
kind a robot sees: RACK and HUMAN_ONLY as ``@`` (a robot may not enter them),
STATION, CHARGER and DOCK as ``E`` (traversable task endpoints). Writing such a
grid is therefore lossy, and a layout's slots, stations, chargers, docks,
spawns and zones are not kept at all: use the layout JSON
(:mod:`maps.layout_json`) to keep them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from robocore.errors import InputError
from robocore.textfile import read_text
from robocore.grid import CellKind, Grid

__all__ = ["read_map", "parse_map", "write_map", "format_map", "FREE_CHARS", "BLOCKED_CHARS", "MAP_CHARS"]

#: Characters of traversable cells.
FREE_CHARS = frozenset(".GSE")
#: Characters of blocked cells.
BLOCKED_CHARS = frozenset("@OTW")
#: Every map character and the cell kind it reads as.
MAP_CHARS: dict[str, CellKind] = {
    ".": CellKind.FREE, "G": CellKind.FREE,
    "@": CellKind.BLOCKED, "T": CellKind.BLOCKED, "O": CellKind.BLOCKED, "W": CellKind.BLOCKED,
    "E": CellKind.ENDPOINT, "S": CellKind.PICK,
}
#: The character written for each cell kind (lossy for kinds MovingAI lacks).
_WRITE_CHAR: dict[CellKind, str] = {
    CellKind.FREE: ".", CellKind.BLOCKED: "@", CellKind.RACK: "@", CellKind.PICK: "S",
    CellKind.STATION: "E", CellKind.CHARGER: "E", CellKind.DOCK: "E", CellKind.HUMAN_ONLY: "@",
    CellKind.ENDPOINT: "E",
}
_LUT = np.full(256, 255, dtype=np.uint8)
for _ch, _k in MAP_CHARS.items():
    _LUT[ord(_ch)] = _k


def read_map(path) -> Grid:
    """Read a MovingAI ``.map`` file into a :class:`~robocore.grid.Grid`.

    Raises :class:`~robocore.errors.InputError` naming the file and line on a
    missing file, bad header, ragged row or unknown character.
    """
    return parse_map(read_text(path, what="a map file"), source=str(path))


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
        try:
            codes = np.frombuffer(row.encode("ascii"), dtype=np.uint8)
        except UnicodeEncodeError:
            codes = None
        row_kinds = _LUT[codes] if codes is not None else None
        if row_kinds is None or (row_kinds == 255).any():
            c = next(c for c, ch in enumerate(row) if ch not in MAP_CHARS)
            raise InputError(f"unknown map character {row[c]!r} at column {c}", source=source, line=lineno)
        kinds[r] = row_kinds
    return Grid(kinds)


def format_map(grid: Grid) -> str:
    """The text of ``grid`` as a MovingAI map (``type octile`` header).

    Lossy for kinds MovingAI lacks; see the module docstring.
    """
    lut = np.array([ord(_WRITE_CHAR[k]) for k in CellKind], dtype=np.uint8)
    chars = lut[grid.kinds]
    rows = [chars[r].tobytes().decode("ascii") for r in range(grid.rows)]
    return f"type octile\nheight {grid.rows}\nwidth {grid.cols}\nmap\n" + "\n".join(rows) + "\n"


def write_map(grid: Grid, path) -> None:
    """Write ``grid`` to ``path`` as a MovingAI ``.map`` (see :func:`format_map`).

    Accepts a :class:`~robocore.grid.Grid` or anything with a ``grid``
    attribute (a :class:`~robocore.layout.Layout`). Lossy: a ``.map`` holds
    cells only, so a layout's slots, stations, chargers, docks, spawns and
    zones are dropped, and RACK/HUMAN_ONLY cells are written as ``@``,
    STATION/CHARGER/DOCK cells as ``E`` (see the module docstring). A grid of
    FREE, BLOCKED, ENDPOINT and PICK cells round-trips exactly.
    Raises ``OSError`` if the file cannot be written.
    """
    grid = getattr(grid, "grid", grid)
    Path(path).write_text(format_map(grid), encoding="utf-8")


# ---------------------------------------------------------------- scenarios
from dataclasses import dataclass  # noqa: E402

__all__ += ["ScenRow", "read_scen", "parse_scen", "write_scen", "format_scen"]


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
    return parse_scen(read_text(path, what="a scenario file"), source=str(path))


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


def format_scen(rows) -> str:
    """The text of a ``.scen`` file holding ``rows`` (``version 1`` header).

    ``optimal`` is written with ``repr`` so it reads back to the same float.
    """
    out = ["version 1"]
    for row in rows:
        (sr, sc), (gr, gc) = row.start, row.goal
        out.append("\t".join((str(row.bucket), row.map_name, str(row.width), str(row.height),
                              str(sc), str(sr), str(gc), str(gr), repr(float(row.optimal)))))
    return "\n".join(out) + "\n"


def write_scen(rows, path) -> None:
    """Write ``rows`` (:class:`ScenRow` values) to ``path`` as a MovingAI ``.scen``.

    The ``line`` field is not written; reading the file back numbers the rows
    from line 2. Raises ``OSError`` if the file cannot be written.
    """
    Path(path).write_text(format_scen(rows), encoding="utf-8")


def check_scen(rows, grid: Grid, *, source: str = "<scen>") -> None:
    """Check every row of a scenario against its map.

    Raises :class:`~robocore.errors.InputError` naming ``source`` and the row's
    line when the row's width/height differ from the grid's, or a start or goal
    is outside the grid or on a cell a robot may not stand on.
    """
    for row in rows:
        if (row.height, row.width) != grid.shape:
            raise InputError(f"scenario is for a {row.height} x {row.width} map, the map is {grid.rows} x {grid.cols}",
                             source=source, line=row.line)
        for what, cell in (("start", row.start), ("goal", row.goal)):
            if not grid.in_bounds(cell):
                raise InputError(f"{what} (x={cell[1]}, y={cell[0]}) is outside the {grid.cols} x {grid.rows} map",
                                 source=source, line=row.line)
            if not grid.passable[cell]:
                raise InputError(f"{what} (x={cell[1]}, y={cell[0]}) is on a blocked cell", source=source, line=row.line)


__all__ += ["check_scen"]
