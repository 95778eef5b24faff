"""robocore maps: layout files, their loaders and the warehouse generator."""

from maps.generator import WarehouseSpec, generate_warehouse
from maps.layout_json import read_layout_json, write_layout_json
from maps.loader import bundled_layouts, load_layout, save_layout
from maps.lorr import LorrProblem, load_problem, save_problem
from maps.movingai import ScenRow, check_scen, parse_map, parse_scen, read_map, read_scen, write_map, write_scen

__all__ = [
    "LorrProblem",
    "ScenRow",
    "WarehouseSpec",
    "bundled_layouts",
    "check_scen",
    "generate_warehouse",
    "load_layout",
    "load_problem",
    "parse_map",
    "parse_scen",
    "read_layout_json",
    "read_map",
    "read_scen",
    "save_layout",
    "save_problem",
    "write_layout_json",
    "write_map",
    "write_scen",
]
