"""Shipping labels: 4 x 6 inch, as ZPL II text for a thermal printer and as a PNG.

Both renderings carry the same content (a :class:`Label`): ship-from and
ship-to addresses, carrier and service, zone, weight, parcel number within the
order, ship date and the tracking number as a Code 128 barcode with its text
below. Dimensions are in printer dots at 203 dpi (812 x 1218 dots for 4 x 6
inches), the common thermal-label resolution.

pygame is imported inside :func:`label_png` only, with SDL's dummy video
driver, so the label code runs headless and ``import robocore`` stays light.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from robocore.barcode import code128_widths
from robocore.errors import InputError
from robocore.shipping import AddressLike, Service, region_of_address, zone

__all__ = ["LABEL_DPI", "LABEL_SIZE", "Label", "label_png", "label_zpl"]

#: Printer resolution, dots per inch.
LABEL_DPI = 203
#: Label size in dots (width, height): 4 x 6 inches at 203 dpi.
LABEL_SIZE = (4 * LABEL_DPI, 6 * LABEL_DPI)

_MARGIN = 30
_BAR_TOP = 860
_BAR_HEIGHT = 200
_QUIET = 10  # modules of white on each side of the barcode


@dataclass(frozen=True)
class Label:
    """What a shipping label says.

    Addresses are any objects with ``name``, ``street``, ``postcode``, ``city``,
    ``country`` and ``region`` (``robocore.orders.Address`` fits); the zone
    comes from :func:`robocore.shipping.region_of_address`.
    ``weight_kg`` is the parcel's gross weight; ``parcel``/``parcels`` number
    the parcel within its order (1-based).
    """

    tracking: str
    ship_from: AddressLike
    ship_to: AddressLike
    service: Service
    weight_kg: float
    order_id: str
    ship_date: date
    parcel: int = 1
    parcels: int = 1

    def lines(self) -> list[tuple[str, int, int, int]]:
        """Text lines as ``(text, x, y, height)`` in dots, shared by both renderings."""
        f, t, s = self.ship_from, self.ship_to, self.service
        z = zone(region_of_address(f), region_of_address(t))
        m = _MARGIN
        return [
            ("FROM", m, 24, 24),
            (f.name, m, 52, 30),
            (f.street, m, 86, 30),
            (f"{f.postcode} {f.city} {f.country}".strip(), m, 120, 30),
            ("TO", m, 196, 28),
            (t.name, m, 232, 52),
            (t.street, m, 292, 52),
            (f"{t.postcode} {t.city}", m, 352, 60),
            (t.country, m, 420, 52),
            (s.carrier.name.upper(), m, 520, 60),
            (f"{s.code}  {s.level.value.upper()}", m, 590, 40),
            (f"ZONE {z}", 560, 520, 60),
            (f"{self.weight_kg:.2f} KG", m, 650, 40),
            (f"PARCEL {self.parcel}/{self.parcels}", 420, 650, 40),
            (f"ORDER {self.order_id}", m, 705, 32),
            (f"SHIP {self.ship_date.isoformat()}", 420, 705, 32),
        ]

    def rules(self) -> list[tuple[int, int, int, int]]:
        """Horizontal rules as ``(x, y, width, thickness)`` in dots."""
        w = LABEL_SIZE[0] - 2 * _MARGIN
        return [(_MARGIN, 170, w, 3), (_MARGIN, 490, w, 3), (_MARGIN, 770, w, 3)]


def _zpl_text(s: str) -> str:
    """Field data with ZPL's control characters hex-escaped (used with ^FH)."""
    return s.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def label_zpl(label: Label) -> str:
    """ZPL II for ``label``: ``^XA`` ... ``^XZ``, UTF-8 (``^CI28``), 812 x 1218 dots.

    Text fields use the scalable font ``^A0``; the tracking number is a
    ``^BC`` Code 128 barcode in subset B (``>:``) with its text printed below.
    """
    w, h = LABEL_SIZE
    out = ["^XA", "^CI28", f"^PW{w}", f"^LL{h}", "^LH0,0"]
    for x, y, width, thick in label.rules():
        out.append(f"^FO{x},{y}^GB{width},{thick},{thick}^FS")
    for text, x, y, size in label.lines():
        out.append(f"^FO{x},{y}^A0N,{size},{size}^FH^FD{_zpl_text(text)}^FS")
    module = _module_width(label.tracking)
    bar_w = module * (sum(code128_widths(label.tracking)))
    x0 = (w - bar_w) // 2
    out.append(f"^FO{x0},{_BAR_TOP}^BY{module}^BCN,{_BAR_HEIGHT},Y,N,N^FD>:{_zpl_text(label.tracking)}^FS")
    out.append("^XZ")
    return "\n".join(out) + "\n"


def _module_width(text: str) -> int:
    modules = sum(code128_widths(text)) + 2 * _QUIET
    module = min(4, (LABEL_SIZE[0] - 2 * _MARGIN) // modules)
    if module < 1:
        raise InputError(f"tracking number {text!r} is too long for a 4 inch barcode")
    return module


def label_png(label: Label, path: str | os.PathLike) -> Path:
    """Render ``label`` as a 812 x 1218 pixel PNG (4 x 6 in at 203 dpi) at ``path``.

    Black on white, headless (SDL dummy driver). The barcode is drawn from
    :func:`robocore.barcode.code128_widths`, ``module`` pixels per module,
    centred, with the tracking number below it.

    Raises
    ------
    InputError: ``path`` does not end in ``.png``.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InputError(f"{path}: label file must end in .png")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.font.init()
    w, h = LABEL_SIZE
    black = (0, 0, 0)
    surf = pygame.Surface((w, h))
    surf.fill((255, 255, 255))
    for x, y, width, thick in label.rules():
        surf.fill(black, pygame.Rect(x, y, width, thick))
    fonts: dict[int, pygame.font.Font] = {}
    for text, x, y, size in label.lines():
        font = fonts.setdefault(size, pygame.font.Font(None, int(size * 1.3)))
        img = font.render(text, True, black)
        if img.get_width() > w - x - _MARGIN:  # shrink long lines to fit the label
            img = pygame.transform.smoothscale(img, (w - x - _MARGIN, img.get_height()))
        surf.blit(img, (x, y))
    module = _module_width(label.tracking)
    widths = code128_widths(label.tracking)
    x = (w - module * sum(widths)) // 2
    for k, bw in enumerate(widths):
        if k % 2 == 0:
            surf.fill(black, pygame.Rect(x, _BAR_TOP, bw * module, _BAR_HEIGHT))
        x += bw * module
    font = fonts.setdefault(36, pygame.font.Font(None, 47))
    img = font.render(label.tracking, True, black)
    surf.blit(img, ((w - img.get_width()) // 2, _BAR_TOP + _BAR_HEIGHT + 12))
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surf, str(path))
    return path
