"""``robocore order``: submit, show, cancel and list orders in a ledger file."""

from __future__ import annotations

import argparse
import json
import sys

from robocore.cli._ledger_args import add_db_arg, open_ledger

__all__ = ["register", "read_orders"]


def register(sub) -> None:
    p = sub.add_parser("order", help="submit, show, cancel and list orders in a ledger")
    p.set_defaults(group_parser=p)
    osub = p.add_subparsers(dest="order_command", metavar="SUBCOMMAND", parser_class=type(p))

    s = osub.add_parser("submit", help="submit orders from a JSON file (or - for stdin) and confirm them")
    s.add_argument("file", metavar="FILE.json", help="one order object, a list of them, or {\"orders\": [...]}; - reads stdin")
    s.add_argument("--no-confirm", action="store_true", help="store the orders as received, do not allocate")
    add_db_arg(s)
    s.set_defaults(handler=_submit)

    sh = osub.add_parser("show", help="one order: state, lines, reservations, events")
    sh.add_argument("id", metavar="ID", help="the client order id")
    add_db_arg(sh)
    sh.set_defaults(handler=_show)

    c = osub.add_parser("cancel", help="cancel an order (picked units go back to stock)")
    c.add_argument("id", metavar="ID", help="the client order id")
    c.add_argument("--reason", default="cancelled from the command line", help="stored with the event")
    add_db_arg(c)
    c.set_defaults(handler=_cancel)

    ls = osub.add_parser("list", help="orders, oldest first, with their state")
    ls.add_argument("--state", metavar="S", help="only orders in state S (received, allocated, ...)")
    ls.add_argument("--limit", type=int, metavar="N", help="at most N orders")
    add_db_arg(ls)
    ls.set_defaults(handler=_list)


def read_orders(path: str) -> list:
    """Parse an orders JSON file (``-`` = stdin) into ``Order`` values.

    Raises ``InputError`` naming the file and line for malformed JSON, and the
    file and order for a bad order.
    """
    from robocore.cli._common import existing_file
    from robocore.errors import InputError
    from robocore.orders import Order

    source = "<stdin>" if path == "-" else path
    if path == "-":
        text = sys.stdin.read()
    else:
        existing_file(path, what="orders file")
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read: {err}", source=source) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"malformed JSON: {err.msg} (column {err.colno})", source=source, line=err.lineno) from None
    if isinstance(obj, dict) and "orders" in obj and "lines" not in obj:
        obj = obj["orders"]
    items = obj if isinstance(obj, list) else [obj]
    if not items:
        raise InputError("no orders in file", source=source)
    orders = []
    for i, item in enumerate(items, 1):
        try:
            orders.append(Order.from_dict(item))
        except InputError as err:
            raise InputError(f"order {i}: {err}" if not str(err).startswith("order ") else str(err),
                             source=source) from None
    return orders


def _submit(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json
    from robocore.errors import InputError

    orders = read_orders(args.file)
    source = "<stdin>" if args.file == "-" else args.file
    with open_ledger(args.db) as led:
        try:
            recs = led.submit_many(orders, confirm=not args.no_confirm)
        except InputError as err:
            raise InputError(str(err), source=source) from None
    if args.json:
        emit_json({"orders": [r.to_dict() for r in recs]})
        return 0
    for r in recs:
        where = f" from {', '.join(r.warehouses)}" if r.warehouses else ""
        back = [ln for ln in r.lines if ln.backordered]
        extra = ""
        if back:
            extra = "; backordered: " + ", ".join(
                f"line {ln.line_no} {ln.sku} x{ln.backordered} "
                f"(expected {ln.expected_date.isoformat() if ln.expected_date else 'unknown: ' + ln.expected_reason})"
                for ln in back)
        print(f"{r.id}: {r.state}{where}{extra}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json

    with open_ledger(args.db) as led:
        rec = led.order(args.id)
        events = led.events(args.id)
    if args.json:
        d = rec.to_dict()
        d["events"] = [{"at": e.at.isoformat(), "from": e.from_state, "to": e.to_state, "reason": e.reason}
                       for e in events]
        emit_json(d)
        return 0
    print(f"order {rec.id}: {rec.state}" + (f" ({rec.reason})" if rec.reason else ""))
    print(f"  customer {rec.customer}, ship to {rec.ship_to.region or '-'} {rec.ship_to.postcode} "
          f"{rec.ship_to.country}, {rec.service_level}, "
          f"{'ship complete' if rec.ship_complete else 'partial allowed'}, priority {rec.priority}")
    for ln in rec.lines:
        more = ""
        if ln.backordered:
            more = f", backordered {ln.backordered} (expected " + (
                ln.expected_date.isoformat() if ln.expected_date else f"unknown: {ln.expected_reason}") + ")"
        if ln.substituted_from:
            more += f", substitute for {ln.substituted_from}"
        print(f"  line {ln.line_no}: {ln.sku} x{ln.qty}: allocated {ln.allocated}, picked {ln.picked}, "
              f"shipped {ln.shipped}{more}")
    for r in rec.reservations:
        if not r.void:
            print(f"  reservation {r.id}: line {r.line_no} {r.sku} {r.warehouse}/{r.slot} qty {r.qty} picked {r.picked}")
    for e in events:
        print(f"  {e.at.isoformat()}  {e.from_state or '-'} -> {e.to_state}  {e.reason}")
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json

    with open_ledger(args.db) as led:
        rec = led.cancel(args.id, args.reason)
    if args.json:
        emit_json(rec.to_dict())
    else:
        print(f"{rec.id}: {rec.state} ({rec.reason})")
    return 0


def _list(args: argparse.Namespace) -> int:
    from robocore.cli._common import emit_json

    with open_ledger(args.db) as led:
        rows = led.orders(args.state, limit=args.limit)
    if args.json:
        emit_json({"orders": [{"id": r.id, "state": r.state, "customer": r.customer, "priority": r.priority,
                               "lines": r.lines, "units": r.units, "created_at": r.created_at.isoformat(),
                               "updated_at": r.updated_at.isoformat()} for r in rows]})
        return 0
    for r in rows:
        print(f"{r.id}\t{r.state}\t{r.customer}\t{r.lines} line(s)\t{r.units} unit(s)\t{r.created_at.isoformat()}")
    print(f"{len(rows)} order(s)", file=sys.stderr)
    return 0
