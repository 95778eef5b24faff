"""The dynamic layer: agents, their planned paths and goals, drawn every frame.

Fast by construction:

* at 4 px per cell and more, each agent is one blit of a cached sprite keyed
  by (kind, state, heading, tote fill); all visible agents go to pygame in a
  single ``Surface.blits`` call, with no per-agent drawing or text;
* at 1-3 px per cell, agents are written straight into the target's pixels
  with numpy (``pygame.surfarray.pixels2d``), a few vectorised assignments
  for the whole fleet;
* paths are unit moves between cell centres, painted with numpy in one
  assignment for all agents.

Robots are rounded squares, humans diamonds (at 3 px, a plus), both filled
with their state colour. The heading is a dark notch on the edge the agent
faces; the tote fill is a white square in the middle growing with the fill
(quarters).
"""

from __future__ import annotations

import numpy as np

from robocore.agents import AgentKind, AgentState
from viz.camera import Camera
from viz.frame import Frame
from viz.palette import (
    HEADING_MARK,
    HIGHLIGHT,
    HUMAN_OUTLINE,
    ROBOT_OUTLINE,
    STATE_COLOURS,
    TOTE_MARK,
    darker,
    state_index,
)

__all__ = ["AgentLayer", "SPRITE_MIN_PX"]

#: From this many pixels per cell, agents are sprites (below, numpy pixels).
SPRITE_MIN_PX = 4

_NS = len(AgentState) + 1  # state rows, including "unknown"
_NH = 5  # headings E S W N + none
_NQ = 5  # tote fill quarters 0..4
_COLORKEY = (255, 0, 254)


def _kind_index(kinds: np.ndarray) -> np.ndarray:
    return (kinds == AgentKind.HUMAN).astype(np.int64)


def _heading_index(frame: Frame) -> np.ndarray:
    if frame.headings is None:
        return np.full(frame.n_agents, 4, np.int64)
    h = frame.headings
    return np.where((h >= 0) & (h < 4), h, 4)


def _fill_index(frame: Frame) -> np.ndarray:
    if frame.tote_fill is None:
        return np.zeros(frame.n_agents, np.int64)
    f = np.nan_to_num(frame.tote_fill, nan=0.0)
    return np.clip(np.ceil(np.clip(f, 0.0, 1.0) * 4 - 1e-9), 0, 4).astype(np.int64)


