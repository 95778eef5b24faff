import numpy as np
import pytest

from planner import PlanError, is_valid_paths, validate_paths, validate_plan

OPEN = np.ones((3, 3), dtype=bool)


def test_valid_plan_passes():
    paths = [[(0, 0), (0, 1), (0, 2)], [(2, 2), (2, 1), (2, 1)]]
    validate_paths(OPEN, paths, starts=[(0, 0), (2, 2)])
    assert is_valid_paths(OPEN, paths)


@pytest.mark.parametrize(
    "paths, kind, step",
    [
        ([[(0, 0), (0, 1)], [(0, 2), (0, 1)]], "vertex", 1),
        ([[(0, 0), (0, 1)], [(0, 1), (0, 0)]], "swap", 1),
        ([[(0, 0), (1, 1)]], "jump", 1),
        ([[(0, 0), (0, -1)]], "bounds", 1),
        ([[(0, 0), (0, 1), (0, 2)], [(1, 0), (1, 1)]], "shape", None),
    ],
)
def test_each_violation_is_reported(paths, kind, step):
    with pytest.raises(PlanError) as info:
        validate_paths(OPEN, paths)
    assert info.value.kind == kind
    assert info.value.step == step
    assert not is_valid_paths(OPEN, paths)


def test_blocked_and_start_mismatch():
    mask = OPEN.copy()
    mask[1, 1] = False
    with pytest.raises(PlanError, match=r"agent 0: step 1: cell \[1, 1\] is blocked"):
        validate_paths(mask, [[(0, 1), (1, 1)]])
    with pytest.raises(PlanError, match="starts at"):
        validate_paths(OPEN, [[(0, 1), (0, 1)]], starts=[(0, 0)])


def test_following_is_allowed_but_cycle_swap_is_not():
    # agent 1 moves into the cell agent 0 leaves: allowed (no swap)
    validate_paths(OPEN, [[(0, 1), (0, 2)], [(0, 0), (0, 1)]])


def test_headings_rotation_model():
    paths = [[(0, 0), (0, 0), (1, 0), (1, 0)]]
    validate_paths(OPEN, paths, headings=[[0, 1, 1, 2]])
    with pytest.raises(PlanError, match="while heading 0"):
        validate_paths(OPEN, paths, headings=[[0, 0, 0, 0]])
    with pytest.raises(PlanError, match="180"):
        validate_paths(OPEN, [[(0, 0), (0, 0)]], headings=[[0, 2]])


def test_plan_dict_tasks_checked():
    plan = {"rows": 3, "cols": 3, "steps": 2, "paths": [[[0, 0], [0, 1], [0, 2]]],
            "tasks": [{"agent": 0, "goal": [0, 2], "assigned": 0, "finished": 2}]}
    validate_plan(plan, OPEN)
    plan["tasks"][0]["finished"] = 1
    with pytest.raises(PlanError, match="not at its goal"):
        validate_plan(plan, OPEN)
