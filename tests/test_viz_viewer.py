"""The window, driven by posted events under SDL's dummy driver, and once for real under Xvfb."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from robocore.agents import AgentState
from tests.viz_helpers import small_layout, walking_run
from viz.frame import Frame
from viz.palette import STATE_COLOURS
from viz.push import PushSource
from viz.replay import ReplaySource, load_run
from viz.viewer import SPEEDS, Viewer

pygame = pytest.importorskip("pygame")
REPO = Path(__file__).resolve().parent.parent


def _frame(step=0, col=5):
    return Frame(step=step, positions=[[5, col], [6, 8], [7, 2]],
                 states=[AgentState.TO_STATION, AgentState.FAULT, AgentState.PICKING], kinds=[0, 0, 1],
                 headings=[0, 1, 2], goals=[[1, 1], [2, 2], [3, 3]])


def _key(key, mod=0):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode="", scancode=0))


def _screen_px(viewer, r, c):
    k = viewer.camera.cell_px
    x, y = viewer.camera.cell_origin(r, c)
    return tuple(pygame.display.get_surface().get_at((x + k // 2, y + k // 2)))[:3]


@pytest.fixture
def viewer():
    v = Viewer(small_layout(), size=(640, 480), speed=None, fps=100_000)  # draw on every show()
    yield v
    v.close()


def test_show_draws_agents_in_state_colours(viewer):
    assert viewer.show(_frame())
    assert viewer.camera.cell_px == 32  # 20 x 10 floor fitted into 640 x 480
    assert _screen_px(viewer, 6, 8) == tuple(STATE_COLOURS[AgentState.FAULT])
    assert _screen_px(viewer, 7, 2) == tuple(STATE_COLOURS[AgentState.PICKING])


def test_keys_toggle_paths_speed_zoom_fit_and_quit(viewer):
    viewer.show(_frame())
    _key(pygame.K_p)
    _key(pygame.K_MINUS)  # from max speed down to the top of the ladder
    viewer.show(_frame(1))
    assert viewer.show_paths and viewer.speed == SPEEDS[-1]
    _key(pygame.K_PLUS)
    viewer.show(_frame(2))
    assert viewer.speed is None
    k = viewer.camera.cell_px
    _key(pygame.K_PAGEUP)
    _key(pygame.K_EQUALS, pygame.KMOD_LCTRL)
    viewer.show(_frame(3))
    assert viewer.camera.cell_px > k
    _key(pygame.K_f)
    viewer.show(_frame(4))
    assert viewer.camera.cell_px == k
    _key(pygame.K_q)
    assert viewer.show(_frame(5)) is False
    assert viewer.show(_frame(6)) is False  # stays closed


def test_pause_holds_the_caller_until_single_step(viewer):
    viewer.show(_frame())
    _key(pygame.K_SPACE)  # pause ...
    _key(pygame.K_PERIOD)  # ... and allow exactly one tick through
    assert viewer.show(_frame(1))
    assert viewer.paused
    # while paused, show() blocks until the window is closed
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert viewer.show(_frame(2)) is False


def test_click_follows_a_robot_and_drag_pans(viewer):
    viewer.show(_frame())
    x, y = viewer.camera.cell_origin(6, 8)
    pos = (x + 5, y + 5)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
    viewer.show(_frame(1))
    assert viewer.follow == 1
    # following: the robot's cell is at the centre of the view
    assert viewer.camera.cell_at(320, 240) == (6, 8)
    ox = viewer.camera.ox
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(100, 100)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=(130, 100), rel=(30, 0), buttons=(1, 0, 0)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=(160, 100), rel=(30, 0), buttons=(1, 0, 0)))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(160, 100)))
    viewer.show(_frame(2))
    assert viewer.follow is None and viewer.camera.ox == pytest.approx(ox + 60)


def test_hover_shows_details(viewer):
    viewer.show(_frame())
    before = pygame.surfarray.array3d(pygame.display.get_surface()).copy()
    x, y = viewer.camera.cell_origin(9, 5)  # the pack station
    pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=(x + 3, y + 3), rel=(0, 0), buttons=(0, 0, 0)))
    viewer.show(_frame())
    after = pygame.surfarray.array3d(pygame.display.get_surface())
    changed = np.argwhere((before != after).any(axis=2))
    changed = changed[changed[:, 1] > 200]  # leave out the heads-up panel (its fps figure changes)
    assert len(changed) and (changed[:, 0] >= x).all() and (changed[:, 1] >= y).all()  # a box beside the pointer


def test_run_replays_with_slider_and_keys(tmp_path):
    lay = small_layout()
    src = ReplaySource(recording=load_run(walking_run(tmp_path / "run", lay, steps=40, layout_json=False),
                                          layout=lay))
    v = Viewer(lay, size=(640, 480), speed=1.0)
    try:
        v.run(src, start=5, max_frames=2)
        assert v.frame.step == 5
        _key(pygame.K_END)
        v.run(src, max_frames=2)
        assert v.frame.step == 40 and v.paused  # stops on the last frame
        _key(pygame.K_SPACE)  # resume on the last frame: plays again from the start
        v.run(src, max_frames=1)
        assert v.frame.step < 5 and not v.paused
        _key(pygame.K_END)
        v.run(src, max_frames=1)
        _key(pygame.K_COMMA)
        v.run(src, max_frames=1)
        assert v.frame.step == 39
        # click the middle of the slider (the bottom strip): seek to about half-way
        w, h = pygame.display.get_surface().get_size()
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(w // 2, h - 5)))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(w // 2, h - 5)))
        v.run(src, max_frames=1)
        assert abs(v.frame.step - 20) <= 1
        with pytest.raises(IndexError):
            v.run(src, start=41)
        _key(pygame.K_q)
        v.run(src)  # returns when the user quits, and closes the window
        assert not v.is_open
        v.run(src)  # returns at once
    finally:
        v.close()


def test_run_live_source_shows_newest_pushed_frame():
    lay = small_layout()
    src = PushSource(lay, report={"orders_shipped": 3})
    done = threading.Event()

    def produce():
        for t in range(50):
            src.push(_frame(t, col=t % 20))
        src.finish()
        done.set()

    th = threading.Thread(target=produce)
    th.start()
    done.wait(10)
    v = Viewer(lay, size=(320, 240))
    try:
        v.run(src, max_frames=3)
    finally:
        v.close()
    th.join()
    assert v.frame.step == 49 and v.report == {"orders_shipped": 3}


def _read_xwd(data: bytes) -> np.ndarray:
    """Decode an X window dump (ZPixmap, 24/32 bits per pixel) into an ``(h, w, 3)`` RGB array."""
    hdr = np.frombuffer(data[:100], dtype=">u4")
    header_size, pixmap_format, width, height = int(hdr[0]), int(hdr[2]), int(hdr[4]), int(hdr[5])
    byte_order, bits_per_pixel, bytes_per_line = int(hdr[7]), int(hdr[11]), int(hdr[12])
    masks, ncolors = [int(v) for v in hdr[14:17]], int(hdr[19])
    assert pixmap_format == 2 and bits_per_pixel in (24, 32), (pixmap_format, bits_per_pixel)
    start = header_size + 12 * ncolors
    raw = np.frombuffer(data[start:start + height * bytes_per_line], dtype=np.uint8).reshape(height, bytes_per_line)
    nb = bits_per_pixel // 8
    b = raw[:, :width * nb].reshape(height, width, nb).astype(np.int64)
    order = range(nb) if byte_order == 0 else range(nb - 1, -1, -1)  # LSBFirst: first byte is the lowest
    px = sum(b[..., j] << (8 * i) for i, j in enumerate(order))
    out = np.zeros((height, width, 3), np.uint8)
    for i, mask in enumerate(masks):
        shift = (mask & -mask).bit_length() - 1
        out[..., i] = (px & mask) >> shift
    return out


def _free_display() -> int | None:
    for n in range(90, 140):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", 6000 + n)) != 0:
                    return n
    return None


_XVFB_SCRIPT = r"""
import sys
import numpy as np
from tests.viz_helpers import small_layout
from viz.frame import Frame
from viz.viewer import Viewer
v = Viewer(small_layout(), size=(640, 480), speed=None)
for t in range(5):
    assert v.show(Frame(step=t, positions=[[5, 5], [6, 8], [7, 2]], states=[3, 7, 2], kinds=[0, 0, 1]))
