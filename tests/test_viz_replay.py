import json

import numpy as np
import pytest

from robocore.errors import InputError
from tests.viz_helpers import small_layout, walking_run, write_run
from viz.replay import ReplaySource, load_run


def test_replay_frames_follow_the_trajectory(tmp_path):
    lay = small_layout()
    run = walking_run(tmp_path / "run", lay, steps=10, layout_json=False)
    src = ReplaySource(recording=load_run(run, layout=lay))
    assert len(src) == 11
    f = src.frame(4)
    assert f.step == 4 and f.positions[0].tolist() == [5, 4] and f.states.tolist() == [1, 3, 2]
    assert f.kinds.tolist() == [0, 0, 1] and f.headings.tolist() == [0, 0, 0] and f.goals is None
    assert f.hud["time_s"] == 4.0
    # the planned path is the next steps of the recorded trajectory
    assert f.paths.shape[:2] == (3, 7) and f.paths[0, :3].tolist() == [[5, 4], [5, 5], [5, 6]]
    assert src.report["orders_shipped"] == 7
    with pytest.raises(IndexError, match="step 11 out of range 0..10"):
        src.frame(11)


def test_optional_arrays_and_report_may_be_missing(tmp_path):
    lay = small_layout()
    run = write_run(tmp_path / "r", lay, np.zeros((3, 1, 2)), np.zeros((3, 1)), [0], layout_json=False)
    rec = load_run(run, layout=lay)
    assert rec.headings is None and rec.goals is None and rec.report == {}
    assert ReplaySource(recording=rec).frame(2).headings is None


def test_run_folder_from_disk_with_layout_json(tmp_path):
    lay = small_layout()
    run = walking_run(tmp_path / "run", lay)
    rec = load_run(run)
    assert rec.layout.grid == lay.grid and rec.n_frames == 11 and rec.n_agents == 3


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("states"), "missing array 'states'"),
    (lambda d: d.update(states=np.zeros((4, 3), np.uint8)), "array 'states' has shape (4, 3)"),
    (lambda d: d.update(kinds=np.zeros(2, np.uint8)), "array 'kinds' has shape (2,)"),
    (lambda d: d.update(positions=np.zeros((3, 2), np.int16)), "array 'positions' has shape (3, 2)"),
    (lambda d: d.update(goals=np.zeros((3, 3, 3), np.int16)), "array 'goals' has shape"),
    (lambda d: d.update(positions=np.full((3, 3, 2), 99, np.int16)), "agent 0 at step 0 is at [99, 99], outside"),
])
def test_bad_trajectory_is_one_line_naming_file_and_array(tmp_path, mutate, message):
    lay = small_layout()
    arrays = {"positions": np.zeros((3, 3, 2), np.int16), "states": np.zeros((3, 3), np.uint8),
              "kinds": np.zeros(3, np.uint8)}
    mutate(arrays)
    (tmp_path / "r").mkdir()
    np.savez(tmp_path / "r" / "trajectory.npz", **arrays)
    with pytest.raises(InputError) as err:
        load_run(tmp_path / "r", layout=lay)
    assert message in str(err.value) and "trajectory.npz" in str(err.value) and "\n" not in str(err.value)


def test_missing_pieces_of_a_run_folder(tmp_path):
    lay = small_layout()
    with pytest.raises(InputError, match="run folder not found"):
        load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no trajectory.npz"):
        load_run(tmp_path / "empty")
    run = walking_run(tmp_path / "run", lay, layout_json=False)
    with pytest.raises(InputError, match="no layout.json"):
        load_run(run)
    (tmp_path / "run" / "trajectory.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable .npz"):
        load_run(run, layout=lay)
    walking_run(tmp_path / "run2", lay, layout_json=False)
    (tmp_path / "run2" / "report.json").write_text("{bad")
    with pytest.raises(InputError, match="invalid JSON in report"):
        load_run(tmp_path / "run2", layout=lay)
    (tmp_path / "run2" / "report.json").write_text(json.dumps([1]))
    with pytest.raises(InputError, match="report must be a JSON object"):
        load_run(tmp_path / "run2", layout=lay)


def test_flat_goal_cells_are_read_as_row_col(tmp_path):
    lay = small_layout()
    goals = np.array([[5 * 20 + 7, -1]] * 3, np.int32)
    run = write_run(tmp_path / "r", lay, np.zeros((3, 2, 2)), np.zeros((3, 2)), [0, 0], goals=goals,
                    layout_json=False)
    f = ReplaySource(recording=load_run(run, layout=lay)).frame(1)
    assert f.goals.tolist() == [[5, 7], [-1, -1]]
    np.savez(run / "trajectory.npz", positions=np.zeros((3, 2, 2), np.int16), states=np.zeros((3, 2), np.uint8),
             kinds=np.zeros(2, np.uint8), goals=np.full((3, 2), 10**6, np.int32))
    with pytest.raises(InputError, match="flat cell beyond the 10 x 20 grid"):
        load_run(run, layout=lay)
