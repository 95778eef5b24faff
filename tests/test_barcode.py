"""Code 128 encoder against its own decoder and the symbology's invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from robocore.barcode import WIDTHS, code128_decode, code128_values, code128_widths


def test_pattern_table_invariants():
    assert len(WIDTHS) == 107 and len(set(WIDTHS)) == 107
    assert all(len(w) == 6 and sum(w) == 11 for w in WIDTHS[:106])
    assert WIDTHS[106] == (2, 3, 3, 1, 1, 1, 2)
    # Code 128 parity: the bars of every symbol cover an even number of modules
    assert all(sum(w[0::2]) % 2 == 0 for w in WIDTHS[:106])


def test_known_check_symbol():
    # start B 104 + P48*1 + J42*2 + J42*3 + 1:17*4 + 2:18*5 + 3:19*6 + C35*7 = 879 = 8*103 + 55
    assert code128_values("PJJ123C") == [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]


def test_digits_use_code_set_c():
    assert code128_values("123456")[:4] == [105, 12, 34, 56]
    assert code128_values("123")[0] == 104


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40))
def test_round_trip(text):
    w = code128_widths(text)
    assert len(w) % 6 == 1 and sum(w) == 11 * (len(code128_values(text)) - 1) + 13
    assert code128_decode(w) == text


def test_decoder_rejects_damage():
    w = code128_widths("RP0012345674")
    with pytest.raises(ValueError):
        code128_decode(w[:-1])
    # another valid symbol in place of 'R': the check symbol catches it
    bad = list(w)
    bad[6:12] = WIDTHS[51]
    with pytest.raises(ValueError, match="check symbol"):
        code128_decode(bad)
    # widths that are no symbol at all
    bad = list(w)
    bad[6:12] = [1, 1, 1, 1, 1, 6]
    with pytest.raises(ValueError, match="unknown symbol"):
        code128_decode(bad)


def test_encoder_rejects_unencodable():
    with pytest.raises(ValueError):
        code128_values("")
    with pytest.raises(ValueError, match="cannot encode"):
        code128_values("caf\u00e9")
