"""Packing values: items, cartons, placements, parcels, and an independent check.

Units: lengths in millimetres (integers), weights in kilograms, carton cost in
euros. A carton's interior is the box ``[0, l] x [0, w] x [0, h]``; an item is
placed with its minimum corner at ``position = (x, y, z)`` and occupies
``[x, x + dl] x [y, y + dw] x [z, z + dh]`` where ``(dl, dw, dh)`` are its
*placed* dimensions, a permutation of its own ``(l, w, h)``. The third axis is
up: an item marked ``upright_only`` keeps its own height ``h`` on the z axis
(it may still turn about the vertical axis).

The solver that produces these values is :func:`planner.cartonize.cartonize`;
this module holds only the values and :func:`verify_packing`, which checks a
result without trusting the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import permutations

from robocore.errors import InputError

__all__ = [
    "DEFAULT_CARTONS",
    "Carton",
    "Item",
    "PackResult",
    "PackingError",
    "Parcel",
    "Placement",
    "orientations",
    "verify_packing",
]

Dims = tuple[int, int, int]


def _check_dims(what: str, dims) -> Dims:
    try:
        out = tuple(int(d) for d in dims)
    except (TypeError, ValueError):
        raise InputError(f"{what}: dims must be three integers in mm, got {dims!r}") from None
    if len(out) != 3 or any(d <= 0 for d in out) or any(int(d) != d for d in dims):
        raise InputError(f"{what}: dims must be three positive integers in mm, got {tuple(dims)!r}")
    return out  # type: ignore[return-value]


@dataclass(frozen=True)
class Item:
    """One unit to pack.

    Parameters
    ----------
    sku: the item's stock-keeping unit, used in messages.
    dims: ``(l, w, h)`` in mm, positive integers; ``h`` is the item's own height.
    weight: kg, non-negative.
    upright_only: when true the item's ``h`` must stay vertical ("this side up").

    Raises
    ------
    InputError: on non-positive or non-integer dims, or a negative weight.
    """

    sku: str
    dims: Dims
    weight: float
    upright_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", _check_dims(f"item '{self.sku}'", self.dims))
        if not (self.weight >= 0):
            raise InputError(f"item '{self.sku}': weight must be >= 0 kg, got {self.weight!r}")

    @property
    def volume(self) -> int:
        """Volume in mm^3."""
        l, w, h = self.dims
        return l * w * h


@dataclass(frozen=True)
class Carton:
    """A box type in the catalogue.

    Parameters
    ----------
    id: short name, e.g. ``"S2"``.
    dims: inner ``(l, w, h)`` in mm; ``h`` is the height (the carton is packed
        standing on its ``l x w`` floor).
    max_weight: kg of contents the carton may carry.
    cost: euros per carton used.
    tare: kg, the empty carton's own weight (with filling material).
    """

    id: str
    dims: Dims
    max_weight: float
    cost: float
    tare: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", _check_dims(f"carton '{self.id}'", self.dims))
        if not (self.max_weight > 0):
            raise InputError(f"carton '{self.id}': max_weight must be > 0 kg, got {self.max_weight!r}")
        if not (self.cost >= 0):
            raise InputError(f"carton '{self.id}': cost must be >= 0, got {self.cost!r}")
        if not (self.tare >= 0):
            raise InputError(f"carton '{self.id}': tare must be >= 0 kg, got {self.tare!r}")

    @property
    def volume(self) -> int:
        """Inner volume in mm^3."""
        l, w, h = self.dims
        return l * w * h


#: A realistic range of single-wall shipping boxes plus a padded mailer, inner
#: dimensions in mm, cheapest first. Costs are per box in euros (material,
#: filling and handling), roughly what a mid-size European fulfilment centre
#: pays; tare is the empty box with its filling, kg.
DEFAULT_CARTONS: tuple[Carton, ...] = (
    Carton("MAILER", (320, 230, 40), 1.0, 0.18, 0.03),
    Carton("XS", (150, 100, 80), 2.0, 0.28, 0.06),
    Carton("S1", (200, 150, 100), 5.0, 0.36, 0.10),
    Carton("S2", (250, 180, 120), 8.0, 0.45, 0.14),
    Carton("M1", (300, 220, 150), 12.0, 0.58, 0.20),
    Carton("M2", (350, 250, 200), 15.0, 0.74, 0.28),
    Carton("L1", (400, 300, 250), 20.0, 0.98, 0.40),
    Carton("L2", (500, 350, 300), 25.0, 1.32, 0.55),
    Carton("XL1", (600, 400, 400), 30.0, 1.85, 0.80),
    Carton("XL2", (800, 600, 500), 31.5, 2.90, 1.20),
)


def orientations(item: Item) -> list[Dims]:
    """The distinct placed dimensions allowed for ``item``.

    Six axis permutations of ``(l, w, h)`` (fewer when sides are equal); for an
    upright-only item only the two that keep ``h`` on the z axis.

    >>> orientations(Item("a", (3, 2, 1), 0.1, upright_only=True))
    [(3, 2, 1), (2, 3, 1)]
    """
    return list(_orientations(item.dims, item.upright_only))


@lru_cache(maxsize=4096)
def _orientations(dims: Dims, upright_only: bool) -> tuple[Dims, ...]:
    l, w, h = dims
    cands = [(l, w, h), (w, l, h)] if upright_only else list(permutations((l, w, h)))
    out: list[Dims] = []
    for c in cands:
        if c not in out:
            out.append(c)
    return tuple(out)


@dataclass(frozen=True)
class Placement:
    """Where one item sits in its carton.

    ``item`` is the index into the order's item list; ``position`` the item's
    minimum corner ``(x, y, z)`` in mm from the carton's inner corner; ``dims``
    its placed ``(dx, dy, dz)`` in mm.
    """

    item: int
    position: Dims
    dims: Dims


@dataclass(frozen=True)
class Parcel:
    """One carton and what is in it."""

    carton: Carton
    placements: tuple[Placement, ...]

    def weight(self, items: list[Item] | tuple[Item, ...]) -> float:
        """Contents weight in kg (the carton's own weight is not counted)."""
        return float(sum(items[p.item].weight for p in self.placements))

    def gross_weight(self, items: list[Item] | tuple[Item, ...]) -> float:
        """Contents plus the carton's tare, kg: what the carrier weighs and bills."""
        return self.weight(items) + self.carton.tare


@dataclass(frozen=True)
class PackResult:
    """A packing of one order.

    ``cost`` is the sum of carton costs in euros; ``fill_rate`` the items'
    volume over the cartons' inner volume (0 for an empty order).
    """

    parcels: tuple[Parcel, ...]
    cost: float
    fill_rate: float
    item_volume: int = field(default=0)
    carton_volume: int = field(default=0)


class PackingError(AssertionError):
    """A packing that breaks a rule; the message names the item and the rule."""


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def verify_packing(result: PackResult, items: list[Item] | tuple[Item, ...], *, rel_tol: float = 1e-9) -> None:
    """Check ``result`` against ``items`` from scratch; return ``None`` when sound.

    Checked: every item index placed exactly once; every placement's dims a
    legal orientation of its item (upright-only keeps its height vertical);
    every item inside its carton; no two items in one carton overlapping
    (touching faces are allowed); each carton's contents within its max
    weight; ``cost`` and ``fill_rate`` consistent with the parcels.

    Raises
    ------
    PackingError: naming the first rule broken.
    """
    n = len(items)
    seen = [0] * n
    total_cost = 0.0
    item_vol = 0
    carton_vol = 0
    for pi, parcel in enumerate(result.parcels):
        c = parcel.carton
        total_cost += c.cost
        carton_vol += c.volume
        L, W, H = c.dims
        weight = 0.0
        boxes: list[tuple[int, int, int, int, int, int, int]] = []
        if not parcel.placements:
            raise PackingError(f"parcel {pi} ({c.id}) is empty")
        for p in parcel.placements:
            if not (0 <= p.item < n):
                raise PackingError(f"parcel {pi}: item index {p.item} out of range 0..{n - 1}")
            seen[p.item] += 1
            it = items[p.item]
            if tuple(p.dims) not in orientations(it):
                why = " (upright-only)" if it.upright_only else ""
                raise PackingError(f"item {p.item} '{it.sku}' {it.dims}: dims {p.dims} are not a legal rotation{why}")
            x, y, z = p.position
            dx, dy, dz = p.dims
            if x < 0 or y < 0 or z < 0 or x + dx > L or y + dy > W or z + dz > H:
                raise PackingError(
                    f"item {p.item} '{it.sku}' at {p.position} size {p.dims} sticks out of carton {c.id} {c.dims}"
                )
            for j, bx, by, bz, ex, ey, ez in boxes:
                if _overlap(x, x + dx, bx, ex) and _overlap(y, y + dy, by, ey) and _overlap(z, z + dz, bz, ez):
                    raise PackingError(f"items {j} and {p.item} overlap in parcel {pi} ({c.id})")
            boxes.append((p.item, x, y, z, x + dx, y + dy, z + dz))
            weight += it.weight
            item_vol += it.volume
        if weight > c.max_weight * (1 + rel_tol):
            raise PackingError(f"parcel {pi} ({c.id}) carries {weight:.3f} kg > max {c.max_weight} kg")
    for i, k in enumerate(seen):
        if k != 1:
            raise PackingError(f"item {i} '{items[i].sku}' placed {k} times, expected once")
    if abs(total_cost - result.cost) > 1e-6 * max(1.0, total_cost):
        raise PackingError(f"cost {result.cost} != sum of carton costs {total_cost}")
    fill = item_vol / carton_vol if carton_vol else 0.0
    if abs(fill - result.fill_rate) > 1e-9:
        raise PackingError(f"fill rate {result.fill_rate} != item volume / carton volume {fill}")
