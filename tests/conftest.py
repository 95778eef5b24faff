"""Shared test set-up: headless pygame, paths to the shared benchmark data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Headless pygame everywhere, and no audio device (no ALSA noise).
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

# Property tests: in CI (CI=true) hypothesis runs derandomized, so a run is
# reproducible and a red CI is a real, repeatable failure; locally it explores
# new examples every run.
from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    _hyp_settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent


def _find_shared_data() -> Path:
    """``$ROBOCORE_SHARED_DATA``, else the first ``shared/data`` beside the
    repository or one level up (helper worktrees live in ``/work/wt/<name>``)."""
    if os.environ.get("ROBOCORE_SHARED_DATA"):
        return Path(os.environ["ROBOCORE_SHARED_DATA"]).resolve()
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "data").is_dir():
            return (base / "shared" / "data").resolve()
    return (REPO.parent / "shared" / "data").resolve()


SHARED_DATA = _find_shared_data()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared benchmark data not found at {SHARED_DATA}")
    return SHARED_DATA
