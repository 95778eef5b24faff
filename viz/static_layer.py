"""The static layer: the floor drawn once per zoom level and blitted every frame.

:func:`floor_rgb` paints a layout (or a rectangle of it) as a numpy RGB image
(cell kinds, zone tints, grid lines, slot marks, station/charger/dock rings)
with no pygame at all; :class:`StaticLayer` turns it into a cached pygame
Surface for the current zoom level. When the whole floor at the current zoom
would be too large to keep (a 140 x 500 layout at 40 px per cell is 112
million pixels), the layer covers the visible part plus one view of margin on
each side and is redrawn when panning leaves it.
"""

from __future__ import annotations

import numpy as np

from robocore.grid import CellKind
from robocore.layout import Layout
from viz.palette import CELL_COLOURS, SLOT_MARK, ZONE_TINTS, darker

__all__ = ["cell_rgb", "floor_rgb", "StaticLayer", "MAX_STATIC_PIXELS"]

#: Largest static surface kept whole, in pixels (64 MB at 32 bits per pixel).
MAX_STATIC_PIXELS = 16_000_000

_FLOOR_KINDS = np.zeros(len(CellKind), dtype=bool)
_FLOOR_KINDS[[CellKind.FREE, CellKind.PICK, CellKind.ENDPOINT, CellKind.HUMAN_ONLY]] = True
_RING_KINDS = (CellKind.STATION, CellKind.CHARGER, CellKind.DOCK)


def cell_rgb(layout: Layout) -> np.ndarray:
    """One RGB per cell, ``(rows, cols, 3)`` uint8: the cell kind's colour, with
    each zone's tint blended (25 %) into its floor cells."""
    kinds = layout.grid.kinds
    rgb = CELL_COLOURS[kinds].copy()
    floor = _FLOOR_KINDS[kinds]
    for i, zone in enumerate(layout.zones):
        if not zone.cells:
            continue
        cells = np.array(sorted(zone.cells), dtype=np.int64)
        r, c = cells[:, 0], cells[:, 1]
        ok = (r >= 0) & (r < layout.rows) & (c >= 0) & (c < layout.cols)
        r, c = r[ok], c[ok]
        keep = floor[r, c]
        r, c = r[keep], c[keep]
        tint = np.array(ZONE_TINTS[i % len(ZONE_TINTS)], dtype=np.float32)
        rgb[r, c] = (0.75 * rgb[r, c] + 0.25 * tint).astype(np.uint8)
    return rgb


def _fill_rects(img: np.ndarray, y0: np.ndarray, x0: np.ndarray, h: int, w: int, colour) -> None:
    """Fill equal-size rectangles ``h x w`` at ``(y0[i], x0[i])`` (clipped to ``img``)."""
    if len(y0) == 0 or h <= 0 or w <= 0:
        return
    ys = (y0[:, None, None] + np.arange(h)[None, :, None]).repeat(w, axis=2)
    xs = (x0[:, None, None] + np.arange(w)[None, None, :]).repeat(h, axis=1)
    ok = (ys >= 0) & (ys < img.shape[0]) & (xs >= 0) & (xs < img.shape[1])
    img[ys[ok], xs[ok]] = colour


