import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robocore import CellKind, Grid, Layout, Slot, Zone
from tests.naive_viz import naive_floor_rgb
from tests.viz_helpers import small_layout
from viz.camera import Camera
from viz.palette import CELL_COLOURS, SLOT_MARK
from viz.static_layer import StaticLayer, cell_rgb, floor_rgb


def _centre(img, r, c, k):
    return tuple(int(v) for v in img[r * k + k // 2, c * k + k // 2])


@pytest.mark.parametrize("k", [1, 2, 5, 10, 24])
def test_each_cell_kind_has_its_colour_at_the_cell_centre(k):
    lay = small_layout()
    img = floor_rgb(lay, k)
    assert img.shape == (lay.rows * k, lay.cols * k, 3)
    kinds = lay.grid.kinds
    for kind in CellKind:
        rr, cc = np.nonzero(kinds == kind)
        for r, c in zip(rr, cc):
            if any((r, c) in z.cells for z in lay.zones):
                continue
            assert _centre(img, r, c, k) == tuple(int(v) for v in CELL_COLOURS[kind]), (kind, r, c)


def test_rack_slot_mark_faces_the_access_cell():
    lay = small_layout()
    k = 12
    img = floor_rgb(lay, k)
    # S1: rack (2, 3), picked from (3, 3) below: bar on the rack's south edge
    assert tuple(img[2 * k + k - 2, 3 * k + k // 2]) == SLOT_MARK
    assert tuple(img[2 * k + 1, 3 * k + k // 2]) == tuple(CELL_COLOURS[CellKind.RACK])
    # S2: rack (2, 4), picked from (1, 4) above: bar on the north edge
    assert tuple(img[2 * k + 1, 4 * k + k // 2]) == SLOT_MARK
    # a rack cell without a slot has no mark
    assert tuple(img[2 * k + k - 2, 8 * k + k // 2]) == tuple(CELL_COLOURS[CellKind.RACK])


def test_zone_tint_changes_floor_but_not_other_kinds():
    lay = small_layout()
    rgb = cell_rgb(lay)
    assert tuple(rgb[4, 4]) != tuple(CELL_COLOURS[CellKind.FREE])
    assert tuple(rgb[4, 6]) == tuple(CELL_COLOURS[CellKind.FREE])


@st.composite
def layouts(draw):
    rows, cols = draw(st.integers(2, 6)), draw(st.integers(2, 7))
    kinds = np.array(draw(st.lists(st.sampled_from([0, 0, 0, 1, 3, 4, 5, 6, 7, 8]), min_size=rows * cols,
                                   max_size=rows * cols)), np.uint8).reshape(rows, cols)
    slots = []
    # make some rack cells with slots on free neighbours
    for i in range(draw(st.integers(0, 3))):
        r, c = draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))
        kinds[r, c] = CellKind.RACK
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            a = (r + dr, c + dc)
            if 0 <= a[0] < rows and 0 <= a[1] < cols and draw(st.booleans()):
                kinds[a] = CellKind.PICK
                slots.append(Slot(f"S{len(slots)}", (r, c), a))
    slots = [s for s in slots if kinds[s.rack] == CellKind.RACK and kinds[s.access] == CellKind.PICK]
    zone_cells = draw(st.sets(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1)), max_size=4))
    return Layout(Grid(kinds), slots=tuple(slots), zones=(Zone("Z", "pick", zone_cells),))


@settings(max_examples=40, deadline=None)
@given(layouts(), st.sampled_from([1, 2, 4, 5, 6, 8, 9, 12, 13]))
def test_floor_rgb_matches_the_naive_painter(layout, k):
    assert np.array_equal(floor_rgb(layout, k), naive_floor_rgb(layout, k))


def test_region_is_the_matching_crop_of_the_whole_floor():
    lay = small_layout()
    k = 9
    whole = floor_rgb(lay, k)
    part = floor_rgb(lay, k, region=(2, 3, 7, 11))
    assert np.array_equal(part, whole[2 * k:7 * k, 3 * k:11 * k])


def test_static_layer_is_cached_per_zoom_and_windowed_when_too_large():
    lay = small_layout(40, 60)
    cam = Camera(40, 60, 200, 100, cell_px=10)
    layer = StaticLayer(lay)
    layer.surface_for(cam)
    layer.surface_for(cam)
    assert layer.builds == 1  # whole floor fits: one build per zoom level
    cam.pan(-50, 0)
    layer.surface_for(cam)
    assert layer.builds == 1
    cam.zoom(1)
    layer.surface_for(cam)
    assert layer.builds == 2
    small = StaticLayer(lay, max_pixels=50_000)  # 40x60 at 10 px = 240k px: windowed
    cam = Camera(40, 60, 200, 100, cell_px=10)
    surf, pos = small.surface_for(cam)
    assert surf.get_width() * surf.get_height() < 40 * 60 * 100
    cam.pan(-30, 0)  # still inside the margin
    small.surface_for(cam)
    assert small.builds == 1
    cam.pan(-2000, -2000)
    small.surface_for(cam)
    assert small.builds == 2


def test_windowed_layer_draws_the_same_pixels_as_the_whole_one():
    import pygame

    lay = small_layout(40, 60)
    for max_pixels in (10**9, 20_000):
        layer = StaticLayer(lay, max_pixels=max_pixels)
        cam = Camera(40, 60, 160, 120, cell_px=8)
        cam.pan(-137, -91)
        target = pygame.Surface((160, 120), 0, 32)
        target.fill((0, 0, 0))
        surf, pos = layer.surface_for(cam)
        target.blit(surf, pos)
        arr = pygame.surfarray.array3d(target)
        if max_pixels > 10**8:
            ref = arr
        else:
            assert layer.builds == 1 and surf.get_width() < 60 * 8
            assert np.array_equal(arr, ref)
