"""``robocore view`` and ``robocore map render`` end to end, in subprocesses, headless."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from robocore.agents import AgentState
from tests.viz_helpers import save_layout_json, small_layout, walking_run
from viz.palette import CELL_COLOURS, STATE_COLOURS

REPO = Path(__file__).resolve().parent.parent
pygame = pytest.importorskip("pygame")


def _env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER", "SDL_AUDIODRIVER",
                        "PYGAME_HIDE_SUPPORT_PROMPT")}
    env["PYTHONPATH"] = str(REPO)
    return env


def robocore(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "robocore", *map(str, args)], capture_output=True, text=True,
                          env=_env(), cwd=cwd or REPO, timeout=120)


def _only_our_lines(stderr: str, prefix: str = "robocore"):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert all(line.startswith(prefix) for line in lines), stderr


def test_snapshot_default_is_last_step_at_least_800_wide_and_headless(tmp_path):
    run = walking_run(tmp_path / "run", steps=10)
    out = tmp_path / "snap.png"
    proc = robocore("view", run, "--snapshot", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    _only_our_lines(proc.stderr, "robocore view: wrote")
    img = pygame.image.load(str(out))
    k = 40  # 20 columns -> 40 px per cell -> 800 px
    assert img.get_width() == 800 and img.get_height() > 10 * k
    # the last step (10): robot 0 at (5, 10), robot 1 at (6, 13), the human at (7, 2)
    at = lambda r, c: tuple(img.get_at((c * k + k // 2, r * k + k // 2)))[:3]  # noqa: E731
    assert at(5, 10) == tuple(STATE_COLOURS[AgentState.TO_PICK])
    assert at(6, 13) == tuple(STATE_COLOURS[AgentState.TO_STATION])
    assert at(7, 2) == tuple(STATE_COLOURS[AgentState.PICKING])
    assert tuple(img.get_at((5 * k + 3, 9 * k + 3)))[:3] == tuple(CELL_COLOURS[4])  # station, off its ring


def test_snapshot_step_cell_px_and_json(tmp_path):
    run = walking_run(tmp_path / "run", steps=10)
    out = tmp_path / "s.png"
    proc = robocore("view", run, "--snapshot", out, "--step", 2, "--cell-px", 7, "--json", "--paths")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["step"] == 2 and summary["width"] == 140 and summary["cell_px"] == 7
    _only_our_lines(proc.stderr)
    img = pygame.image.load(str(out))
    assert img.get_width() == 140
    assert tuple(img.get_at((2 * 7 + 3, 5 * 7 + 3)))[:3] == tuple(STATE_COLOURS[AgentState.TO_PICK])


def test_snapshot_of_a_wide_layout_stays_one_pixel_per_cell(tmp_path):
    from robocore import Grid, Layout

    lay = Layout(Grid.from_passable(np.ones((8, 1000))))
    run = tmp_path / "wide"
    walking_run(run, lay, steps=2)
    out = tmp_path / "w.png"
    assert robocore("view", run, "--snapshot", out, "--json").returncode == 0
    assert pygame.image.load(str(out)).get_width() == 1000


def test_frames_every_k(tmp_path):
    run = walking_run(tmp_path / "run", steps=10)
    proc = robocore("view", run, "--frames", tmp_path / "frames", "--every", 3, "--cell-px", 4)
    assert proc.returncode == 0, proc.stderr
    _only_our_lines(proc.stderr)
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == ["frame_000000.png", "frame_000003.png", "frame_000006.png", "frame_000009.png"]
    assert pygame.image.load(str(tmp_path / "frames" / names[1])).get_width() == 80
    proc = robocore("view", run, "--frames", tmp_path / "all", "--json")
    assert json.loads(proc.stdout)["count"] == 11 and len(list((tmp_path / "all").iterdir())) == 11


def test_map_render(tmp_path):
    lay = small_layout()
    src = tmp_path / "lay.json"
    save_layout_json(lay, src)
    out = tmp_path / "map.png"
    proc = robocore("map", "render", src, "-o", out, "--cell-px", 10)
    assert proc.returncode == 0, proc.stderr
    _only_our_lines(proc.stderr)
    img = pygame.image.load(str(out))
    assert img.get_size() == (200, 100)
    for (r, c), kind in (((2, 5), 2), ((9, 5), 4), ((9, 0), 5), ((0, 19), 6), ((8, 12), 1), ((5, 18), 7)):
        assert tuple(img.get_at((c * 10 + 5, r * 10 + 5)))[:3] == tuple(CELL_COLOURS[kind])


def test_map_render_movingai_default_width(tmp_path, shared_data):
    out = tmp_path / "m.png"
    proc = robocore("map", "render", shared_data / "movingai" / "warehouse-10-20-10-2-1.map", "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["width"] >= 800 and pygame.image.load(str(out)).get_width() == summary["width"]


@pytest.mark.parametrize("case, message", [
    ("missing_dir", "run folder not found"),
    ("no_trajectory", "no trajectory.npz"),
    ("step_range", "--step 11 out of range 0..10"),
    ("step_negative", "--step -1 out of range 0..10"),
    ("out_folder_missing", "cannot write: folder does not exist"),
    ("out_is_dir", "cannot write: is a directory"),
    ("out_not_png", "output must be a .png file"),
    ("cell_px_zero", "cell size must be an integer from 1 to 256"),
    ("every_zero", "--every must be a positive integer"),
    ("every_without_frames", "--every needs --frames"),
    ("frames_is_file", "cannot write frames: not a directory"),
    ("both_modes", "not allowed with argument"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, case, message):
    run = walking_run(tmp_path / "run", steps=10, layout_json=False)
    (tmp_path / "run" / "layout.json").write_text("{}")  # replaced below where a valid one is needed
    save_layout_json(small_layout(), tmp_path / "run" / "layout.json")
    (tmp_path / "file.txt").write_text("x")
    args = {
        "missing_dir": [tmp_path / "nope", "--snapshot", tmp_path / "a.png"],
        "no_trajectory": [tmp_path, "--snapshot", tmp_path / "a.png"],
        "step_range": [run, "--snapshot", tmp_path / "a.png", "--step", 11],
        "step_negative": [run, "--snapshot", tmp_path / "a.png", "--step=-1"],
        "out_folder_missing": [run, "--snapshot", tmp_path / "no" / "a.png"],
        "out_is_dir": [run, "--snapshot", tmp_path / "d.png"],
        "out_not_png": [run, "--snapshot", tmp_path / "a.jpg"],
        "cell_px_zero": [run, "--snapshot", tmp_path / "a.png", "--cell-px", 0],
        "every_zero": [run, "--frames", tmp_path / "f", "--every", 0],
        "every_without_frames": [run, "--snapshot", tmp_path / "a.png", "--every", 2],
        "frames_is_file": [run, "--frames", tmp_path / "file.txt"],
        "both_modes": [run, "--snapshot", tmp_path / "a.png", "--frames", tmp_path / "f"],
    }[case]
    (tmp_path / "d.png").mkdir()
    proc = robocore("view", *args)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_map_render_bad_input(tmp_path):
    proc = robocore("map", "render", tmp_path / "none.map", "-o", tmp_path / "x.png")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "none.map" in proc.stderr
    mp = tmp_path / "ok.map"
    mp.write_text("type octile\nheight 2\nwidth 2\nmap\n..\n..\n")
    proc = robocore("map", "render", mp, "-o", tmp_path / "missing" / "x.png")
    assert proc.returncode == 2 and "folder does not exist" in proc.stderr


def test_window_mode_without_a_display_is_one_line_exit_2(tmp_path):
    run = walking_run(tmp_path / "run", steps=3)
    proc = robocore("view", run)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "robocore: no display: set DISPLAY (or SDL_VIDEODRIVER), or use --snapshot/--frames"
