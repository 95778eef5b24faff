"""robocore maps: layout files, their loaders and the warehouse generator."""

from maps.loader import load_layout
from maps.lorr import LorrProblem, load_problem, save_problem
from maps.movingai import ScenRow, check_scen, parse_map, parse_scen, read_map, read_scen, write_map, write_scen

__all__ = [
    "LorrProblem",
    "ScenRow",
    "check_scen",
    "load_layout",
    "load_problem",
    "parse_map",
    "parse_scen",
    "read_map",
    "read_scen",
    "save_problem",
    "write_map",
    "write_scen",
]
