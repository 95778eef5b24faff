"""Tracking numbers: format and the Luhn check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from robocore.errors import InputError
from robocore.shipping import DEFAULT_CARRIERS
from robocore.tracking import SERIAL_DIGITS, luhn_check_digit, tracking_number, valid_tracking_number


def test_known_luhn_values():
    assert luhn_check_digit("7992739871") == 3  # the textbook example
    assert luhn_check_digit("0") == 0


def test_format():
    t = tracking_number(DEFAULT_CARRIERS[0], 42)
    assert t.startswith("RP") and len(t) == 2 + SERIAL_DIGITS + 1 and t[2:-1] == "000000042"
    assert valid_tracking_number(t) and valid_tracking_number(t, prefixes=("RP",))
    assert not valid_tracking_number(t, prefixes=("AC",))


@pytest.mark.parametrize("bad", ["", "RP00000004", "rp0000000421", "R10000000421", "RP00000A0421", 12, None,
                                 "RP00000004213"])
def test_malformed_is_invalid(bad):
    assert not valid_tracking_number(bad)


@pytest.mark.parametrize("serial", [-1, 10**SERIAL_DIGITS, 1.5, True])
def test_bad_serial_raises(serial):
    with pytest.raises(InputError, match="serial"):
        tracking_number("RP", serial)


def test_bad_prefix_raises():
    with pytest.raises(InputError, match="prefix"):
        tracking_number("R1", 5)


@given(serial=st.integers(0, 10**SERIAL_DIGITS - 1))
def test_every_single_digit_error_is_detected(serial):
    t = tracking_number("AC", serial)
    assert valid_tracking_number(t)
    for pos in range(2, len(t)):
        for d in "0123456789":
            if d != t[pos]:
                assert not valid_tracking_number(t[:pos] + d + t[pos + 1:]), (t, pos, d)


@given(serial=st.integers(0, 10**SERIAL_DIGITS - 1))
def test_adjacent_swaps_are_detected_except_09(serial):
    t = tracking_number("GL", serial)
    for pos in range(2, len(t) - 1):
        a, b = t[pos], t[pos + 1]
        if a != b and {a, b} != {"0", "9"}:
            assert not valid_tracking_number(t[:pos] + b + a + t[pos + 2:])
