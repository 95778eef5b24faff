"""Code 128 (ISO/IEC 15417): encode text as bar and space widths, and decode them back.

A symbol is three bars and three spaces, 11 modules wide; the stop symbol has
a fourth, 2-module termination bar (13 modules). The check symbol is
``(start + sum(position * value)) mod 103`` with positions counted from 1.
Text of an even number of digits (at least 4) is encoded in code set C (two
digits per symbol); everything else in code set B (ASCII 32-126).

>>> widths = code128_widths("RP0012345674")
>>> sum(widths), code128_decode(widths)
(167, 'RP0012345674')
"""

from __future__ import annotations

__all__ = ["code128_decode", "code128_values", "code128_widths"]

# widths for symbol values 0..106 (bar, space, bar, space, bar, space[, bar])
_PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
).split()
WIDTHS: tuple[tuple[int, ...], ...] = tuple(tuple(int(c) for c in p) for p in _PATTERNS)
_BY_WIDTHS = {w: v for v, w in enumerate(WIDTHS)}

START_A, START_B, START_C, CODE_B, CODE_C, STOP = 103, 104, 105, 100, 99, 106


def code128_values(text: str) -> list[int]:
    """Symbol values of ``text``: start, data, check symbol and stop.

    Raises
    ------
    ValueError: a character outside ASCII 32-126, or empty text.
    """
    if not text:
        raise ValueError("Code 128: nothing to encode")
    if len(text) >= 4 and len(text) % 2 == 0 and text.isascii() and text.isdigit():
        vals = [START_C] + [int(text[i : i + 2]) for i in range(0, len(text), 2)]
    else:
        bad = [ch for ch in text if not 32 <= ord(ch) <= 126]
        if bad:
            raise ValueError(f"Code 128 set B cannot encode {bad[0]!r}")
        vals = [START_B] + [ord(ch) - 32 for ch in text]
    check = (vals[0] + sum(i * v for i, v in enumerate(vals[1:], start=1))) % 103
    return vals + [check, STOP]


def code128_widths(text: str) -> list[int]:
    """Alternating bar/space widths in modules, starting and ending with a bar (no quiet zones)."""
    out: list[int] = []
    for v in code128_values(text):
        out.extend(WIDTHS[v])
    return out


def code128_decode(widths: list[int] | tuple[int, ...]) -> str:
    """Text from bar/space widths in modules (as :func:`code128_widths` makes them).

    Raises
    ------
    ValueError: not a valid Code 128 symbol sequence (unknown pattern, missing
        start or stop, or a wrong check symbol).
    """
    w = [int(x) for x in widths]
    if len(w) < 6 * 3 + 7 or (len(w) - 7) % 6:
        raise ValueError("Code 128: wrong number of bars and spaces")
    if tuple(w[-7:]) != WIDTHS[STOP]:
        raise ValueError("Code 128: no stop symbol")
    vals = []
    for i in range(0, len(w) - 7, 6):
        v = _BY_WIDTHS.get(tuple(w[i : i + 6]))
        if v is None or v == STOP:
            raise ValueError(f"Code 128: unknown symbol at bar {i}")
        vals.append(v)
    start, data, check = vals[0], vals[1:-1], vals[-1]
    if start not in (START_B, START_C):
        raise ValueError("Code 128: no start B or C symbol")
    if (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 != check:
        raise ValueError("Code 128: check symbol mismatch")
    code = "B" if start == START_B else "C"
    out = []
    for v in data:
        if v == CODE_B and code == "C":
            code = "B"
        elif v == CODE_C and code == "B":
            code = "C"
        elif code == "C":
            if v > 99:
                raise ValueError(f"Code 128: value {v} is not a digit pair")
            out.append(f"{v:02d}")
        else:
            if v > 94:
                raise ValueError(f"Code 128: value {v} is not printable in set B")
            out.append(chr(v + 32))
    return "".join(out)
