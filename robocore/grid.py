"""The floor grid: cell kinds, coordinates and connectivity.

Conventions (stated here once for the whole project):

* A cell is addressed as ``(row, col)``, row 0 at the top, exactly as a numpy
  index into a ``(rows, cols)`` array.
* A cell's *flat index* is ``row * cols + col``. Numba kernels work on flat
  indexes held in ``int32``/``int64`` arrays.
* Moves are 4-connected (north, east, south, west) plus wait. One time step is
  one cell of robot travel.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Iterator, TypeAlias

import numpy as np

__all__ = [
    "Coord",
    "CellKind",
    "Grid",
    "ROBOT_PASSABLE",
    "HUMAN_PASSABLE",
    "DIRECTIONS",
]

Coord: TypeAlias = tuple[int, int]

#: The four moves, in heading order 0=E, 1=S, 2=W, 3=N (the League of Robot
#: Runners' heading convention), as ``(drow, dcol)``.
DIRECTIONS: tuple[Coord, ...] = ((0, 1), (1, 0), (0, -1), (-1, 0))


class CellKind(IntEnum):
    """What a grid cell is. Values are stable: they are stored in files and
    passed to Numba kernels as ``uint8``."""

    FREE = 0  #: open floor (aisle, cross-aisle, travel lane)
    BLOCKED = 1  #: wall, pillar, anything no agent may enter
    RACK = 2  #: storage rack; not traversable, picked from an adjacent cell
    PICK = 3  #: pick-access aisle cell beside a rack (traversable)
    STATION = 4  #: pack station drop-off cell (traversable)
    CHARGER = 5  #: charging cell (traversable)
    DOCK = 6  #: dock door cell (traversable)
    HUMAN_ONLY = 7  #: floor that humans may walk and robots may not enter
    ENDPOINT = 8  #: free cell that may be a task endpoint / parking (traversable)


_ROBOT = np.zeros(len(CellKind), dtype=bool)
for _k in (CellKind.FREE, CellKind.PICK, CellKind.STATION, CellKind.CHARGER, CellKind.DOCK, CellKind.ENDPOINT):
    _ROBOT[_k] = True
_HUMAN = _ROBOT.copy()
_HUMAN[CellKind.HUMAN_ONLY] = True

#: ``ROBOT_PASSABLE[kind]`` is True where a robot may stand.
ROBOT_PASSABLE: np.ndarray = _ROBOT
#: ``HUMAN_PASSABLE[kind]`` is True where a human picker may stand.
HUMAN_PASSABLE: np.ndarray = _HUMAN


@dataclass(frozen=True, eq=False)
class Grid:
    """A rectangular floor of :class:`CellKind` cells.

    Parameters
    ----------
    kinds:
        ``(rows, cols)`` integer array of :class:`CellKind` values. It is copied
        to ``uint8`` and made read-only.

    Raises
    ------
    ValueError
        If ``kinds`` is not 2-D, is empty, or holds a value that is not a
        :class:`CellKind`.

    Examples
    --------
    >>> g = Grid.from_passable([[1, 1, 0], [1, 1, 1]])
    >>> g.rows, g.cols, g.index((1, 2)), g.coord(5)
    (2, 3, 5, (1, 2))
    >>> sorted(g.neighbours((0, 0)))
    [(0, 1), (1, 0)]
    """

    kinds: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        arr = np.asarray(self.kinds)
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"grid must be a non-empty 2-D array, got shape {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() >= len(CellKind)):
            bad = arr[(arr < 0) | (arr >= len(CellKind))].flat[0]
            raise ValueError(f"unknown cell kind value {int(bad)}")
        arr = arr.astype(np.uint8, copy=True)
        arr.setflags(write=False)
        object.__setattr__(self, "kinds", arr)

    # ----------------------------------------------------------------- builders
    @classmethod
    def from_passable(cls, passable) -> "Grid":
        """Build a grid of FREE (truthy) and BLOCKED (falsy) cells."""
        p = np.asarray(passable, dtype=bool)
        return cls(np.where(p, CellKind.FREE, CellKind.BLOCKED).astype(np.uint8))

    # ------------------------------------------------------------------- shape
    @property
    def rows(self) -> int:
        return int(self.kinds.shape[0])

    @property
    def cols(self) -> int:
        return int(self.kinds.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    @property
    def size(self) -> int:
        """Number of cells, ``rows * cols``."""
        return self.rows * self.cols

    # ------------------------------------------------------------- conversions
    def index(self, cell: Coord) -> int:
        """Flat index ``row * cols + col`` of ``cell``."""
        r, c = cell
        return int(r) * self.cols + int(c)

    def coord(self, index: int) -> Coord:
        """``(row, col)`` of a flat index."""
        r, c = divmod(int(index), self.cols)
        return (r, c)

    def in_bounds(self, cell: Coord) -> bool:
        r, c = cell
        return 0 <= r < self.rows and 0 <= c < self.cols

    def kind(self, cell: Coord) -> CellKind:
        return CellKind(int(self.kinds[cell[0], cell[1]]))

    # -------------------------------------------------------------- passability
    @property
    def passable(self) -> np.ndarray:
        """``(rows, cols)`` bool array: where a robot may stand (read-only)."""
        if "passable" not in self._cache:
            p = ROBOT_PASSABLE[self.kinds]
            p.setflags(write=False)
            self._cache["passable"] = p
        return self._cache["passable"]

    @property
    def human_passable(self) -> np.ndarray:
        """``(rows, cols)`` bool array: where a human may stand (read-only)."""
        if "human_passable" not in self._cache:
            p = HUMAN_PASSABLE[self.kinds]
            p.setflags(write=False)
            self._cache["human_passable"] = p
        return self._cache["human_passable"]

    @property
    def passable_flat(self) -> np.ndarray:
        """Robot passability as a contiguous flat ``uint8`` array for kernels."""
        if "passable_flat" not in self._cache:
            p = np.ascontiguousarray(self.passable.ravel().astype(np.uint8))
            p.setflags(write=False)
            self._cache["passable_flat"] = p
        return self._cache["passable_flat"]

    def is_passable(self, cell: Coord, *, human: bool = False) -> bool:
        """True if ``cell`` is in bounds and an agent may stand on it."""
        if not self.in_bounds(cell):
            return False
        mask = self.human_passable if human else self.passable
        return bool(mask[cell[0], cell[1]])

    def neighbours(self, cell: Coord, *, human: bool = False) -> Iterator[Coord]:
        """The passable 4-neighbours of ``cell``, in heading order E, S, W, N."""
        r, c = cell
        for dr, dc in DIRECTIONS:
            n = (r + dr, c + dc)
            if self.is_passable(n, human=human):
                yield n

    def count(self, kind: CellKind) -> int:
        return int(np.count_nonzero(self.kinds == kind))

    @property
    def free_cells(self) -> int:
        """Number of cells a robot may stand on."""
        return int(np.count_nonzero(self.passable))

    # ------------------------------------------------------------ connectivity
    def components(self, *, human: bool = False) -> np.ndarray:
        """Label 4-connected components of passable cells.

        Returns a ``(rows, cols)`` ``int32`` array: ``-1`` on impassable cells,
        otherwise the component number, numbered 0, 1, ... in row-major order of
        each component's first cell.
        """
        key = "components_h" if human else "components"
        if key not in self._cache:
            mask = self.human_passable if human else self.passable
            labels = np.full(self.shape, -1, dtype=np.int32)
            rows, cols = self.shape
            flat_mask = mask.ravel()
            flat = labels.ravel()
            nxt = 0
            for start in np.flatnonzero(flat_mask):
                if flat[start] != -1:
                    continue
                flat[start] = nxt
                queue = deque([int(start)])
                while queue:
                    i = queue.popleft()
                    r, c = divmod(i, cols)
                    for j, ok in ((i - cols, r > 0), (i + cols, r < rows - 1), (i - 1, c > 0), (i + 1, c < cols - 1)):
                        if ok and flat_mask[j] and flat[j] == -1:
                            flat[j] = nxt
                            queue.append(j)
                nxt += 1
            labels.setflags(write=False)
            self._cache[key] = labels
        return self._cache[key]

    def component_count(self, *, human: bool = False) -> int:
        labels = self.components(human=human)
        return int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Grid) and np.array_equal(self.kinds, other.kinds)

    def __hash__(self) -> int:
        return hash((self.shape, self.kinds.tobytes()))
