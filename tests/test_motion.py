"""The agent motion model: moves, credit, actions, batteries, faults."""

import numpy as np
import pytest

from robocore.agents import AgentKind
from robocore.grid import CellKind, Grid
from robocore.motion import Action, EventKind, Motion, MotionError, MotionParams

R, H = AgentKind.ROBOT, AgentKind.HUMAN


def _grid():
    k = np.zeros((3, 5), dtype=np.uint8)
    k[1, 1] = CellKind.BLOCKED
    k[0, 4] = CellKind.CHARGER
    k[2, 4] = CellKind.HUMAN_ONLY
    return Grid(k)


def test_robot_moves_one_cell_and_drains():
    g = _grid()
    p = MotionParams(drain_per_move=0.5, drain_idle=0.1)
    m = Motion(g, [R], [0], params=p)
    m.advance([1])
    assert m.pos[0] == 1 and m.battery[0] == pytest.approx(100 - 0.6)
    m.advance([1])
    assert m.battery[0] == pytest.approx(100 - 0.7)
    assert m.moves[0] == 1


@pytest.mark.parametrize("bad", [2, 6, 99, -1])
def test_illegal_moves_raise(bad):
    g = _grid()
    m = Motion(g, [R], [0])
    with pytest.raises(MotionError):
        m.advance([bad])  # two cells, blocked (1,1), outside


def test_robot_may_not_enter_human_only_but_human_may():
    g = _grid()
    m = Motion(g, [R, H], [9, 13])  # (1,4) robot, (2,3) human
    with pytest.raises(MotionError):
        m.advance([14, 13])
    m2 = Motion(g, [R, H], [9, 13])
    m2.advance([9, 14])
    assert m2.pos[1] == 14


def test_human_speed_credit():
    g = _grid()
    m = Motion(g, [H], [0], params=MotionParams(human_speed=0.5))
    moves = 0
    cell = 0
    for _ in range(8):
        if m.movable()[0]:
            cell = 1 if cell == 0 else 0
            moves += 1
        m.advance([cell])
    assert moves == 4  # half a cell per step on average
    with pytest.raises(MotionError):
        # credit spent right after a move: cannot move twice in a row at speed 0.5
        m2 = Motion(g, [H], [0], params=MotionParams(human_speed=0.5))
        m2.advance([1])
        m2.advance([2])


def test_pick_takes_time_and_holds_agent():
    g = _grid()
    p = MotionParams(pick_s=2, unit_s=1, drain_per_pick=1.0, drain_idle=0.0)
    m = Motion(g, [R], [0], params=p)
    m.start(0, Action.PICK, ref=7, units=3)  # 5 steps
    evs = []
    for _ in range(5):
        assert not m.movable()[0]
        with pytest.raises(MotionError):
            m.advance([1])
        evs += m.advance([0])
    assert [(e.kind, e.ref, e.step) for e in evs] == [(EventKind.PICKED, 7, 5)]
    assert m.movable()[0] and m.battery[0] == pytest.approx(99.0)


def test_charging_only_on_charger_until_full():
    g = _grid()
    p = MotionParams(charge_per_step=10.0, drain_idle=0.0)
    m = Motion(g, [R], [4], params=p, battery=75.0)
    m.start(0, Action.CHARGE)
    evs = []
    for _ in range(3):
        evs += m.advance([4])
    assert m.battery[0] == 100.0
    assert [e.kind for e in evs] == [EventKind.CHARGED]
    m2 = Motion(g, [R], [0])
    with pytest.raises(MotionError):
        m2.start(0, Action.CHARGE)


def test_battery_low_and_empty_events_and_never_negative():
    g = _grid()
    p = MotionParams(drain_per_move=6.0, drain_idle=0.0, low_battery=20.0)
    m = Motion(g, [R], [0], params=p, battery=25.0)
    kinds = []
    cell = 0
    for _ in range(6):
        if m.movable()[0]:
            cell = 1 - cell
        kinds += [e.kind for e in m.advance([cell])]
    assert kinds == [EventKind.BATTERY_LOW, EventKind.BATTERY_EMPTY]
    assert m.battery[0] == 0.0 and not m.movable()[0]


def test_faults_are_seeded_and_repaired():
    g = _grid()
    p = MotionParams(fault_rate=0.2, repair_s=3)

    def run(seed):
        m = Motion(g, [R, R], [0, 10], params=p, seed=seed)
        log = []
        cells = [[0, 1], [10, 11]]
        for t in range(40):
            mov = m.movable()
            nxt = m.pos.copy()
            for a in range(2):
                if mov[a]:
                    nxt[a] = cells[a][1] if m.pos[a] == cells[a][0] else cells[a][0]
            log += [(e.kind, e.agent, e.step) for e in m.advance(nxt)]
        return log

    a, b = run(1), run(1)
    assert a == b
    kinds = [k for k, _, _ in a]
    assert EventKind.FAULT in kinds and EventKind.CLEARED in kinds
    # every fault is cleared 3 steps later (or the run ends first)
    for k, ag, t in a:
        if k == EventKind.FAULT and t + 3 <= 40:
            assert (EventKind.CLEARED, ag, t + 3) in a
    assert run(2) != a


def test_arrived_fires_once_per_goal():
    g = _grid()
    m = Motion(g, [R], [0])
    m.set_goal(0, 2)
    evs = m.advance([1]) + m.advance([2]) + m.advance([2])
    assert [(e.kind, e.step) for e in evs] == [(EventKind.ARRIVED, 2)]
    m.set_goal(0, 2)  # already there: fires next step
    assert [e.kind for e in m.advance([2])] == [EventKind.ARRIVED]


def test_bad_params_raise():
    with pytest.raises(ValueError):
        MotionParams(human_speed=0)
    with pytest.raises(ValueError):
        MotionParams(fault_rate=2.0)
    with pytest.raises(ValueError):
        Motion(_grid(), [R, R], [0, 0])