import pygame
assert pygame.display.get_driver() == "x11", pygame.display.get_driver()
v.screenshot(sys.argv[1])
x, y = v.camera.cell_origin(6, 8)
print(x + v.camera.cell_px // 2, y + v.camera.cell_px // 2, flush=True)
sys.stdin.readline()  # keep the window up while the test takes the X server's own screenshot
v.close()
"""


def test_real_window_under_xvfb(tmp_path):
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package 'xvfb'); the real-window test needs it")
    n = _free_display()
    if n is None:
        pytest.skip("no free X display number between :90 and :139")
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                break
            time.sleep(0.05)
        else:
            pytest.skip("Xvfb did not start")
        env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=f":{n}", SDL_VIDEODRIVER="x11", SDL_VIDEO_WINDOW_POS="0,0", PYTHONPATH=str(REPO))
        shot = tmp_path / "window.png"
        proc = subprocess.Popen([sys.executable, "-c", _XVFB_SCRIPT, str(shot)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
        try:
            line = proc.stdout.readline()
            screen = None
            if line and shutil.which("xwd"):
                # the X server's own picture of the screen (no window manager; the window is placed at the origin)
                cap = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"], capture_output=True,
                                     timeout=60)
                assert cap.returncode == 0, cap.stderr
                screen = _read_xwd(cap.stdout)
            out, err = proc.communicate("\n", timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert err == ""  # no ALSA or SDL noise
        x, y = (int(v) for v in line.split())
        img = pygame.image.load(str(shot))
        assert img.get_size() == (640, 480)
        assert tuple(img.get_at((x, y)))[:3] == tuple(STATE_COLOURS[AgentState.FAULT])
        if screen is not None:
            assert screen.shape == (800, 1280, 3)
            assert tuple(screen[y, x]) == tuple(STATE_COLOURS[AgentState.FAULT])
            assert tuple(screen[700, 1000]) == (0, 0, 0)  # outside the window: the bare root
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def test_view_command_opens_a_window_under_xvfb(tmp_path):
    """``robocore view RUN_DIR`` end to end in a real window; stopped with SIGINT like a user's Ctrl-C."""
    import signal

    if shutil.which("Xvfb") is None or shutil.which("xwd") is None:
        pytest.skip("Xvfb and xwd are not installed (Debian packages 'xvfb' and 'x11-apps')")
    n = _free_display()
    if n is None:
        pytest.skip("no free X display number between :90 and :139")
    run = walking_run(tmp_path / "run", steps=10)
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc = None
    try:
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                break
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=f":{n}", SDL_VIDEO_WINDOW_POS="0,0", PYTHONPATH=str(REPO))
        proc = subprocess.Popen([sys.executable, "-m", "robocore", "view", str(run), "--step", "10"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
        colour = STATE_COLOURS[AgentState.TO_PICK]
        seen = 0
        for _ in range(100):  # up to about 10 s for the window to appear
            time.sleep(0.1)
            cap = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"], capture_output=True, timeout=30)
            if cap.returncode == 0:
                seen = int((_read_xwd(cap.stdout) == colour).all(axis=2).sum())
                if seen:
                    break
            assert proc.poll() is None, proc.communicate()
        assert seen > 50  # robot 0 (to pick) is drawn in the window
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode in (0, 130), err
        assert all(line.startswith("robocore") for line in err.splitlines()), err
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        xvfb.terminate()
        xvfb.wait(10)


def test_help_panel_lists_keys_and_the_state_legend(viewer):
    from viz.viewer import help_lines

    lines = help_lines(recorded=False)
    texts = [line if isinstance(line, str) else line[0] for line in lines]
    assert "space: pause / resume" in texts and not any(t.startswith("Home") for t in texts)
    assert ("fault", tuple(int(v) for v in STATE_COLOURS[AgentState.FAULT])) in lines
    viewer.show(_frame())
    before = pygame.surfarray.array3d(pygame.display.get_surface()).copy()
    _key(pygame.K_h)
    viewer.show(_frame())
    assert viewer.show_help
    after = pygame.surfarray.array3d(pygame.display.get_surface())
    changed = np.argwhere((before != after).any(axis=2))
    assert (changed[:, 0] > 320).any()  # a panel at the top right