class AgentLayer:
    """Draws a :class:`~viz.frame.Frame`'s agents, paths and goals onto a pygame Surface."""

    def __init__(self) -> None:
        self._k = None
        self._sprites: list = []
        self._goal_sprites: list = []
        self._mapped: dict = {}

    # ---------------------------------------------------------------- sprites
    def _reset(self, k: int) -> None:
        if self._k != k:
            self._k = k
            self._sprites = [None] * (2 * _NS * _NH * _NQ)
            self._goal_sprites = [None] * _NS

    def sprite(self, cell_px: int, *, kind: int, state: int, heading: int = -1, fill: float = 0.0):
        """The cached sprite of one agent look at ``cell_px`` pixels per cell (colour key transparent).

        ``kind``/``state`` are the agent codes, ``heading`` 0..3 (anything else:
        no mark), ``fill`` the tote fill 0..1 (drawn in quarters).
        """
        self._reset(int(cell_px))
        k = 1 if int(kind) == AgentKind.HUMAN else 0
        st = int(state_index(state))
        h = int(heading) if 0 <= int(heading) < 4 else 4
        q = int(np.clip(np.ceil(np.clip(float(fill), 0.0, 1.0) * 4 - 1e-9), 0, 4))
        key = ((k * _NS + st) * _NH + h) * _NQ + q
        s = self._sprites[key]
        if s is None:
            s = self._sprites[key] = self._make_sprite(key)
        return s

    def _make_sprite(self, key: int):
        from viz.sdl import load_pygame

        pygame = load_pygame()

        k = self._k
        key, q = divmod(key, _NQ)
        key, h = divmod(key, _NH)
        kind, st = divmod(key, _NS)
        colour = tuple(int(v) for v in STATE_COLOURS[st])
        surf = pygame.Surface((k, k))
        surf.fill(_COLORKEY)
        m = max(1, k // 10)
        c = k / 2
        if kind == 1:  # human: diamond
            pts = [(c - 0.5, m - 1), (k - m, c - 0.5), (c - 0.5, k - m), (m - 1, c - 0.5)]
            pygame.draw.polygon(surf, colour, pts)
            if k >= 8:
                pygame.draw.polygon(surf, HUMAN_OUTLINE, pts, width=1)
        else:  # robot: rounded square
            rect = pygame.Rect(m, m, k - 2 * m, k - 2 * m)
            radius = k // 5 if k >= 8 else 0
            pygame.draw.rect(surf, colour, rect, border_radius=radius)
            if k >= 10:
                pygame.draw.rect(surf, ROBOT_OUTLINE, rect, width=1, border_radius=radius)
        if h < 4 and k >= 6:
            depth = max(2, k // 4)
            width = max(2, k // 4)
            lo = (k - width) // 2
            edge = m if kind == 0 else max(m, k // 8)
            if h == 0:
                r = pygame.Rect(k - edge - depth, lo, depth, width)
            elif h == 1:
                r = pygame.Rect(lo, k - edge - depth, width, depth)
            elif h == 2:
                r = pygame.Rect(edge, lo, depth, width)
            else:
                r = pygame.Rect(lo, edge, width, depth)
            surf.fill(HEADING_MARK, r)
        if q > 0 and k >= 8:
            side = max(2, round((k - 2 * m) * 0.45 * q / 4))
            lo = (k - side) // 2
            surf.fill(TOTE_MARK, pygame.Rect(lo, lo, side, side))
        surf.set_colorkey(_COLORKEY, pygame.RLEACCEL)
        return surf

    def _goal_sprite(self, st: int):
        s = self._goal_sprites[st]
        if s is None:
            from viz.sdl import load_pygame

            pygame = load_pygame()

            k = self._k
            s = pygame.Surface((k, k))
            s.fill(_COLORKEY)
            pygame.draw.rect(s, darker(STATE_COLOURS[st], 0.75), pygame.Rect(0, 0, k, k), width=max(1, k // 8))
            s.set_colorkey(_COLORKEY, pygame.RLEACCEL)
            self._goal_sprites[st] = s
        return s

    def _mapped_colours(self, target, factor: float = 1.0) -> np.ndarray:
        key = (target.get_bitsize(), target.get_masks(), target.get_shifts(), factor)
        m = self._mapped.get(key)
        if m is None:
            rows = STATE_COLOURS if factor == 1.0 else [darker(c, factor) for c in STATE_COLOURS]
            m = np.array([target.map_rgb(tuple(int(v) for v in c)) for c in rows], dtype=np.int64)
            self._mapped[key] = m
        return m

    # ------------------------------------------------------------------ drawing
    @staticmethod
    def screen_xy(frame: Frame, camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-left screen pixels ``(xs, ys)`` of every agent and a mask of those on screen."""
        ox, oy = camera.origin
        k = camera.cell_px
        xs = ox + frame.positions[:, 1] * k
        ys = oy + frame.positions[:, 0] * k
        vis = (xs > -k) & (xs < camera.width) & (ys > -k) & (ys < camera.height)
        return xs, ys, vis

    def draw_agents(self, target, frame: Frame, camera: Camera) -> int:
        """Draw every visible agent; returns how many were drawn."""
        if frame.n_agents == 0:
            return 0
        k = camera.cell_px
        self._reset(k)
        xs, ys, vis = self.screen_xy(frame, camera)
        idx = np.flatnonzero(vis)
        if len(idx) == 0:
            return 0
        sidx = state_index(frame.states[idx])
        kidx = _kind_index(frame.kinds[idx])
        if k < SPRITE_MIN_PX and target.get_bitsize() in (8, 16, 32):
            self._pixels(target, xs[idx], ys[idx], self._mapped_colours(target)[sidx], kidx, k)
            return len(idx)
        keys = (((kidx * _NS + sidx) * _NH + _heading_index(frame)[idx]) * _NQ + _fill_index(frame)[idx])
        table = self._sprites
        for key in np.unique(keys).tolist():
            if table[key] is None:
                table[key] = self._make_sprite(key)
        target.blits(list(zip(map(table.__getitem__, keys.tolist()),
                              zip(xs[idx].tolist(), ys[idx].tolist()))), doreturn=False)
        return len(idx)

    @staticmethod
    def _pixels(target, xs, ys, colours, kidx, k: int) -> None:
        """Write ``k x k`` squares (humans at k=3: a plus) straight into ``target``'s pixels."""
        from viz.sdl import load_pygame

        pygame = load_pygame()

        w, h = target.get_size()
        arr = pygame.surfarray.pixels2d(target)
        try:
            colours = colours.astype(arr.dtype)
            for dy in range(k):
                for dx in range(k):
                    sel = slice(None)
                    if k == 3 and dx != 1 and dy != 1:
                        sel = kidx == 0  # corners: robots only, so humans read as a plus
                    x, y, col = xs[sel] + dx, ys[sel] + dy, colours[sel]
                    ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
                    arr[x[ok], y[ok]] = col[ok]
        finally:
            del arr

    def draw_goals(self, target, frame: Frame, camera: Camera) -> int:
        """Mark each agent's goal cell with a ring in its (darkened) state colour."""
        if frame.goals is None or frame.n_agents == 0:
            return 0
        k = camera.cell_px
        self._reset(k)
        ox, oy = camera.origin
        g = frame.goals
        xs = ox + g[:, 1] * k
        ys = oy + g[:, 0] * k
        idx = np.flatnonzero((g[:, 0] >= 0) & (xs > -k) & (xs < camera.width) & (ys > -k) & (ys < camera.height))
        if len(idx) == 0:
            return 0
        sidx = state_index(frame.states[idx])
        if k < SPRITE_MIN_PX and target.get_bitsize() in (8, 16, 32):
            self._pixels(target, xs[idx], ys[idx], self._mapped_colours(target, 0.75)[sidx],
                         np.zeros(len(idx), np.int64), k)
            return len(idx)
        sprites = [self._goal_sprite(s) for s in range(_NS)]
        target.blits(list(zip(map(sprites.__getitem__, sidx.tolist()), zip(xs[idx].tolist(), ys[idx].tolist()))),
                     doreturn=False)
        return len(idx)

    def draw_paths(self, target, frame: Frame, camera: Camera) -> int:
        """Draw each agent's planned path as lines between cell centres; returns the moves drawn.

        A move is drawn from its start cell's centre up to (not including) the
        next centre, which the next move (or the goal mark) covers.
        """
        if frame.paths is None or frame.n_agents == 0 or target.get_bitsize() not in (8, 16, 32):
            return 0
        k = camera.cell_px
        ox, oy = camera.origin
        W, H = min(camera.width, target.get_width()), min(camera.height, target.get_height())
        # only agents near the view can have a path segment on it (paths move one cell per step)
        reach = frame.path_length() * k
        xs = ox + frame.positions[:, 1] * k
        ys = oy + frame.positions[:, 0] * k
        near = np.flatnonzero((xs > -k - reach) & (xs < W + reach) & (ys > -k - reach) & (ys < H + reach))
        r, c, dr, dc, agent = frame.path_moves(near if len(near) < frame.n_agents else None)
        if len(r) == 0:
            return 0
        from viz.sdl import load_pygame

        pygame = load_pygame()
        half = k // 2
        cx = np.int32(ox + half) + c * np.int32(k)
        cy = np.int32(oy + half) + r * np.int32(k)
        t = np.arange(k, dtype=np.int32)
        px = cx[:, None] + dc[:, None] * t
        py = cy[:, None] + dr[:, None] * t
        w = max(1, k // 8)
        if w > 1:
            off = np.arange(w, dtype=np.int32) - w // 2
            shape = px.shape + (w, w)
            px = np.broadcast_to(px[..., None, None] + off[:, None], shape).reshape(len(r), -1)
            py = np.broadcast_to(py[..., None, None] + off[None, :], shape).reshape(len(r), -1)
        per_agent = self._mapped_colours(target, 0.8)[state_index(frame.states)]
        ok = (px >= 0) & (px < W) & (py >= 0) & (py < H)
        arr = pygame.surfarray.pixels2d(target)
        try:
            col = np.broadcast_to(per_agent[agent].astype(arr.dtype)[:, None], px.shape)[ok]
            flat_view = arr.T
            if flat_view.flags.c_contiguous:
                flat_view.reshape(-1)[py[ok] * np.int32(arr.shape[0]) + px[ok]] = col
            else:
                arr[px[ok], py[ok]] = col
        finally:
            del arr
        return len(r)

    def draw_highlight(self, target, frame: Frame, camera: Camera, agent: int) -> None:
        """Outline agent ``agent`` (the followed or hovered one)."""
        from viz.sdl import load_pygame

        pygame = load_pygame()

        if not 0 <= agent < frame.n_agents:
            return
        k = camera.cell_px
        r, c = (int(v) for v in frame.positions[agent])
        x, y = camera.cell_origin(r, c)
        pad = max(2, k // 4)
        pygame.draw.rect(target, HIGHLIGHT, pygame.Rect(x - pad, y - pad, k + 2 * pad, k + 2 * pad),
                         width=max(2, k // 10))
