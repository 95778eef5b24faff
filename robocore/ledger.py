"""The inventory ledger: warehouses, SKUs, stock, orders and their lifecycle in SQLite.

One database file (WAL journal) or ``":memory:"``. Every public method that
changes anything is one transaction begun with ``BEGIN IMMEDIATE``, so the
allocation that reads availability and the reservations it writes see no
other writer in between (no overselling across processes), and a process
killed mid-operation leaves the last committed state. The API, schema,
allocation rule and invariants are described in ``docs/ledger.md``; the states
and transitions in ``docs/lifecycle.md`` and :mod:`robocore.lifecycle`.

>>> from robocore.catalog import Sku, Warehouse
>>> from robocore.orders import Address, Order, OrderLine
>>> with Ledger() as led:
...     led.add_warehouse(Warehouse("WH-1", region="north", handling_days=1))
...     _ = led.add_skus([Sku("S1", "mug", "kitchen", (90, 90, 100), 0.3, 8.0)])
...     led.receive("WH-1", "A01", "S1", 5)
...     rec = led.submit(Order("A-1", "C-1", Address(region="north"), (OrderLine("S1", 2),)), confirm=True)
...     led.check_invariants()
...     (rec.state, led.available("S1"))
('allocated', 3)
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from typing import Any, Iterable, Iterator, Mapping

from robocore.catalog import Sku, Warehouse
from robocore.errors import InputError
from robocore.ledger_records import (Event, InvariantError, LineRecord, OrderRecord, OrderSummary, OutboxMessage,
                                     Pick, PickTask, Receipt, Reservation, StockRow, Substitute)
from robocore.lifecycle import PAUSE_STATES, State, check_transition
from robocore.orders import Address, Order, order_problems
from robocore.substitutes import substitute_score

__all__ = ["Ledger", "CROSS_REGION_COST", "SCHEMA_VERSION", "InvariantError"]

#: Added to a warehouse's ``cost`` when it ships to an address in another region.
CROSS_REGION_COST: float = 5.0
#: ``PRAGMA user_version`` of a ledger written by this module.
SCHEMA_VERSION: int = 3
#: Statements that bring a ledger of version ``v`` to ``v + 1`` (run in one
#: transaction when an older ledger is opened; the new tables of a step are
#: created by re-running the schema script, which only adds what is missing).
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE locations ADD COLUMN pick_rank INTEGER",),
    2: ("ALTER TABLE inbound ADD COLUMN due_at TEXT",),
}

#: Pick rank of a location that has none: after every ranked one.
_NO_RANK = 1 << 62

_CHUNK = 50_000  # rows per executemany batch in bulk loads
#: WAL pages (4 KiB) between automatic checkpoints. SQLite's default, 1,000, puts a
#: checkpoint (with its fsync) in the path of about one commit in 150; 10,000 makes
#: that ten times rarer at the cost of a WAL file of up to ~40 MB. ``checkpoint()``
#: runs one on demand (e.g. when the floor is idle).
_WAL_AUTOCHECKPOINT = 10_000
#: Page cache during a bulk ``load``, KiB.
_LOAD_CACHE_KIB = 262_144
_ALLOCATABLE = (State.CONFIRMED, State.BACKORDERED, State.PARTIALLY_ALLOCATED)


def _ts(at: datetime | None) -> str:
    if at is None:
        at = datetime.now(timezone.utc)
    elif not isinstance(at, datetime):
        raise InputError(f"at must be a datetime, got {at!r}")
    elif at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    else:
        at = at.astimezone(timezone.utc)
    return at.isoformat(timespec="microseconds")


def _dt(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(o: Any):
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
    except ImportError:  # pragma: no cover
        pass
    return str(o)


def _schema_sql() -> str:
    return resources.files("robocore").joinpath("ledger_schema.sql").read_text(encoding="utf-8")


class Ledger:
    """The inventory and order ledger (see ``docs/ledger.md``).

    Parameters
    ----------
    path: a database file (created if absent, WAL journal) or ``":memory:"``.
    timeout_s: how long to wait for another process's write lock, seconds.

    Raises
    ------
    InputError
        If ``path`` exists but is not a robocore ledger (or not SQLite at all).
    """

    def __init__(self, path: str | os.PathLike = ":memory:", *, timeout_s: float = 30.0):
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        except sqlite3.Error as err:
            raise InputError(f"cannot open ledger: {err}", source=self.path) from None
        try:
            self._setup()
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise InputError(f"not a robocore ledger ({err})", source=self.path) from None
        except InputError:
            self._db.close()
            raise

    @classmethod
    def open_existing(cls, path: str | os.PathLike, **kwargs) -> "Ledger":
        """Open a ledger file that must already exist (for read-only commands).

        Raises ``InputError`` if the file is missing or not a ledger.
        """
        p = str(path)
        if p != ":memory:" and not os.path.isfile(p):
            raise InputError("ledger file not found", source=p)
        return cls(p, **kwargs)

    def _setup(self) -> None:
        db = self._db
        db.execute("PRAGMA foreign_keys = ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        db.execute(f"PRAGMA wal_autocheckpoint = {_WAL_AUTOCHECKPOINT}")
        if version == SCHEMA_VERSION:
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            return
        if version != 0 and version not in _MIGRATIONS:
            raise InputError(f"ledger schema version {version}, this robocore reads {SCHEMA_VERSION}",
                             source=self.path)
        if self.path != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
                if tables:
                    raise InputError("not a robocore ledger (it has other tables)", source=self.path)
                for stmt in _schema_sql().split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version in _MIGRATIONS:
                for v in range(version, SCHEMA_VERSION):
                    for stmt in _MIGRATIONS[v]:
                        db.execute(stmt)
                for stmt in _schema_sql().split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and truncate it (a no-op in memory)."""
        if self._db is None:
            raise InputError("ledger is closed")
        if self.path != ":memory:":
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        if db is None:
            raise InputError("ledger is closed")
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _q(self, sql: str, params: Iterable = ()) -> list[tuple]:
        if self._db is None:
            raise InputError("ledger is closed")
        return self._db.execute(sql, tuple(params)).fetchall()

    # -------------------------------------------------------------- set-up
    def add_warehouse(self, wh: Warehouse, *, at: datetime | None = None) -> None:
        """Add or update a warehouse."""
        self.load(warehouses=[wh], at=at)

    def add_skus(self, skus: Iterable[Sku], *, at: datetime | None = None) -> int:
        """Add or update SKUs (upsert by id); returns how many rows were written."""
        return self.load(skus=skus, at=at)["skus"]

    def add_locations(self, warehouse_id: str, slots: Iterable, *, at: datetime | None = None) -> int:
        """Register storage locations (slot ids or :class:`robocore.Slot` values) of a warehouse."""
        return self.load(locations=((warehouse_id, s) for s in slots), at=at)["locations"]

    def receive(self, warehouse_id: str, slot: str, sku: str, qty: int, *, at: datetime | None = None) -> None:
        """Put ``qty`` units of ``sku`` on hand at ``(warehouse_id, slot)``, registering the location if new."""
        self.load(stock=[(warehouse_id, slot, sku, qty)], at=at)

    def receive_many(self, rows: Iterable[tuple[str, str, str, int]], *, at: datetime | None = None) -> int:
        """Bulk :meth:`receive` of ``(warehouse, slot, sku, qty)`` rows in one transaction; returns the row count."""
        return self.load(stock=rows, at=at)["stock"]

    def load(self, *, warehouses: Iterable[Warehouse] = (), skus: Iterable[Sku] = (), locations: Iterable = (),
             stock: Iterable[tuple[str, str, str, int]] = (), inbound: Iterable[tuple] = (),
             at: datetime | None = None) -> dict[str, int]:
        """Load catalogue and stock in one transaction (all or nothing).

        ``locations`` are ``(warehouse, slot)`` pairs (slot a str or a
        :class:`robocore.Slot`, whose capacity is kept); ``stock`` rows are
        ``(warehouse, slot, sku, qty)`` and register their location;
        ``inbound`` rows are ``(sku, warehouse, qty, expected_date)``.
        Returns the number of rows of each kind. Raises ``InputError`` naming
        the first bad row (``stock row 7: unknown SKU 'X'``); nothing is
        written then.
        """
        ts = _ts(at)
        counts = {"warehouses": 0, "skus": 0, "locations": 0, "stock": 0, "inbound": 0}
        if self._db is None:
            raise InputError("ledger is closed")
        # Bulk path: every reference is checked explicitly below (warehouses in Python, SKUs
        # per chunk, locations inserted before their stock), so SQLite's per-row foreign-key
        # look-ups are switched off for this transaction, and the page cache is enlarged.
        self._db.execute("PRAGMA foreign_keys = OFF")
        self._db.execute(f"PRAGMA cache_size = {-_LOAD_CACHE_KIB}")
        try:
            self._load(counts, warehouses, skus, locations, stock, inbound, ts)
        finally:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA cache_size = -2000")
        return counts

    def _load(self, counts, warehouses, skus, locations, stock, inbound, ts) -> None:
        with self._tx() as db:
            for wh in warehouses:
                if not isinstance(wh, Warehouse):
                    raise InputError(f"expected a Warehouse, got {type(wh).__name__}")
                db.execute("INSERT INTO warehouses (id, region, handling_days, cost) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (id) DO UPDATE SET region = excluded.region, "
                           "handling_days = excluded.handling_days, cost = excluded.cost",
                           (wh.id, wh.region, wh.handling_days, wh.cost))
                counts["warehouses"] += 1
            known_wh = {r[0] for r in db.execute("SELECT id FROM warehouses")}
            counts["skus"] = self._load_skus(db, skus)
            counts["locations"] = self._load_locations(db, locations, known_wh)
            counts["stock"] = self._load_stock(db, stock, known_wh)
            counts["inbound"] = self._load_inbound(db, inbound, known_wh, ts)

    @staticmethod
    def _load_skus(db, skus: Iterable[Sku]) -> int:
        sql = ("INSERT INTO skus (id, name, category, length_mm, width_mm, height_mm, weight_kg, price, "
               "upright_only, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
               "name = excluded.name, category = excluded.category, length_mm = excluded.length_mm, "
               "width_mm = excluded.width_mm, height_mm = excluded.height_mm, weight_kg = excluded.weight_kg, "
               "price = excluded.price, upright_only = excluded.upright_only, attributes = excluded.attributes")
        n = 0
        dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode

        def rows():
            nonlocal n
            for s in skus:
                if not isinstance(s, Sku):
                    raise InputError(f"expected a Sku, got {type(s).__name__}")
                n += 1
                d = s.dims_mm
                yield (s.id, s.name, s.category, d[0], d[1], d[2], s.weight_kg, s.price, int(s.upright_only),
                       dumps(s.attributes))

        db.executemany(sql, rows())
        return n

    @staticmethod
    def _load_locations(db, locations: Iterable, known_wh: set[str]) -> int:
        n = 0

        def rows():
            nonlocal n
            for i, item in enumerate(locations, 1):
                wh, slot = item[0], item[1]
                rank = item[2] if len(item) > 2 else None
                cap = getattr(slot, "capacity", None)
                slot_id = getattr(slot, "id", slot)
                if wh not in known_wh:
                    raise InputError(f"location row {i}: unknown warehouse {wh!r}")
                if not isinstance(slot_id, str) or not slot_id:
                    raise InputError(f"location row {i}: slot must be a non-empty string, got {slot_id!r}")
                if rank is not None and (not isinstance(rank, int) or isinstance(rank, bool)):
                    raise InputError(f"location row {i}: pick rank must be an integer, got {rank!r}")
                n += 1
                yield (wh, slot_id, cap, rank)

        db.executemany("INSERT INTO locations (warehouse, slot, capacity, pick_rank) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (warehouse, slot) DO UPDATE SET capacity = "
                       "COALESCE(excluded.capacity, locations.capacity), "
                       "pick_rank = COALESCE(excluded.pick_rank, locations.pick_rank)", rows())
        return n

    @staticmethod
    def _load_stock(db, stock: Iterable, known_wh: set[str]) -> int:
        loc_sql = "INSERT OR IGNORE INTO locations (warehouse, slot) VALUES (?, ?)"
        stock_sql = ("INSERT INTO stock (sku, warehouse, slot, on_hand, received) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (sku, warehouse, slot) DO UPDATE SET on_hand = on_hand + excluded.on_hand, "
                     "received = received + excluded.received")
        n = 0
        chunk: list[tuple] = []

        def flush(first: int) -> None:
            skus = list({r[0] for r in chunk})
            for j in range(0, len(skus), 500):
                part = skus[j:j + 500]
                marks = ",".join("?" * len(part))
                if db.execute(f"SELECT COUNT(*) FROM skus WHERE id IN ({marks})", part).fetchone()[0] != len(part):
                    known = {r[0] for r in db.execute(f"SELECT id FROM skus WHERE id IN ({marks})", part)}
                    for k, r in enumerate(chunk):
                        if r[0] not in known:
                            raise InputError(f"stock row {first + k}: unknown SKU {r[0]!r}")
            db.executemany(loc_sql, [(r[1], r[2]) for r in chunk])
            db.executemany(stock_sql, chunk)
            chunk.clear()

        first = 1
        for i, row in enumerate(stock, 1):
            try:
                wh, slot, sku, qty = row
            except (TypeError, ValueError):
                raise InputError(f"stock row {i}: expected (warehouse, slot, sku, qty), got {row!r}") from None
            if not (wh in known_wh and type(slot) is str and slot and type(qty) is int and qty > 0):
                if wh not in known_wh:
                    raise InputError(f"stock row {i}: unknown warehouse {wh!r}")
                if not isinstance(slot, str) or not slot:
                    raise InputError(f"stock row {i}: slot must be a non-empty string, got {slot!r}")
                if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
                    raise InputError(f"stock row {i}: quantity must be a positive integer, got {qty!r}")
                qty = int(qty)
            chunk.append((sku, wh, slot, qty, qty))
            n += 1
            if len(chunk) >= _CHUNK:
                flush(first)
                first = i + 1
        if chunk:
            flush(first)
        return n

    @staticmethod
    def _load_inbound(db, inbound: Iterable, known_wh: set[str], ts: str) -> int:
        n = 0
        for i, row in enumerate(inbound, 1):
            try:
                sku, wh, qty, expected = row
            except (TypeError, ValueError):
                raise InputError(f"inbound row {i}: expected (sku, warehouse, qty, expected_date), got {row!r}") \
                    from None
            _check_inbound(db, f"inbound row {i}", sku, wh, qty, expected, known_wh)
            db.execute("INSERT INTO inbound (sku, warehouse, qty, expected) VALUES (?, ?, ?, ?)",
                       (sku, wh, qty, _date_str(expected)))
            n += 1
        return n

    def add_inbound(self, sku: str, warehouse_id: str, qty: int, expected: date, *,
                    due_at: datetime | None = None, at: datetime | None = None) -> int:
        """Record open inbound (a purchase or replenishment) due on ``expected``; returns its id.

        ``due_at`` gives the arrival time when a day is too coarse (in-shift
        replenishment, lead times in floor hours); its date must be ``expected``.
        Raises ``InputError`` for an unknown SKU or warehouse, a bad quantity or date.
        """
        _ts(at)
        due = None
        if due_at is not None:
            due = _ts(due_at)
            if datetime.fromisoformat(due).date().isoformat() != _date_str(expected):
                raise InputError(f"inbound: due_at {due_at} is not on the expected date {expected}")
        with self._tx() as db:
            known_wh = {r[0] for r in db.execute("SELECT id FROM warehouses")}
            _check_inbound(db, "inbound", sku, warehouse_id, qty, expected, known_wh)
            cur = db.execute("INSERT INTO inbound (sku, warehouse, qty, expected, due_at) VALUES (?, ?, ?, ?, ?)",
                             (sku, warehouse_id, qty, _date_str(expected), due))
            return int(cur.lastrowid)

    def due_inbound(self, warehouse_id: str, *, now: datetime) -> list[tuple[int, str, int]]:
        """Open inbound of ``warehouse_id`` that has arrived by ``now``: ``(id, sku, qty)``
        rows, earliest first. An inbound without ``due_at`` arrives at the start
        of its expected day."""
        ts = _ts(now)
        rows = self._q("SELECT id, sku, qty, COALESCE(due_at, expected) AS t FROM inbound "
                       "WHERE received_at IS NULL AND warehouse = ? AND (due_at <= ? OR (due_at IS NULL AND "
                       "expected <= ?)) ORDER BY t, id", (warehouse_id, ts, ts[:10]))
        return [(int(i), str(s), int(q)) for i, s, q, _ in rows]

    def dock_inbound(self, inbound_id: int, dock: str, *, qty: int | None = None,
                     at: datetime | None = None) -> int:
        """Receive open inbound ``inbound_id`` at ``dock`` (all of it, or ``qty``) and
        close it. The units are on hand at the dock and not allocatable until
        :meth:`put_away` drops them on a slot. Returns the receipt id.

        Raises ``InputError`` for an unknown or already received inbound, a bad
        quantity or an empty dock name.
        """
        ts = _ts(at)
        if not isinstance(dock, str) or not dock:
            raise InputError(f"inbound {inbound_id}: dock must be a non-empty string, got {dock!r}")
        with self._tx() as db:
            sku, wh, n = self._open_inbound_row(db, inbound_id, qty)
            db.execute("UPDATE inbound SET received_at = ? WHERE id = ?", (ts, inbound_id))
            cur = db.execute("INSERT INTO receipts (inbound_id, sku, warehouse, dock, qty, at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (inbound_id, sku, wh, dock, n, ts))
            return int(cur.lastrowid)

    def put_away(self, receipt_id: int, slot: str, qty: int, *, at: datetime | None = None) -> list[str]:
        """Drop ``qty`` units of receipt ``receipt_id`` on ``slot``: they become
        stock there (received), then the backorders of the SKU are retried (the
        same path as :meth:`receive_inbound`). Returns the ids of orders whose
        state changed.

        Raises ``InputError`` for an unknown receipt, a bad quantity, or more
        units than are still at the dock.
        """
        ts = _ts(at)
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise InputError(f"receipt {receipt_id}: quantity must be a positive integer, got {qty!r}")
        with self._tx() as db:
            row = db.execute("SELECT sku, warehouse, qty, stored FROM receipts WHERE id = ?",
                             (receipt_id,)).fetchone()
            if row is None:
                raise InputError(f"unknown receipt {receipt_id!r}")
            sku, wh, got, stored = row
            if stored + qty > got:
                raise InputError(f"receipt {receipt_id}: {qty} units to put away, {got - stored} at the dock")
            self._load_stock(db, [(wh, slot, sku, qty)], {wh})
            db.execute("UPDATE receipts SET stored = stored + ? WHERE id = ?", (qty, receipt_id))
            db.execute("INSERT INTO putaways (receipt_id, sku, warehouse, slot, qty, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (receipt_id, sku, wh, slot, qty, ts))
            return self._retry(db, sku, ts)

    def receipts(self, sku: str | None = None, *, warehouse: str | None = None,
                 open_only: bool = True) -> list[Receipt]:
        """Dock receipts (by default only those with units not yet put away), oldest first."""
        sql = "SELECT id, inbound_id, sku, warehouse, dock, qty, stored, at FROM receipts WHERE 1 = 1"
        params: list = []
        if open_only:
            sql += " AND stored < qty"
        if sku is not None:
            sql += " AND sku = ?"
            params.append(sku)
        if warehouse is not None:
            sql += " AND warehouse = ?"
            params.append(warehouse)
        return [Receipt(int(i), int(ib), str(s), str(w), str(d), int(q), int(st), datetime.fromisoformat(a))
                for i, ib, s, w, d, q, st, a in self._q(sql + " ORDER BY id", params)]

    def last_dock_change(self, *, warehouse: str | None = None) -> datetime | None:
        """The time of the newest dock receipt or putaway (of ``warehouse``, or of
        all), None if there is none. A restarted controller resumes its clock
        after it (``fleet.putaway.Putaway.resume``)."""
        sql = "SELECT MAX(at) FROM (SELECT at, warehouse FROM receipts UNION ALL SELECT at, warehouse FROM putaways)"
        params: list = []
        if warehouse is not None:
            sql += " WHERE warehouse = ?"
            params.append(warehouse)
        return _dt(self._q(sql, params)[0][0])

    @staticmethod
    def _open_inbound_row(db, inbound_id: int, qty: int | None) -> tuple[str, str, int]:
        row = db.execute("SELECT sku, warehouse, qty, received_at FROM inbound WHERE id = ?",
                         (inbound_id,)).fetchone()
        if row is None:
            raise InputError(f"unknown inbound {inbound_id!r}")
        sku, wh, due, received_at = row
        if received_at is not None:
            raise InputError(f"inbound {inbound_id}: already received at {received_at}")
        n = due if qty is None else qty
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise InputError(f"inbound {inbound_id}: quantity must be a positive integer, got {n!r}")
        return sku, wh, n

    def receive_inbound(self, inbound_id: int, slot: str, *, qty: int | None = None,
                        at: datetime | None = None) -> list[str]:
        """Put open inbound ``inbound_id`` on ``slot`` (all of it, or ``qty``), close it,
        then retry the backorders of its SKU. Returns the ids of orders whose state changed."""
        ts = _ts(at)
        with self._tx() as db:
            sku, wh, n = self._open_inbound_row(db, inbound_id, qty)
            self._load_stock(db, [(wh, slot, sku, n)], {wh})
            db.execute("UPDATE inbound SET received_at = ? WHERE id = ?", (ts, inbound_id))
            return self._retry(db, sku, ts)

    def adjust(self, warehouse_id: str, slot: str, sku: str, delta: int, reason: str, *,
               at: datetime | None = None) -> None:
        """Correct on hand at a location by ``delta`` units (a cycle count).

        Raises ``InputError`` if the location holds no such SKU, ``delta`` is
        not a non-zero int, or on hand would drop below what is reserved.
        """
        ts = _ts(at)
        if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
            raise InputError(f"adjust: delta must be a non-zero integer, got {delta!r}")
        with self._tx() as db:
            row = db.execute("SELECT on_hand, reserved FROM stock WHERE sku = ? AND warehouse = ? AND slot = ?",
                             (sku, warehouse_id, slot)).fetchone()
            if row is None:
                raise InputError(f"adjust: no stock of SKU {sku!r} at {warehouse_id}/{slot}")
            if row[0] + delta < row[1]:
                raise InputError(f"adjust: {warehouse_id}/{slot} {sku!r}: on hand {row[0]} {delta:+d} "
                                 f"would fall below reserved {row[1]}")
            db.execute("UPDATE stock SET on_hand = on_hand + ?, adjusted = adjusted + ? "
                       "WHERE sku = ? AND warehouse = ? AND slot = ?", (delta, delta, sku, warehouse_id, slot))
            db.execute("INSERT INTO adjustments (warehouse, slot, sku, delta, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (warehouse_id, slot, sku, delta, str(reason), ts))

    # -------------------------------------------------------------- orders
    def submit(self, order: Order, *, reject_invalid: bool = False, confirm: bool = False,
               at: datetime | None = None) -> OrderRecord:
        """Store a new order in state ``received`` (idempotent by ``order.id``).

        A resend of an already stored id with the same content returns the
        stored order and writes nothing. ``confirm=True`` also confirms and
        allocates it in the same transaction.

        Raises
        ------
        InputError
            If the order is invalid (unknown SKU, bad quantity, no lines, ...)
            and ``reject_invalid`` is False; nothing is stored then. With
            ``reject_invalid=True`` the order is stored as ``rejected`` with the
            reasons instead. Also if the id was submitted before with different
            content, or the id itself is not a non-empty string.
        """
        ts = _ts(at)
        with self._tx() as db:
            return self._submit(db, order, reject_invalid, confirm, ts)

    def submit_many(self, orders: Iterable[Order], *, confirm: bool = False,
                    at: datetime | None = None) -> list[OrderRecord]:
        """Submit several orders in one transaction: all are stored or, if any is
        invalid (``InputError``), none. Resends are returned as in :meth:`submit`."""
        ts = _ts(at)
        with self._tx() as db:
            return [self._submit(db, o, False, confirm, ts) for o in orders]

    def _submit(self, db, order: Order, reject_invalid: bool, confirm: bool, ts: str) -> OrderRecord:
        if not isinstance(order, Order):
            raise InputError(f"expected an Order, got {type(order).__name__}")
        if not isinstance(order.id, str) or not order.id.strip():
            raise InputError(f"order id must be a non-empty string, got {order.id!r}")
        canon = _json(order.to_dict())
        row = db.execute("SELECT submitted FROM orders WHERE id = ?", (order.id,)).fetchone()
        if row is not None:
            if row[0] != canon:
                raise InputError(f"order {order.id!r}: already submitted with different content")
            return self._order(db, order.id)
        skus = [ln.sku for ln in order.lines if isinstance(getattr(ln, "sku", None), str)]
        problems = order_problems(order, known_skus=self._known(db, skus))
        if problems and not reject_invalid:
            raise InputError(problems[0])
        ship_to = order.ship_to.to_dict() if isinstance(order.ship_to, Address) else {}
        db.execute("INSERT INTO orders (id, customer, ship_to, service_level, ship_complete, priority, state, "
                   "submitted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (order.id, str(order.customer), _json(ship_to), str(order.service_level),
                    int(bool(order.ship_complete)),
                    order.priority if isinstance(order.priority, int) else 0,
                    State.RECEIVED.value, canon, ts, ts))
        db.executemany("INSERT INTO lines (order_id, line_no, sku, qty) VALUES (?, ?, ?, ?)",
                       [(order.id, i, str(getattr(ln, "sku", "")),
                         ln.qty if isinstance(getattr(ln, "qty", None), int) else None)
                        for i, ln in enumerate(order.lines, 1)])
        db.execute("INSERT INTO events (order_id, at, from_state, to_state, reason) VALUES (?, ?, NULL, ?, ?)",
                   (order.id, ts, State.RECEIVED.value, "submitted"))
        if problems:
            reason = "; ".join(problems)
            self._move(db, order.id, State.RECEIVED, State.REJECTED, reason, ts, keep_reason=True)
            self._notify(db, order.id, "rejected", {"reasons": problems}, "", ts)
        elif confirm:
            self._confirm(db, order.id, ts)
        return self._order(db, order.id)

    def confirm(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """Confirm a received order and allocate it (``received -> confirmed ->
        allocated / partially_allocated / backordered``). On an order already
        past ``received`` this is :meth:`allocate`."""
        ts = _ts(at)
        with self._tx() as db:
            self._confirm(db, order_id, ts)
            return self._order(db, order_id)

    def allocate(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """(Re)allocate a confirmed, backordered or partially allocated order; an
        allocated order is returned unchanged. See ``docs/ledger.md`` for the rule."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            if state == State.RECEIVED:
                self._confirm(db, order_id, ts)
            elif state != State.ALLOCATED:
                if state not in _ALLOCATABLE:
                    check_transition(order_id, state, State.ALLOCATED)
                self._allocate(db, order_id, ts)
            return self._order(db, order_id)

    def retry_backorders(self, *, sku: str | None = None, at: datetime | None = None) -> list[str]:
        """Try to allocate every backordered or partially allocated order (those
        with a line of ``sku``, if given), highest priority first, then oldest.
        Returns the ids of orders whose state changed."""
        ts = _ts(at)
        with self._tx() as db:
            return self._retry(db, sku, ts)

    def _retry(self, db, sku: str | None, ts: str) -> list[str]:
        sql = ("SELECT o.id, o.state FROM orders o WHERE o.state IN (?, ?)"
               + (" AND EXISTS (SELECT 1 FROM lines l WHERE l.order_id = o.id AND l.sku = ?)" if sku else "")
               + " ORDER BY o.priority DESC, o.seq")
        params = [State.BACKORDERED.value, State.PARTIALLY_ALLOCATED.value] + ([sku] if sku else [])
        changed = []
        for oid, before in db.execute(sql, params).fetchall():
            if self._allocate(db, oid, ts) != before:
                changed.append(oid)
        return changed

    def _confirm(self, db, order_id: str, ts: str) -> None:
        state = self._state(db, order_id)
        if state != State.RECEIVED:
            if state in _ALLOCATABLE:
                self._allocate(db, order_id, ts)
                return
            if state == State.ALLOCATED:
                return
            check_transition(order_id, state, State.CONFIRMED)
        self._move(db, order_id, State.RECEIVED, State.CONFIRMED, "validated", ts)
        self._allocate(db, order_id, ts)

    def _allocate(self, db, order_id: str, ts: str) -> str:
        """Allocate what the order still needs; returns the new state."""
        oid = order_id
        seq, ship_to_json, complete, state = db.execute(
            "SELECT seq, ship_to, ship_complete, state FROM orders WHERE id = ?", (oid,)).fetchone()
        region = json.loads(ship_to_json).get("region", "")
        today = datetime.fromisoformat(ts).date()
        lines = db.execute(
            "SELECT l.line_no, l.sku, l.qty - l.short - COALESCE((SELECT SUM(r.qty) FROM reservations r "
            "WHERE r.order_id = l.order_id AND r.line_no = l.line_no AND r.void = 0), 0), l.expected_date "
            "FROM lines l WHERE l.order_id = ? ORDER BY l.line_no", (oid,)).fetchall()
        need = {ln: (sku, q) for ln, sku, q, _ in lines if q > 0}
        old_dates = {ln: d for ln, _, q, d in lines if q > 0}
        whs = sorted(
            ((today + timedelta(days=hd), cost + (0.0 if reg == region else CROSS_REGION_COST), wid)
             for wid, reg, hd, cost in db.execute("SELECT id, region, handling_days, cost FROM warehouses")))
        totals: dict[str, int] = {}
        for sku, q in need.values():
            totals[sku] = totals.get(sku, 0) + q
        # available units per SKU per warehouse
        have: dict[str, dict[str, int]] = {
            sku: dict(db.execute("SELECT warehouse, SUM(on_hand - reserved) FROM stock "
                                 "WHERE sku = ? AND on_hand > reserved GROUP BY warehouse", (sku,)).fetchall())
            for sku in totals}
        # per SKU per warehouse, the slots allocation may draw from, as [available, slot, rank]
        # in allocation order: best pick rank first (slots without one last), then most
        # available, then slot id. Only the first totals[sku] slots can be reached: each
        # holds at least one unit, and a line only moves past a slot it has emptied or
        # left for a fuller one, so the lines' whole need is met within them. (A popular
        # SKU can sit on a thousand slots; reading them all cost ~1.7 ms an order.)
        avail: dict[str, dict[str, list[list]]] = {}
        for sku, t in totals.items():
            per: dict[str, list[list]] = {}
            for wid in have[sku]:
                per[wid] = [[a, slot, rank] for slot, a, rank in db.execute(
                    "SELECT s.slot, s.on_hand - s.reserved, COALESCE(l.pick_rank, ?) AS rk FROM stock s "
                    "JOIN locations l ON l.warehouse = s.warehouse AND l.slot = s.slot "
                    "WHERE s.sku = ? AND s.warehouse = ? AND s.on_hand > s.reserved "
                    "ORDER BY rk, s.on_hand - s.reserved DESC, s.slot LIMIT ?", (_NO_RANK, sku, wid, t))]
            avail[sku] = per
        plan: list[tuple[int, str, str, str, int]] = []  # line_no, sku, warehouse, slot, qty
        if need:
            single = None
            for _, _, wid in whs:
                if all(have[s].get(wid, 0) >= q for s, q in totals.items()):
                    single = wid
                    break
            if single is not None:
                order_whs = [single]
            elif not complete:
                order_whs = [wid for _, _, wid in whs]
            else:
                order_whs = []
            left = {ln: q for ln, (_, q) in need.items()}
            for ln in sorted(need):
                sku = need[ln][0]
                for wid in order_whs:
                    slots = avail[sku].get(wid, [])
                    # best pick rank first (slots without one last), then most available now
                    # (lines may share a SKU), then slot id
                    slots.sort(key=lambda x: (x[2], -x[0], x[1]))
                    for entry in slots:
                        if left[ln] == 0:
                            break
                        take = min(entry[0], left[ln])
                        if take > 0:
                            entry[0] -= take
                            left[ln] -= take
                            plan.append((ln, sku, wid, entry[1], take))
                    if left[ln] == 0:
                        break
            for ln, sku, wid, slot, q in plan:
                db.execute("UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND warehouse = ? AND slot = ?",
                           (q, sku, wid, slot))
            db.executemany("INSERT INTO reservations (order_id, line_no, sku, warehouse, slot, qty) "
                           "VALUES (?, ?, ?, ?, ?, ?)", [(oid, ln, sku, wid, slot, q) for ln, sku, wid, slot, q in plan])
        else:
            left = {}
        short_lines = {ln: q for ln, q in left.items() if q > 0}
        has_res = db.execute("SELECT 1 FROM reservations WHERE order_id = ? AND void = 0 LIMIT 1",
                             (oid,)).fetchone() is not None
        if not short_lines:
            new = State.ALLOCATED
        elif has_res:
            new = State.PARTIALLY_ALLOCATED
        else:
            new = State.BACKORDERED
        # expected dates of the backordered remainder
        db.executemany("UPDATE lines SET expected_date = NULL, expected_reason = '' WHERE order_id = ? AND line_no = ?",
                       [(oid, ln) for ln in need if ln not in short_lines])
        dates = {}
        for ln, q in sorted(short_lines.items()):
            sku = need[ln][0]
            d, why = self._expected(db, sku, q, seq)
            dates[ln] = (sku, q, d, why)
            db.execute("UPDATE lines SET expected_date = ?, expected_reason = ? WHERE order_id = ? AND line_no = ?",
                       (d, why, oid, ln))
        if new != state:
            if new == State.ALLOCATED:
                reason = "allocated from " + ", ".join(sorted({p[2] for p in plan})) if plan else "allocated"
            elif new == State.PARTIALLY_ALLOCATED:
                reason = f"{sum(short_lines.values())} unit(s) backordered on line(s) " + \
                         ", ".join(map(str, sorted(short_lines)))
            else:
                reason = "no warehouse can ship " + ("the whole order" if complete else "any of it")
            self._move(db, oid, State(state), new, reason, ts)
        if new == State.ALLOCATED:
            rows = db.execute("SELECT DISTINCT warehouse FROM reservations WHERE order_id = ? AND void = 0",
                              (oid,)).fetchall()
            wset = sorted(r[0] for r in rows)
            hd = {wid: d for d, _, wid in whs}
            ship = max((hd[w] for w in wset if w in hd), default=today)
            self._notify(db, oid, "confirmed", {"warehouses": wset, "ship_date": ship.isoformat()}, "", ts)
        if short_lines:
            payload = {"lines": [{"line": ln, "sku": s, "qty": q, "expected_date": d, "reason": why}
                                 for ln, (s, q, d, why) in sorted(dates.items())]}
            first = self._notify(db, oid, "backordered", payload, "", ts)
            moved = {ln: v[2] for ln, v in dates.items() if old_dates.get(ln) != v[2]}
            if not first and moved and any(old_dates.get(ln) is not None for ln in moved):
                key = ",".join(f"{ln}={dates[ln][2] or 'unknown'}" for ln in sorted(dates))
                self._notify(db, oid, "delayed", payload, key, ts)
        return new.value

    def _expected(self, db, sku: str, qty: int, seq: int) -> tuple[str | None, str]:
        """Expected ship date of ``qty`` backordered units of ``sku`` for the order with ``seq``."""
        promised = db.execute(
            "SELECT COALESCE(SUM(l.qty - l.short - COALESCE((SELECT SUM(r.qty) FROM reservations r "
            "WHERE r.order_id = l.order_id AND r.line_no = l.line_no AND r.void = 0), 0)), 0) "
            "FROM orders o JOIN lines l ON l.order_id = o.id "
            "WHERE o.state IN (?, ?) AND o.seq < ? AND l.sku = ?",
            (State.BACKORDERED.value, State.PARTIALLY_ALLOCATED.value, seq, sku)).fetchone()[0]
        want = promised + qty
        cum = 0
        # units at a dock (received, not yet put away) come first, on their receipt day
        rows = db.execute("SELECT r.qty - r.stored, substr(r.at, 1, 10), w.handling_days FROM receipts r "
                          "JOIN warehouses w ON w.id = r.warehouse WHERE r.sku = ? AND r.stored < r.qty "
                          "ORDER BY r.id", (sku,)).fetchall()
        rows += db.execute("SELECT i.qty, i.expected, w.handling_days FROM inbound i JOIN warehouses w "
                           "ON w.id = i.warehouse WHERE i.sku = ? AND i.received_at IS NULL "
                           "ORDER BY i.expected, i.id", (sku,)).fetchall()
        if not rows:
            return None, f"no open inbound for SKU {sku!r}"
        for q, exp, hd in rows:
            cum += q
            if cum >= want:
                return (date.fromisoformat(exp) + timedelta(days=hd)).isoformat(), ""
        return None, f"open inbound short by {want - cum} unit(s)"

    # ----------------------------------------------------------- substitutes
    def substitutes(self, order_id: str, line_no: int, *, limit: int = 3) -> list[Substitute]:
        """Up to ``limit`` (at most 3) in-stock substitutes for a backordered line.

        Same category, another SKU, with the line's backordered quantity
        available in one warehouse; nearest first by
        :func:`robocore.substitutes.substitute_score`, ties by id. Raises
        ``InputError`` for an unknown order or line, or a line with nothing
        backordered or already picked.
        """
        return self._substitutes(self._db, order_id, line_no, min(int(limit), 3))

    def _substitutes(self, db, order_id: str, line_no: int, limit: int) -> list[Substitute]:
        self._state(db, order_id)
        ln = self._line(db, order_id, line_no)
        sku, qty, short, picked, allocated = ln
        need = qty - short - allocated
        if need <= 0:
            raise InputError(f"order {order_id!r} line {line_no}: nothing is backordered")
        if picked:
            raise InputError(f"order {order_id!r} line {line_no}: already picked from")
        base = db.execute("SELECT category, price, attributes FROM skus WHERE id = ?", (sku,)).fetchone()
        if base is None:
            return []
        cat, price, attrs = base[0], base[1], json.loads(base[2])
        cands = []
        for cid, name, cprice, cattrs in db.execute(
                "SELECT id, name, price, attributes FROM skus WHERE category = ? AND id != ?", (cat, sku)):
            cands.append((substitute_score(attrs, price, json.loads(cattrs), cprice), cid, name, cprice))
        cands.sort()
        out = []
        for score, cid, name, cprice in cands:
            if len(out) >= limit:
                break
            best = db.execute("SELECT COALESCE(MAX(a), 0) FROM (SELECT SUM(on_hand - reserved) AS a FROM stock "
                              "WHERE sku = ? GROUP BY warehouse)", (cid,)).fetchone()[0]
            if best >= need:
                out.append(Substitute(sku=cid, name=name, price=cprice, available=int(best), score=round(score, 6)))
        return out

    def accept_substitute(self, order_id: str, line_no: int, sku: str, *, at: datetime | None = None) -> OrderRecord:
        """Rewrite a backordered line to one of its offered substitutes and re-allocate.

        The line keeps its original SKU in ``substituted_from``; an outbox
        ``substituted`` message is written. Raises ``InputError`` if ``sku`` is
        not among :meth:`substitutes` of the line now.
        """
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            if state not in (State.BACKORDERED, State.PARTIALLY_ALLOCATED):
                raise InputError(f"order {order_id!r}: substitutes apply to backordered orders, it is {state}")
            offered = {s.sku for s in self._substitutes(db, order_id, line_no, 3)}
            if sku not in offered:
                raise InputError(f"order {order_id!r} line {line_no}: {sku!r} is not an offered substitute")
            old = self._line(db, order_id, line_no)[0]
            # release any partial reservation of the line: the new SKU is reserved afresh
            for rid, wid, slot, s, q in db.execute(
                    "SELECT id, warehouse, slot, sku, qty - picked FROM reservations "
                    "WHERE order_id = ? AND line_no = ? AND void = 0", (order_id, line_no)).fetchall():
                db.execute("UPDATE stock SET reserved = reserved - ? WHERE sku = ? AND warehouse = ? AND slot = ?",
                           (q, s, wid, slot))
                db.execute("UPDATE reservations SET void = 1 WHERE id = ?", (rid,))
            db.execute("UPDATE lines SET sku = ?, substituted_from = COALESCE(substituted_from, ?), "
                       "expected_date = NULL, expected_reason = '' WHERE order_id = ? AND line_no = ?",
                       (sku, old, order_id, line_no))
            self._note(db, order_id, state, f"line {line_no}: substitute {sku!r} accepted for {old!r}", ts)
            self._notify(db, order_id, "substituted", {"line": line_no, "from": old, "to": sku},
                         f"{line_no}:{sku}", ts)
            self._allocate(db, order_id, ts)
            return self._order(db, order_id)

    def decline_substitute(self, order_id: str, line_no: int, *, at: datetime | None = None) -> OrderRecord:
        """Record that the customer declined substitutes; the line stays backordered."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            sku, qty, short, _, allocated = self._line(db, order_id, line_no)
            if qty - short - allocated <= 0:
                raise InputError(f"order {order_id!r} line {line_no}: nothing is backordered")
            self._note(db, order_id, state, f"line {line_no}: substitutes declined, {sku!r} stays backordered", ts)
            return self._order(db, order_id)

    # ------------------------------------------------------------ the floor
    def release(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """Release an allocated order to the floor. A partially allocated order is
        released with what it has; its backordered remainder is cut (``short``)."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, State.RELEASED)
            reason = "released"
            if state == State.PARTIALLY_ALLOCATED:
                rows = db.execute(
                    "SELECT l.line_no, l.qty - l.short - COALESCE((SELECT SUM(r.qty) FROM reservations r "
                    "WHERE r.order_id = l.order_id AND r.line_no = l.line_no AND r.void = 0), 0) "
                    "FROM lines l WHERE l.order_id = ?", (order_id,)).fetchall()
                cut = [(q, order_id, ln) for ln, q in rows if q > 0]
                db.executemany("UPDATE lines SET short = short + ?, expected_date = NULL, expected_reason = '' "
                               "WHERE order_id = ? AND line_no = ?", cut)
                reason = f"released partial: {sum(c[0] for c in cut)} backordered unit(s) cut"
            self._move(db, order_id, state, State.RELEASED, reason, ts)
            return self._order(db, order_id)

    def start_picking(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """``released -> picking``."""
        return self._simple(order_id, State.PICKING, "picking started", at)

    def record_pick(self, order_id: str, line_no: int, slot: str, qty: int, *, warehouse: str | None = None,
                    at: datetime | None = None) -> Pick:
        """Take ``qty`` units of line ``line_no``'s reservation at ``slot`` into a tote.

        On hand and reserved at the location both drop by ``qty``. A released
        order moves to ``picking``. Raises ``InputError`` if the order is not
        released or picking, there is no open reservation of that line at
        ``slot`` (in ``warehouse``, needed only if the slot id is ambiguous),
        or ``qty`` is not a positive int within what is open.
        """
        ts = _ts(at)
        with self._tx() as db:
            rows = db.execute("SELECT id, warehouse FROM reservations WHERE order_id = ? AND line_no = ? "
                              "AND slot = ? AND void = 0 AND qty > picked" + (" AND warehouse = ?" if warehouse else ""),
                              (order_id, line_no, slot) + ((warehouse,) if warehouse else ())).fetchall()
            if not rows:
                self._state(db, order_id)
                raise InputError(f"order {order_id!r} line {line_no}: no open reservation at slot {slot!r}")
            if len({r[1] for r in rows}) > 1:
                raise InputError(f"order {order_id!r} line {line_no}: slot {slot!r} is in several warehouses; "
                                 "name the warehouse")
            return self._pick(db, rows[0][0], qty, ts)

    def pick_reservation(self, reservation_id: int, qty: int | None = None, *, at: datetime | None = None) -> Pick:
        """:meth:`record_pick` addressed by reservation id; ``qty`` None takes all that is open."""
        ts = _ts(at)
        with self._tx() as db:
            return self._pick(db, reservation_id, qty, ts)

    def _pick(self, db, rid: int, qty: int | None, ts: str) -> Pick:
        row = db.execute("SELECT order_id, line_no, sku, warehouse, slot, qty - picked, void FROM reservations "
                         "WHERE id = ?", (rid,)).fetchone()
        if row is None:
            raise InputError(f"unknown reservation {rid!r}")
        oid, ln, sku, wid, slot, open_, void = row
        if qty is None:
            qty = open_
        if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
            raise InputError(f"order {oid!r} line {ln}: pick quantity must be a positive integer, got {qty!r}")
        if void or qty > open_:
            raise InputError(f"order {oid!r} line {ln}: pick of {qty} at {wid}/{slot} exceeds the open "
                             f"reservation of {0 if void else open_}")
        state = self._state(db, oid)
        if state == State.RELEASED:
            self._move(db, oid, state, State.PICKING, "first pick", ts)
        elif state != State.PICKING:
            raise InputError(f"order {oid!r}: cannot pick in state {state}")
        db.execute("UPDATE reservations SET picked = picked + ? WHERE id = ?", (qty, rid))
        db.execute("UPDATE stock SET on_hand = on_hand - ?, reserved = reserved - ?, picked = picked + ? "
                   "WHERE sku = ? AND warehouse = ? AND slot = ?", (qty, qty, qty, sku, wid, slot))
        db.execute("UPDATE lines SET picked = picked + ? WHERE order_id = ? AND line_no = ?", (qty, oid, ln))
        cur = db.execute("INSERT INTO picks (order_id, line_no, reservation_id, sku, warehouse, slot, qty, at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (oid, ln, rid, sku, wid, slot, qty, ts))
        return Pick(id=int(cur.lastrowid), order_id=oid, line_no=ln, sku=sku, warehouse=wid, slot=slot, qty=qty,
                    at=datetime.fromisoformat(ts))

    def mark_picked(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """``picking -> picked``. Raises ``InputError`` while units are still unpicked."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, State.PICKED)
            left = db.execute("SELECT COALESCE(SUM(qty - picked), 0) FROM reservations WHERE order_id = ? "
                              "AND void = 0", (order_id,)).fetchone()[0]
            if left:
                raise InputError(f"order {order_id!r}: {left} unit(s) still to pick")
            self._move(db, order_id, state, State.PICKED, "all lines picked", ts)
            return self._order(db, order_id)

    def mark_packed(self, order_id: str, parcels: Iterable, *, at: datetime | None = None) -> OrderRecord:
        """``picked -> packed``. ``parcels``: mappings or dataclasses with at least an ``id``."""
        ts = _ts(at)
        items = [_parcel_dict(p, order_id) for p in parcels]
        if not items:
            raise InputError(f"order {order_id!r}: packing needs at least one parcel")
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, State.PACKED)
            for d in items:
                db.execute("INSERT INTO parcels (order_id, parcel_id, data, packed_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (order_id, parcel_id) DO UPDATE SET data = excluded.data, "
                           "packed_at = excluded.packed_at", (order_id, str(d["id"]), _json(d), ts))
            self._move(db, order_id, state, State.PACKED, f"{len(items)} parcel(s)", ts)
            return self._order(db, order_id)

    def mark_shipped(self, order_id: str, parcels: Iterable, *, at: datetime | None = None) -> OrderRecord:
        """``packed -> shipped``; each parcel has ``id``, ``carrier``, ``service``, ``tracking``.

        Every picked unit counts as shipped; an outbox ``shipped`` message
        carries the parcels.
        """
        ts = _ts(at)
        items = [_parcel_dict(p, order_id) for p in parcels]
        if not items:
            raise InputError(f"order {order_id!r}: shipping needs at least one parcel")
        for d in items:
            for k in ("carrier", "service", "tracking"):
                if not isinstance(d.get(k), str) or not d[k]:
                    raise InputError(f"order {order_id!r} parcel {d['id']!r}: {k} must be a non-empty string")
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, State.SHIPPED)
            for d in items:
                db.execute("INSERT INTO parcels (order_id, parcel_id, data, carrier, service, tracking, shipped_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, parcel_id) DO UPDATE SET "
                           "carrier = excluded.carrier, service = excluded.service, tracking = excluded.tracking, "
                           "shipped_at = excluded.shipped_at",
                           (order_id, str(d["id"]), _json(d), d["carrier"], d["service"], d["tracking"], ts))
            db.execute("UPDATE lines SET shipped = picked - returned WHERE order_id = ?", (order_id,))
            self._move(db, order_id, state, State.SHIPPED, f"{len(items)} parcel(s) handed to carrier", ts)
            self._notify(db, order_id, "shipped", {"parcels": [
                {"id": str(d["id"]), "carrier": d["carrier"], "service": d["service"], "tracking": d["tracking"]}
                for d in items]}, "", ts)
            return self._order(db, order_id)

    def mark_delivered(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """``shipped -> delivered``; outbox ``delivered``."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, State.DELIVERED)
            self._move(db, order_id, state, State.DELIVERED, "delivered", ts)
            self._notify(db, order_id, "delivered", {"at": ts}, "", ts)
            return self._order(db, order_id)

    def mark_exception(self, order_id: str, reason: str, *, at: datetime | None = None) -> OrderRecord:
        """Flag a floor or transit problem; :meth:`resume` returns to the state it left."""
        return self._pause(order_id, State.EXCEPTION, reason, at)

    def hold(self, order_id: str, reason: str, *, at: datetime | None = None) -> OrderRecord:
        """Put an order on hold (reservations stay)."""
        return self._pause(order_id, State.ON_HOLD, reason, at)

    def unhold(self, order_id: str, *, at: datetime | None = None) -> OrderRecord:
        """Take an order off hold, back to the state it was held in."""
        return self.resume(order_id, reason="hold lifted", at=at)

    def resume(self, order_id: str, *, reason: str = "", at: datetime | None = None) -> OrderRecord:
        """Move an ``on_hold`` or ``exception`` order back to the state it left."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            if state not in PAUSE_STATES:
                raise InputError(f"order {order_id!r}: cannot resume from {state}: it is not on hold or in exception")
            back = db.execute("SELECT resume_state FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
            self._move(db, order_id, state, State(back), reason or "resumed", ts, resume_to=back)
            db.execute("UPDATE orders SET resume_state = NULL WHERE id = ?", (order_id,))
            return self._order(db, order_id)

    def _pause(self, order_id: str, to: State, reason: str, at) -> OrderRecord:
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, to)
            self._move(db, order_id, state, to, str(reason), ts, keep_reason=True)
            db.execute("UPDATE orders SET resume_state = ? WHERE id = ?", (state, order_id))
            return self._order(db, order_id)

    def _simple(self, order_id: str, to: State, reason: str, at) -> OrderRecord:
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, to)
            self._move(db, order_id, state, to, reason, ts)
            return self._order(db, order_id)

    def cancel(self, order_id: str, reason: str, *, at: datetime | None = None) -> OrderRecord:
        """Cancel an order: open reservations are freed and units already picked
        (in a tote, not shipped) go back to the location they came from."""
        ts = _ts(at)
        with self._tx() as db:
            state = self._state(db, order_id)
            check_transition(order_id, state, State.CANCELLED)
            for rid, sku, wid, slot, q in db.execute(
                    "SELECT id, sku, warehouse, slot, qty - picked FROM reservations WHERE order_id = ? AND void = 0",
                    (order_id,)).fetchall():
                if q:
                    db.execute("UPDATE stock SET reserved = reserved - ? WHERE sku = ? AND warehouse = ? AND slot = ?",
                               (q, sku, wid, slot))
                db.execute("UPDATE reservations SET void = 1 WHERE id = ?", (rid,))
            returned = 0
            for ln, tote in db.execute("SELECT line_no, picked - shipped - returned FROM lines WHERE order_id = ?",
                                       (order_id,)).fetchall():
                for pid, sku, wid, slot, q in db.execute(
                        "SELECT id, sku, warehouse, slot, qty - returned FROM picks WHERE order_id = ? AND line_no = ? "
                        "AND qty > returned ORDER BY id DESC", (order_id, ln)).fetchall():
                    if tote <= 0:
                        break
                    back = min(q, tote)
                    tote -= back
                    returned += back
                    db.execute("UPDATE picks SET returned = returned + ? WHERE id = ?", (back, pid))
                    db.execute("UPDATE stock SET on_hand = on_hand + ?, returned = returned + ? "
                               "WHERE sku = ? AND warehouse = ? AND slot = ?", (back, back, sku, wid, slot))
                    db.execute("UPDATE lines SET returned = returned + ? WHERE order_id = ? AND line_no = ?",
                               (back, order_id, ln))
            why = str(reason) + (f"; {returned} picked unit(s) returned to stock" if returned else "")
            self._move(db, order_id, state, State.CANCELLED, why, ts, keep_reason=True)
            db.execute("UPDATE orders SET resume_state = NULL WHERE id = ?", (order_id,))
            self._notify(db, order_id, "cancelled", {"reason": str(reason)}, "", ts)
            return self._order(db, order_id)

    # --------------------------------------------------------------- outbox
    def notify(self, order_id: str, kind: str, payload: Mapping, *, key: str = "",
               at: datetime | None = None) -> bool:
        """Queue a customer message; one row per (order, kind, key). Returns True if new."""
        ts = _ts(at)
        if not isinstance(kind, str) or not kind:
            raise InputError(f"outbox kind must be a non-empty string, got {kind!r}")
        with self._tx() as db:
            self._state(db, order_id)
            return self._notify(db, order_id, kind, dict(payload), str(key), ts)

    @staticmethod
    def _notify(db, order_id: str, kind: str, payload: dict, key: str, ts: str) -> bool:
        cur = db.execute("INSERT OR IGNORE INTO outbox (order_id, kind, key, payload, at) VALUES (?, ?, ?, ?, ?)",
                         (order_id, kind, key, _json(payload), ts))
        return cur.rowcount == 1

    def outbox(self, *, order_id: str | None = None, kind: str | None = None, after_id: int = 0,
               unsent_only: bool = False, limit: int | None = None) -> list[OutboxMessage]:
        """Outbox rows with ``id > after_id``, oldest first, filtered as asked."""
        sql = "SELECT id, order_id, kind, key, payload, at, sent_at FROM outbox WHERE id > ?"
        params: list = [after_id]
        if order_id is not None:
            sql += " AND order_id = ?"
            params.append(order_id)
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        if unsent_only:
            sql += " AND sent_at IS NULL"
        sql += " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [OutboxMessage(id=r[0], order_id=r[1], kind=r[2], key=r[3], payload=json.loads(r[4]),
                              at=_dt(r[5]), sent_at=_dt(r[6])) for r in self._q(sql, params)]

    def mark_sent(self, ids: Iterable[int], *, at: datetime | None = None) -> int:
        """Mark outbox rows as sent; returns how many were newly marked."""
        ts = _ts(at)
        with self._tx() as db:
            return sum(db.execute("UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
                                  (ts, int(i))).rowcount for i in ids)

    # -------------------------------------------------------------- queries
    def order(self, order_id: str) -> OrderRecord:
        """The order with lines, reservations and parcels. Raises ``InputError`` if unknown."""
        return self._order(self._db, order_id)

    def orders(self, state: str | None = None, *, limit: int | None = None) -> list[OrderSummary]:
        """Orders (in ``state``, if given) oldest first."""
        sql = ("SELECT o.id, o.state, o.customer, o.priority, COUNT(l.line_no), COALESCE(SUM(l.qty), 0), "
               "o.created_at, o.updated_at FROM orders o LEFT JOIN lines l ON l.order_id = o.id")
        params: list = []
        if state is not None:
            try:
                state = State(state).value
            except ValueError:
                raise InputError(f"unknown order state {state!r} (one of {', '.join(s.value for s in State)})") \
                    from None
            sql += " WHERE o.state = ?"
            params.append(state)
        sql += " GROUP BY o.seq ORDER BY o.seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [OrderSummary(id=r[0], state=r[1], customer=r[2], priority=r[3], lines=r[4], units=r[5],
                             created_at=_dt(r[6]), updated_at=_dt(r[7])) for r in self._q(sql, params)]

    def events(self, order_id: str | None = None) -> list[Event]:
        """State-change events (of one order, or all), in the order they happened."""
        if order_id is None:
            rows = self._q("SELECT id, order_id, at, from_state, to_state, reason FROM events ORDER BY id")
        else:
            self._state(self._db, order_id)
            rows = self._q("SELECT id, order_id, at, from_state, to_state, reason FROM events WHERE order_id = ? "
                           "ORDER BY id", (order_id,))
        return [Event(id=r[0], order_id=r[1], at=_dt(r[2]), from_state=r[3], to_state=r[4], reason=r[5])
                for r in rows]

    def pick_list(self, warehouse_id: str, *, order_id: str | None = None) -> list[PickTask]:
        """Open reservations of released or picking orders in a warehouse: what the floor must pick."""
        sql = ("SELECT r.id, r.order_id, r.line_no, r.sku, r.warehouse, r.slot, r.qty - r.picked, o.priority "
               "FROM orders o JOIN reservations r ON r.order_id = o.id WHERE o.state IN (?, ?) "
               "AND r.warehouse = ? AND r.void = 0 AND r.qty > r.picked")
        params: list = [State.RELEASED.value, State.PICKING.value, warehouse_id]
        if order_id is not None:
            sql += " AND o.id = ?"
            params.append(order_id)
        sql += " ORDER BY o.priority DESC, o.seq, r.line_no, r.slot"
        return [PickTask(*r) for r in self._q(sql, params)]

    def counts(self) -> dict[str, int]:
        """Number of orders in each state (every state present)."""
        out = {s.value: 0 for s in State}
        for st, n in self._q("SELECT state, COUNT(*) FROM orders GROUP BY state"):
            out[st] = n
        return out

    def stock(self, sku: str | None = None, *, warehouse: str | None = None) -> list[StockRow]:
        """Stock rows (of one SKU and/or warehouse), by SKU, warehouse, slot."""
        sql = "SELECT warehouse, slot, sku, on_hand, reserved FROM stock"
        cond, params = [], []
        if sku is not None:
            cond.append("sku = ?")
            params.append(sku)
        if warehouse is not None:
            cond.append("warehouse = ?")
            params.append(warehouse)
        if cond:
            sql += " WHERE " + " AND ".join(cond)
        sql += " ORDER BY sku, warehouse, slot"
        return [StockRow(*r) for r in self._q(sql, params)]

    def available(self, sku: str, *, warehouse: str | None = None) -> int:
        """Units on hand minus reserved (in one warehouse, or everywhere)."""
        sql = "SELECT COALESCE(SUM(on_hand - reserved), 0) FROM stock WHERE sku = ?"
        params = [sku]
        if warehouse is not None:
            sql += " AND warehouse = ?"
            params.append(warehouse)
        return int(self._q(sql, params)[0][0])

    def stock_by_sku(self, *, warehouse: str | None = None) -> dict[str, tuple[int, int]]:
        """``{sku: (on_hand, available)}`` summed over the slots (of ``warehouse``, if given)."""
        sql = "SELECT sku, SUM(on_hand), SUM(on_hand - reserved) FROM stock"
        params: list = []
        if warehouse is not None:
            sql += " WHERE warehouse = ?"
            params.append(warehouse)
        return {str(s): (int(h), int(a)) for s, h, a in self._q(sql + " GROUP BY sku", params)}

    def warehouses(self) -> list[Warehouse]:
        """All warehouses by id."""
        return [Warehouse(id=r[0], region=r[1], handling_days=r[2], cost=r[3])
                for r in self._q("SELECT id, region, handling_days, cost FROM warehouses ORDER BY id")]

    def sku(self, sku_id: str) -> Sku:
        """One SKU. Raises ``InputError`` if unknown."""
        rows = self._q("SELECT id, name, category, length_mm, width_mm, height_mm, weight_kg, price, attributes, "
                       "upright_only FROM skus WHERE id = ?", (sku_id,))
        if not rows:
            raise InputError(f"unknown SKU {sku_id!r}")
        r = rows[0]
        return Sku(id=r[0], name=r[1], category=r[2], dims_mm=(r[3], r[4], r[5]), weight_kg=r[6], price=r[7],
                   attributes=json.loads(r[8]), upright_only=bool(r[9]))

    def known_skus(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` that are SKUs in the catalogue."""
        return self._known(self._db, list(ids))

    def tracking_numbers(self) -> list[str]:
        """Every tracking number the ledger's parcels carry (shipped parcels), sorted."""
        return [r[0] for r in self._q("SELECT tracking FROM parcels WHERE tracking IS NOT NULL ORDER BY tracking")]

    def table_counts(self) -> dict[str, int]:
        """Row count of every table (used to show an operation changed nothing)."""
        names = [r[0] for r in self._q("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: self._q(f"SELECT COUNT(*) FROM {n}")[0][0] for n in names}

    # ------------------------------------------------------------ invariants
    def demand_rows(self) -> list[tuple[str, str, int]]:
        """Ordered units per SKU per day: ``(sku, 'YYYY-MM-DD', qty)`` rows.

        Demand is what customers asked for: the original SKU of a substituted
        line, the full quantity of every order that was not rejected (cancelled
        orders count: the customer wanted the goods), dated by the order's
        creation day.
        """
        rows = self._db.execute(
            "SELECT COALESCE(l.substituted_from, l.sku), substr(o.created_at, 1, 10), SUM(l.qty) "
            "FROM lines l JOIN orders o ON o.id = l.order_id "
            "WHERE o.state != 'rejected' AND l.qty > 0 "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        return [(str(s), str(d), int(q)) for s, d, q in rows]

    def open_inbound(self, sku: str | None = None, *, warehouse: str | None = None) -> list[tuple[int, str, str, int, date]]:
        """Open (not yet received) inbound: ``(id, sku, warehouse, qty, expected)`` by expected date."""
        sql = "SELECT id, sku, warehouse, qty, expected FROM inbound WHERE received_at IS NULL"
        params: list = []
        if sku is not None:
            sql += " AND sku = ?"
            params.append(sku)
        if warehouse is not None:
            sql += " AND warehouse = ?"
            params.append(warehouse)
        rows = self._db.execute(sql + " ORDER BY expected, id", params).fetchall()
        return [(int(i), str(s), str(w), int(q), date.fromisoformat(e)) for i, s, w, q, e in rows]

    def backlog(self, sku: str | None = None) -> dict[str, int]:
        """Backordered units waiting for stock, per SKU (orders backordered or
        partially allocated: ordered, minus cut, minus reserved)."""
        sql = ("SELECT l.sku, SUM(l.qty - l.short - COALESCE((SELECT SUM(r.qty) FROM reservations r "
               "WHERE r.order_id = l.order_id AND r.line_no = l.line_no AND r.void = 0), 0)) "
               "FROM lines l JOIN orders o ON o.id = l.order_id WHERE o.state IN (?, ?)")
        params: list = [State.BACKORDERED.value, State.PARTIALLY_ALLOCATED.value]
        if sku is not None:
            sql += " AND l.sku = ?"
            params.append(sku)
        rows = self._db.execute(sql + " GROUP BY l.sku", params).fetchall()
        return {str(s): int(n) for s, n in rows if n and n > 0}

    def check_invariants(self) -> None:
        """Check every ledger invariant (``docs/ledger.md``); raise :class:`InvariantError` listing violations."""
        bad: list[str] = []
        q = self._q
        for sku, wid, slot, oh, res in q("SELECT sku, warehouse, slot, on_hand, reserved FROM stock "
                                         "WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"):
            bad.append(f"{wid}/{slot} {sku}: reserved {res} not within 0..on_hand {oh}")
        for sku, wid, slot, oh, rc, ad, rt, pk in q(
                "SELECT sku, warehouse, slot, on_hand, received, adjusted, returned, picked FROM stock "
                "WHERE on_hand != received + adjusted + returned - picked"):
            bad.append(f"{wid}/{slot} {sku}: on hand {oh} != received {rc} + adjusted {ad} + returned {rt} "
                       f"- picked {pk}")
        for sku, wid, slot, have, want in q(
                "SELECT s.sku, s.warehouse, s.slot, s.reserved, COALESCE(r.open, 0) FROM stock s LEFT JOIN "
                "(SELECT sku, warehouse, slot, SUM(qty - picked) AS open FROM reservations WHERE void = 0 "
                "GROUP BY sku, warehouse, slot) r USING (sku, warehouse, slot) WHERE s.reserved != COALESCE(r.open, 0)"):
            bad.append(f"{wid}/{slot} {sku}: reserved {have} != open reservations {want}")
        for sku, wid, slot, have, want in q(
                "SELECT s.sku, s.warehouse, s.slot, s.picked, COALESCE(p.n, 0) FROM stock s LEFT JOIN "
                "(SELECT sku, warehouse, slot, SUM(qty) AS n FROM picks GROUP BY sku, warehouse, slot) p "
                "USING (sku, warehouse, slot) WHERE s.picked != COALESCE(p.n, 0)"):
            bad.append(f"{wid}/{slot} {sku}: picked {have} != picks {want}")
        for sku, wid, slot, have, want in q(
                "SELECT s.sku, s.warehouse, s.slot, s.returned, COALESCE(p.n, 0) FROM stock s LEFT JOIN "
                "(SELECT sku, warehouse, slot, SUM(returned) AS n FROM picks GROUP BY sku, warehouse, slot) p "
                "USING (sku, warehouse, slot) WHERE s.returned != COALESCE(p.n, 0)"):
            bad.append(f"{wid}/{slot} {sku}: returned {have} != returns recorded on picks {want}")
        for sku, wid, slot, have, want in q(
                "SELECT s.sku, s.warehouse, s.slot, s.adjusted, COALESCE(a.n, 0) FROM stock s LEFT JOIN "
                "(SELECT sku, warehouse, slot, SUM(delta) AS n FROM adjustments GROUP BY sku, warehouse, slot) a "
                "USING (sku, warehouse, slot) WHERE s.adjusted != COALESCE(a.n, 0)"):
            bad.append(f"{wid}/{slot} {sku}: adjusted {have} != adjustments {want}")
        for table, what in (("picks", "pick(s)"), ("putaways", "putaway(s)")):
            for (n,) in q(f"SELECT COUNT(*) FROM {table} p LEFT JOIN stock s USING (sku, warehouse, slot) "
                          "WHERE s.sku IS NULL"):
                if n:
                    bad.append(f"{n} {what} point at no stock row")
        for oid, ln, lp, lr, ls, qty, short, pp, pr, rp, ra in q(
                "SELECT l.order_id, l.line_no, l.picked, l.returned, l.shipped, l.qty, l.short, "
                "COALESCE((SELECT SUM(qty) FROM picks p WHERE p.order_id = l.order_id AND p.line_no = l.line_no), 0), "
                "COALESCE((SELECT SUM(returned) FROM picks p WHERE p.order_id = l.order_id "
                "AND p.line_no = l.line_no), 0), "
                "COALESCE((SELECT SUM(picked) FROM reservations r WHERE r.order_id = l.order_id "
                "AND r.line_no = l.line_no), 0), "
                "COALESCE((SELECT SUM(qty) FROM reservations r WHERE r.order_id = l.order_id "
                "AND r.line_no = l.line_no AND r.void = 0), 0) FROM lines l"):
            where = f"order {oid!r} line {ln}"
            if lp != pp or lp != rp:
                bad.append(f"{where}: picked {lp} != picks {pp} / reservations' picked {rp}")
            if lr != pr:
                bad.append(f"{where}: returned {lr} != returns on picks {pr}")
            if ls < 0 or lr < 0 or ls + lr > lp:
                bad.append(f"{where}: shipped {ls} + returned {lr} not within 0..picked {lp}")
            if qty is not None and ra + short > max(qty, 0):
                bad.append(f"{where}: allocated {ra} + short {short} exceeds quantity {qty}")
            if short < 0:
                bad.append(f"{where}: short {short} < 0")
        for oid, st, n in q("SELECT o.id, o.state, COUNT(*) FROM reservations r JOIN orders o ON o.id = r.order_id "
                            "WHERE r.void = 0 AND o.state IN (?, ?) GROUP BY o.id",
                            (State.CANCELLED.value, State.REJECTED.value)):
            bad.append(f"order {oid!r} is {st} but {n} reservation(s) still point at it")
        done = (State.PICKED.value, State.PACKED.value, State.SHIPPED.value, State.DELIVERED.value)
        for oid, st, n in q("SELECT o.id, o.state, SUM(r.qty - r.picked) FROM reservations r JOIN orders o "
                            "ON o.id = r.order_id WHERE r.void = 0 AND r.qty > r.picked AND o.state IN (?, ?, ?, ?) "
                            "GROUP BY o.id", done):
            bad.append(f"order {oid!r} is {st} with {n} unit(s) still unpicked")
        for rid, have, want, got in q(
                "SELECT r.id, r.stored, COALESCE(p.n, 0), r.qty FROM receipts r LEFT JOIN "
                "(SELECT receipt_id, SUM(qty) AS n FROM putaways GROUP BY receipt_id) p ON p.receipt_id = r.id "
                "WHERE r.stored != COALESCE(p.n, 0) OR r.stored > r.qty"):
            bad.append(f"receipt {rid}: stored {have} != putaways {want} (or more than the {got} received)")
        known = tuple(s.value for s in State)
        for oid, st in q(f"SELECT id, state FROM orders WHERE state NOT IN ({','.join('?' * len(known))})", known):
            bad.append(f"order {oid!r}: unknown state {st!r}")
        for (n,) in q("SELECT COUNT(*) FROM reservations r LEFT JOIN orders o ON o.id = r.order_id WHERE o.id IS NULL"):
            if n:
                bad.append(f"{n} reservation(s) of unknown orders")
        if bad:
            head = f"{len(bad)} ledger invariant violation(s):\n  "
            raise InvariantError(head + "\n  ".join(bad[:50]) + ("\n  ..." if len(bad) > 50 else ""))

    def totals(self) -> dict[str, int]:
        """Ledger-wide unit totals: received, adjusted, on_hand, reserved, in_totes, shipped,
        at_dock (received at a dock, not yet put away; not part of ``received``).

        When the invariants hold, ``received + adjusted == on_hand + in_totes + shipped``.
        """
        rc, ad, oh, rs = self._q("SELECT COALESCE(SUM(received), 0), COALESCE(SUM(adjusted), 0), "
                                 "COALESCE(SUM(on_hand), 0), COALESCE(SUM(reserved), 0) FROM stock")[0]
        tote, sh = self._q("SELECT COALESCE(SUM(picked - shipped - returned), 0), COALESCE(SUM(shipped), 0) "
                           "FROM lines")[0]
        dock = self._q("SELECT COALESCE(SUM(qty - stored), 0) FROM receipts")[0][0]
        return {"received": rc, "adjusted": ad, "on_hand": oh, "reserved": rs, "in_totes": tote, "shipped": sh,
                "at_dock": dock}

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _known(db, skus: list[str]) -> set[str]:
        out: set[str] = set()
        uniq = list(dict.fromkeys(skus))
        for j in range(0, len(uniq), 500):
            part = uniq[j:j + 500]
            out.update(r[0] for r in db.execute(f"SELECT id FROM skus WHERE id IN ({','.join('?' * len(part))})",
                                                part))
        return out

    @staticmethod
    def _state(db, order_id: str) -> str:
        if db is None:
            raise InputError("ledger is closed")
        row = db.execute("SELECT state FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise InputError(f"unknown order {order_id!r}")
        return row[0]

    @staticmethod
    def _line(db, order_id: str, line_no: int) -> tuple[str, int, int, int, int]:
        row = db.execute(
            "SELECT l.sku, l.qty, l.short, l.picked, COALESCE((SELECT SUM(r.qty) FROM reservations r "
            "WHERE r.order_id = l.order_id AND r.line_no = l.line_no AND r.void = 0), 0) FROM lines l "
            "WHERE l.order_id = ? AND l.line_no = ?", (order_id, line_no)).fetchone()
        if row is None:
            raise InputError(f"order {order_id!r}: no line {line_no!r}")
        return row

    @staticmethod
    def _move(db, order_id: str, src: str, dst: State, reason: str, ts: str, *, keep_reason: bool = False,
              resume_to: str | None = None) -> None:
        check_transition(order_id, src, dst, resume_to=resume_to)
        db.execute("UPDATE orders SET state = ?, updated_at = ?" + (", reason = ?" if keep_reason else "")
                   + " WHERE id = ?", (dst.value, ts) + ((reason,) if keep_reason else ()) + (order_id,))
        db.execute("INSERT INTO events (order_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
                   (order_id, ts, str(src), dst.value, reason))

    @staticmethod
    def _note(db, order_id: str, state: str, reason: str, ts: str) -> None:
        db.execute("UPDATE orders SET updated_at = ? WHERE id = ?", (ts, order_id))
        db.execute("INSERT INTO events (order_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
                   (order_id, ts, state, state, reason))

    def _order(self, db, order_id: str) -> OrderRecord:
        if db is None:
            raise InputError("ledger is closed")
        row = db.execute("SELECT id, customer, ship_to, service_level, ship_complete, priority, state, reason, "
                         "resume_state, created_at, updated_at FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise InputError(f"unknown order {order_id!r}")
        res = tuple(Reservation(id=r[0], order_id=r[1], line_no=r[2], sku=r[3], warehouse=r[4], slot=r[5], qty=r[6],
                                picked=r[7], void=bool(r[8]))
                    for r in db.execute("SELECT id, order_id, line_no, sku, warehouse, slot, qty, picked, void "
                                        "FROM reservations WHERE order_id = ? ORDER BY id", (order_id,)))
        alloc: dict[int, int] = {}
        for r in res:
            if not r.void:
                alloc[r.line_no] = alloc.get(r.line_no, 0) + r.qty
        lines = []
        for ln, sku, qty, pk, sh, rt, short, ed, er, sf in db.execute(
                "SELECT line_no, sku, qty, picked, shipped, returned, short, expected_date, expected_reason, "
                "substituted_from FROM lines WHERE order_id = ? ORDER BY line_no", (order_id,)):
            a = alloc.get(ln, 0)
            back = 0 if qty is None or row[6] in (State.REJECTED, State.CANCELLED) else max(qty - a - short, 0)
            lines.append(LineRecord(line_no=ln, sku=sku, qty=qty, allocated=a, picked=pk, shipped=sh, returned=rt,
                                    short=short, backordered=back,
                                    expected_date=None if ed is None else date.fromisoformat(ed),
                                    expected_reason=er, substituted_from=sf))
        parcels = tuple(dict(json.loads(d), carrier=c, service=s, tracking=t)
                        for d, c, s, t in db.execute("SELECT data, carrier, service, tracking FROM parcels "
                                                     "WHERE order_id = ? ORDER BY parcel_id", (order_id,)))
        return OrderRecord(id=row[0], customer=row[1], ship_to=Address(**json.loads(row[2])), service_level=row[3],
                           ship_complete=bool(row[4]), priority=row[5], state=row[6], reason=row[7],
                           resume_state=row[8], created_at=_dt(row[9]), updated_at=_dt(row[10]),
                           lines=tuple(lines), reservations=res, parcels=parcels)


def _date_str(d) -> str:
    if isinstance(d, datetime):
        return d.date().isoformat()
    if isinstance(d, date):
        return d.isoformat()
    if isinstance(d, str):
        try:
            return date.fromisoformat(d).isoformat()
        except ValueError:
            pass
    raise InputError(f"expected date must be a date or YYYY-MM-DD, got {d!r}")


def _check_inbound(db, where: str, sku, wh, qty, expected, known_wh: set[str]) -> None:
    if wh not in known_wh:
        raise InputError(f"{where}: unknown warehouse {wh!r}")
    if db.execute("SELECT 1 FROM skus WHERE id = ?", (sku,)).fetchone() is None:
        raise InputError(f"{where}: unknown SKU {sku!r}")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise InputError(f"{where}: quantity must be a positive integer, got {qty!r}")
    _date_str(expected)


def _parcel_dict(p: Any, order_id: str) -> dict:
    if isinstance(p, Mapping):
        d = dict(p)
    elif dataclasses.is_dataclass(p) and not isinstance(p, type):
        d = dataclasses.asdict(p)
    else:
        raise InputError(f"order {order_id!r}: a parcel must be a mapping or a dataclass, got {type(p).__name__}")
    if "id" not in d or d["id"] in (None, ""):
        raise InputError(f"order {order_id!r}: every parcel needs an 'id'")
    return json.loads(_json(d))
