"""The viewer window.

Two ways to drive it:

* ``Viewer(layout).run(source)`` -- the viewer owns the loop. With a
  :class:`~viz.source.RecordedSource` (a run folder) it plays the recording
  with a time slider; with a :class:`~viz.source.LiveSource` it draws the
  newest frame the producer has pushed.
* ``Viewer(layout).show(frame)`` once per tick -- the caller (an in-process
  simulation) owns the loop. ``show`` draws, handles the keys and mouse, holds
  the caller while paused, paces it to the chosen speed, and returns ``False``
  once the user closes the window.

Keys (both modes): space pause/resume, ``.`` single step, ``+``/``-`` speed,
``f`` fit the floor to the window, ``p`` planned paths and goals on/off,
``h`` help (keys and the colour legend),
arrows pan, Page Up/Page Down (or Ctrl with ``+``/``-``) zoom, ``q``/Esc quit.
Recorded only: ``,`` step back, Home/End first/last step. Mouse: wheel zooms
at the pointer, drag pans, hovering an agent or a station shows its details,
clicking an agent follows it (click the floor to stop), clicking or dragging
the slider seeks.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Mapping

from robocore.errors import InputError
from robocore.layout import Layout
from viz.camera import Camera
from viz.details import agent_at, agent_details, hud_lines
from viz.frame import Frame
from viz.palette import HIGHLIGHT, HUD_TEXT
from viz.renderer import FloorRenderer
from viz.sdl import has_display, load_pygame
from viz.source import FrameSource, LiveSource, RecordedSource

__all__ = ["Viewer", "SPEEDS", "help_lines"]

#: Speed steps for ``+``/``-``: steps of floor time per wall-clock second.
#: In ``show`` mode one more step above the last means "as fast as the caller goes".
SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)

_SLIDER_H = 18
_CLICK_SLOP = 4  # pixels a press may move and still be a click


_KEYS = (
    ("space", "pause / resume"),
    (".", "single step"),
    (",", "step back"),
    ("+ / -", "faster / slower"),
    ("wheel, PgUp / PgDn", "zoom"),
    ("arrows, drag", "pan"),
    ("f", "fit to window"),
    ("p", "paths and goals"),
    ("Home / End", "first / last step"),
    ("click agent", "follow it"),
    ("h", "this help"),
    ("q, Esc", "quit"),
)


def help_lines(*, recorded: bool) -> list:
    """The help panel: keys, then the legend of state colours and agent shapes."""
    from robocore.agents import AgentState
    from viz.palette import STATE_COLOURS

    lines: list = [f"{k}: {v}" for k, v in _KEYS if recorded or k not in (",", "Home / End")]
    lines.append("robots are squares, humans diamonds; colour = state:")
    for s in AgentState:
        lines.append((s.name.lower().replace("_", " "), tuple(int(v) for v in STATE_COLOURS[s])))
    return lines


class Viewer:
    """A pygame window showing one layout.

    Parameters
    ----------
    layout:
        The floor.
    size:
        Window size in pixels (default: up to 1280 x 800, smaller on a smaller screen).
    title:
        Window title.
    speed:
        Initial speed, steps per wall second; ``None`` = as fast as the caller
        goes (``show`` mode only).
    paths:
        Start with planned paths and goals shown.
    report:
        Run-level KPIs for the heads-up panel (``report.json`` keys).
    fps:
        Frame rate cap of the window.

    The window opens on the first :meth:`show` or :meth:`run`. Opening it
    raises :class:`~robocore.errors.InputError` when no display is available.
    """

    def __init__(self, layout: Layout, *, size: tuple[int, int] | None = None, title: str = "robocore view",
                 speed: float | None = 10.0, paths: bool = False, report: Mapping[str, Any] | None = None,
                 fps: int = 60):
        self.layout = layout
        self.title = title
        self.size = size
        self.speed = speed
        self.show_paths = bool(paths)
        self.report: dict = dict(report or {})
        self.fps_cap = int(fps)
        self.paused = False
        self.show_help = False
        self.follow: int | None = None
        self.frame: Frame | None = None
        self.frames_drawn = 0
        #: ``time.perf_counter()`` when the last picture was on screen (after the flip).
        self.last_draw_time = 0.0
        self.renderer = FloorRenderer(layout)
        self.camera: Camera | None = None
        self._screen = None
        self._canvas = None
        self._clock = None
        self._open_flag = False
        self._closed = False
        self._mouse = (-1, -1)
        self._press: tuple[int, int] | None = None
        self._dragging = False
        self._slider_drag = False
        self._step_request = 0
        self._seek: int | None = None
        self._recorded: RecordedSource | None = None
        self._index = 0
        self._last_render = 0.0
        self._last_release = 0.0
        self._fps = 0.0
        self._render_times: list[float] = []

    # ------------------------------------------------------------------ window
    @property
    def is_open(self) -> bool:
        return self._open_flag and not self._closed

    def open(self) -> None:
        """Open the window (done for you by :meth:`show` and :meth:`run`)."""
        if self._open_flag:
            return
        if sys.platform.startswith("linux") and not has_display() and not os.environ.get("SDL_VIDEODRIVER"):
            # SDL would fall back to its invisible "offscreen" driver and run a window nobody sees
            raise InputError("no display: set DISPLAY (or SDL_VIDEODRIVER), or use --snapshot/--frames")
        pygame = load_pygame()
        try:
            pygame.display.init()
            pygame.font.init()
            if self.size is None:
                info = pygame.display.Info()
                sw = info.current_w if info.current_w and info.current_w > 0 else 1280
                sh = info.current_h if info.current_h and info.current_h > 0 else 800
                self.size = (max(320, min(1280, sw - 80)), max(240, min(800, sh - 80)))
            self._screen = pygame.display.set_mode(self.size, pygame.RESIZABLE)
        except pygame.error as err:
            raise InputError(f"cannot open a window ({err}); set DISPLAY, or use --snapshot/--frames") from None
        pygame.display.set_caption(self.title)
        pygame.key.set_repeat(300, 30)
        self._clock = pygame.time.Clock()
        self._open_flag = True
        self._on_resize(*self._screen.get_size())
        self.camera.fit()

    def close(self) -> None:
        """Close the window. Idempotent."""
        if self._open_flag and not self._closed:
            load_pygame().display.quit()
        self._closed = True

    def __enter__(self) -> "Viewer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def screenshot(self, path) -> None:
        """Save what the window shows now as a PNG."""
        load_pygame().image.save(self._screen, str(path))

    def set_layout(self, layout: Layout) -> None:
        """Show another floor from now on (a live publisher restarted on a different layout).

        Rebuilds the static layer, forgets the frame and the followed agent, and
        fits the new floor to the window.
        """
        if layout is self.layout:
            return
        self.layout = layout
        self.renderer = FloorRenderer(layout)
        self.frame = None
        self.follow = None
        self.camera = None
        if self._open_flag and not self._closed:
            self._on_resize(*self._screen.get_size())
            self.camera.fit()

    def _on_resize(self, w: int, h: int) -> None:
        pygame = load_pygame()
        view_h = h - (_SLIDER_H if self._recorded is not None else 0)
        if self.camera is None:
            self.camera = Camera(self.layout.rows, self.layout.cols, w, view_h)
        else:
            self.camera.resize(w, view_h)
        self._screen = pygame.display.get_surface()
        self._canvas = None if self._screen.get_bitsize() == 32 else pygame.Surface((w, h), 0, 32)

    # ------------------------------------------------------------- push mode
    def show(self, frame: Frame, *, report: Mapping[str, Any] | None = None) -> bool:
        """Show ``frame`` (one tick of an in-process simulation).

        Draws (at most ``fps`` times a second), handles input, blocks while the
        user has paused (until resume or single step), and paces calls to the
        current speed. Returns ``False`` once the user has closed the window;
        the caller should then stop calling and :meth:`close`.
        """
        if self._closed:
            return False
        self.open()
        self.frame = frame
        if report is not None:
            self.report = dict(report)
        while True:
            if not self._events():
                self.close()
                return False
            now = time.perf_counter()
            if self.paused and self._step_request <= 0:
                self._render(force=False)
                self._clock.tick(30)
                continue
            due = self._last_release + (1.0 / self.speed if self.speed else 0.0)
            if now < due:
                self._render(force=False)
                time.sleep(min(due - now, 1.0 / self.fps_cap))
                continue
            break
        if self._step_request > 0:
            self._step_request -= 1
        self._last_release = time.perf_counter()
        self._render(force=False)
        return True

    # --------------------------------------------------------------- run mode
    def run(self, source: FrameSource, *, start: int | None = None, max_frames: int | None = None) -> None:
        """Show ``source`` until the user quits (or ``max_frames`` frames have been drawn).

        A recorded source starts at frame ``start`` (default 0, or where the
        previous ``run`` of the same source stopped) and plays at the current
        speed, stopping on its last frame; a live source shows the newest frame
        pushed. When the user quits, the window closes and ``run`` returns
        (later calls return at once). Raises ``IndexError`` if ``start`` is out
        of range.
        """
        if self._closed:
            return
        self.report = dict(source.report) or self.report
        if isinstance(source, RecordedSource):
            n = len(source)
            if start is not None:
                t = float(start)
            elif self._recorded is source:
                t = float(self._index)  # resume where the last run() left off
            else:
                t = 0.0
            if not 0 <= t < n:
                raise IndexError(f"step {int(t)} out of range 0..{n - 1}")
            if self._recorded is None and self._open_flag:
                self._recorded = source
                self._on_resize(*self._screen.get_size())  # make room for the slider
            self._recorded = source
            if self.speed is None:
                self.speed = SPEEDS[-1]
        self.open()
        drawn_at_start = self.frames_drawn
        at_end = isinstance(source, RecordedSource) and self.paused and t >= len(source) - 1
        while max_frames is None or self.frames_drawn - drawn_at_start < max_frames:
            if not self._events():
                self.close()
                return
            dt = self._clock.tick(self.fps_cap) / 1000.0
            if isinstance(source, RecordedSource):
                n = len(source)
                if self._seek is not None:
                    t, self._seek = float(self._seek), None
                if self._step_request:
                    t = float(min(max(math.floor(t) + self._step_request, 0), n - 1))
                    self._step_request = 0
                elif not self.paused:
                    if at_end:  # resumed on the last frame: play again from the start
                        t = 0.0
                    t += (self.speed or SPEEDS[-1]) * dt
                if t >= n - 1:
                    t = float(n - 1)
                    self.paused = True
                at_end = t >= n - 1 and self.paused
                self._index = int(t)
                self.frame = source.frame(self._index)
                self.report = dict(source.report)
            elif isinstance(source, LiveSource):
                got = source.poll()
                if source.layout is not self.layout:  # e.g. a publisher restarted on another floor
                    self.set_layout(source.layout)
                if got is not None and (not self.paused or self._step_request > 0 or self.frame is None):
                    self.frame = got
                    self._step_request = max(0, self._step_request - 1)
                self.report = dict(source.report) or self.report
            self._render(force=True)

    # ----------------------------------------------------------------- input
    def _events(self) -> bool:
        pygame = load_pygame()
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT:
                return False
            if ev.type == pygame.KEYDOWN:
                if not self._key(ev):
                    return False
            elif ev.type == pygame.WINDOWLEAVE:
                self._mouse = (-1, -1)  # no tooltip while the pointer is outside
            elif ev.type == pygame.VIDEORESIZE:
                surface = pygame.display.get_surface()
                self._on_resize(*(surface.get_size() if surface is not None else (ev.w, ev.h)))
            elif ev.type == pygame.MOUSEWHEEL:
                self.camera.zoom(1 if ev.y > 0 else -1, at=self._mouse)
            elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1:
                self._press = ev.pos
                self._dragging = False
                if self._slider_rect() is not None and self._slider_rect().collidepoint(ev.pos):
                    self._slider_drag = True
                    self._seek_to(ev.pos[0])
            elif ev.type == pygame.MOUSEMOTION:
                self._mouse = ev.pos
                if self._slider_drag:
                    self._seek_to(ev.pos[0])
                elif self._press is not None and ev.buttons[0]:
                    moved = abs(ev.pos[0] - self._press[0]) + abs(ev.pos[1] - self._press[1])
                    if self._dragging or moved > _CLICK_SLOP:
                        if not self._dragging:
                            dx, dy = ev.pos[0] - self._press[0], ev.pos[1] - self._press[1]
                        else:
                            dx, dy = ev.rel
                        self._dragging = True
                        self.follow = None
                        self.camera.pan(dx, dy)
            elif ev.type == pygame.MOUSEBUTTONUP and ev.button == 1:
                if self._press is not None and not self._dragging and not self._slider_drag:
                    self.follow = agent_at(self.frame, self.camera.cell_at(*ev.pos))
                self._press = None
                self._dragging = False
                self._slider_drag = False
        return True

    def _key(self, ev) -> bool:
        pygame = load_pygame()
        key, ctrl = ev.key, bool(ev.mod & pygame.KMOD_CTRL)
        plus = key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS)
        minus = key in (pygame.K_MINUS, pygame.K_KP_MINUS)
        pan = max(16, self.camera.width // 10)
        if key in (pygame.K_q, pygame.K_ESCAPE):
            return False
        if key == pygame.K_SPACE:
            self.paused = not self.paused
        elif key == pygame.K_PERIOD:
            self.paused = True
            self._step_request += 1
        elif key == pygame.K_COMMA and self._recorded is not None:
            self.paused = True
            self._step_request -= 1
        elif (plus or minus) and ctrl or key in (pygame.K_PAGEUP, pygame.K_PAGEDOWN):
            self.camera.zoom(1 if plus or key == pygame.K_PAGEUP else -1, at=self._focus())
        elif plus or minus:
            self._change_speed(1 if plus else -1)
        elif key == pygame.K_f:
            self.follow = None
            self.camera.fit()
        elif key == pygame.K_p:
            self.show_paths = not self.show_paths
        elif key in (pygame.K_h, pygame.K_SLASH, pygame.K_QUESTION):
            self.show_help = not self.show_help
        elif key == pygame.K_HOME and self._recorded is not None:
            self._seek = 0
        elif key == pygame.K_END and self._recorded is not None:
            self._seek = len(self._recorded) - 1
        elif key in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN):
            self.follow = None
            dx = pan if key == pygame.K_LEFT else -pan if key == pygame.K_RIGHT else 0
            dy = pan if key == pygame.K_UP else -pan if key == pygame.K_DOWN else 0
            self.camera.pan(dx, dy)
        return True

    def _focus(self) -> tuple[float, float]:
        mx, my = self._mouse
        if 0 <= mx < self.camera.width and 0 <= my < self.camera.height:
            return (mx, my)
        return (self.camera.width / 2, self.camera.height / 2)

    def _change_speed(self, direction: int) -> None:
        ladder: list[float | None] = list(SPEEDS) + ([None] if self._recorded is None else [])
        if self.speed is None:
            i = len(ladder) - 1
        else:
            i = min(range(len(SPEEDS)), key=lambda j: abs(math.log(SPEEDS[j]) - math.log(self.speed)))
        self.speed = ladder[min(max(i + direction, 0), len(ladder) - 1)]

    def _slider_rect(self):
        if self._recorded is None or self._screen is None:
            return None
        pygame = load_pygame()
        w, h = self._screen.get_size()
        return pygame.Rect(0, h - _SLIDER_H, w, _SLIDER_H)

    def _seek_to(self, x: int) -> None:
        rect = self._slider_rect()
        n = len(self._recorded)
        frac = min(max((x - rect.x) / max(1, rect.w - 1), 0.0), 1.0)
        self._seek = int(round(frac * (n - 1)))

    # ----------------------------------------------------------------- drawing
    def _render(self, *, force: bool) -> None:
        frame = self.frame
        if self.follow is not None and frame is not None:
            if self.follow < frame.n_agents:
                r, c = frame.positions[self.follow]
                self.camera.centre_on(int(r), int(c))
            else:
                self.follow = None
        now = time.perf_counter()
        if not force and now - self._last_render < 1.0 / self.fps_cap:
            return
        pygame = load_pygame()
        target = self._canvas if self._canvas is not None else self._screen
        self.renderer.draw(target, frame, self.camera, paths=self.show_paths, highlight=self.follow)
        self._render_times.append(now)
        if len(self._render_times) > 30:
            self._render_times.pop(0)
        if len(self._render_times) >= 2:
            self._fps = (len(self._render_times) - 1) / max(1e-6, self._render_times[-1] - self._render_times[0])
        lines = hud_lines(frame, self.report, speed=self.speed, paused=self.paused,
                          n_frames=len(self._recorded) if self._recorded is not None else None, fps=self._fps)
        if self.follow is not None:
            lines.append("following " + (frame.agent_name(self.follow) if frame is not None else ""))
        self.renderer.draw_panel(target, lines)
        if self.show_help:
            self.renderer.draw_panel(target, help_lines(recorded=self._recorded is not None),
                                     pos=(target.get_width(), 8), size=16)
        self._draw_tooltip(target, frame)
        self._draw_slider(target, frame)
        if self._canvas is not None:
            self._screen.blit(self._canvas, (0, 0))
        pygame.display.flip()
        self._last_render = now
        self.frames_drawn += 1
        self.last_draw_time = time.perf_counter()

    def _draw_tooltip(self, target, frame: Frame | None) -> None:
        if self._dragging or self._slider_drag:
            return
        cell = self.camera.cell_at(*self._mouse)
        if cell is None:
            return
        i = agent_at(frame, cell)
        if i is not None:
            lines = agent_details(frame, i)
            self.renderer.agents.draw_highlight(target, frame, self.camera, i)
        else:
            lines = self.renderer.locations.details(cell, frame)
        self.renderer.draw_panel(target, lines, pos=(self._mouse[0] + 16, self._mouse[1] + 16), size=16)

    def _draw_slider(self, target, frame: Frame | None) -> None:
        rect = self._slider_rect()
        if rect is None:
            return
        pygame = load_pygame()
        n = len(self._recorded)
        pygame.draw.rect(target, (40, 44, 54), rect)
        track = rect.inflate(-8, -12)
        pygame.draw.rect(target, (90, 96, 110), track)
        step = frame.step if frame is not None else 0
        x = track.x + int(round(track.w * (step / max(1, n - 1))))
        knob = pygame.Rect(x - 3, rect.y + 2, 7, rect.h - 4)
        pygame.draw.rect(target, HIGHLIGHT if self.paused else HUD_TEXT, knob)
