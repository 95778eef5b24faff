"""Viewer frames per second, headless: robocore's layered renderer vs a naive cell-by-cell redraw.

On the bundled ``large`` layout (140 x 498) in a 1280 x 800 window (SDL's
dummy driver, so no display is needed), ``N`` agents (robots and one human in
ten) random-walk one cell every frame. robocore is the real window path:
``Viewer.show(frame)`` with no pacing, which handles events, blits the cached
static layer, draws the agents (paths and goals when on), the heads-up panel
and flips. The peer redraws the whole floor cell by cell every frame
(``Surface.fill`` per cell) and then each agent with ``pygame.draw`` (a rect
or a polygon, a line per path), which is how a simple viewer is written.
Both draw the same frames at the same zoom (fit to window, 2 px per cell).
A second robocore row per case is zoomed in (8 px per cell, the view covers
part of the floor). Last, the live path without the network: a producer
thread pushes 1,000-agent frames at 10 Hz into a ``PushSource`` while the
viewer's ``run()`` loop (60 fps cap) draws the newest; the lag is from the
push to the flip of the first picture showing that frame.

    nice -n 10 python benchmarks/viz_bench.py [--agents 1000 5000] [--seconds 3] [--peer-frames 6]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from robocore.agents import AgentKind, AgentState  # noqa: E402
from robocore.grid import DIRECTIONS  # noqa: E402
from viz.frame import Frame  # noqa: E402
from viz.palette import BACKGROUND, STATE_COLOURS, darker, state_index  # noqa: E402
from viz.static_layer import cell_rgb  # noqa: E402
from viz.viewer import Viewer  # noqa: E402

WINDOW = (1280, 800)
HORIZON = 16


def load_large():
    try:
        from maps import load_layout

        return load_layout("large")
    except Exception:  # the bundled layouts not on this branch: a generated 140 x 500 floor
        from robocore import CellKind, Grid, Layout

        k = np.full((140, 500), CellKind.FREE, np.uint8)
        for c in range(4, 496, 3):
            k[4:66, c] = CellKind.RACK
            k[74:136, c] = CellKind.RACK
        return Layout(Grid(k), name="generated-140x500")


def random_walk(layout, n: int, frames: int, seed: int):
    """``(frames + HORIZON, n, 2)`` positions: each agent moves to a random free neighbour when it can."""
    rng = np.random.default_rng(seed)
    free = np.argwhere(layout.grid.passable)
    pos = free[rng.choice(len(free), size=n, replace=False)].astype(np.int64)
    passable = layout.grid.passable
    moves = np.array(DIRECTIONS, np.int64)
    out = np.empty((frames + HORIZON, n, 2), np.int64)
    headings = np.zeros((frames + HORIZON, n), np.int64)
    h = rng.integers(0, 4, n)
    for t in range(frames + HORIZON):
        out[t] = pos
        headings[t] = h
        moved = np.zeros(n, bool)
        for _ in range(4):  # a few tries, so nearly everyone moves one cell every frame
            d = rng.integers(0, 4, n)
            nxt = pos + moves[d]
            ok = ~moved & (nxt[:, 0] >= 0) & (nxt[:, 0] < layout.rows) & (nxt[:, 1] >= 0) & (nxt[:, 1] < layout.cols)
            ok[ok] = passable[nxt[ok, 0], nxt[ok, 1]]
            pos = np.where(ok[:, None], nxt, pos)
            h = np.where(ok, d, h)
            moved |= ok
    return out, headings


def make_frames(layout, n: int, count: int, seed: int = 0) -> list[Frame]:
    pos, headings = random_walk(layout, n, count, seed)
    rng = np.random.default_rng(seed + 1)
    kinds = np.where(np.arange(n) % 10 == 9, AgentKind.HUMAN, AgentKind.ROBOT).astype(np.int64)
    states = rng.integers(0, len(AgentState), n)
    fill = rng.random(n)
    frames = []
    for t in range(count):
        frames.append(Frame(step=t, positions=pos[t], states=states, kinds=kinds, headings=headings[t],
                            goals=pos[t + HORIZON - 1],
                            paths=np.ascontiguousarray(pos[t:t + HORIZON].transpose(1, 0, 2)),
                            tote_fill=fill, hud={"orders_backlog": 100, "orders_shipped": t}))
    return frames


def bench_viewer(layout, frames, *, paths: bool, seconds: float, zoom: int = 0) -> dict:
    v = Viewer(layout, size=WINDOW, speed=None, fps=10**6, paths=paths)
    try:
        v.show(frames[0])  # opens the window, fits, builds the static layer
        if zoom:
            v.camera.zoom(zoom)
            v.show(frames[0])
        k = v.camera.cell_px
        drawn = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            assert v.show(frames[drawn % len(frames)])
            drawn += 1
        dt = time.perf_counter() - t0
        builds = v.renderer.static.builds
    finally:
        v.close()
    return {"frames": drawn, "seconds": dt, "fps": drawn / dt, "cell_px": k, "static_builds": builds}


def bench_naive(layout, frames, *, paths: bool, count: int) -> dict:
    """Everything drawn with pygame primitives, every frame, cell by cell and agent by agent."""
    import pygame

    pygame.display.init()
    screen = pygame.display.set_mode(WINDOW)
    k = max(1, min(WINDOW[0] // layout.cols, WINDOW[1] // layout.rows))
    ox, oy = (WINDOW[0] - layout.cols * k) // 2, (WINDOW[1] - layout.rows * k) // 2
    colours = [tuple(int(v) for v in row) for row in cell_rgb(layout).reshape(-1, 3)]
    cols = layout.cols
    state_cols = [tuple(int(v) for v in c) for c in STATE_COLOURS]
    path_cols = [darker(c, 0.8) for c in state_cols]
    t0 = time.perf_counter()
    for i in range(count):
        f = frames[i % len(frames)]
        pygame.event.pump()
        screen.fill(BACKGROUND)
        for idx, colour in enumerate(colours):
            r, c = divmod(idx, cols)
            screen.fill(colour, (ox + c * k, oy + r * k, k, k))
        sidx = state_index(f.states).tolist()
        if paths:
            for a in range(f.n_agents):
                pts = [(ox + int(c) * k + k // 2, oy + int(r) * k + k // 2) for r, c in f.paths[a]]
                pygame.draw.lines(screen, path_cols[sidx[a]], False, pts)
        for a, (r, c) in enumerate(f.positions.tolist()):
            x, y = ox + c * k, oy + r * k
            if f.kinds[a] == AgentKind.HUMAN:
                pygame.draw.polygon(screen, state_cols[sidx[a]],
                                    [(x + k / 2, y), (x + k, y + k / 2), (x + k / 2, y + k), (x, y + k / 2)])
            else:
                pygame.draw.rect(screen, state_cols[sidx[a]], (x, y, k, k))
        pygame.display.flip()
    dt = time.perf_counter() - t0
    pygame.display.quit()
    return {"frames": count, "seconds": dt, "fps": count / dt, "cell_px": k}


def bench_live(layout, frames, *, hz: float, seconds: float) -> dict:
    """A producer thread pushes a frame every 1/hz s into a PushSource; the viewer's run() loop draws the newest.

    Lag = time from the push to the flip of the first picture showing that frame.
    """
    import dataclasses
    import threading

    from viz.push import PushSource

    src = PushSource(layout)
    v = Viewer(layout, size=WINDOW, speed=None, fps=60)
    stop = threading.Event()
    pushed_at: dict[int, float] = {}

    def produce():
        t0 = time.perf_counter()
        i = 0
        while not stop.is_set():
            pushed_at[i] = time.perf_counter()
            src.push(dataclasses.replace(frames[i % len(frames)], step=i))
            i += 1
            time.sleep(max(0.0, t0 + i / hz - time.perf_counter()))

    th = threading.Thread(target=produce, daemon=True)
    v.open()
    th.start()
    lags: dict[int, float] = {}
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < seconds:
            v.run(src, max_frames=1)
            if v.frame is not None and v.frame.step not in lags:
                lags[v.frame.step] = v.last_draw_time - pushed_at[v.frame.step]
    finally:
        stop.set()
        th.join()
        v.close()
    lag = np.array(list(lags.values())) * 1000
    return {"hz": hz, "pushed": src.pushed, "shown": len(lags), "dropped": src.dropped,
            "lag_ms_median": float(np.median(lag)), "lag_ms_p99": float(np.percentile(lag, 99)),
            "lag_ms_max": float(lag.max())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--seconds", type=float, default=3.0, help="time per robocore case")
    ap.add_argument("--peer-frames", type=int, default=6, help="frames per naive case")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "viz_bench.json"))
    args = ap.parse_args(argv)
    layout = load_large()
    rows = []
    print(f"layout {layout.name} {layout.rows} x {layout.cols}, window {WINDOW[0]} x {WINDOW[1]}, headless (dummy)")
    print(f"{'agents':>7} {'paths':>5} {'renderer':<22} {'px/cell':>7} {'fps':>8} {'ms/frame':>9} {'vs naive':>9}")
    for n in args.agents:
        frames = make_frames(layout, n, 64)
        for paths in (False, True):
            naive = bench_naive(layout, frames, paths=paths, count=args.peer_frames)
            ours = bench_viewer(layout, frames, paths=paths, seconds=args.seconds)
            zoomed = bench_viewer(layout, frames, paths=paths, seconds=args.seconds / 2, zoom=6)
            cases = (("robocore (fit)", ours), ("robocore (zoomed in)", zoomed), ("naive cell-by-cell", naive))
            for name, res in cases:
                ratio = res["fps"] / naive["fps"]
                rows.append({"agents": n, "paths": paths, "renderer": name, **res, "ratio_vs_naive": ratio})
                print(f"{n:>7} {'on' if paths else 'off':>5} {name:<22} {res['cell_px']:>7} {res['fps']:>8.1f} "
                      f"{1000 / res['fps']:>9.2f} {ratio:>8.1f}x")
    live = {}
    if 1000 in args.agents or not args.agents:
        frames = make_frames(layout, 1000, 64)
        live = bench_live(layout, frames, hz=10.0, seconds=args.seconds * 2)
        print(f"live: 1000 agents pushed at 10 Hz from a producer thread: {live['shown']}/{live['pushed']} frames "
              f"shown, {live['dropped']} dropped, lag median {live['lag_ms_median']:.1f} ms, "
              f"p99 {live['lag_ms_p99']:.1f} ms, max {live['lag_ms_max']:.1f} ms")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"layout": layout.name, "rows": layout.rows, "cols": layout.cols, "window": WINDOW,
            "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    out.write_text(json.dumps({"meta": meta, "rows": rows, "live": live}, indent=1))
    print(f"load average {meta['load_average'][0]:.2f} on {meta['cpus']} CPUs; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
