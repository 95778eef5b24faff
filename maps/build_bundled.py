"""Regenerate the bundled layouts in ``maps/layouts/``.

Run ``python -m maps.build_bundled`` after changing the generator or a spec
below; commit the JSON files it writes. ``--check`` writes nothing and exits 1
if a committed file differs from what the generator makes now.

========  ===========  ======  ===============================================
name      size         robots  use
========  ===========  ======  ===============================================
small     24 x 46      30      tests and demos; has a human-only zone
medium    58 x 84      30 + 6  the default for ``robocore run``; has a
                               human-only zone
large     140 x 498    1,000   scale runs, comparable to the League of Robot
                               Runners' ``warehouse_large`` (140 x 500)
========  ===========  ======  ===============================================

Each layout has spawn cells for twice its fleet (robots + humans).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from maps.generator import WarehouseSpec, generate_warehouse
from maps.layout_json import format_layout_json

__all__ = ["BUNDLED_SPECS", "BUNDLED_SEED", "build", "main"]

#: Seed every bundled layout is generated with.
BUNDLED_SEED = 2026

#: The spec of each bundled layout.
BUNDLED_SPECS: dict[str, WarehouseSpec] = {
    "small": WarehouseSpec(name="small", aisles=8, aisle_length=8, aisle_width=2, cross_aisles=1, margins=2,
                           stations=2, docks=2, chargers=4, robots=30, human_zone=True, human_zone_width=2),
    "medium": WarehouseSpec(name="medium", aisles=18, aisle_length=16, aisle_width=2, cross_aisles=2, margins=2,
                            stations=4, docks=4, chargers=6, robots=30, humans=6, human_zone=True),
    "large": WarehouseSpec(name="large", aisles=117, aisle_length=32, aisle_width=2, cross_aisles=3, margins=2,
                           stations=24, docks=16, chargers=40, robots=1000),
}

LAYOUTS_DIR = Path(__file__).resolve().parent / "layouts"


def build(name: str) -> str:
    """The layout JSON text of bundled layout ``name``."""
    return format_layout_json(generate_warehouse(BUNDLED_SPECS[name], seed=BUNDLED_SEED))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maps.build_bundled", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    parser.add_argument("--out", type=Path, default=LAYOUTS_DIR, help="folder to write to (default: maps/layouts)")
    args = parser.parse_args(argv)
    stale = []
    for name in BUNDLED_SPECS:
        text = build(name)
        path = args.out / f"{name}.json"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text.encode()) / 1e6:.2f} MB)", file=sys.stderr)
    if stale:
        print(f"stale bundled layouts: {', '.join(stale)} (run python -m maps.build_bundled)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
