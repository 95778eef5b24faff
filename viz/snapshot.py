"""Headless pictures of the floor: PNG snapshots and frame sequences.

No display and no audio device are needed: the pictures are drawn on
off-screen pygame Surfaces (pygame's display is never opened) and saved as PNG.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from robocore.errors import InputError
from robocore.layout import Layout
from viz.camera import Camera
from viz.details import hud_lines
from viz.frame import Frame
from viz.palette import BACKGROUND
from viz.renderer import FloorRenderer
from viz.sdl import load_pygame, use_headless_drivers
from viz.source import RecordedSource

__all__ = ["MIN_SNAPSHOT_WIDTH", "snapshot_cell_px", "render_surface", "render_snapshot", "render_layout",
           "render_frames"]

#: Default snapshots are at least this many pixels wide.
MIN_SNAPSHOT_WIDTH = 800


def snapshot_cell_px(layout: Layout, *, min_width: int = MIN_SNAPSHOT_WIDTH) -> int:
    """Smallest whole pixels per cell that make the floor at least ``min_width`` pixels wide."""
    return max(1, math.ceil(min_width / layout.cols))


def _check_cell_px(cell_px) -> int:
    if isinstance(cell_px, bool) or not isinstance(cell_px, int) or not 1 <= cell_px <= 256:
        raise InputError(f"cell size must be an integer from 1 to 256 pixels, got {cell_px!r}")
    return cell_px


def _wrap(lines: list[str], font, width: int) -> list[str]:
    rows: list[str] = []
    for line in lines:
        if rows and font.size(rows[-1] + "   |   " + line)[0] <= width - 12:
            rows[-1] += "   |   " + line
        else:
            rows.append(line)
    return rows


def render_surface(layout: Layout, frame: Frame | None = None, *, cell_px: int | None = None, paths: bool = False,
                   report: Mapping[str, Any] | None = None, footer: bool = True, n_frames: int | None = None,
                   renderer: FloorRenderer | None = None):
    """Draw the whole floor (and ``frame``'s agents) on a new off-screen Surface.

    The floor's cell ``(r, c)`` occupies pixels ``x in [c*k, (c+1)*k)``,
    ``y in [r*k, (r+1)*k)`` with ``k = cell_px``; when ``frame`` is given and
    ``footer`` is true, a strip below the floor carries the heads-up lines.

    Raises :class:`~robocore.errors.InputError` for a bad ``cell_px``.
    """
    use_headless_drivers()
    pygame = load_pygame()
    k = snapshot_cell_px(layout) if cell_px is None else _check_cell_px(cell_px)
    w, h = layout.cols * k, layout.rows * k
    renderer = renderer or FloorRenderer(layout)
    rows: list[str] = []
    font = None
    if frame is not None and footer:
        font = renderer.text.font(18)
        rows = _wrap(hud_lines(frame, report, n_frames=n_frames, playback=False), font, w)
    line_h = font.get_linesize() if font else 0
    footer_h = (line_h * len(rows) + 8) if rows else 0
    surf = pygame.Surface((w, h + footer_h), 0, 32)
    camera = Camera(layout.rows, layout.cols, w, h, cell_px=k)
    clip = surf.subsurface(pygame.Rect(0, 0, w, h))
    renderer.draw(clip, frame, camera, paths=paths)
    if rows:
        surf.fill(BACKGROUND, pygame.Rect(0, h, w, footer_h))
        for i, line in enumerate(rows):
            surf.blit(renderer.text.render(line, size=18), (6, h + 4 + i * line_h))
    return surf


def _check_output(path: Path) -> None:
    if path.suffix.lower() != ".png":
        raise InputError("output must be a .png file", source=str(path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError("cannot write: folder does not exist", source=str(path))
    if path.is_dir():
        raise InputError("cannot write: is a directory", source=str(path))
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError("cannot write: permission denied", source=str(path))


def _save(surf, path: Path) -> None:
    pygame = load_pygame()
    try:
        pygame.image.save(surf, str(path))
    except (pygame.error, OSError) as err:
        raise InputError(f"cannot write: {err}", source=str(path)) from None


def render_snapshot(layout: Layout, frame: Frame | None, path, *, cell_px: int | None = None, paths: bool = False,
                    report: Mapping[str, Any] | None = None, footer: bool = True) -> tuple[int, int]:
    """Write a PNG picture of ``frame`` on ``layout`` to ``path``; returns its ``(width, height)`` in pixels.

    ``cell_px`` defaults to :func:`snapshot_cell_px` (the picture is at least
    800 pixels wide). This is the function ``robocore run`` uses for its
    ``floor.png``.

    Raises
    ------
    InputError
        If ``path`` is not a ``.png`` in a writable folder, or ``cell_px`` is
        not an integer from 1 to 256.
    """
    path = Path(path)
    _check_output(path)
    surf = render_surface(layout, frame, cell_px=cell_px, paths=paths, report=report, footer=footer)
    _save(surf, path)
    return surf.get_size()


def render_layout(layout: Layout, path, *, cell_px: int | None = None) -> tuple[int, int]:
    """Write a PNG of the empty floor, one colour per cell kind; returns ``(width, height)``."""
    return render_snapshot(layout, None, path, cell_px=cell_px)


def render_frames(source: RecordedSource, out_dir, *, every: int = 1, cell_px: int | None = None,
                  paths: bool = False, on_frame: Callable[[int], None] | None = None) -> list[Path]:
    """Write every ``every``-th frame of ``source`` (frames 0, every, 2*every, ...) as
    ``frame_<step:06d>.png`` into ``out_dir`` (created if missing); returns the paths.

    Raises :class:`~robocore.errors.InputError` if ``every`` is not positive or
    ``out_dir`` cannot be created or written.
    """
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise InputError(f"--every must be a positive integer, got {every!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("cannot write frames: not a directory", source=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create folder: {err.strerror}", source=str(out)) from None
    if not os.access(out, os.W_OK):
        raise InputError("cannot write frames: permission denied", source=str(out))
    if cell_px is not None:
        _check_cell_px(cell_px)
    renderer = FloorRenderer(source.layout)
    written = []
    for t in range(0, len(source), every):
        surf = render_surface(source.layout, source.frame(t), cell_px=cell_px, paths=paths, report=source.report,
                              n_frames=len(source), renderer=renderer)
        p = out / f"frame_{t:06d}.png"
        _save(surf, p)
        written.append(p)
        if on_frame is not None:
            on_frame(t)
    return written
