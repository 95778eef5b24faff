"""Tracking numbers: carrier prefix + serial + a Luhn check digit.

Format: the carrier's two-letter prefix, the serial zero-padded to
:data:`SERIAL_DIGITS` digits, then one check digit computed with the Luhn
algorithm (ISO/IEC 7812-1, "mod 10") over the serial digits: from the right,
every second digit starting with the last serial digit is doubled (minus 9 if
above 9), and the check digit brings the sum to a multiple of 10. Luhn catches
every single-digit error and every swap of adjacent digits except 09 <-> 90.
(The UPU S10 mod-11 scheme was considered and not used: its mapping of
remainders 10 and 11 to 0 and 5 lets some single-digit errors through.)

>>> tracking_number("RP", 1234567)
'RP0012345674'
>>> valid_tracking_number("RP0012345674"), valid_tracking_number("RP0012345664")
(True, False)
>>> tracking_serial("RP0012345674")
1234567
"""

from __future__ import annotations

from robocore.errors import InputError
from robocore.shipping import Carrier

__all__ = ["SERIAL_DIGITS", "luhn_check_digit", "tracking_number", "tracking_serial", "valid_tracking_number"]

#: Digits of the zero-padded serial (one billion labels per carrier prefix).
SERIAL_DIGITS = 9


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit (0-9) for a string of decimal digits."""
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if k % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def tracking_number(carrier: Carrier | str, serial: int) -> str:
    """The tracking number of parcel ``serial`` (0 .. 10**9 - 1) for ``carrier`` (or its prefix).

    Raises
    ------
    InputError: the serial is out of range or the prefix is not two upper-case letters.
    """
    prefix = carrier.tracking_prefix if isinstance(carrier, Carrier) else str(carrier)
    if len(prefix) != 2 or not prefix.isascii() or not prefix.isalpha() or not prefix.isupper():
        raise InputError(f"tracking prefix must be two upper-case letters, got {prefix!r}")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < 10**SERIAL_DIGITS:
        raise InputError(f"tracking serial must be an integer in 0..{10**SERIAL_DIGITS - 1}, got {serial!r}")
    body = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{prefix}{body}{luhn_check_digit(body)}"


def valid_tracking_number(s: str, *, prefixes: tuple[str, ...] | None = None) -> bool:
    """Whether ``s`` is a well-formed tracking number with a correct check digit.

    With ``prefixes``, the prefix must also be one of them.
    """
    if not isinstance(s, str) or len(s) != 3 + SERIAL_DIGITS:
        return False
    prefix, body, check = s[:2], s[2:-1], s[-1]
    if not (prefix.isascii() and prefix.isalpha() and prefix.isupper()):
        return False
    if prefixes is not None and prefix not in prefixes:
        return False
    if not (body.isascii() and body.isdigit() and check.isascii() and check.isdigit()):
        return False
    return luhn_check_digit(body) == int(check)


def tracking_serial(s: str) -> int:
    """The serial inside tracking number ``s`` (the inverse of :func:`tracking_number`).

    Raises
    ------
    InputError: ``s`` is not a well-formed tracking number with a correct check digit.
    """
    if not valid_tracking_number(s):
        raise InputError(f"not a tracking number (2-letter prefix, {SERIAL_DIGITS} digits, Luhn digit): {s!r}")
    return int(s[2:-1])
