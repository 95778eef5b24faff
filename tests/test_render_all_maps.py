"""Every bundled layout and every shared benchmark map loads and renders (issue 2)."""

from pathlib import Path

import numpy as np
import pytest

from maps import bundled_layouts, load_layout
from viz.palette import CELL_COLOURS

pygame = pytest.importorskip("pygame")

SHARED_MAPS = [
    "movingai/warehouse-10-20-10-2-1.map",
    "lorr/maps/warehouse_small.map",
    "lorr/maps/warehouse_large.map",
    "lorr2024/maps/warehouse_large.map",
    "lorr/EI23-warehouse_small_10.json",
    "lorr2024/warehouse_large_5000.json",
]


def _check(layout, out: Path):
    from viz.snapshot import render_layout

    w, h = render_layout(layout, out, cell_px=2)
    img = pygame.image.load(str(out))
    assert img.get_size() == (w, h) == (2 * layout.cols, 2 * layout.rows)
    # a blocked cell and a robot-passable cell are drawn in their kind's colour
    kinds = layout.grid.kinds
    for kind in (1, 0):
        idx = np.argwhere(kinds == kind)
        if len(idx):
            r, c = map(int, idx[len(idx) // 2])
            assert tuple(img.get_at((2 * c, 2 * r)))[:3] == tuple(CELL_COLOURS[kind])


@pytest.mark.parametrize("name", bundled_layouts())
def test_bundled_layout_renders(name, tmp_path):
    _check(load_layout(name), tmp_path / f"{name}.png")


@pytest.mark.parametrize("rel", SHARED_MAPS)
def test_shared_map_renders(rel, shared_data, tmp_path):
    _check(load_layout(shared_data / rel), tmp_path / "map.png")
