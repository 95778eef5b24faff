"""The docstring examples of the packing and shipping modules run as written."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["robocore.packing", "robocore.shipping", "robocore.tracking", "robocore.barcode", "robocore.labels",
           "robocore.carrier_events", "robocore.notifications", "planner.cartonize"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
