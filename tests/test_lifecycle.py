import doctest
import re
from pathlib import Path

import pytest

import robocore.lifecycle as lifecycle
from robocore import InputError
from robocore.lifecycle import FINAL_STATES, TRANSITIONS, State, can_transition, check_transition

DOC = Path(__file__).resolve().parent.parent / "docs" / "lifecycle.md"


def _doc_table() -> dict[str, set[str]]:
    out = {}
    for line in DOC.read_text().split("What each state means")[0].splitlines():
        m = re.match(r"^\| (\w+) \| ([^|]+) \|", line)
        if not m or m.group(1) in ("from", "state") or line.startswith("| ("):
            continue
        src, dst = m.group(1), m.group(2).replace("the state it left", "")
        if src not in {s.value for s in State}:
            continue
        out[src] = set(re.findall(r"[a-z_]+", dst.split("(")[0] + " " + dst.split(")")[-1])) - {"none", "final"}
        if src in ("on_hold", "exception"):  # "the state it left (a, b, ...)"
            inner = dst[dst.index("(") + 1: dst.index(")")]
            out[src] |= set(re.findall(r"[a-z_]+", inner))
    return out


def test_doc_table_matches_code():
    doc = _doc_table()
    assert set(doc) == {s.value for s in State}
    for s, nxt in TRANSITIONS.items():
        assert doc[s.value] == {n.value for n in nxt}, s


def test_every_state_reachable_from_received_and_finals_are_final():
    seen, todo = {State.RECEIVED}, [State.RECEIVED]
    while todo:
        for n in TRANSITIONS[todo.pop()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    assert seen == set(State)
    assert FINAL_STATES == {State.DELIVERED, State.CANCELLED, State.REJECTED}


def test_check_transition_messages():
    check_transition("A", "received", "confirmed")
    with pytest.raises(InputError, match=r"^order 'A-17': cannot go from shipped to cancelled$"):
        check_transition("A-17", "shipped", "cancelled")
    with pytest.raises(InputError, match="cannot go from on_hold to released"):
        check_transition("A", "on_hold", "released")
    check_transition("A", "on_hold", "released", resume_to="released")
    check_transition("A", "on_hold", "cancelled")
    assert not can_transition("nonsense", "received")


def test_doctests():
    assert doctest.testmod(lifecycle).failed == 0
