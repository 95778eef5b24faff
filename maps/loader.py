"""Load any supported map or layout file into a :class:`robocore.Layout`."""

from __future__ import annotations

from pathlib import Path

from robocore.errors import InputError
from robocore.layout import Layout

__all__ = ["load_layout"]


def load_layout(source) -> Layout:
    """Load a layout from a file path.

    Supported: MovingAI ``.map`` files (a bare grid, no named locations).

    Raises :class:`~robocore.errors.InputError` for a missing file or an
    unsupported or malformed one.
    """
    path = Path(source)
    if path.suffix == ".map":
        from maps.movingai import read_map

        return Layout(read_map(path), name=path.stem)
    if not path.exists():
        raise InputError("file not found", source=str(path))
    raise InputError(f"unsupported map format {path.suffix!r} (expected .map)", source=str(path))
