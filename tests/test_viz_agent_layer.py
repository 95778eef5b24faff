import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robocore.agents import AgentKind, AgentState
from robocore.grid import CellKind
from tests.naive_viz import naive_draw_agents
from tests.viz_helpers import small_layout
from viz.agent_layer import AgentLayer
from viz.camera import Camera
from viz.frame import Frame
from viz.palette import CELL_COLOURS, HEADING_MARK, STATE_COLOURS, TOTE_MARK, UNKNOWN_STATE_COLOUR, darker
from viz.snapshot import render_surface

pygame = pytest.importorskip("pygame")

FREE = tuple(int(v) for v in CELL_COLOURS[CellKind.FREE])


def _rgb(c):
    return tuple(int(v) for v in c)[:3]


def _px(surf, x, y):
    return tuple(surf.get_at((int(x), int(y))))[:3]


def _frame(**kw):
    base = dict(step=4, positions=[[5, 5], [6, 8], [7, 2]], states=[AgentState.TO_STATION, AgentState.FAULT,
                                                                    AgentState.PICKING],
                kinds=[AgentKind.ROBOT, AgentKind.ROBOT, AgentKind.HUMAN])
    base.update(kw)
    return Frame(**base)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6, 12, 20, 40])
def test_robot_state_colour_at_its_cell_centre(k):
    lay = small_layout()
    surf = render_surface(lay, _frame(), cell_px=k, footer=False)
    for (r, c), s in (((5, 5), AgentState.TO_STATION), ((6, 8), AgentState.FAULT), ((7, 2), AgentState.PICKING)):
        assert _px(surf, c * k + k // 2, r * k + k // 2) == _rgb(STATE_COLOURS[s])
    # a station, a rack and a free cell with nobody on them keep their kind's colour
    for (r, c), kind in (((9, 5), CellKind.STATION), ((2, 8), CellKind.RACK), ((5, 12), CellKind.FREE)):
        assert _px(surf, c * k + k // 2, r * k + k // 2) == _rgb(CELL_COLOURS[kind])


@pytest.mark.parametrize("k", [3, 8, 20])
def test_human_is_a_diamond_robot_a_square(k):
    lay = small_layout()
    f = _frame(positions=[[5, 5], [5, 7]], states=[AgentState.PICKING] * 2, kinds=[AgentKind.ROBOT, AgentKind.HUMAN])
    surf = render_surface(lay, f, cell_px=k, footer=False)
    colour = _rgb(STATE_COLOURS[AgentState.PICKING])
    arr = pygame.surfarray.array3d(surf)

    def coloured(c):  # pixels of the state colour inside cell (5, c)
        return int((arr[c * k:(c + 1) * k, 5 * k:6 * k] == colour).all(axis=2).sum())

    robot, human = coloured(5), coloured(7)
    assert robot >= 0.4 * k * k  # a square fills most of its cell (less its outline)
    assert 0.3 * robot < human < 0.8 * robot  # a diamond (a plus at 3 px) covers clearly less
    assert _px(surf, 7 * k + k // 2, 5 * k + k // 2) == colour


def test_heading_mark_and_tote_fill():
    lay = small_layout()
    k = 20
    f = _frame(positions=[[5, 5], [5, 8], [7, 2]], headings=[0, 2, 4], tote_fill=[1.0, 0.0, 0.0])
    surf = render_surface(lay, f, cell_px=k, footer=False)
    # heading east: dark notch at the east edge, middle row
    assert _px(surf, 5 * k + k - 4, 5 * k + k // 2) == HEADING_MARK
    assert _px(surf, 5 * k + 4, 5 * k + k // 2) != HEADING_MARK
    # heading west
    assert _px(surf, 8 * k + 4, 5 * k + k // 2) == HEADING_MARK
    # a full tote: white square in the middle; an empty one: state colour
    assert _px(surf, 5 * k + k // 2, 5 * k + k // 2) == TOTE_MARK
    assert _px(surf, 8 * k + k // 2, 5 * k + k // 2) == _rgb(STATE_COLOURS[AgentState.FAULT])
    # heading code 4 (none): no mark on the human
    assert _px(surf, 2 * k + k // 2, 7 * k + 3) != HEADING_MARK


def test_unknown_state_code_is_drawn_magenta():
    surf = render_surface(small_layout(), _frame(states=[200, 1, 1]), cell_px=10, footer=False)
    assert _px(surf, 55, 55) == UNKNOWN_STATE_COLOUR


@pytest.mark.parametrize("k", [2, 10])
def test_paths_and_goals(k):
    lay = small_layout()
    f = _frame(positions=[[5, 5]], states=[AgentState.TO_PICK], kinds=[0],
               paths=np.array([[[5, 5], [5, 6], [5, 7], [5, 7], [6, 7]]]), goals=[[6, 7]])
    colour = _rgb(STATE_COLOURS[AgentState.TO_PICK])
    path = darker(colour, 0.8)
    off = render_surface(lay, f, cell_px=k, footer=False)
    on = render_surface(lay, f, cell_px=k, footer=False, paths=True)
    centre = lambda r, c: (c * k + k // 2, r * k + k // 2)  # noqa: E731
    assert _px(off, *centre(5, 6)) == FREE
    assert _px(on, *centre(5, 6)) == path
    goal = darker(colour, 0.75)
    if k >= 4:
        assert _px(on, 7 * k, 6 * k + 1) == goal  # ring at the goal cell's edge
    else:
        assert _px(on, *centre(6, 7)) == goal


def test_badges_for_station_queue_and_dock_parcels_are_drawn():
    lay = small_layout()
    k = 30
    plain = pygame.surfarray.array3d(render_surface(lay, _frame(), cell_px=k, footer=False))
    badged = pygame.surfarray.array3d(render_surface(lay, _frame(station_queues={"P1": 3}, dock_parcels={"D1": 2}),
                                                     cell_px=k, footer=False))
    diff = np.argwhere((plain != badged).any(axis=2))
    assert len(diff)
    xs, ys = diff[:, 0], diff[:, 1]
    # every changed pixel is beside the station (9, 5) or the dock (0, 19)
    near_station = (abs(xs - 6 * k) < 2 * k) & (abs(ys - 9 * k) < 2 * k)
    near_dock = (xs >= 19 * k - 2) & (ys < k)
    assert (near_station | near_dock).all() and near_station.any() and near_dock.any()


@st.composite
def scenes(draw):
    n = draw(st.integers(0, 12))
    rows, cols = 10, 20
    pos = draw(st.lists(st.tuples(st.integers(0, rows - 1), st.integers(0, cols - 1)), min_size=n, max_size=n))
    states = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    kinds = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    headings = draw(st.one_of(st.none(), st.lists(st.integers(-1, 5), min_size=n, max_size=n)))
    fill = draw(st.one_of(st.none(), st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    k = draw(st.sampled_from([1, 2, 3, 4, 5, 8, 13]))
    ox, oy = draw(st.integers(-60, 60)), draw(st.integers(-60, 60))
    frame = Frame(step=0, positions=np.array(pos, np.int64).reshape(n, 2), states=states, kinds=kinds,
                  headings=headings, tote_fill=fill)
    return frame, k, ox, oy


@settings(max_examples=60, deadline=None)
@given(scenes())
def test_batched_agents_match_one_at_a_time_drawing(scene):
    frame, k, ox, oy = scene
    w, h = 90, 70
    cam = Camera(10, 20, w, h, cell_px=k, ox=ox, oy=oy)
    layer = AgentLayer()
    fast = pygame.Surface((w, h), 0, 32)
    slow = pygame.Surface((w, h), 0, 32)
    fast.fill((1, 2, 3))
    slow.fill((1, 2, 3))
    layer.draw_agents(fast, frame, cam)
    naive_draw_agents(slow, frame, cam, layer)
    assert np.array_equal(pygame.surfarray.array3d(fast), pygame.surfarray.array3d(slow))
