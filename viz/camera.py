"""The view onto the floor: zoom (whole pixels per cell) and pan (pixel offset).

Pure Python, no pygame. Screen ``(x, y)`` of the top-left corner of cell
``(row, col)`` is ``(ox + col * cell_px, oy + row * cell_px)``. Zoom moves
between :data:`ZOOM_LEVELS` (whole pixels per cell, so every cell is the same
size and the static layer can be cached per level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Camera", "ZOOM_LEVELS", "fit_cell_px"]

#: Pixels per cell the zoom steps through.
ZOOM_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64)


def fit_cell_px(rows: int, cols: int, width: int, height: int) -> int:
    """The largest zoom level at which a ``rows x cols`` floor fits ``width x height`` pixels (at least 1)."""
    best = ZOOM_LEVELS[0]
    for k in ZOOM_LEVELS:
        if k * cols <= width and k * rows <= height:
            best = k
    return best


@dataclass
class Camera:
    """Zoom and pan state of a ``width x height`` pixel view of a ``rows x cols`` floor."""

    rows: int
    cols: int
    width: int
    height: int
    cell_px: int = 1
    ox: float = 0.0
    oy: float = 0.0

    # ------------------------------------------------------------ transforms
    def cell_origin(self, row: int, col: int) -> tuple[int, int]:
        """Screen pixel of the top-left corner of cell ``(row, col)``."""
        return (int(math.floor(self.ox)) + col * self.cell_px, int(math.floor(self.oy)) + row * self.cell_px)

    @property
    def origin(self) -> tuple[int, int]:
        """Screen pixel of the top-left corner of cell ``(0, 0)`` (whole pixels)."""
        return (int(math.floor(self.ox)), int(math.floor(self.oy)))

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The cell under screen pixel ``(x, y)``, or ``None`` off the floor."""
        ox, oy = self.origin
        col = math.floor((x - ox) / self.cell_px)
        row = math.floor((y - oy) / self.cell_px)
        if 0 <= row < self.rows and 0 <= col < self.cols:
            return (int(row), int(col))
        return None

    def visible_cells(self) -> tuple[int, int, int, int]:
        """``(r0, c0, r1, c1)``: rows ``r0..r1-1`` and cols ``c0..c1-1`` at least partly on screen (may be empty)."""
        ox, oy = self.origin
        k = self.cell_px
        c0 = max(0, (-ox) // k)
        r0 = max(0, (-oy) // k)
        c1 = min(self.cols, -(-(self.width - ox) // k))
        r1 = min(self.rows, -(-(self.height - oy) // k))
        return (int(r0), int(c0), int(max(r0, r1)), int(max(c0, c1)))

    # --------------------------------------------------------------- actions
    def resize(self, width: int, height: int) -> None:
        """The view changed size; keep the floor point at the view centre where it was."""
        cx, cy = self.width / 2, self.height / 2
        self.width, self.height = int(width), int(height)
        self.ox += self.width / 2 - cx
        self.oy += self.height / 2 - cy

    def fit(self) -> None:
        """Zoom so the whole floor fits the view, centred."""
        self.cell_px = fit_cell_px(self.rows, self.cols, self.width, self.height)
        self.ox = (self.width - self.cols * self.cell_px) / 2
        self.oy = (self.height - self.rows * self.cell_px) / 2

    def pan(self, dx: float, dy: float) -> None:
        """Move the floor by ``(dx, dy)`` screen pixels, keeping part of it on screen."""
        self.ox += dx
        self.oy += dy
        self._clamp()

    def zoom(self, steps: int, *, at: tuple[float, float] | None = None) -> None:
        """Zoom in (``steps > 0``) or out by whole levels, keeping the floor point under ``at`` fixed."""
        levels = ZOOM_LEVELS
        i = min(range(len(levels)), key=lambda j: abs(levels[j] - self.cell_px))
        j = min(max(i + steps, 0), len(levels) - 1)
        if levels[j] == self.cell_px:
            return
        x, y = at if at is not None else (self.width / 2, self.height / 2)
        fx = (x - self.ox) / self.cell_px
        fy = (y - self.oy) / self.cell_px
        self.cell_px = levels[j]
        self.ox = x - fx * self.cell_px
        self.oy = y - fy * self.cell_px
        self._clamp()

    def centre_on(self, row: float, col: float) -> None:
        """Put the centre of cell ``(row, col)`` at the centre of the view."""
        self.ox = self.width / 2 - (col + 0.5) * self.cell_px
        self.oy = self.height / 2 - (row + 0.5) * self.cell_px

    def _clamp(self) -> None:
        # keep some of the floor on screen: at least a quarter of the view, or the whole floor if smaller
        fw, fh = self.cols * self.cell_px, self.rows * self.cell_px
        mx, my = min(self.width / 4, fw), min(self.height / 4, fh)
        self.ox = min(max(self.ox, mx - fw), self.width - mx)
        self.oy = min(max(self.oy, my - fh), self.height - my)
