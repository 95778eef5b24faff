"""Load any supported map or layout into a :class:`robocore.Layout`, and save one.

Sources :func:`load_layout` understands:

* a bundled layout name: ``small``, ``medium``, ``large`` (``maps/layouts/*.json``);
* a MovingAI ``.map`` (a bare grid: no slots, stations or spawns);
* a layout ``.json`` (``"format": "robocore-layout"``, see ``docs/layout-format.md``);
* a League of Robot Runners problem ``.json`` (``mapFile`` ...): its map as the
  grid, its agent starts as the spawns; its tasks are read and checked too.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from robocore.errors import InputError
from robocore.textfile import read_text
from robocore.layout import Layout

__all__ = ["load_layout", "save_layout", "bundled_layouts", "bundled_path", "layout_from_problem", "is_bundled_name"]


def bundled_layouts() -> tuple[str, ...]:
    """Names of the layouts shipped in ``maps/layouts/``, sorted."""
    folder = resources.files("maps") / "layouts"
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json")))


def bundled_path(name: str) -> Path:
    """The file of bundled layout ``name`` (it may not exist yet)."""
    return Path(str(resources.files("maps") / "layouts" / f"{name}.json"))


def _read(path: Path) -> str:
    return read_text(path, what="a map or layout file")


def _load_json_file(path: Path) -> Layout:
    from maps.layout_json import is_layout_json, layout_from_data
    from maps.lorr import is_lorr_problem, load_problem

    text = _read(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg} (column {err.colno})", source=str(path), line=err.lineno) from None
    if is_layout_json(data):
        return layout_from_data(data, text=text, source=str(path), default_name=path.stem)
    if is_lorr_problem(data):
        return layout_from_problem(load_problem(path), name=path.stem)
    if isinstance(data, dict) and "format" in data:
        raise InputError(f"format: expected 'robocore-layout', got {json.dumps(data['format'])[:40]}",
                         source=str(path))
    raise InputError("neither a robocore layout (no \"format\": \"robocore-layout\") nor a League of Robot Runners "
                     "problem (no \"mapFile\")", source=str(path))


def layout_from_problem(problem, *, name: str) -> Layout:
    """A League problem's map as a layout, its first ``team_size`` starts as spawns.

    Raises :class:`~robocore.errors.InputError` naming the agents file if two
    agents start on one cell.
    """
    try:
        return Layout(problem.grid, name=name, spawns=problem.start_cells())
    except ValueError as err:
        raise InputError(f"agent starts as spawns: {err}", source=str(problem.agents_path)) from None


def is_bundled_name(source) -> bool:
    """True if ``source`` names a bundled layout rather than a file."""
    text = str(source)
    path = Path(text)
    return not path.suffix and not path.exists() and text in bundled_layouts()


def load_layout(source) -> Layout:
    """Load a layout from a bundled name or a file path.

    Parameters
    ----------
    source:
        ``"small"``, ``"medium"`` or ``"large"``, or a path to a ``.map``, a
        layout ``.json`` or a League problem ``.json``. A :class:`Layout` is
        returned as is.

    Raises
    ------
    InputError
        Naming the file (and line where there is one) for a missing file, an
        unknown bundled name, an unsupported suffix, or a malformed file.
    """
    if isinstance(source, Layout):
        return source
    text = str(source)
    path = Path(text)
    if not path.suffix and not path.exists():
        if text in bundled_layouts():
            from maps.layout_json import parse_layout_json

            bundled = resources.files("maps") / "layouts" / f"{text}.json"
            return parse_layout_json(bundled.read_text(encoding="utf-8"), source=f"bundled layout {text!r}",
                                     default_name=text)
        names = ", ".join(bundled_layouts()) or "none installed"
        raise InputError(f"no such file, and not a bundled layout name (bundled: {names})", source=text)
    suffix = path.suffix.lower()
    if suffix == ".map":
        from maps.movingai import read_map

        return Layout(read_map(path), name=path.stem)
    if suffix == ".json":
        return _load_json_file(path)
    if not path.exists():
        raise InputError("file not found", source=text)
    raise InputError(f"unsupported file type {path.suffix!r} (expected .map, .json or a bundled layout name)",
                     source=text)


def save_layout(layout: Layout, path) -> Path:
    """Write ``layout`` to ``path`` in the format its suffix names.

    ``.json`` writes layout JSON (lossless); ``.map`` writes a MovingAI map,
    which keeps the grid only and writes kinds MovingAI lacks as the nearest
    kind (see :mod:`maps.movingai`). Returns the path.

    Raises :class:`~robocore.errors.InputError` for another suffix, and
    ``OSError`` if the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        from maps.layout_json import write_layout_json

        write_layout_json(layout, path)
    elif suffix == ".map":
        from maps.movingai import write_map

        write_map(layout.grid, path)
    else:
        raise InputError(f"cannot write {path.suffix or 'a file without a suffix'!r}: use .json (layout JSON, "
                         f"lossless) or .map (MovingAI, grid only)", source=str(path))
    return path
