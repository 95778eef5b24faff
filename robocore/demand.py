"""Daily demand histories: read ``sku,date,qty`` CSV files into arrays.

A history is one row per SKU and one column per calendar day, from the
earliest date in the file to the latest; days a SKU has no row are zero
demand, and each SKU's own history starts at its first row (``starts``).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from robocore.errors import InputError

__all__ = ["DemandHistory", "read_demand_csv", "demand_history", "ledger_demand_history"]


@dataclass(frozen=True)
class DemandHistory:
    """``demand[s, d]`` units of ``skus[s]`` on day ``first_date + d``."""

    skus: tuple[str, ...]
    first_date: dt.date
    demand: np.ndarray
    starts: np.ndarray

    @property
    def last_date(self) -> dt.date:
        return self.first_date + dt.timedelta(days=int(self.demand.shape[1]) - 1)


def demand_history(records) -> DemandHistory:
    """Build a history from ``(sku, date, qty)`` records (quantities summed per day)."""
    by_sku: dict[str, dict[dt.date, float]] = {}
    for sku, day, qty in records:
        days = by_sku.setdefault(sku, {})
        days[day] = days.get(day, 0.0) + float(qty)
    if not by_sku:
        raise ValueError("demand history is empty")
    first = min(min(d) for d in by_sku.values())
    last = max(max(d) for d in by_sku.values())
    n_days = (last - first).days + 1
    skus = tuple(sorted(by_sku))
    y = np.zeros((len(skus), n_days))
    starts = np.zeros(len(skus), dtype=np.int64)
    for i, sku in enumerate(skus):
        days = by_sku[sku]
        starts[i] = (min(days) - first).days
        for day, qty in days.items():
            y[i, (day - first).days] += qty
    return DemandHistory(skus, first, y, starts)


def read_demand_csv(path) -> DemandHistory:
    """Read a CSV with the header ``sku,date,qty`` (ISO dates, quantities >= 0).

    Raises :class:`InputError` naming the file and line for a missing file,
    a wrong header, a bad date, a negative or non-numeric quantity, or no rows.
    """
    path = Path(path)
    source = str(path)
    try:
        fh = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a CSV file", source=source) from None
    records = []
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as err:
            raise InputError(f"not a readable CSV file ({err})", source=source, line=1) from None
        if header is None:
            raise InputError("empty file (expected the header sku,date,qty)", source=source)
        cols = [h.strip().lower() for h in header]
        if cols[:3] != ["sku", "date", "qty"]:
            raise InputError(f"header must be sku,date,qty, got {','.join(header)[:60]!r}", source=source, line=1)
        try:
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) < 3:
                    raise InputError(f"expected 3 fields sku,date,qty, got {len(row)}", source=source, line=line)
                sku = row[0].strip()
                if not sku:
                    raise InputError("empty sku", source=source, line=line)
                try:
                    day = dt.date.fromisoformat(row[1].strip())
                except ValueError:
                    raise InputError(f"date {row[1].strip()!r} is not YYYY-MM-DD", source=source, line=line) from None
                try:
                    qty = float(row[2])
                except ValueError:
                    raise InputError(f"qty {row[2].strip()!r} is not a number", source=source, line=line) from None
                if not qty >= 0 or qty == float("inf"):
                    raise InputError(f"qty must be a non-negative number, got {row[2].strip()}", source=source, line=line)
                records.append((sku, day, qty))
        except (csv.Error, UnicodeDecodeError) as err:
            raise InputError(f"not a readable CSV file ({err})", source=source, line=reader.line_num) from None
    if not records:
        raise InputError("no demand rows after the header", source=source)
    return demand_history(records)


def ledger_demand_history(path) -> DemandHistory:
    """The daily demand history of a ledger file (see ``Ledger.demand_rows``).

    Raises :class:`InputError` if the file is missing, not a ledger, or holds
    no orders yet.
    """
    from robocore.ledger import Ledger

    with Ledger.open_existing(path) as ledger:
        rows = ledger.demand_rows()
    if not rows:
        raise InputError("the ledger holds no orders to forecast from", source=str(path))
    return demand_history((sku, dt.date.fromisoformat(day), qty) for sku, day, qty in rows)
