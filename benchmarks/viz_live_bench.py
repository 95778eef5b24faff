"""Live view over the bridge: lag and dropped frames of ``robocore view --connect``, headless.

A publisher process (``bridge.floor.FloorPublisher``, as ``robocore run
--publish`` uses it) sends 1,000-robot frames on the bundled ``large`` layout
at 10 Hz over loopback TCP; this process runs a ``TelemetrySource`` (snapshot
first, then the stream) and the real ``Viewer.run()`` loop (60 fps cap, SDL's
dummy driver, 1280 x 800). Lag = the publisher's ``time.time()`` stamped in
the frame (``sent``) to the flip of the first picture showing it, on the same
machine's clock. Dropped = frames published while watching that were never
drawn. The peer is the same viewer fed in-process through a ``PushSource``
(no serialisation, no network; ``viz_bench.bench_live``).

    nice -n 10 python benchmarks/viz_live_bench.py [--agents 1000] [--hz 10] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

WINDOW = (1280, 800)


def publish(endpoint_q, stop, agents: int, hz: float, seconds: float) -> None:
    """The publisher process: frames at ``hz`` for ``seconds`` (after the viewer says go)."""
    import dataclasses

    from bridge.floor import FloorPublisher
    from viz_bench import load_large, make_frames

    layout = load_large()
    frames = make_frames(layout, agents, 64)
    with FloorPublisher("tcp://127.0.0.1:0", layout) as pub:
        endpoint_q.put(pub.endpoint)
        while not stop.is_set():  # wait for the viewer, answering its snapshot request
            pub.serve(0.05)
        t0 = time.perf_counter()
        i = 0
        while time.perf_counter() - t0 < seconds:
            f = frames[i % len(frames)]
            pub.step(lambda: dataclasses.replace(f, step=i, paths=None))
            i += 1
            time.sleep(max(0.0, t0 + i / hz - time.perf_counter()))
        endpoint_q.put(i)
        pub.serve(0.5)


def bench_wire(agents: int, hz: float, seconds: float) -> dict:
    from viz.live import TelemetrySource
    from viz.viewer import Viewer

    ctx = mp.get_context("spawn")
    q, go = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=publish, args=(q, go, agents, hz, seconds))
    proc.start()
    try:
        endpoint = q.get(timeout=60)
        src = TelemetrySource(endpoint)
        src.connect(timeout_s=10)
        v = Viewer(src.layout, size=WINDOW, speed=None, fps=60)
        v.open()
        time.sleep(0.3)  # the SUB is subscribed before the stream starts
        go.set()
        lags: dict[int, float] = {}
        t_end = time.monotonic() + seconds + 2.0
        published = None
        while time.monotonic() < t_end:
            v.run(src, max_frames=1)
            if v.frame is not None and v.frame.step not in lags and src.last_sent is not None:
                drawn_wall = time.time() - (time.perf_counter() - v.last_draw_time)
                lags[v.frame.step] = drawn_wall - src.last_sent
            if published is None and not q.empty():
                published = q.get()
                t_end = min(t_end, time.monotonic() + 0.3)
        if published is None:
            published = q.get(timeout=10)
        v.close()
        stats = {"received": src.received, "skipped": src.skipped, "gaps": src.gaps, "lost": src.lost}
        src.close()
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    lag = np.array(list(lags.values())) * 1000
    return {"agents": agents, "hz": hz, "published": published, "shown": len(lags),
            "dropped": published - len(lags), **stats,
            "lag_ms_median": float(np.median(lag)), "lag_ms_p99": float(np.percentile(lag, 99)),
            "lag_ms_max": float(lag.max())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--hz", type=float, default=10.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "viz_live_bench.json"))
    args = ap.parse_args(argv)
    from bridge.floor import encode_floor
    from viz_bench import bench_live, load_large, make_frames

    layout = load_large()
    frames = make_frames(layout, args.agents, 64)
    size = len(encode_floor(frames[0], run="x"))
    print(f"layout {layout.name} {layout.rows} x {layout.cols}, {args.agents} agents at {args.hz:g} Hz for "
          f"{args.seconds:g} s, floor frame {size} bytes, window {WINDOW[0]} x {WINDOW[1]} (dummy driver)")
    wire = bench_wire(args.agents, args.hz, args.seconds)
    local = bench_live(layout, frames, hz=args.hz, seconds=args.seconds)
    local = {**local, "published": local["pushed"], "dropped": local["pushed"] - local["shown"]}
    print(f"{'source':<34} {'sent':>5} {'shown':>5} {'dropped':>7} {'gaps':>4} {'lag med ms':>10} "
          f"{'p99 ms':>7} {'max ms':>7}")
    for name, r in (("robocore view --connect (TCP)", wire), ("peer: in-process PushSource", local)):
        print(f"{name:<34} {r['published']:>5} {r['shown']:>5} {r['dropped']:>7} {r.get('gaps', 0):>4} "
              f"{r['lag_ms_median']:>10.1f} {r['lag_ms_p99']:>7.1f} {r['lag_ms_max']:>7.1f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"layout": layout.name, "frame_bytes": size, "window": WINDOW, "load_average": os.getloadavg(),
            "cpus": os.cpu_count()}
    out.write_text(json.dumps({"meta": meta, "wire": wire, "in_process": local}, indent=1))
    print(f"load average {meta['load_average'][0]:.2f} on {meta['cpus']} CPUs; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
