"""The project's layout JSON: a grid as text rows with a legend, plus named locations.

The format is written down in ``docs/layout-format.md``. In short::

    {
      "format": "robocore-layout",
      "version": 1,
      "name": "small",
      "legend": {".": "free", "@": "blocked", "#": "rack", "S": "pick", ...},
      "grid": [
        "@@@@@@",
        "@.#S.@",
        ...
      ],
      "slots": [
        {"id": "B1-A01-W-001", "rack": [1, 2], "access": [1, 3], "capacity": 100},
        ...
      ],
      "stations": [{"id": "P01", "cell": [5, 1]}],
      "chargers": [...], "docks": [...],
      "spawns": [[r, c], ...],
      "zones": [{"id": "pick-1", "kind": "pick", "runs": [[row, first_col, last_col], ...]}]
    }

The writer puts one grid row, slot, location, spawn or zone on a line, so files
are readable and diff line by line; the reader takes any JSON layout of the
same structure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from robocore.errors import InputError
from robocore.textfile import read_text
from robocore.grid import CellKind, Coord, Grid
from robocore.layout import Layout, Location, Slot, Zone

__all__ = ["FORMAT", "VERSION", "DEFAULT_LEGEND", "read_layout_json", "write_layout_json", "parse_layout_json",
           "format_layout_json", "layout_from_data", "is_layout_json"]

FORMAT = "robocore-layout"
VERSION = 1

#: The legend the writer uses: character -> cell kind.
DEFAULT_LEGEND: dict[str, CellKind] = {
    ".": CellKind.FREE,
    "@": CellKind.BLOCKED,
    "#": CellKind.RACK,
    "S": CellKind.PICK,
    "P": CellKind.STATION,
    "C": CellKind.CHARGER,
    "D": CellKind.DOCK,
    "H": CellKind.HUMAN_ONLY,
    "E": CellKind.ENDPOINT,
}

_TOP_KEYS = ("format", "version", "name", "legend", "grid", "slots", "stations", "chargers", "docks", "spawns",
             "zones")
_KIND_BY_NAME = {k.name.lower(): k for k in CellKind}


def is_layout_json(data) -> bool:
    """True if a decoded JSON value declares ``"format": "robocore-layout"``."""
    return isinstance(data, dict) and data.get("format") == FORMAT


# ------------------------------------------------------------------ reading
class _Reader:
    """Checks a decoded layout document, naming the field path of each fault."""

    def __init__(self, data: Any, text: str, source: str):
        self.data = data
        self.lines = text.splitlines()
        self.source = source

    def fail(self, field: str, message: str, *, line: int | None = None):
        raise InputError(f"{field}: {message}" if field else message, source=self.source, line=line)

    # The writer puts each list item on its own line right after the line that
    # opens the list; when the file has that shape, errors name the item's line.
    def line_of(self, key: str, index: int, needle: str | None = None) -> int | None:
        opener = f'"{key}": ['
        for n, raw in enumerate(self.lines):
            if raw.strip().startswith(opener):
                if raw.strip() != opener:
                    return None
                k = n + 1 + index
                if k < len(self.lines) and (needle is None or needle in self.lines[k]):
                    return k + 1
                return None
        return None

    def cell(self, value: Any, field: str, *, key: str, index: int) -> Coord:
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
            self.fail(field, f"expected [row, col] as two integers, got {json.dumps(value)[:40]}",
                      line=self.line_of(key, index))
        return (value[0], value[1])

    def obj(self, value: Any, field: str, keys: tuple[str, ...], required: tuple[str, ...], *, key: str,
            index: int) -> dict:
        if not isinstance(value, dict):
            self.fail(field, f"expected an object, got {type(value).__name__}", line=self.line_of(key, index))
        for k in value:
            if k not in keys:
                self.fail(field, f"unknown field {k!r} (expected {', '.join(keys)})", line=self.line_of(key, index))
        for k in required:
            if k not in value:
                self.fail(field, f"missing field {k!r}", line=self.line_of(key, index))
        return value

    def ident(self, value: Any, field: str, *, key: str, index: int) -> str:
        if not isinstance(value, str) or not value:
            self.fail(field, f"expected a non-empty string, got {json.dumps(value)[:40]}", line=self.line_of(key, index))
        return value

    def list_of(self, key: str) -> list:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {type(value).__name__}")
        return value

    # ----------------------------------------------------------- sections
    def header(self) -> None:
        if not isinstance(self.data, dict):
            self.fail("", "a layout file must hold a JSON object")
        if self.data.get("format") != FORMAT:
            self.fail("format", f"expected {FORMAT!r}, got {json.dumps(self.data.get('format'))[:40]}")
        if self.data.get("version") != VERSION:
            self.fail("version", f"unsupported version {json.dumps(self.data.get('version'))[:20]} (this reader "
                                 f"knows {VERSION})")
        for k in self.data:
            if k not in _TOP_KEYS:
                self.fail("", f"unknown field {k!r} (expected {', '.join(_TOP_KEYS)})")

    def legend(self) -> dict[str, CellKind]:
        raw = self.data.get("legend")
        if raw is None:
            return dict(DEFAULT_LEGEND)
        if not isinstance(raw, dict) or not raw:
            self.fail("legend", "expected an object mapping characters to cell kind names")
        legend = {}
        for ch, name in raw.items():
            if len(ch) != 1:
                self.fail(f"legend[{ch!r}]", "a legend key must be one character")
            if not isinstance(name, str) or name.lower() not in _KIND_BY_NAME:
                self.fail(f"legend[{ch!r}]", f"unknown cell kind {json.dumps(name)[:30]} "
                                             f"(expected one of {', '.join(_KIND_BY_NAME)})")
            legend[ch] = _KIND_BY_NAME[name.lower()]
        return legend

    def grid(self, legend: dict[str, CellKind]) -> Grid:
        rows = self.data.get("grid")
        if not isinstance(rows, list) or not rows:
            self.fail("grid", "expected a non-empty list of text rows")
        width = None
        lut = np.full(0x110000 if any(ord(c) > 255 for c in legend) else 256, 255, dtype=np.uint8)
        for ch, kind in legend.items():
            lut[ord(ch)] = kind
        kinds = None
        for r, row in enumerate(rows):
            def line() -> int | None:
                return self.line_of("grid", r, needle=json.dumps(row, ensure_ascii=False)[:-1])

            if not isinstance(row, str):
                self.fail(f"grid[{r}]", f"expected a text row, got {type(row).__name__}", line=self.line_of("grid", r))
            if width is None:
                if not row:
                    self.fail("grid[0]", "empty row", line=line())
                width = len(row)
                kinds = np.empty((len(rows), width), dtype=np.uint8)
            if len(row) != width:
                self.fail(f"grid[{r}]", f"row has {len(row)} cells, row 0 has {width}", line=line())
            codes = np.fromiter((ord(ch) for ch in row), dtype=np.int64, count=width)
            if (codes >= len(lut)).any() or (lut[np.minimum(codes, len(lut) - 1)] == 255).any():
                c = next(c for c, ch in enumerate(row) if ch not in legend)
                self.fail(f"grid[{r}]", f"unknown character {row[c]!r} at column {c} (not in the legend)", line=line())
            kinds[r] = lut[codes]
        return Grid(kinds)

    def slots(self) -> tuple[Slot, ...]:
        out = []
        for i, raw in enumerate(self.list_of("slots")):
            f = f"slots[{i}]"
            d = self.obj(raw, f, ("id", "rack", "access", "capacity"), ("id", "rack", "access"), key="slots", index=i)
            sid = self.ident(d["id"], f"{f}.id", key="slots", index=i)
            rack = self.cell(d["rack"], f"{f}.rack", key="slots", index=i)
            access = self.cell(d["access"], f"{f}.access", key="slots", index=i)
            cap = d.get("capacity", 100)
            if not isinstance(cap, int) or isinstance(cap, bool) or cap <= 0:
                self.fail(f"{f}.capacity", f"expected a positive integer, got {json.dumps(cap)[:20]}",
                          line=self.line_of("slots", i))
            out.append(Slot(sid, rack, access, cap))
        return tuple(out)

    def locations(self, key: str) -> tuple[Location, ...]:
        out = []
        for i, raw in enumerate(self.list_of(key)):
            f = f"{key}[{i}]"
            d = self.obj(raw, f, ("id", "cell"), ("id", "cell"), key=key, index=i)
            out.append(Location(self.ident(d["id"], f"{f}.id", key=key, index=i),
                                self.cell(d["cell"], f"{f}.cell", key=key, index=i)))
        return tuple(out)

    def spawns(self) -> tuple[Coord, ...]:
        return tuple(self.cell(v, f"spawns[{i}]", key="spawns", index=i) for i, v in enumerate(self.list_of("spawns")))

    def zones(self) -> tuple[Zone, ...]:
        out = []
        for i, raw in enumerate(self.list_of("zones")):
            f = f"zones[{i}]"
            d = self.obj(raw, f, ("id", "kind", "cells", "runs"), ("id", "kind"), key="zones", index=i)
            zid = self.ident(d["id"], f"{f}.id", key="zones", index=i)
            kind = self.ident(d["kind"], f"{f}.kind", key="zones", index=i)
            cells: set[Coord] = set()
            cell_list = d.get("cells", [])
            if not isinstance(cell_list, list):
                self.fail(f"{f}.cells", "expected a list of [row, col]", line=self.line_of("zones", i))
            for j, v in enumerate(cell_list):
                cells.add(self.cell(v, f"{f}.cells[{j}]", key="zones", index=i))
            runs = d.get("runs", [])
            if not isinstance(runs, list):
                self.fail(f"{f}.runs", "expected a list of [row, first_col, last_col]", line=self.line_of("zones", i))
            for j, run in enumerate(runs):
                if (not isinstance(run, list) or len(run) != 3
                        or not all(isinstance(v, int) and not isinstance(v, bool) for v in run) or run[2] < run[1]):
                    self.fail(f"{f}.runs[{j}]", f"expected [row, first_col, last_col] with first_col <= last_col, "
                                                f"got {json.dumps(run)[:40]}", line=self.line_of("zones", i))
                cells.update((run[0], c) for c in range(run[1], run[2] + 1))
            out.append(Zone(zid, kind, frozenset(cells)))
        return tuple(out)


def layout_from_data(data: Any, *, text: str = "", source: str = "<layout>", default_name: str = "layout") -> Layout:
    """Build a :class:`~robocore.layout.Layout` from decoded layout JSON.

    ``text`` (the file's text) lets errors name the line of a grid row or list
    item when the file has the writer's one-item-a-line shape.

    Raises :class:`~robocore.errors.InputError` naming ``source`` and the field
    path (``slots[3].access``) of the first fault, including the layout's own
    validation (a slot whose rack is not a RACK cell, a duplicate id, ...).
    """
    rd = _Reader(data, text, source)
    rd.header()
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        rd.fail("name", f"expected a non-empty string, got {json.dumps(name)[:40]}")
    grid = rd.grid(rd.legend())
    slots = rd.slots()
    stations, chargers, docks = (rd.locations(k) for k in ("stations", "chargers", "docks"))
    spawns = rd.spawns()
    zones = rd.zones()
    try:
        return Layout(grid, name=name, slots=slots, stations=stations, chargers=chargers, docks=docks,
                      spawns=spawns, zones=zones)
    except ValueError as err:
        raise InputError(str(err), source=source) from None


def parse_layout_json(text: str, *, source: str = "<layout>", default_name: str = "layout") -> Layout:
    """Parse the text of a layout JSON file; see :func:`read_layout_json`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg} (column {err.colno})", source=source, line=err.lineno) from None
    return layout_from_data(data, text=text, source=source, default_name=default_name)


