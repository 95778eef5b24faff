"""``robocore order`` and ``robocore stock``: happy paths, and every bad input exits 2 with
one stderr line and leaves the ledger file byte-for-byte unchanged."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from robocore import Ledger
from robocore.cli import main

REPO = Path(__file__).resolve().parent.parent

WAREHOUSES = "warehouse,region,handling_days,cost\nWH-1,north,1,3.5\nWH-2,south,2,2\n"
STOCK = ("warehouse,slot,sku,qty,name,category,length_mm,width_mm,height_mm,weight_kg,price,attributes\n"
         'WH-1,A01,MUG-1,10,Blue mug,kitchen,90,90,100,0.3,8.5,"{""colour"": ""blue""}"\n'
         'WH-2,B01,MUG-2,5,Red mug,kitchen,90,90,100,0.3,8.0,"{""colour"": ""red""}"\n')
ORDERS = [{"id": "A-1", "customer": "C1", "ship_to": {"region": "north"}, "lines": [{"sku": "MUG-1", "qty": 3}]},
          {"id": "A-2", "customer": "C2", "ship_to": {"region": "south"}, "ship_complete": False,
           "lines": [{"sku": "MUG-1", "qty": 20}]}]


def run(*args, stdin=None):
    """Run the CLI in-process (fast); returns an object like ``subprocess.CompletedProcess``."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as e:
                code = e.code
    finally:
        sys.stdin = old_stdin
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_real_process_exit_code(tmp_path):
    r = subprocess.run([sys.executable, "-m", "robocore", "order", "list", "--db", str(tmp_path / "none.db")],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [f"robocore: {tmp_path / 'none.db'}: "
                                                                    "ledger file not found"]


def digest(path: Path) -> str:
    # the database content as the ledger sees it (the WAL file is checkpointed into the main file on close)
    with Ledger(path) as led:
        counts = led.table_counts()
        dump = "\n".join(led._db.iterdump())
    return hashlib.sha256((json.dumps(counts) + dump).encode()).hexdigest()


@pytest.fixture
def db(tmp_path):
    (tmp_path / "wh.csv").write_text(WAREHOUSES)
    (tmp_path / "stock.csv").write_text(STOCK)
    p = tmp_path / "l.db"
    r = run("stock", "load", tmp_path / "wh.csv", tmp_path / "stock.csv", "--db", p, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["loaded"] == {"warehouses": 2, "skus": 2, "locations": 0, "stock": 2, "inbound": 0}
    return p


def test_submit_show_list_cancel(db, tmp_path):
    f = tmp_path / "o.json"
    f.write_text(json.dumps(ORDERS))
    r = run("order", "submit", f, "--db", db, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)["orders"]
    assert [o["state"] for o in out] == ["allocated", "partially_allocated"]
    assert out[1]["lines"][0]["backordered"] == 13
    r = run("order", "submit", "-", "--db", db, stdin=json.dumps(ORDERS[0]))  # a resend: same order
    assert r.returncode == 0 and r.stdout.strip() == "A-1: allocated from WH-1"
    r = run("order", "show", "A-2", "--db", db, "--json")
    shown = json.loads(r.stdout)
    assert shown["state"] == "partially_allocated" and [e["to"] for e in shown["events"]] == [
        "received", "confirmed", "partially_allocated"]
    r = run("order", "list", "--state", "allocated", "--db", db, "--json")
    assert [o["id"] for o in json.loads(r.stdout)["orders"]] == ["A-1"]
    r = run("order", "cancel", "A-1", "--db", db)
    assert r.returncode == 0 and "cancelled" in r.stdout
    r = run("stock", "show", "MUG-1", "--db", db, "--json")
    assert json.loads(r.stdout)["stock"] == [{"warehouse": "WH-1", "slot": "A01", "sku": "MUG-1", "on_hand": 10,
                                              "reserved": 7, "available": 3}]
    with Ledger(db) as led:
        led.check_invariants()


BAD_ORDERS = {
    "unknown SKU": ([{"id": "B-1", "lines": [{"sku": "NOPE", "qty": 1}]}], "order 'B-1' line 1: unknown SKU 'NOPE'"),
    "zero qty": ({"id": "B-2", "lines": [{"sku": "MUG-1", "qty": 0}]},
                 "order 'B-2' line 1: quantity must be a positive integer, got 0"),
    "negative qty in 2nd order": ([ORDERS[0], {"id": "B-3", "lines": [{"sku": "MUG-1", "qty": -3}]}],
                                  "order 'B-3' line 1: quantity must be a positive integer, got -3"),
    "conflicting resend": ([dict(ORDERS[0], customer="other")], "already submitted with different content"),
}


@pytest.mark.parametrize("case", sorted(BAD_ORDERS))
def test_bad_orders_exit_2_and_change_nothing(db, tmp_path, case):
    if case == "conflicting resend":
        f = tmp_path / "first.json"
        f.write_text(json.dumps(ORDERS[0]))
        assert run("order", "submit", f, "--db", db).returncode == 0
    payload, msg = BAD_ORDERS[case]
    before = digest(db)
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(payload))
    r = run("order", "submit", f, "--db", db)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and msg in r.stderr, r.stderr
    assert str(f) in r.stderr
    assert digest(db) == before
    with Ledger(db) as led:
        led.check_invariants()


def test_malformed_inputs_exit_2_naming_the_line(db, tmp_path):
    before = digest(db)
    f = tmp_path / "broken.json"
    f.write_text('[\n {"id": "X",\n  "lines": [}\n]')
    cases = [
        (("order", "submit", f, "--db", db), f"{f}: line 3: malformed JSON"),
        (("order", "submit", tmp_path / "none.json", "--db", db), "orders file not found"),
        (("order", "show", "ZZ", "--db", db), "unknown order 'ZZ'"),
        (("order", "cancel", "ZZ", "--db", db), "unknown order 'ZZ'"),
        (("order", "list", "--state", "nope", "--db", db), "unknown order state 'nope'"),
        (("order", "list", "--db", tmp_path / "missing.db"), "ledger file not found"),
        (("stock", "show", "--db", tmp_path / "missing.db"), "ledger file not found"),
        (("stock", "show", "NOPE", "--db", db), "unknown SKU 'NOPE'"),
    ]
    csvs = {
        "qty0.csv": ("warehouse,slot,sku,qty\nWH-1,A02,MUG-1,5\nWH-1,A03,MUG-1,0\n", "line 3: qty must be a positive"),
        "unk.csv": ("warehouse,slot,sku,qty\nWH-1,A02,MUG-1,5\nWH-1,A03,MUG-9,2\n", "line 3: unknown SKU 'MUG-9'"),
        "wh.csv": ("warehouse,slot,sku,qty\nWH-7,A02,MUG-1,5\n", "line 2: unknown warehouse 'WH-7'"),
        "short.csv": ("warehouse,slot,sku,qty\nWH-1,A02,MUG-1\n", "line 2: expected 4 fields, got 3"),
        "hdr.csv": ("warehouse,bin,sku,qty\n", "line 1: header matches no CSV kind"),
        "extra.csv": ("warehouse,slot,sku,qty,colour\n", "line 1: stock file: unknown column 'colour'"),
        "empty.csv": ("", "line 1: empty file"),
        "quote.csv": ('warehouse,slot,sku,qty\nWH-1,"A0\n', "malformed CSV"),
        "neg.csv": ("warehouse,slot,sku,qty\nWH-1,A02,MUG-1,-4\n", "line 2: qty must be a positive integer, got '-4'"),
    }
    for name, (text, msg) in csvs.items():
        p = tmp_path / name
        p.write_text(text)
        # a good file first: the bad one must stop the whole load
        cases.append((("stock", "load", tmp_path / "wh_ok.csv", p, "--db", db), msg))
    (tmp_path / "wh_ok.csv").write_text("warehouse,region,handling_days\nWH-3,east,1\n")
    for args, msg in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and msg in r.stderr, (args, r.stderr)
        assert r.stdout == ""
    assert digest(db) == before
    assert not (tmp_path / "missing.db").exists()
    with Ledger(db) as led:
        led.check_invariants()


def test_failed_load_into_new_db_leaves_no_file(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("warehouse,slot,sku,qty\nWH-1,A,X,1\n")
    r = run("stock", "load", p, "--db", tmp_path / "new.db")
    assert r.returncode == 2 and "unknown warehouse 'WH-1'" in r.stderr
    assert list(tmp_path.iterdir()) == [p]


def test_load_catalogue_and_inbound_files(tmp_path):
    (tmp_path / "wh.csv").write_text(WAREHOUSES)
    (tmp_path / "cat.csv").write_text("sku,name,category,length_mm,width_mm,height_mm,weight_kg,price,upright_only\n"
                                      "V-1,Vase,home,200,200,300,1.5,25,1\n")
    (tmp_path / "st.csv").write_text("warehouse,slot,sku,qty\nWH-2,C01,V-1,2\n")
    (tmp_path / "in.csv").write_text("sku,warehouse,qty,expected\nV-1,WH-1,10,2030-01-02\n")
    db = tmp_path / "l.db"
    r = run("stock", "load", *(tmp_path / n for n in ("wh.csv", "cat.csv", "st.csv", "in.csv")), "--db", db)
    assert r.returncode == 0, r.stderr
    assert "1 SKU(s), 1 stock row(s) (2 units), 1 inbound row(s)" in r.stdout
    f = tmp_path / "o.json"
    f.write_text(json.dumps({"orders": [{"id": "V", "lines": [{"sku": "V-1", "qty": 5}]}]}))
    r = run("order", "submit", f, "--db", db, "--json")
    line = json.loads(r.stdout)["orders"][0]["lines"][0]
    assert line["expected_date"] == "2030-01-03" and line["backordered"] == 5
    with Ledger(db) as led:
        assert led.sku("V-1").upright_only is True
        led.check_invariants()
