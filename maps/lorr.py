"""League of Robot Runners problem files (2023 and 2024 formats).

A problem is a JSON file naming three other files, by paths relative to the
JSON file's folder::

    {
        "mapFile": "maps/warehouse_small.map",       # a MovingAI map (see maps.movingai)
        "agentFile": "agents/warehouse_small_10.agents",
        "teamSize": 10,
        "taskFile": "tasks/warehouse_small.tasks",
        "numTasksReveal": 1,
        "taskAssignmentStrategy": "roundrobin"       # 2023 only
        "version": "2024 LoRR"                       # 2024 only
    }

An agents file holds a count line, then one start cell a line as a flat index
``row * cols + col``. A tasks file holds a count line, then one task a line: in
2023 one goal cell, in 2024 a comma-separated sequence of errand cells visited
in order. 2024 agent and task files begin with the comment line
``# version for LoRR 2024``; any leading ``#`` line is skipped on reading.

Every cell is checked against the map: a start or task cell outside the map or
on a blocked cell is an :class:`~robocore.errors.InputError` naming the file
and line, e.g. ``agents/x.agents: line 7: start cell 123 is blocked``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from robocore.errors import InputError
from robocore.textfile import read_text
from robocore.grid import Grid

__all__ = ["LorrProblem", "load_problem", "save_problem", "read_agents", "read_tasks", "is_lorr_problem",
           "VERSION_2024_HEADER", "ASSIGNMENT_STRATEGIES"]

#: First line of 2024 agent and task files.
VERSION_2024_HEADER = "# version for LoRR 2024"
#: Task assignment strategies of the 2023 start kit.
ASSIGNMENT_STRATEGIES = ("roundrobin", "roundrobin_fixed", "greedy")
_VERSION_2024_JSON = "2024 LoRR"


@dataclass(frozen=True, eq=False)
class LorrProblem:
    """A League of Robot Runners problem instance.

    Attributes
    ----------
    grid:
        The map (``.``/``G`` FREE, ``@``/``T``/``O``/``W`` BLOCKED, ``E``
        ENDPOINT, ``S`` PICK).
    map_path:
        Where the map was read from (the JSON's folder joined with ``mapFile``),
        or None for a problem built in code.
    starts:
        ``int64`` flat cell index of each agent's start, read-only; one per line
        of the agents file (at least ``team_size`` of them).
    tasks:
        Each task's errand cells as flat indexes, in visiting order. A 2023 task
        is one errand.
    team_size:
        Number of agents that run (the first ``team_size`` starts).
    num_tasks_reveal:
        How many tasks are open at a time (2023: per agent; 2024: times
        ``team_size``, in a shared pool).
    assignment:
        2023 ``taskAssignmentStrategy`` (``"roundrobin"``, ``"roundrobin_fixed"``
        or ``"greedy"``); None when the file has none (all 2024 files).
    version:
        2023 or 2024.
    agents_path, tasks_path:
        Where the agents and tasks were read from, or None.

    Two problems compare equal when their content is equal; the paths they were
    read from are not compared.

    Raises
    ------
    ValueError
        On construction, if ``version`` is not 2023/2024, ``team_size`` is not
        in ``1..len(starts)``, a task is empty, a 2023 task has more than one
        errand, or ``assignment`` is not a known strategy.
    """

    grid: Grid
    map_path: Path | None
    starts: np.ndarray
    tasks: tuple[tuple[int, ...], ...]
    team_size: int
    num_tasks_reveal: float
    assignment: str | None
    version: int
    agents_path: Path | None = None
    tasks_path: Path | None = None

    def __post_init__(self) -> None:
        starts = np.array(self.starts, dtype=np.int64).reshape(-1)
        starts.setflags(write=False)
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "tasks", tuple(tuple(int(c) for c in t) for t in self.tasks))
        object.__setattr__(self, "num_tasks_reveal", float(self.num_tasks_reveal))
        for name in ("map_path", "agents_path", "tasks_path"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value))
        if self.version not in (2023, 2024):
            raise ValueError(f"version must be 2023 or 2024, got {self.version!r}")
        if not isinstance(self.team_size, (int, np.integer)) or not 1 <= self.team_size <= len(starts):
            raise ValueError(f"team_size must be in 1..{len(starts)} (the number of starts), got {self.team_size!r}")
        object.__setattr__(self, "team_size", int(self.team_size))
        if self.assignment is not None and self.assignment not in ASSIGNMENT_STRATEGIES:
            raise ValueError(f"assignment must be one of {', '.join(ASSIGNMENT_STRATEGIES)} or None, got {self.assignment!r}")
        for i, t in enumerate(self.tasks):
            if not t:
                raise ValueError(f"task {i} has no errands")
            if self.version == 2023 and len(t) != 1:
                raise ValueError(f"task {i} has {len(t)} errands; 2023 tasks have one")

    @property
    def rows(self) -> int:
        return self.grid.rows

    @property
    def cols(self) -> int:
        return self.grid.cols

    def start_cells(self) -> list[tuple[int, int]]:
        """The first ``team_size`` starts as ``(row, col)``."""
        return [self.grid.coord(int(i)) for i in self.starts[: self.team_size]]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LorrProblem):
            return NotImplemented
        return (self.grid == other.grid and np.array_equal(self.starts, other.starts) and self.tasks == other.tasks
                and self.team_size == other.team_size and self.num_tasks_reveal == other.num_tasks_reveal
                and self.assignment == other.assignment and self.version == other.version)

    __hash__ = None  # type: ignore[assignment]


# ------------------------------------------------------------------ reading
def _read_text(path: Path, what: str) -> str:
    return read_text(path, what=what, missing=f"{what} not found")


def _body(text: str, source: str, what: str) -> tuple[int, list[tuple[int, str]]]:
    """Skip ``#`` comment lines, read the count, return it and the numbered entry lines."""
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    i = 0
    while i < len(numbered) and (not numbered[i][1] or numbered[i][1].startswith("#")):
        i += 1
    if i == len(numbered):
        raise InputError(f"empty {what} file: no count line", source=source)
    count_line, raw = numbered[i]
    try:
        count = int(raw)
    except ValueError:
        raise InputError(f"count {raw[:30]!r} is not an integer", source=source, line=count_line) from None
    if count < 0:
        raise InputError(f"count must not be negative, got {count}", source=source, line=count_line)
    entries = numbered[i + 1:]
    while entries and not entries[-1][1]:
        entries.pop()
    if len(entries) != count:
        line = entries[-1][0] if entries else count_line
        raise InputError(f"header says {count} {what} but the file has {len(entries)}", source=source, line=line)
    return count_line, entries


def _check_cells(cells: np.ndarray, lines: np.ndarray, grid: Grid, *, source: str, what: str) -> None:
    """Raise naming the first line whose cell is out of range or blocked."""
    n = grid.size
    bad_range = (cells < 0) | (cells >= n)
    bad = bad_range.copy()
    inside = ~bad_range
    bad[inside] = grid.passable_flat[cells[inside]] == 0
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        cell, line = int(cells[k]), int(lines[k])
        if bad_range[k]:
            raise InputError(f"{what} cell {cell} is out of range (the {grid.rows} x {grid.cols} map has cells "
                             f"0..{n - 1})", source=source, line=line)
        r, c = grid.coord(cell)
        raise InputError(f"{what} cell {cell} is blocked (row {r}, col {c} is {grid.kind((r, c)).name})",
                         source=source, line=line)


def read_agents(path, grid: Grid) -> np.ndarray:
    """Read an agents file: the start cells as an ``int64`` array of flat indexes.

    Raises :class:`~robocore.errors.InputError` naming the file and line for a
    missing file, a bad count, a non-integer entry, or a start cell out of range
    or blocked on ``grid``.
    """
    path = Path(path)
    source = str(path)
    _, entries = _body(_read_text(path, "agents file"), source, "agents")
    cells = np.empty(len(entries), dtype=np.int64)
    lines = np.empty(len(entries), dtype=np.int64)
    for k, (n, raw) in enumerate(entries):
        try:
            cells[k] = int(raw)
        except ValueError:
            raise InputError(f"start cell {raw[:30]!r} is not an integer", source=source, line=n) from None
        lines[k] = n
    _check_cells(cells, lines, grid, source=source, what="start")
    return cells


def read_tasks(path, grid: Grid) -> tuple[tuple[int, ...], ...]:
    """Read a tasks file: each task's errand cells (flat indexes), in order.

    A line is one cell (2023) or comma-separated cells (2024). Raises
    :class:`~robocore.errors.InputError` naming the file and line for a missing
    file, a bad count, a non-integer entry, or a cell out of range or blocked.
    """
    path = Path(path)
    source = str(path)
    _, entries = _body(_read_text(path, "tasks file"), source, "tasks")
    tasks: list[tuple[int, ...]] = []
    flat: list[int] = []
    lines: list[int] = []
    for n, raw in entries:
        try:
            task = tuple(int(p) for p in raw.split(","))
        except ValueError:
            raise InputError(f"task {raw[:40]!r} is not a comma-separated list of cell indexes",
                             source=source, line=n) from None
        tasks.append(task)
        flat.extend(task)
        lines.extend([n] * len(task))
    _check_cells(np.array(flat, dtype=np.int64), np.array(lines, dtype=np.int64), grid, source=source, what="task")
    return tuple(tasks)


def _load_json(path: Path) -> dict:
    text = _read_text(path, "problem file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg} (column {err.colno})", source=str(path), line=err.lineno) from None
    if not isinstance(data, dict):
        raise InputError("a problem file must hold a JSON object", source=str(path))
    return data


def is_lorr_problem(data) -> bool:
    """True if a decoded JSON value looks like a League problem (has ``mapFile``)."""
    return isinstance(data, dict) and "mapFile" in data


def _field(data: dict, key: str, types, source: str):
    if key not in data:
        raise InputError(f"missing field {key!r}", source=source)
    value = data[key]
    if not isinstance(value, types) or isinstance(value, bool):
        raise InputError(f"field {key!r} has the wrong type ({type(value).__name__})", source=source)
    return value


def _version(data: dict, source: str) -> int:
    if "version" not in data:
        return 2023
    v = data["version"]
    if isinstance(v, str) and "2024" in v:
        return 2024
    raise InputError(f"unknown version {v!r} (expected {_VERSION_2024_JSON!r} or none for 2023)", source=source)


def load_problem(path, *, with_tasks: bool = True) -> LorrProblem:
    """Read a League of Robot Runners problem JSON and the files it names.

    Parameters
    ----------
    path:
        The problem ``.json``; the map, agents and tasks paths inside it are
        relative to its folder.
    with_tasks:
        If False the tasks file is not read (``tasks`` is empty): quicker when
        only the map and starts are needed.

    Raises
    ------
    InputError
        Naming the file (and line where there is one) for a missing file,
        invalid JSON, a missing or mistyped field, a malformed map, agents or
        tasks file, a cell out of range or blocked, or a ``teamSize`` larger
        than the number of agents.
    """
    from maps.movingai import read_map

    path = Path(path)
    source = str(path)
    data = _load_json(path)
    base = path.parent
    map_path = base / _field(data, "mapFile", str, source)
    agents_path = base / _field(data, "agentFile", str, source)
    tasks_path = base / _field(data, "taskFile", str, source)
    team_size = _field(data, "teamSize", int, source)
    reveal = _field(data, "numTasksReveal", (int, float), source) if "numTasksReveal" in data else 1
    version = _version(data, source)
    assignment = data.get("taskAssignmentStrategy")
    if assignment is not None and assignment not in ASSIGNMENT_STRATEGIES:
        raise InputError(f"taskAssignmentStrategy {assignment!r} is not one of {', '.join(ASSIGNMENT_STRATEGIES)}",
                         source=source)
    grid = read_map(map_path)
    starts = read_agents(agents_path, grid)
    if not 1 <= team_size <= len(starts):
        raise InputError(f"teamSize {team_size} is not in 1..{len(starts)} (the agents in {agents_path})",
                         source=source)
    if reveal <= 0:
        raise InputError(f"numTasksReveal must be positive, got {reveal}", source=source)
    tasks: tuple[tuple[int, ...], ...] = ()
    if with_tasks:
        tasks = read_tasks(tasks_path, grid)
        if version == 2023:
            for k, t in enumerate(tasks):
                if len(t) != 1:
                    raise InputError(f"task {k} has {len(t)} errands but a 2023 problem's tasks have one "
                                     f"(add \"version\": \"{_VERSION_2024_JSON}\" to {path.name})", source=str(tasks_path))
    return LorrProblem(grid=grid, map_path=map_path, starts=starts, tasks=tasks, team_size=team_size,
                       num_tasks_reveal=reveal, assignment=assignment, version=version,
                       agents_path=agents_path, tasks_path=tasks_path)


# ------------------------------------------------------------------ writing
def _number(x: float):
    return int(x) if float(x).is_integer() else float(x)


def save_problem(problem: LorrProblem, path, *, map_file: str | None = None, agent_file: str | None = None,
                 task_file: str | None = None) -> Path:
    """Write ``problem`` as a League problem JSON at ``path`` plus its map,
    agents and tasks files, in the format of ``problem.version``.

    The three files go beside the JSON, at the relative paths ``map_file``,
    ``agent_file`` and ``task_file``; by default ``maps/<map name>``,
    ``agents/<agents name>`` and ``tasks/<tasks name>``, reusing the names the
    problem was read from, else named after the JSON file. Folders are created.
    2024 agent and task files start with ``# version for LoRR 2024``.

    Returns the JSON path. Raises ``OSError`` if a file cannot be written.
    """
    from maps.movingai import write_map

    path = Path(path)
    stem = path.stem
    map_file = map_file or f"maps/{problem.map_path.name if problem.map_path else stem + '.map'}"
    agent_file = agent_file or f"agents/{problem.agents_path.name if problem.agents_path else stem + '.agents'}"
    task_file = task_file or f"tasks/{problem.tasks_path.name if problem.tasks_path else stem + '.tasks'}"
    base = path.parent
    for rel in (map_file, agent_file, task_file):
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
    write_map(problem.grid, base / map_file)
    head = [VERSION_2024_HEADER] if problem.version == 2024 else []
    agents = head + [str(len(problem.starts))] + [str(int(c)) for c in problem.starts]
    (base / agent_file).write_text("\n".join(agents) + "\n", encoding="utf-8")
    tasks = head + [str(len(problem.tasks))] + [",".join(str(c) for c in t) for t in problem.tasks]
    (base / task_file).write_text("\n".join(tasks) + "\n", encoding="utf-8")
    data: dict = {"mapFile": map_file, "agentFile": agent_file, "teamSize": problem.team_size, "taskFile": task_file,
                  "numTasksReveal": _number(problem.num_tasks_reveal)}
    if problem.assignment is not None:
        data["taskAssignmentStrategy"] = problem.assignment
    if problem.version == 2024:
        data["version"] = _VERSION_2024_JSON
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    return path
