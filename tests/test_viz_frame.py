import threading

import numpy as np
import pytest

from robocore.agents import AgentState
from tests.viz_helpers import small_layout
from viz.camera import ZOOM_LEVELS, Camera, fit_cell_px
from viz.details import LocationIndex, agent_at, agent_details, hud_lines, utilisation
from viz.frame import Frame
from viz.push import PushSource


def test_frame_checks_shapes():
    with pytest.raises(ValueError, match="frame states: 1 agents, positions has 2"):
        Frame(step=0, positions=[[0, 0], [1, 1]], states=[0], kinds=[0, 0])
    with pytest.raises(ValueError, match="frame positions"):
        Frame(step=0, positions=[[0.5, 0]], states=[0], kinds=[0])
    with pytest.raises(ValueError, match="frame paths: 1 paths for 2 agents"):
        Frame(step=0, positions=[[0, 0], [1, 1]], states=[0, 0], kinds=[0, 0], paths=[[[0, 0]]])
    with pytest.raises(ValueError, match="frame paths: expected an integer array of shape \\(2, H, 2\\)"):
        Frame(step=0, positions=[[0, 0], [1, 1]], states=[0, 0], kinds=[0, 0], paths=np.zeros((2, 3)))
    f = Frame(step=0, positions=[], states=[], kinds=[])
    assert f.n_agents == 0


def test_path_segments_keep_unit_moves_only():
    f = Frame(step=0, positions=[[0, 0], [3, 3]], states=[0, 0], kinds=[0, 0],
              paths=[[[0, 0], [0, 1], [0, 1], [2, 1], [2, 2]], [[3, 3], [-1, -1]]])
    a, b, agent = f.path_segments()
    assert a.tolist() == [[0, 0], [2, 1]] and b.tolist() == [[0, 1], [2, 2]] and agent.tolist() == [0, 0]
    padded = Frame(step=0, positions=[[0, 0]], states=[0], kinds=[0], paths=np.array([[[0, 0], [1, 0], [-1, -1]]]))
    assert padded.path_segments()[2].tolist() == [0]


def test_camera_fit_zoom_and_inverse():
    cam = Camera(140, 500, 1280, 800)
    cam.fit()
    assert cam.cell_px == 2 == fit_cell_px(140, 500, 1280, 800)
    assert cam.visible_cells() == (0, 0, 140, 500)
    x, y = cam.cell_origin(70, 250)
    assert cam.cell_at(x, y) == (70, 250) and cam.cell_at(x - 1, y) == (70, 249)
    # zooming keeps the floor point under the pointer in place
    before = cam.cell_at(400, 300)
    cam.zoom(3, at=(400, 300))
    assert cam.cell_px == ZOOM_LEVELS[ZOOM_LEVELS.index(2) + 3] and cam.cell_at(400, 300) == before
    r0, c0, r1, c1 = cam.visible_cells()
    assert 0 < c1 - c0 < 500
    cam.pan(-10**6, 0)  # clamped: the floor never leaves the view entirely
    assert cam.visible_cells()[3] > cam.visible_cells()[1]
    tiny = Camera(3, 4, 1280, 800)
    tiny.fit()
    assert tiny.cell_px == 64


def test_details_and_hud_lines():
    lay = small_layout()
    f = Frame(step=3725, positions=[[5, 5], [9, 5], [7, 2]], states=[AgentState.TO_PICK, AgentState.IDLE, 2],
              kinds=[0, 0, 1], headings=[2, 0, 0], goals=[[1, 1], [-1, -1], [0, 0]], station_queues={"P1": 2},
              hud={"orders_backlog": 4, "orders_shipped": 9, "planner_step_ms": {"median": 1.5}, "wave": 3})
    assert agent_at(f, (9, 5)) == 1 and agent_at(f, (0, 0)) is None
    assert agent_details(f, 0) == ["robot 0", "robot, to_pick", "at (5, 5) facing W", "goal (1, 1)"]
    idx = LocationIndex(lay)
    assert idx.details((9, 5), f) == ["cell (9, 5) station", "pack station P1", "queue 2"]
    assert "slot S1" in idx.details((2, 3))[1]
    assert utilisation(f) == 0.5
    lines = hud_lines(f, {"lines_per_hour": 12.5, "orders_received": 20}, speed=10, paused=True, n_frames=4000)
    assert lines[0] == "step 3725 / 3999   floor time 01:02:05"
    assert lines[1] == "speed x10 (paused)"
    assert "orders: backlog 4  shipped 9" in lines
    assert "lines/hour 12.5" in lines
    assert "robots 2  humans 1  utilisation 50%" in lines
    assert "planner step ms median 1.5" in lines and "wave: 3" in lines
    assert all("speed" not in line for line in hud_lines(f, playback=False))


def test_push_source_hands_the_newest_frame_across_threads():
    src = PushSource(small_layout())
    frames = [Frame(step=i, positions=[[0, i % 5]], states=[0], kinds=[0]) for i in range(200)]

    def produce():
        for fr in frames:
            src.push(fr)
        src.finish()

    th = threading.Thread(target=produce)
    th.start()
    th.join()
    got = src.poll()
    assert got.step == 199 and src.poll() is None and src.finished
    assert src.pushed == 200 and src.dropped == 199
