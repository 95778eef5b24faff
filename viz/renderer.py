"""Compose a picture of the floor: static layer, agents, overlays and text.

:class:`FloorRenderer` is shared by the window (:mod:`viz.viewer`) and the
headless snapshots (:mod:`viz.snapshot`), so both draw exactly the same way.
Draw order: background, static layer (one blit), planned paths, goals,
agents, the highlighted agent's outline, queue and parcel badges.
"""

from __future__ import annotations

from collections import OrderedDict

from robocore.layout import Layout
from viz.agent_layer import AgentLayer
from viz.camera import Camera
from viz.details import LocationIndex
from viz.frame import Frame
from viz.palette import BACKGROUND, HUD_BACKGROUND, HUD_TEXT
from viz.sdl import load_pygame
from viz.static_layer import MAX_STATIC_PIXELS, StaticLayer

__all__ = ["FloorRenderer", "TextCache"]

_BADGE_STATION = (40, 40, 48)
_BADGE_DOCK = (40, 70, 140)


class TextCache:
    """Rendered text surfaces by ``(text, size, colour)``; least recently used dropped beyond ``limit``."""

    def __init__(self, *, limit: int = 512):
        self.limit = limit
        self._fonts: dict[int, object] = {}
        self._cache: OrderedDict = OrderedDict()

    def font(self, size: int):
        f = self._fonts.get(size)
        if f is None:
            pygame = load_pygame()
            if not pygame.font.get_init():
                pygame.font.init()
            f = self._fonts[size] = pygame.font.Font(None, size)
        return f

    def render(self, text: str, *, size: int = 18, colour=HUD_TEXT):
        key = (text, size, tuple(colour))
        s = self._cache.get(key)
        if s is None:
            s = self.font(size).render(text, True, colour)
            self._cache[key] = s
            if len(self._cache) > self.limit:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return s


class FloorRenderer:
    """Draws frames of one layout onto pygame Surfaces."""

    def __init__(self, layout: Layout, *, max_static_pixels: int = MAX_STATIC_PIXELS):
        self.layout = layout
        self.static = StaticLayer(layout, max_pixels=max_static_pixels)
        self.agents = AgentLayer()
        self.locations = LocationIndex(layout)
        self.text = TextCache()

    def draw(self, target, frame: Frame | None, camera: Camera, *, paths: bool = False, goals: bool | None = None,
             highlight: int | None = None) -> None:
        """Draw the floor and ``frame`` as seen by ``camera`` onto ``target``.

        ``goals`` defaults to ``paths``; ``highlight`` outlines that agent.
        """
        target.fill(BACKGROUND)
        got = self.static.surface_for(camera)
        if got is not None:
            target.blit(*got)
        if frame is None:
            return
        if paths:
            self.agents.draw_paths(target, frame, camera)
        if paths if goals is None else goals:
            self.agents.draw_goals(target, frame, camera)
        self.agents.draw_agents(target, frame, camera)
        if highlight is not None:
            self.agents.draw_highlight(target, frame, camera, highlight)
        self.draw_badges(target, frame, camera)

    def draw_badges(self, target, frame: Frame, camera: Camera) -> None:
        """Station queue lengths and parcels waiting at docks, as numbers beside their cells."""
        pygame = load_pygame()
        k = camera.cell_px
        size = 14 if k < 16 else 18
        for values, cells, colour in ((frame.station_queues, self.locations.stations, _BADGE_STATION),
                                      (frame.dock_parcels, self.locations.docks, _BADGE_DOCK)):
            for key, n in values.items():
                cell = cells.get(key)
                if cell is None or int(n) <= 0:
                    continue
                x, y = camera.cell_origin(*cell)
                if x < -40 or y < -40 or x > camera.width or y > camera.height:
                    continue
                label = self.text.render(str(int(n)), size=size, colour=(255, 255, 255))
                w, h = label.get_size()
                box = pygame.Rect(x + k - 2, y - h + 2, w + 6, h + 2)
                pygame.draw.rect(target, colour, box, border_radius=4)
                target.blit(label, (box.x + 3, box.y + 1))

    def draw_panel(self, target, lines, *, pos: tuple[int, int] = (8, 8), size: int = 18):
        """A translucent box of text lines with its top-left at ``pos`` (moved left/up to fit); returns its Rect.

        A line is a string, or ``(text, rgb)`` for one led by a colour swatch.
        """
        pygame = load_pygame()
        if not lines:
            return pygame.Rect(pos, (0, 0))
        rendered = [self.text.render(line if isinstance(line, str) else line[0], size=size) for line in lines]
        line_h = rendered[0].get_height() + 2
        swatch = line_h - 4
        indent = [0 if isinstance(line, str) else swatch + 6 for line in lines]
        w = max(s.get_width() + i for s, i in zip(rendered, indent)) + 12
        h = line_h * len(rendered) + 8
        x, y = pos
        x = min(x, max(0, target.get_width() - w))
        y = min(y, max(0, target.get_height() - h))
        box = pygame.Surface((w, h), pygame.SRCALPHA)
        box.fill(HUD_BACKGROUND)
        target.blit(box, (x, y))
        for i, (s, line) in enumerate(zip(rendered, lines)):
            if not isinstance(line, str):
                target.fill(line[1], pygame.Rect(x + 6, y + 5 + i * line_h, swatch, swatch))
            target.blit(s, (x + 6 + indent[i], y + 4 + i * line_h))
        return pygame.Rect(x, y, w, h)
