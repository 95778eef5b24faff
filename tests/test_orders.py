import doctest

import pytest

import robocore.orders as orders_mod
import robocore.substitutes as subs_mod
from robocore import Address, InputError, Order, OrderLine, validate_order
from robocore.orders import order_problems
from robocore.substitutes import attribute_distance, substitute_score


def test_validation_names_order_and_line():
    o = Order("A-17", "c", Address(), (OrderLine("X", 1), OrderLine("Y", -3)))
    with pytest.raises(InputError, match=r"^order 'A-17' line 2: quantity must be a positive integer, got -3$"):
        validate_order(o)
    assert order_problems(Order("B", "c", Address(), (OrderLine("X", True), OrderLine("Z", 2.0))),
                          known_skus={"X"}) == [
        "order 'B' line 1: quantity must be a positive integer, got True",
        "order 'B' line 2: unknown SKU 'Z'",
        "order 'B' line 2: quantity must be a positive integer, got 2.0"]
    assert order_problems(Order("C", "c", Address(), ())) == ["order 'C': has no lines"]
    validate_order(Order("D", "c", Address(), (OrderLine("X", 3),)), known_skus={"X"})


def test_from_dict_round_trip_and_errors():
    o = Order("A-1", "C", Address(region="north", postcode="1011", country="NL"),
              (OrderLine("S", 2),), service_level="express", ship_complete=False, priority=3)
    assert Order.from_dict(o.to_dict()) == o
    with pytest.raises(InputError, match=r"order 'A' line 1: quantity must be a positive integer, got '2'"):
        Order.from_dict({"id": "A", "lines": [{"sku": "S", "qty": "2"}]})
    with pytest.raises(InputError, match=r"order id must be a non-empty string"):
        Order.from_dict({"lines": []})
    with pytest.raises(InputError, match=r"unknown field 'colour'"):
        Order.from_dict({"id": "A", "lines": [], "colour": "red"})
    with pytest.raises(InputError, match=r"x.json: order 'A': lines must be a list"):
        Order.from_dict({"id": "A", "lines": {}}, source="x.json")
    with pytest.raises(InputError, match=r"ship_to: unknown field 'zip'"):
        Order.from_dict({"id": "A", "lines": [], "ship_to": {"zip": "1"}})


def test_substitute_score():
    assert attribute_distance({}, {}) == 0.0
    assert attribute_distance({"a": 1}, {"b": 1}) == 1.0
    assert attribute_distance({"c": "red", "s": 10}, {"c": "red", "s": 5}) == pytest.approx(0.25)
    assert substitute_score({"c": "red"}, 10.0, {"c": "red"}, 10.0) == 0.0
    assert substitute_score({"c": "red"}, 10.0, {"c": "red"}, 20.0) == pytest.approx(0.5)


def test_doctests():
    assert doctest.testmod(orders_mod).failed == 0
    assert doctest.testmod(subs_mod).failed == 0