def read_layout_json(path) -> Layout:
    """Read a layout JSON file.

    Raises :class:`~robocore.errors.InputError` naming the file, and the line
    where there is one, for a missing file, invalid JSON, a wrong ``format`` or
    ``version``, an unknown field, a ragged grid row, a character missing from
    the legend, a malformed cell or id, or a layout that fails validation.
    """
    path = Path(path)
    text = read_text(path, what="a layout file")
    return parse_layout_json(text, source=str(path), default_name=path.stem)


# ------------------------------------------------------------------ writing
def _runs(cells) -> list[list[int]]:
    runs: list[list[int]] = []
    for r, c in sorted(cells):
        if runs and runs[-1][0] == r and runs[-1][2] == c - 1:
            runs[-1][2] = c
        else:
            runs.append([r, c, c])
    return runs


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def _block(key: str, items: list[str], *, last: bool = False) -> str:
    end = "" if last else ","
    if not items:
        return f'  "{key}": []{end}\n'
    return f'  "{key}": [\n' + ",\n".join("    " + s for s in items) + f"\n  ]{end}\n"


def format_layout_json(layout: Layout) -> str:
    """The text of ``layout`` as layout JSON: one grid row, slot, location,
    spawn or zone a line; keys in a fixed order, so equal layouts give equal
    bytes."""
    char_of = {kind: ch for ch, kind in DEFAULT_LEGEND.items()}
    lut = np.array([ord(char_of[k]) for k in CellKind], dtype=np.uint8)
    chars = lut[layout.grid.kinds]
    rows = [_dumps(chars[r].tobytes().decode("ascii")) for r in range(layout.rows)]
    legend = {ch: kind.name.lower() for ch, kind in DEFAULT_LEGEND.items()}
    out = ["{\n", f'  "format": {_dumps(FORMAT)},\n', f'  "version": {VERSION},\n',
           f'  "name": {_dumps(layout.name)},\n', f'  "legend": {_dumps(legend)},\n', _block("grid", rows)]
    out.append(_block("slots", [_dumps({"id": s.id, "rack": list(s.rack), "access": list(s.access),
                                        "capacity": s.capacity}) for s in layout.slots]))
    for key in ("stations", "chargers", "docks"):
        out.append(_block(key, [_dumps({"id": loc.id, "cell": list(loc.cell)}) for loc in getattr(layout, key)]))
    out.append(_block("spawns", [_dumps(list(c)) for c in layout.spawns]))
    out.append(_block("zones", [_dumps({"id": z.id, "kind": z.kind, "runs": _runs(z.cells)}) for z in layout.zones],
                      last=True))
    out.append("}\n")
    return "".join(out)


def write_layout_json(layout: Layout, path) -> None:
    """Write ``layout`` to ``path`` as layout JSON (see :func:`format_layout_json`).

    Lossless: reading the file back gives an equal layout. Raises ``OSError``
    if the file cannot be written.
    """
    Path(path).write_text(format_layout_json(layout), encoding="utf-8")
