import numpy as np
import pytest

from robocore import Grid, Layout
from robocore.agents import AgentState
from robocore.errors import InputError
from tests.viz_helpers import small_layout
from viz.frame import Frame
from viz.palette import BACKGROUND, CELL_COLOURS, STATE_COLOURS
from viz.snapshot import render_layout, render_snapshot, render_surface, snapshot_cell_px

pygame = pytest.importorskip("pygame")


@pytest.mark.parametrize("cols, k", [(20, 40), (30, 27), (46, 18), (498, 2), (800, 1), (1000, 1)])
def test_default_scale_is_at_least_800_wide(cols, k):
    lay = Layout(Grid.from_passable(np.ones((3, cols))))
    assert snapshot_cell_px(lay) == k
    assert lay.cols * k >= 800 and (k == 1 or lay.cols * (k - 1) < 800)


def test_render_snapshot_writes_the_png_it_reports(tmp_path):
    lay = small_layout()
    frame = Frame(step=7, positions=[[4, 4]], states=[AgentState.CHARGING], kinds=[0], hud={"orders_late": 2})
    w, h = render_snapshot(lay, frame, tmp_path / "floor.png", cell_px=6, report={"orders_shipped": 5})
    img = pygame.image.load(str(tmp_path / "floor.png"))
    assert img.get_size() == (w, h) and w == 120 and h > 60  # the footer strip below the 10-row floor
    assert tuple(img.get_at((4 * 6 + 3, 4 * 6 + 3)))[:3] == tuple(STATE_COLOURS[AgentState.CHARGING])
    assert tuple(img.get_at((2, h - 2)))[:3] == BACKGROUND
    w2, h2 = render_snapshot(lay, frame, tmp_path / "bare.png", cell_px=6, footer=False)
    assert (w2, h2) == (120, 60)


def test_render_layout_is_the_empty_floor(tmp_path):
    lay = small_layout()
    assert render_layout(lay, tmp_path / "m.png") == (800, 400)
    img = pygame.image.load(str(tmp_path / "m.png"))
    assert tuple(img.get_at((5 * 40 + 20, 2 * 40 + 20)))[:3] == tuple(CELL_COLOURS[2])  # rack


def test_render_surface_without_frame_has_no_footer():
    assert render_surface(small_layout(), None, cell_px=3).get_size() == (60, 30)


@pytest.mark.parametrize("name, kwargs, message", [
    ("x.jpg", {}, "output must be a .png file"),
    ("missing/x.png", {}, "folder does not exist"),
    ("x.png", {"cell_px": 0}, "cell size must be an integer from 1 to 256"),
    ("x.png", {"cell_px": 2.5}, "cell size must be an integer"),
])
def test_bad_output_or_scale_raises_input_error(tmp_path, name, kwargs, message):
    with pytest.raises(InputError, match=message):
        render_snapshot(small_layout(), None, tmp_path / name, **kwargs)
    assert not (tmp_path / name).exists()
