"""Options shared by the ledger commands (``order``, ``stock``)."""

from __future__ import annotations

import os

__all__ = ["DEFAULT_DB", "add_db_arg", "open_ledger"]

#: The ledger file used when ``--db`` is not given: ``$ROBOCORE_DB`` or ``ledger.db``.
DEFAULT_DB = os.environ.get("ROBOCORE_DB", "ledger.db")


def add_db_arg(p) -> None:
    p.add_argument("--db", metavar="PATH", default=DEFAULT_DB,
                   help="the ledger file (default: $ROBOCORE_DB or ledger.db)")
    p.add_argument("--json", action="store_true", help="print JSON alone on stdout")


def open_ledger(path: str):
    """Open an existing ledger; ``InputError`` (exit 2) if it does not exist or is not one."""
    from robocore.ledger import Ledger

    return Ledger.open_existing(path)
