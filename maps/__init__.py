"""robocore maps: layout files, their loaders and the warehouse generator."""

from maps.loader import load_layout
from maps.movingai import ScenRow, parse_map, parse_scen, read_map, read_scen

__all__ = ["ScenRow", "load_layout", "parse_map", "parse_scen", "read_map", "read_scen"]
