"""Importing pygame quietly, with or without a display.

pygame prints a banner on stdout when imported and SDL opens an audio device
(ALSA noise on stderr on machines without one) unless told otherwise. Every
module of this package gets pygame through :func:`load_pygame`, which sets the
environment first; the viewer never initialises audio.
"""

from __future__ import annotations

import os

__all__ = ["load_pygame", "has_display", "use_headless_drivers"]


def has_display() -> bool:
    """True if an X11 or Wayland display is named in the environment."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def use_headless_drivers() -> None:
    """Select SDL's dummy video driver when no display exists (never overriding an explicit choice),
    and the dummy audio driver always (the viewer makes no sound)."""
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    if not has_display():
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def load_pygame():
    """Import and return pygame without its banner and without touching the audio device."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    return pygame
