"""Shared test set-up: headless pygame, paths to the shared benchmark data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Headless pygame everywhere, and no audio device (no ALSA noise).
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

REPO = Path(__file__).resolve().parent.parent
# ``../shared/data`` beside the checkout; a helper worktree (``/work/wt/<name>``)
# sits one level deeper, so look one level further up too.
SHARED_DATA = next((p.resolve() for p in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data")
                    if p.is_dir()), (REPO.parent / "shared" / "data").resolve())


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared benchmark data not found at {SHARED_DATA}")
    return SHARED_DATA
