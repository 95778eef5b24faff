"""Slow, obviously correct twins of the viewer's fast drawing paths.

* :func:`naive_floor_rgb` paints the static layer pixel by pixel, deciding each
  pixel from the rules written in ``viz.static_layer.floor_rgb``'s docstring.
* :func:`naive_draw_agents` draws agents one at a time, in order, with one
  ``blit`` (or ``set_at`` per pixel below 4 px per cell) each.
"""

from __future__ import annotations

import numpy as np

from robocore.agents import AgentKind
from robocore.grid import CellKind
from viz.palette import CELL_COLOURS, SLOT_MARK, ZONE_TINTS, state_colour

_FLOOR = {CellKind.FREE, CellKind.PICK, CellKind.ENDPOINT, CellKind.HUMAN_ONLY}
_RING = {CellKind.STATION, CellKind.CHARGER, CellKind.DOCK}


def _cell_colour(layout, r, c):
    kind = int(layout.grid.kinds[r, c])
    col = [int(v) for v in CELL_COLOURS[kind]]
    if kind in _FLOOR:
        for i, z in enumerate(layout.zones):
            if (r, c) in z.cells:
                tint = ZONE_TINTS[i % len(ZONE_TINTS)]
                col = [int(0.75 * a + 0.25 * b) for a, b in zip(col, tint)]
    return col


def naive_floor_rgb(layout, k: int) -> np.ndarray:
    img = np.zeros((layout.rows * k, layout.cols * k, 3), np.uint8)
    sides: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for s in layout.slots:
        sides.setdefault(s.rack, []).append((s.access[0] - s.rack[0], s.access[1] - s.rack[1]))
    t_slot, length = max(1, k // 6), max(1, k // 2)
    mid = (k - length) // 2
    t_ring, inset = max(1, k // 12), k // 5
    size = k - 2 * inset
    for r in range(layout.rows):
        for c in range(layout.cols):
            kind = int(layout.grid.kinds[r, c])
            base = _cell_colour(layout, r, c)
            ring = [int(round(v * 0.7)) for v in CELL_COLOURS[kind]]
            for dy in range(k):
                for dx in range(k):
                    col = list(base)
                    if k >= 5:
                        if dy == k - 1:
                            col = [int(v * 0.88) for v in col]
                        if dx == k - 1:
                            col = [int(v * 0.88) for v in col]
                    if k >= 6:
                        for d in sides.get((r, c), []):
                            along_y = mid <= dy < mid + length
                            along_x = mid <= dx < mid + length
                            if ((d == (0, 1) and along_y and k - 1 - t_slot <= dx < k - 1)
                                    or (d == (0, -1) and along_y and 1 <= dx < 1 + t_slot)
                                    or (d == (1, 0) and along_x and k - 1 - t_slot <= dy < k - 1)
                                    or (d == (-1, 0) and along_x and 1 <= dy < 1 + t_slot)):
                                col = list(SLOT_MARK)
                    if k >= 8 and kind in _RING:
                        inside = inset <= dy < inset + size and inset <= dx < inset + size
                        edge = (dy < inset + t_ring or dy >= inset + size - t_ring
                                or dx < inset + t_ring or dx >= inset + size - t_ring)
                        if inside and edge:
                            col = ring
                    img[r * k + dy, c * k + dx] = col
    return img


def naive_draw_agents(target, frame, camera, layer) -> None:
    k = camera.cell_px
    ox, oy = camera.origin
    tw, th = target.get_size()
    for i in range(frame.n_agents):
        r, c = (int(v) for v in frame.positions[i])
        x, y = ox + c * k, oy + r * k
        if not (x > -k and x < camera.width and y > -k and y < camera.height):
            continue
        kind, state = int(frame.kinds[i]), int(frame.states[i])
        if k >= 4:
            heading = -1 if frame.headings is None else int(frame.headings[i])
            fill = 0.0 if frame.tote_fill is None else float(frame.tote_fill[i])
            target.blit(layer.sprite(k, kind=kind, state=state, heading=heading, fill=fill), (x, y))
            continue
        for dy in range(k):
            for dx in range(k):
                if k == 3 and dx != 1 and dy != 1 and kind == AgentKind.HUMAN:
                    continue
                if 0 <= x + dx < tw and 0 <= y + dy < th:
                    target.set_at((x + dx, y + dy), state_colour(state))
