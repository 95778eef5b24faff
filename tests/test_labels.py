"""Shipping labels: ZPL structure and a 4 x 6 inch PNG whose barcode reads back."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from robocore.barcode import code128_decode
from robocore.errors import InputError
from robocore.labels import LABEL_SIZE, Label, label_png, label_zpl
from robocore.shipping import DEFAULT_SERVICES
from robocore.tracking import tracking_number, valid_tracking_number
from robocore.orders import Address as Addr

SERVICE = DEFAULT_SERVICES[1]
TRACKING = tracking_number(SERVICE.carrier, 1234567)
LABEL = Label(
    tracking=TRACKING,
    ship_from=Addr(name="Robocore Fulfilment DC1", street="Lagerstrasse 5", postcode="14979", city="Grossbeeren",
                   country="DE"),
    ship_to=Addr(name="Ada Lovelace", street="Analytical Way 12", postcode="80331", city="Muenchen", country="DE"),
    service=SERVICE,
    weight_kg=2.345,
    order_id="A-17",
    ship_date=date(2026, 11, 27),
    parcel=2,
    parcels=3,
)


def test_zpl_structure():
    z = label_zpl(LABEL)
    lines = z.strip().split("\n")
    assert lines[0] == "^XA" and lines[-1] == "^XZ"
    assert all(line.startswith("^") for line in lines)
    assert "^PW812" in z and "^LL1218" in z and "^CI28" in z
    assert z.count("^FD") == z.count("^FS") - 3  # three ^GB rules have ^FS but no ^FD
    (bc,) = [line for line in lines if "^BC" in line]
    assert f"^FD>:{TRACKING}^FS" in bc and "^BCN,200,Y,N,N" in bc
    for text in ("Ada Lovelace", "80331 Muenchen", "ROBOPOST", "RP-STD", "2.35 KG", "PARCEL 2/3", "ORDER A-17",
                 "ZONE 4", "14979 Grossbeeren DE", "SHIP 2026-11-27"):
        assert text in z, text


def test_zpl_escapes_control_characters():
    evil = Label(**{**LABEL.__dict__, "ship_to": Addr(name="A^XZ~JA_b", street="s", postcode="80331", city="c")})
    z = label_zpl(evil)
    assert "A_5EXZ_7EJA_5Fb" in z
    assert z.count("^XZ") == 1


def test_png_size_content_and_barcode(tmp_path):
    import pygame

    path = label_png(LABEL, tmp_path / "sub" / "label.png")
    assert path.exists()
    img = pygame.image.load(str(path))
    assert img.get_size() == LABEL_SIZE == (812, 1218)
    rgb = pygame.surfarray.array3d(img)  # (width, height, 3)
    dark = rgb.sum(axis=2) < 384
    assert 0.03 < dark.mean() < 0.4  # not blank, not a black block
    decoded = set()
    for y in range(LABEL_SIZE[1] // 2, LABEL_SIZE[1]):
        row = dark[:, y]
        xs = np.flatnonzero(row)
        if len(xs) < 50:
            continue
        seg = row[xs[0] : xs[-1] + 1].astype(np.int8)
        edges = np.flatnonzero(np.diff(seg)) + 1
        runs = np.diff(np.concatenate(([0], edges, [len(seg)])))
        module = runs.min()
        if np.any(runs % module):
            continue
        try:
            decoded.add(code128_decode((runs // module).tolist()))
        except ValueError:
            continue
    assert decoded == {TRACKING}
    assert valid_tracking_number(TRACKING)


def test_zone_falls_back_to_the_region_label():
    lab = Label(**{**LABEL.__dict__, "ship_to": Addr(name="B", region="region-1")})
    assert "ZONE 1" in label_zpl(lab)


def test_png_needs_png_suffix(tmp_path):
    with pytest.raises(InputError, match="must end in .png"):
        label_png(LABEL, tmp_path / "label.jpg")
