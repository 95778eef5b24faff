"""Reading a user's text file with one-line errors."""

from __future__ import annotations

from pathlib import Path

from robocore.errors import InputError

__all__ = ["read_text"]


def read_text(path, *, what: str = "a file", missing: str = "file not found") -> str:
    """The UTF-8 text of ``path``.

    Raises :class:`InputError` naming the file: ``missing`` when it does not
    exist, ``is a directory, not <what>`` for a directory, ``not a text file``
    when it is not UTF-8.
    """
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(missing, source=str(path)) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not {what}", source=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a text file", source=str(path)) from None
