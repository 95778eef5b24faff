"""Slow, obviously-correct twins for the packing and shipping code (tests only)."""

from __future__ import annotations

from itertools import permutations

from robocore.packing import Carton, Item


def _oris(item: Item) -> set[tuple[int, int, int]]:
    l, w, h = item.dims
    if item.upright_only:
        return {(l, w, h), (w, l, h)}
    return set(permutations((l, w, h)))


def brute_force_fits(items: list[Item], carton: Carton, *, unit: int) -> bool:
    """Whether ``items`` fit ``carton`` by trying every grid position and rotation.

    All dims must be multiples of ``unit`` mm. Each item's placements are the
    cell sets it covers; a packing is a choice of one placement per item with
    pairwise disjoint cell sets (bitmasks).
    """
    if sum(it.weight for it in items) > carton.max_weight:
        return False
    nx, ny, nz = (d // unit for d in carton.dims)
    assert all(d % unit == 0 for d in carton.dims)
    options: list[list[int]] = []
    for it in items:
        assert all(d % unit == 0 for d in it.dims)
        masks = set()
        for dx, dy, dz in _oris(it):
            dx, dy, dz = dx // unit, dy // unit, dz // unit
            for x in range(nx - dx + 1):
                for y in range(ny - dy + 1):
                    for z in range(nz - dz + 1):
                        m = 0
                        for i in range(x, x + dx):
                            for j in range(y, y + dy):
                                for k in range(z, z + dz):
                                    m |= 1 << ((k * ny + j) * nx + i)
                        masks.add(m)
        if not masks:
            return False
        options.append(sorted(masks))

    order = sorted(range(len(items)), key=lambda i: len(options[i]))

    def go(k: int, used: int) -> bool:
        if k == len(order):
            return True
        return any(m & used == 0 and go(k + 1, used | m) for m in options[order[k]])

    return go(0, 0)


def cheapest_single_brute(items: list[Item], cartons: list[Carton], *, unit: int) -> Carton | None:
    """The cheapest carton (by cost, then volume) into which brute force packs all items."""
    for c in sorted(cartons, key=lambda c: (c.cost, c.volume, c.id)):
        if brute_force_fits(items, c, unit=unit):
            return c
    return None


