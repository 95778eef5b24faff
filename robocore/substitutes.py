"""How near a candidate substitute is to the SKU it replaces.

The ledger offers, for an out-of-stock line, the in-stock SKUs of the same
category with the lowest :func:`substitute_score`.

>>> round(substitute_score({"colour": "red", "size": 4}, 10.0, {"colour": "red", "size": 5}, 12.0), 4)
0.2667
"""

from __future__ import annotations

from typing import Mapping

__all__ = ["attribute_distance", "substitute_score"]


def attribute_distance(a: Mapping, b: Mapping) -> float:
    """Mean over the union of keys of a per-attribute distance in [0, 1].

    Numbers (not bools): ``|x - y| / max(|x|, |y|, 1)``; anything else: 0 if
    equal, else 1; a key present on one side only: 1. Two empty mappings: 0.
    """
    keys = set(a) | set(b)
    if not keys:
        return 0.0
    total = 0.0
    for k in keys:
        if k not in a or k not in b:
            total += 1.0
            continue
        x, y = a[k], b[k]
        if _num(x) and _num(y):
            total += min(abs(x - y) / max(abs(x), abs(y), 1.0), 1.0)
        else:
            total += 0.0 if x == y else 1.0
    return total / len(keys)


def substitute_score(attrs: Mapping, price: float, cand_attrs: Mapping, cand_price: float) -> float:
    """Attribute distance plus relative price difference; lower is nearer."""
    return attribute_distance(attrs, cand_attrs) + abs(price - cand_price) / max(price, cand_price, 1.0)


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
