"""robocore maps: layout files, their loaders and the warehouse generator."""

from maps.loader import load_layout
from maps.movingai import parse_map, read_map

__all__ = ["load_layout", "parse_map", "read_map"]
