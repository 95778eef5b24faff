"""``robocore stock``: load warehouses, a catalogue, stock and inbound from CSV; show stock.

Each CSV file's header says what it holds (columns in any order, extra
columns are an error):

========== ==========================================================================
kind        columns (``[...]`` optional)
========== ==========================================================================
warehouses ``warehouse,region,handling_days[,cost]``
catalogue  ``sku,name,category,length_mm,width_mm,height_mm,weight_kg,price[,upright_only][,attributes]``
stock      ``warehouse,slot,sku,qty`` (may also carry the catalogue columns, defining the SKU)
inbound    ``sku,warehouse,qty,expected`` (``expected`` is ``YYYY-MM-DD``)
========== ==========================================================================

``attributes`` is a JSON object; ``upright_only`` is ``0/1/true/false``. All
files of one ``stock load`` go into the ledger in one transaction, after all
of them were checked: a bad row anywhere changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys

from robocore.cli._ledger_args import add_db_arg, open_ledger

__all__ = ["register", "read_stock_files", "KINDS"]

_CAT = ("sku", "name", "category", "length_mm", "width_mm", "height_mm", "weight_kg", "price")
_CAT_OPT = ("upright_only", "attributes")
#: kind -> (required columns, optional columns)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "warehouses": (("warehouse", "region", "handling_days"), ("cost",)),
    "catalogue": (_CAT, _CAT_OPT),
    "stock": (("warehouse", "slot", "sku", "qty"), _CAT[1:] + _CAT_OPT),
    "inbound": (("sku", "warehouse", "qty", "expected"), ()),
}


def register(sub) -> None:
    p = sub.add_parser("stock", help="load and show inventory in a ledger")
    p.set_defaults(group_parser=p)
    ssub = p.add_subparsers(dest="stock_command", metavar="SUBCOMMAND", parser_class=type(p))

    ld = ssub.add_parser("load", help="load warehouses, catalogue, stock and inbound CSV files (one transaction)",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ld.add_argument("files", nargs="+", metavar="FILE.csv", help="CSV files; the header decides the kind")
    add_db_arg(ld)
    ld.set_defaults(handler=_load)

    sh = ssub.add_parser("show", help="stock rows (of one SKU): on hand, reserved, available per location")
    sh.add_argument("sku", nargs="?", metavar="SKU", help="only this SKU")
    sh.add_argument("--warehouse", metavar="W", help="only this warehouse")
    add_db_arg(sh)
    sh.set_defaults(handler=_show)

    from robocore.cli._common import arg_type

    rs = ssub.add_parser("reslot", help="recommend slot moves by forecast velocity, with the expected travel saving")
    rs.add_argument("--layout", required=True, metavar="LAYOUT",
                    help="the warehouse's floor: a bundled layout name or a layout file (a run folder's layout.json)")
    rs.add_argument("--warehouse", metavar="W", help="the warehouse (default: the ledger's only one)")
    rs.add_argument("--horizon", type=arg_type(int, "a whole number of days", ok=lambda v: 1 <= v <= 366), default=7,
                    metavar="DAYS", help="review horizon: forecast days the placement should serve (default 7)")
    rs.add_argument("--max-moves", type=arg_type(int, "a positive integer", ok=lambda v: v >= 1), metavar="N",
                    help="recommend at most N moves (default: all that save travel)")
    add_db_arg(rs)
    rs.set_defaults(handler=_reslot)


def _kind(header: list[str], source: str) -> str:
    from robocore.errors import InputError

    cols = set(header)
    if len(cols) != len(header):
        raise InputError("header repeats a column", source=source, line=1)
    if "slot" in cols:
        kind = "stock"
    elif "expected" in cols:
        kind = "inbound"
    elif "category" in cols:
        kind = "catalogue"
    elif "handling_days" in cols:
        kind = "warehouses"
    else:
        raise InputError("header matches no CSV kind (warehouses, catalogue, stock, inbound); "
                         "see `robocore stock load --help`", source=source, line=1)
    req, opt = KINDS[kind]
    missing = [c for c in req if c not in cols]
    if missing:
        raise InputError(f"{kind} file: missing column {missing[0]!r}", source=source, line=1)
    extra = [c for c in header if c not in req and c not in opt]
    if extra:
        raise InputError(f"{kind} file: unknown column {extra[0]!r}", source=source, line=1)
    if kind == "stock":
        cat_cols = [c for c in _CAT[1:] if c in cols]
        if cat_cols and len(cat_cols) != len(_CAT) - 1:
            gone = [c for c in _CAT[1:] if c not in cols]
            raise InputError(f"stock file with catalogue columns: missing column {gone[0]!r}", source=source, line=1)
    return kind


def _int(v: str, what: str, source: str, line: int, *, positive: bool = True, minimum: int = 1) -> int:
    from robocore.errors import InputError

    try:
        n = int(v.strip())
    except ValueError:
        n = None
    lo = minimum if positive else 0
    if n is None or n < lo:
        kind = "a positive integer" if positive else "a non-negative integer"
        raise InputError(f"{what} must be {kind}, got {v!r}", source=source, line=line)
    return n


def _float(v: str, what: str, source: str, line: int) -> float:
    from robocore.errors import InputError

    try:
        x = float(v.strip())
    except ValueError:
        x = float("nan")
    if not (x >= 0.0) or x == float("inf"):
        raise InputError(f"{what} must be a non-negative number, got {v!r}", source=source, line=line)
    return x


def _sku_from(row: dict, source: str, line: int):
    from robocore.catalog import Sku
    from robocore.errors import InputError

    attrs = {}
    if row.get("attributes"):
        try:
            attrs = json.loads(row["attributes"])
        except json.JSONDecodeError as err:
            raise InputError(f"attributes: malformed JSON: {err.msg}", source=source, line=line) from None
    up = (row.get("upright_only") or "0").strip().lower()
    if up not in ("0", "1", "true", "false", "yes", "no"):
        raise InputError(f"upright_only must be 0/1/true/false, got {row['upright_only']!r}", source=source, line=line)
    try:
        return Sku(id=row["sku"].strip(), name=row["name"], category=row["category"].strip(),
                   dims_mm=(_int(row["length_mm"], "length_mm", source, line),
                            _int(row["width_mm"], "width_mm", source, line),
                            _int(row["height_mm"], "height_mm", source, line)),
                   weight_kg=_float(row["weight_kg"], "weight_kg", source, line),
                   price=_float(row["price"], "price", source, line),
                   attributes=attrs, upright_only=up in ("1", "true", "yes"))
    except InputError as err:
        if err.source is not None:
            raise
        raise InputError(err.message, source=source, line=line) from None


def read_stock_files(paths: list[str]) -> dict:
    """Parse CSV files into ``{"warehouses": [...], "skus": [...], "stock": [...], "inbound": [...]}``
    plus ``"where"``: for each stock and inbound row, its ``(file, line)``.

    Raises ``InputError`` naming the file and line of the first bad row.
    """
    from robocore.catalog import Warehouse
    from robocore.cli._common import existing_file
    from robocore.errors import InputError

    out: dict = {"warehouses": [], "skus": [], "stock": [], "inbound": [], "where_stock": [], "where_inbound": []}
    for path in paths:
        existing_file(path, what="CSV file")
        try:
            fh = open(path, newline="", encoding="utf-8")
        except OSError as err:
            raise InputError(f"cannot read: {err}", source=path) from None
        with fh:
            reader = csv.reader(fh, strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    raise InputError("empty file (expected a header row)", source=path, line=1)
                header = [h.strip() for h in header]
                kind = _kind(header, path)
                has_cat = kind == "stock" and "category" in header
                for row in reader:
                    line = reader.line_num
                    if not row or all(not c.strip() for c in row):
                        continue
                    if len(row) != len(header):
                        raise InputError(f"expected {len(header)} fields, got {len(row)}", source=path, line=line)
                    rec = dict(zip(header, row))
                    if kind == "warehouses":
                        wid = rec["warehouse"].strip()
                        if not wid:
                            raise InputError("warehouse must not be empty", source=path, line=line)
                        out["warehouses"].append(Warehouse(
                            id=wid, region=rec["region"].strip(),
                            handling_days=_int(rec["handling_days"], "handling_days", path, line, positive=False),
                            cost=_float(rec["cost"], "cost", path, line) if rec.get("cost", "").strip() else 0.0))
                    elif kind == "catalogue":
                        out["skus"].append(_sku_from(rec, path, line))
                    elif kind == "stock":
                        sku = rec["sku"].strip()
                        if not sku or not rec["slot"].strip() or not rec["warehouse"].strip():
                            raise InputError("warehouse, slot and sku must not be empty", source=path, line=line)
                        if has_cat:
                            out["skus"].append(_sku_from(rec, path, line))
                        out["stock"].append((rec["warehouse"].strip(), rec["slot"].strip(), sku,
                                             _int(rec["qty"], "qty", path, line)))
                        out["where_stock"].append((path, line))
                    else:
                        exp = rec["expected"].strip()
                        from datetime import date

                        try:
                            d = date.fromisoformat(exp)
                        except ValueError:
                            raise InputError(f"expected must be a date YYYY-MM-DD, got {exp!r}", source=path,
                                             line=line) from None
                        out["inbound"].append((rec["sku"].strip(), rec["warehouse"].strip(),
                                               _int(rec["qty"], "qty", path, line), d))
                        out["where_inbound"].append((path, line))
            except csv.Error as err:
                raise InputError(f"malformed CSV: {err}", source=path, line=reader.line_num) from None
            except UnicodeDecodeError as err:
                raise InputError(f"not UTF-8 text: {err.reason}", source=path) from None
    return out


def _load(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json
    from robocore.errors import InputError
    from robocore.ledger import Ledger

    data = read_stock_files(args.files)
    existed = os.path.exists(args.db)
    led = Ledger.open_existing(args.db) if existed else None
    try:
        known_wh = {w.id for w in data["warehouses"]} | ({w.id for w in led.warehouses()} if led else set())
        file_skus = {s.id for s in data["skus"]}
        need = {r[2] for r in data["stock"]} | {r[0] for r in data["inbound"]}
        known = file_skus | (led.known_skus(need - file_skus) if led else set())
        for kind, idx_wh, idx_sku in (("stock", 0, 2), ("inbound", 1, 0)):
            for row, (src, line) in zip(data[kind], data[f"where_{kind}"]):
                if row[idx_wh] not in known_wh:
                    raise InputError(f"unknown warehouse {row[idx_wh]!r}", source=src, line=line)
                if row[idx_sku] not in known:
                    raise InputError(f"unknown SKU {row[idx_sku]!r}", source=src, line=line)
        if led is None:
            led = Ledger(args.db)
        counts = led.load(warehouses=data["warehouses"], skus=data["skus"], stock=data["stock"],
                          inbound=data["inbound"])
    except BaseException:
        if led is not None:
            led.close()
            led = None
        if not existed:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(args.db + suffix):
                    os.remove(args.db + suffix)
        raise
    finally:
        if led is not None:
            led.close()
    units = sum(r[3] for r in data["stock"])
    if args.json:
        emit_json({"db": args.db, "loaded": counts, "units": units})
    else:
        print(f"{args.db}: {counts['warehouses']} warehouse(s), {counts['skus']} SKU(s), {counts['stock']} stock "
              f"row(s) ({units} units), {counts['inbound']} inbound row(s)")
    return 0


def _show(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json
    from robocore.errors import InputError

    with open_ledger(args.db) as led:
        if args.sku is not None:
            led.sku(args.sku)  # unknown SKU -> InputError
        if args.warehouse is not None and args.warehouse not in {w.id for w in led.warehouses()}:
            raise InputError(f"unknown warehouse {args.warehouse!r}")
        rows = led.stock(args.sku, warehouse=args.warehouse)
    if args.json:
        emit_json({"stock": [{"warehouse": r.warehouse, "slot": r.slot, "sku": r.sku, "on_hand": r.on_hand,
                              "reserved": r.reserved, "available": r.available} for r in rows]})
        return 0
    print("sku\twarehouse\tslot\ton_hand\treserved\tavailable")
    for r in rows:
        print(f"{r.sku}\t{r.warehouse}\t{r.slot}\t{r.on_hand}\t{r.reserved}\t{r.available}")
    print(f"{len(rows)} row(s), {sum(r.on_hand for r in rows)} unit(s) on hand", file=sys.stderr)
    return 0


def _reslot(args: argparse.Namespace) -> int:
    from maps import load_layout
    from robocore.cli._common import emit_json
    from robocore.errors import InputError
    from robocore.reslot import forecast_velocity, reslot_recommendation

    layout = load_layout(args.layout)
    with open_ledger(args.db) as led:
        names = [w.id for w in led.warehouses()]
        wh = args.warehouse
        if wh is None:
            if len(names) != 1:
                raise InputError(f"the ledger has {len(names)} warehouses; name one with --warehouse")
            wh = names[0]
        elif wh not in names:
            raise InputError(f"unknown warehouse {wh!r}")
        velocity = forecast_velocity(args.db, horizon_days=args.horizon)
        rep = reslot_recommendation(led, layout, warehouse=wh, velocity=velocity, horizon_days=args.horizon,
                                    max_moves=args.max_moves)
    if args.json:
        emit_json({"warehouse": rep.warehouse, "horizon_days": rep.horizon_days,
                   "travel_now": round(rep.travel_now, 3), "travel_after": round(rep.travel_after, 3),
                   "saving_fraction": round(rep.saving_fraction, 4),
                   "moves": [{"sku": m.sku, "from": m.src, "to": m.dst, "qty": m.qty, "saving": round(m.saving, 3)}
                             for m in rep.moves]})
        return 0
    print("sku\tfrom\tto\tqty\tsaving/day")
    for m in rep.moves:
        print(f"{m.sku}\t{m.src}\t{m.dst}\t{m.qty}\t{m.saving:.1f}")
    print(f"{rep.warehouse}: {len(rep.moves)} move(s); expected travel {rep.travel_now:,.0f} -> "
          f"{rep.travel_after:,.0f} moves a day ({100 * rep.saving_fraction:.1f}% less) over the next "
          f"{rep.horizon_days:g} days", file=sys.stderr)
    return 0