def floor_rgb(layout: Layout, cell_px: int, *, region: tuple[int, int, int, int] | None = None,
              cells: np.ndarray | None = None) -> np.ndarray:
    """Paint the floor as an image, ``(h, w, 3)`` uint8 in row-major (image) order.

    Parameters
    ----------
    layout:
        The floor.
    cell_px:
        Pixels per cell side (>= 1).
    region:
        ``(r0, c0, r1, c1)``: paint only rows ``r0..r1-1``, cols ``c0..c1-1``
        (default: the whole floor). Pixel ``(0, 0)`` is cell ``(r0, c0)``'s corner.
    cells:
        Precomputed :func:`cell_rgb` of the layout (saves recomputing it).

    At 5 px per cell and more, each cell's last pixel row and column are darker
    (grid lines); at 6 and more, a rack cell holding a slot has a light bar on
    the side its picker stands; at 8 and more, stations, chargers and docks get
    a darker ring inside the cell. The centre of every cell keeps its kind's
    colour.
    """
    k = int(cell_px)
    if k < 1:
        raise ValueError(f"cell_px must be >= 1, got {cell_px}")
    r0, c0, r1, c1 = region if region is not None else (0, 0, layout.rows, layout.cols)
    if cells is None:
        cells = cell_rgb(layout)
    sub = cells[r0:r1, c0:c1]
    img = np.repeat(np.repeat(sub, k, axis=0), k, axis=1)
    if img.size == 0:
        return img
    if k >= 5:
        img[k - 1::k] = (img[k - 1::k] * 0.88).astype(np.uint8)
        img[:, k - 1::k] = (img[:, k - 1::k] * 0.88).astype(np.uint8)
    if k >= 6 and layout.slots:
        racks = np.array([s.rack for s in layout.slots], dtype=np.int64)
        d = np.array([s.access for s in layout.slots], dtype=np.int64) - racks
        inside = (racks[:, 0] >= r0) & (racks[:, 0] < r1) & (racks[:, 1] >= c0) & (racks[:, 1] < c1)
        racks, d = racks[inside], d[inside]
        t = max(1, k // 6)
        length = max(1, k // 2)
        base_y = (racks[:, 0] - r0) * k
        base_x = (racks[:, 1] - c0) * k
        mid = (k - length) // 2
        for (dr, dc), y_off, x_off, h, w in (
            ((0, 1), mid, k - 1 - t, length, t),  # access to the east: bar on the east edge
            ((0, -1), mid, 1, length, t),
            ((1, 0), k - 1 - t, mid, t, length),
            ((-1, 0), 1, mid, t, length),
        ):
            sel = (d[:, 0] == dr) & (d[:, 1] == dc)
            _fill_rects(img, base_y[sel] + y_off, base_x[sel] + x_off, h, w, SLOT_MARK)
    if k >= 8:
        kinds = layout.grid.kinds[r0:r1, c0:c1]
        t = max(1, k // 12)
        inset = k // 5
        size = k - 2 * inset
        for kind in _RING_KINDS:
            rr, cc = np.nonzero(kinds == kind)
            if len(rr) == 0:
                continue
            ring = darker(CELL_COLOURS[kind], 0.7)
            y, x = rr * k + inset, cc * k + inset
            _fill_rects(img, y, x, t, size, ring)
            _fill_rects(img, y + size - t, x, t, size, ring)
            _fill_rects(img, y, x, size, t, ring)
            _fill_rects(img, y, x + size - t, size, t, ring)
    return img


class StaticLayer:
    """The floor as a cached pygame Surface for the current zoom level.

    Parameters
    ----------
    layout:
        The floor.
    max_pixels:
        Largest surface kept whole; above it only the visible part (plus a
        margin) is kept. See :data:`MAX_STATIC_PIXELS`.
    """

    def __init__(self, layout: Layout, *, max_pixels: int = MAX_STATIC_PIXELS):
        self.layout = layout
        self.max_pixels = int(max_pixels)
        self._cells = cell_rgb(layout)
        self._key: tuple | None = None
        self._surface = None
        self.builds = 0  #: how many times a surface was painted (for tests and the benchmark)

    def surface_for(self, camera):
        """``(surface, (x, y))`` to blit for ``camera``, or ``None`` if no floor cell is visible."""
        from viz.sdl import load_pygame

        pygame = load_pygame()

        k = camera.cell_px
        rows, cols = self.layout.rows, self.layout.cols
        vr0, vc0, vr1, vc1 = camera.visible_cells()
        if vr1 <= vr0 or vc1 <= vc0:
            return None
        if rows * cols * k * k <= self.max_pixels:
            want = None
            region = (0, 0, rows, cols)
        else:
            want = (vr0, vc0, vr1, vc1)
            region = None
        key = self._key
        if key is not None and key[0] == k:
            kr0, kc0, kr1, kc1 = key[1]
            if want is None or (kr0 <= vr0 and kc0 <= vc0 and kr1 >= vr1 and kc1 >= vc1):
                return self._surface, camera.cell_origin(kr0, kc0)
        if region is None:
            h, w = vr1 - vr0, vc1 - vc0
            region = (max(0, vr0 - h), max(0, vc0 - w), min(rows, vr1 + h), min(cols, vc1 + w))
        img = floor_rgb(self.layout, k, region=region, cells=self._cells)
        surf = pygame.surfarray.make_surface(img.swapaxes(0, 1))
        if pygame.display.get_init() and pygame.display.get_surface() is not None:
            surf = surf.convert()
        self._surface = surf
        self._key = (k, region)
        self.builds += 1
        return surf, camera.cell_origin(region[0], region[1])
