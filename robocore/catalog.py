"""Warehouses and SKUs (the catalogue), with a seeded demo generator.

Units: dimensions in millimetres (positive integers, ``(length, width,
height)``, height being the item's own up axis), weights in kilograms, prices
and costs in currency units.

:func:`demo_catalog` and :func:`demo_warehouses` make reproducible catalogues
for tests, benchmarks and the shift simulation; :func:`stock_layout` puts a
catalogue on the slots of a :class:`~robocore.layout.Layout` in a ledger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from robocore.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from robocore.layout import Layout
    from robocore.ledger import Ledger

__all__ = ["Warehouse", "Sku", "demo_catalog", "iter_demo_catalog", "demo_warehouses", "stock_layout"]

_SCALAR = (str, int, float, bool)


@dataclass(frozen=True)
class Warehouse:
    """A warehouse.

    Attributes
    ----------
    id: unique id, e.g. ``"WH-N"``.
    region: compared with ``Address.region`` for the cross-region surcharge.
    handling_days: whole days from allocation to shipping, >= 0.
    cost: base cost of one shipment from here (currency units), >= 0.

    Raises ``InputError`` for an empty id or a negative number.
    """

    id: str
    region: str = ""
    handling_days: int = 1
    cost: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError(f"warehouse id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.handling_days, int) or isinstance(self.handling_days, bool) or self.handling_days < 0:
            raise InputError(f"warehouse {self.id!r}: handling_days must be a non-negative integer, "
                             f"got {self.handling_days!r}")
        if not isinstance(self.cost, (int, float)) or not math.isfinite(self.cost) or self.cost < 0:
            raise InputError(f"warehouse {self.id!r}: cost must be a non-negative number, got {self.cost!r}")
        object.__setattr__(self, "cost", float(self.cost))


@dataclass(frozen=True)
class Sku:
    """A stock-keeping unit.

    Attributes
    ----------
    id, name, category: strings; substitutes come from the same category.
    dims_mm: ``(length, width, height)`` in mm, positive integers.
    weight_kg: >= 0.
    price: >= 0, currency units.
    attributes: str -> str | int | float | bool, used to rank substitutes
        (excluded from the hash).
    upright_only: this side up: packing keeps ``height`` vertical.

    Raises ``InputError`` naming the SKU for a bad field.
    """

    id: str
    name: str
    category: str
    dims_mm: tuple[int, int, int]
    weight_kg: float
    price: float
    attributes: dict = field(default_factory=dict, hash=False)
    upright_only: bool = False

    def __post_init__(self) -> None:
        # the common case (plain Python values, as from a file or demo_catalog) is checked
        # cheaply; anything else goes through _normalise, which coerces or raises
        d = self.dims_mm
        w, p, u = self.weight_kg, self.price, self.upright_only
        if not (type(self.id) is str and self.id and type(self.category) is str and self.category
                and type(d) is tuple and len(d) == 3
                and type(d[0]) is int and type(d[1]) is int and type(d[2]) is int and d[0] > 0 and d[1] > 0
                and d[2] > 0 and type(w) is float and 0.0 <= w < math.inf and type(p) is float and 0.0 <= p < math.inf
                and type(u) is bool and type(self.attributes) is dict
                and all(type(k) is str and isinstance(v, _SCALAR) for k, v in self.attributes.items())):
            self._normalise()

    def _normalise(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError(f"SKU id must be a non-empty string, got {self.id!r}")
        where = f"SKU {self.id!r}"
        if not isinstance(self.category, str) or not self.category:
            raise InputError(f"{where}: category must be a non-empty string, got {self.category!r}")
        try:
            dims = tuple(self.dims_mm)
        except TypeError:
            dims = ()
        if len(dims) != 3 or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
                                     for d in dims):
            raise InputError(f"{where}: dims_mm must be three positive integers (mm), got {self.dims_mm!r}")
        object.__setattr__(self, "dims_mm", tuple(int(d) for d in dims))
        for name in ("weight_kg", "price"):
            v = getattr(self, name)
            if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool) \
                    or not math.isfinite(v) or v < 0:
                raise InputError(f"{where}: {name} must be a non-negative number, got {v!r}")
            object.__setattr__(self, name, float(v))
        if not isinstance(self.attributes, dict) or not all(
                isinstance(k, str) and isinstance(v, _SCALAR) for k, v in self.attributes.items()):
            raise InputError(f"{where}: attributes must map strings to strings, numbers or booleans")
        if not isinstance(self.upright_only, (bool, np.bool_)):
            raise InputError(f"{where}: upright_only must be a bool, got {self.upright_only!r}")
        object.__setattr__(self, "upright_only", bool(self.upright_only))

    @property
    def volume_mm3(self) -> int:
        """Length x width x height in cubic millimetres."""
        a, b, c = self.dims_mm
        return a * b * c


_COLOURS = ("black", "white", "red", "blue", "green", "grey", "yellow", "brown")
_MATERIALS = ("plastic", "steel", "wood", "cotton", "glass", "paper")


def demo_catalog(n_skus: int, *, seed: int = 0, n_categories: int = 24, prefix: str = "SKU-") -> list[Sku]:
    """``n_skus`` reproducible SKUs spread over ``n_categories`` categories.

    Ids are ``f"{prefix}{i:07d}"``. Each SKU has a colour, a material and a
    numeric size attribute; dimensions 20-600 mm, weight from volume and
    density (0.01-25 kg), price 1-500, about 5% upright-only. The same seed
    gives the same catalogue.

    >>> [s.id for s in demo_catalog(2, seed=1)]
    ['SKU-0000000', 'SKU-0000001']
    """
    return list(iter_demo_catalog(n_skus, seed=seed, n_categories=n_categories, prefix=prefix))


def iter_demo_catalog(n_skus: int, *, seed: int = 0, n_categories: int = 24, prefix: str = "SKU-",
                      chunk: int = 100_000) -> Iterator[Sku]:
    """:func:`demo_catalog` as a generator (same SKUs, bounded memory for millions)."""
    if not isinstance(n_skus, int) or n_skus < 0:
        raise InputError(f"n_skus must be a non-negative integer, got {n_skus!r}")
    rng = np.random.default_rng(seed)
    for lo in range(0, n_skus, chunk):
        n = min(chunk, n_skus - lo)
        cat = rng.integers(0, max(n_categories, 1), n)
        dims = rng.integers(20, 601, (n, 3))
        dims.sort(axis=1)
        dims = dims[:, ::-1]  # length >= width >= height
        density = rng.uniform(0.05, 1.2, n)  # g / cm^3
        weight = np.round(np.clip(dims.prod(axis=1) / 1000.0 * density / 1000.0, 0.01, 25.0), 3)
        price = np.round(np.exp(rng.uniform(0.0, math.log(500.0), n)), 2)
        colour = rng.integers(0, len(_COLOURS), n)
        material = rng.integers(0, len(_MATERIALS), n)
        size = rng.integers(1, 11, n)
        upright = rng.random(n) < 0.05
        dl, dw, dh = dims[:, 0].tolist(), dims[:, 1].tolist(), dims[:, 2].tolist()
        wl, pl, up = weight.tolist(), price.tolist(), upright.tolist()
        cats, cols, mats, sizes = cat.tolist(), colour.tolist(), material.tolist(), size.tolist()
        for k in range(n):
            i = lo + k
            col, mat = _COLOURS[cols[k]], _MATERIALS[mats[k]]
            yield Sku(id=f"{prefix}{i:07d}", name=f"{mat} item {i} ({col})", category=f"cat-{cats[k]:02d}",
                      dims_mm=(dl[k], dw[k], dh[k]), weight_kg=wl[k], price=pl[k],
                      attributes={"colour": col, "material": mat, "size": sizes[k]}, upright_only=up[k])


def demo_warehouses(n: int = 3, *, seed: int = 0) -> list[Warehouse]:
    """``n`` warehouses ``WH-1`` ... in regions ``region-1`` ..., with 1-3 handling
    days and a base shipment cost of 2-8, reproducibly from ``seed``."""
    rng = np.random.default_rng(seed)
    return [Warehouse(id=f"WH-{i + 1}", region=f"region-{i + 1}", handling_days=int(rng.integers(1, 4)),
                      cost=round(float(rng.uniform(2.0, 8.0)), 2)) for i in range(n)]


def stock_layout(ledger: "Ledger", warehouse_id: str, layout: "Layout", skus: Sequence[Sku | str], *,
                 seed: int = 0, fill: float = 0.8, max_qty: int = 50, slot_order: Sequence[str] | None = None,
                 at=None) -> list[tuple[str, str, int]]:
    """Stock the slots of ``layout`` in ``warehouse_id`` with ``skus``; one transaction.

    Registers every slot of the layout as a location (with its capacity), then
    puts one SKU on a ``fill`` fraction of them, each with a quantity drawn
    uniformly from ``1 .. min(capacity, max_qty)``:

    * random slotting (``slot_order`` None): a seeded random ``fill`` fraction
      of the slots, the SKUs dealt round-robin over a shuffled slot order (so
      every SKU is stocked when there are enough slots);
    * ordered slotting (``slot_order`` given, slot ids best first, e.g.
      cheapest to pick first from :func:`planner.slotting.slot_costs`): the
      first ``fill`` fraction of that order, dealt in contiguous blocks in the
      order of ``skus`` (so list the fastest movers first: the first SKU takes
      the best slots). Every SKU gets ``n // len(skus)`` slots and the first
      ``n % len(skus)`` one more.

    SKUs given as :class:`Sku` values are added to the catalogue first. The
    warehouse must exist. Returns the ``(slot_id, sku_id, qty)`` triples
    received, in slot order of the layout. Raises ``InputError`` for an
    unknown warehouse or SKU, a ``fill`` outside [0, 1], or a ``slot_order``
    that names an unknown slot or a slot twice.
    """
    if not (0.0 <= fill <= 1.0):
        raise InputError(f"fill must be between 0 and 1, got {fill!r}")
    if not isinstance(max_qty, int) or max_qty <= 0:
        raise InputError(f"max_qty must be a positive integer, got {max_qty!r}")
    skus = list(skus)
    sku_values = [s for s in skus if isinstance(s, Sku)]
    ids = [s.id if isinstance(s, Sku) else str(s) for s in skus]
    rng = np.random.default_rng(seed)
    slots = list(layout.slots)
    n_fill = int(round(fill * len(slots))) if ids else 0
    if slot_order is None:
        order = rng.permutation(len(slots))[:n_fill]
        dealt = [ids[k % len(ids)] for k in range(len(order))]
    else:
        index = {s.id: i for i, s in enumerate(slots)}
        seen: set[str] = set()
        for sid in slot_order:
            if sid not in index:
                raise InputError(f"slot_order: unknown slot {sid!r}")
            if sid in seen:
                raise InputError(f"slot_order: slot {sid!r} is listed twice")
            seen.add(sid)
        order = [index[sid] for sid in slot_order][:n_fill]
        per, extra = divmod(len(order), len(ids)) if ids else (0, 0)
        dealt = [sku for k, sku in enumerate(ids) for _ in range(per + (1 if k < extra else 0))]
    chosen: dict[int, tuple[str, int]] = {}
    for si, sku in zip(order, dealt):
        cap = slots[si].capacity
        qty = int(rng.integers(1, min(cap, max_qty) + 1))
        chosen[int(si)] = (sku, qty)
    rows = [(slots[i].id, sku, qty) for i, (sku, qty) in sorted(chosen.items())]
    if slot_order is None:
        locations = [(warehouse_id, s) for s in slots]
    else:
        rank = {sid: k for k, sid in enumerate(slot_order)}
        locations = [(warehouse_id, s, rank.get(s.id)) for s in slots]
    ledger.load(skus=sku_values, locations=locations,
                stock=[(warehouse_id, slot, sku, qty) for slot, sku, qty in rows], at=at)
    return rows

