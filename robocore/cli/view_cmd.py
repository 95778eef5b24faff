"""``robocore view`` (replay a run folder, or follow a live floor with ``--connect``, in a window or as PNGs) and
``robocore map render`` (a layout as a PNG).

pygame is imported only inside the handlers; with ``--snapshot``/``--frames``
(and for ``map render``) SDL's dummy video and audio drivers are selected when
no display exists, so these work on a headless machine with nothing on stderr
but our own lines.
"""

from __future__ import annotations

import argparse
import sys

from robocore.errors import InputError

__all__ = ["register", "register_map_render"]


def register(sub) -> None:
    p = sub.add_parser(
        "view",
        help="watch a recorded run or a live floor in a window, or render it headless to PNG",
        description="Replay a run folder (layout.json, trajectory.npz, report.json) in a window with a time "
                    "slider, or follow a live floor from 'robocore run --publish' (--connect tcp://HOST:PORT), "
                    "or write a PNG snapshot (--snapshot) or PNG frames (--frames) without a display. "
                    "Window keys: space pause, '.' step, ',' step back, +/- speed, f fit, p paths, arrows pan, "
                    "PageUp/PageDown or wheel zoom, Home/End first/last step, h help, q/Esc quit.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", nargs="?", help="a run folder written by 'robocore run'")
    p.add_argument("--connect", metavar="tcp://HOST:PORT", default=None,
                   help="live: follow 'robocore run --publish' (telemetry PUB on PORT, snapshots on PORT+1) "
                        "instead of a run folder")
    p.add_argument("--after", type=int, metavar="N", default=None,
                   help="with --connect: --snapshot after N live frames (default 0: the first frame), "
                        "--frames writes N frames (default 100)")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S",
                   help="with --connect: give up (exit 2) when no snapshot or frame comes for S seconds (default 5)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--snapshot", metavar="OUT.png", help="write one PNG of --step (default: the last step) and exit")
    mode.add_argument("--frames", metavar="DIR", help="write PNG frames frame_<step>.png into DIR and exit")
    p.add_argument("--step", type=int, metavar="T",
                   help="step to snapshot (default: the last) or to start the window at (default: 0)")
    p.add_argument("--every", type=int, metavar="K", help="with --frames: every K-th step (default 1)")
    p.add_argument("--cell-px", type=int, metavar="K",
                   help="pixels per cell for --snapshot/--frames (default: at least 800 px wide)")
    p.add_argument("--paths", action="store_true", help="draw planned paths (next steps) and goals")
    p.add_argument("--speed", type=float, default=10.0, metavar="S",
                   help="window: initial speed in steps per second (default 10)")
    p.add_argument("--json", action="store_true", help="with --snapshot/--frames: print a JSON summary on stdout")
    p.set_defaults(handler=_view)


def register_map_render(msub) -> None:
    """Add ``render`` to the ``robocore map`` sub-commands."""
    r = msub.add_parser("render", help="draw a map or layout as a PNG, one colour per cell kind (headless)")
    r.add_argument("map", metavar="MAP", help="a map or layout file")
    r.add_argument("-o", "--out", required=True, metavar="FILE.png", help="the PNG to write")
    r.add_argument("--cell-px", type=int, metavar="K", help="pixels per cell (default: at least 800 px wide)")
    r.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    r.set_defaults(handler=_map_render)


def _say(msg: str) -> None:
    print(f"robocore view: {msg}", file=sys.stderr)


def _map_render(args: argparse.Namespace) -> int:
    from viz.sdl import use_headless_drivers

    use_headless_drivers()
    from maps import load_layout
    from robocore.cli._common import emit_json
    from viz.snapshot import render_layout, snapshot_cell_px

    layout = load_layout(args.map)
    w, h = render_layout(layout, args.out, cell_px=args.cell_px)
    k = args.cell_px if args.cell_px is not None else snapshot_cell_px(layout)
    if args.json:
        emit_json({"map": str(args.map), "out": str(args.out), "width": w, "height": h, "cell_px": k})
    else:
        print(f"robocore map render: wrote {args.out} ({w} x {h} px, {k} px per cell)", file=sys.stderr)
    return 0


def _view(args: argparse.Namespace) -> int:
    if args.connect is not None:
        return _view_live(args)
    if args.run_dir is None:
        raise InputError("give a RUN_DIR, or --connect tcp://HOST:PORT for a live floor")
    if args.after is not None:
        raise InputError("--after needs --connect")
    headless = args.snapshot is not None or args.frames is not None
    if args.every is not None and args.frames is None:
        raise InputError("--every needs --frames")
    if args.step is not None and args.frames is not None:
        raise InputError("--step does not apply to --frames (use --every)")
    if args.cell_px is not None and not headless:
        raise InputError("--cell-px applies to --snapshot/--frames; in the window, zoom with the wheel")
    if args.json and not headless:
        raise InputError("--json needs --snapshot or --frames")
    if not args.speed > 0:
        raise InputError(f"--speed must be positive, got {args.speed}")
    if headless:
        from viz.sdl import use_headless_drivers

        use_headless_drivers()
    from robocore.cli._common import Progress, emit_json
    from viz.replay import ReplaySource

    source = ReplaySource(args.run_dir)
    n = len(source)
    if args.step is not None and not 0 <= args.step < n:
        raise InputError(f"--step {args.step} out of range 0..{n - 1}", source=args.run_dir)
    if args.snapshot is not None:
        from viz.snapshot import render_snapshot, snapshot_cell_px

        step = n - 1 if args.step is None else args.step
        w, h = render_snapshot(source.layout, source.frame(step), args.snapshot, cell_px=args.cell_px,
                               paths=args.paths, report=source.report)
        k = args.cell_px if args.cell_px is not None else snapshot_cell_px(source.layout)
        if args.json:
            emit_json({"snapshot": str(args.snapshot), "step": step, "width": w, "height": h, "cell_px": k})
        else:
            _say(f"wrote {args.snapshot} (step {step}, {w} x {h} px)")
        return 0
    if args.frames is not None:
        from viz.snapshot import render_frames

        every = 1 if args.every is None else args.every
        if every < 1:
            raise InputError(f"--every must be a positive integer, got {every}")
        total = len(range(0, n, every))
        with Progress(total, desc="robocore view: frames", enabled=not args.json) as bar:
            written = render_frames(source, args.frames, every=every, cell_px=args.cell_px, paths=args.paths,
                                    on_frame=lambda t: bar.update())
        if args.json:
            emit_json({"frames": str(args.frames), "count": len(written), "every": every,
                       "first": str(written[0]) if written else None, "last": str(written[-1]) if written else None})
        else:
            _say(f"wrote {len(written)} frames to {args.frames}")
        return 0
    from viz.viewer import Viewer

    viewer = Viewer(source.layout, title=source.title, speed=args.speed, paths=args.paths, report=source.report)
    try:
        viewer.run(source, start=args.step or 0)
    finally:
        viewer.close()
    return 0


def _view_live(args: argparse.Namespace) -> int:
    """``robocore view --connect``: a live floor from ``robocore run --publish``."""
    headless = args.snapshot is not None or args.frames is not None
    if args.run_dir is not None:
        raise InputError("give either RUN_DIR or --connect, not both")
    for flag, value in (("--step", args.step), ("--every", args.every)):
        if value is not None:
            raise InputError(f"{flag} does not apply to --connect (live frames come as they are published)")
    if args.cell_px is not None and not headless:
        raise InputError("--cell-px applies to --snapshot/--frames; in the window, zoom with the wheel")
    if args.json and not headless:
        raise InputError("--json needs --snapshot or --frames")
    if args.after is not None and args.after < 0:
        raise InputError(f"--after must be >= 0, got {args.after}")
    if not args.timeout > 0:
        raise InputError(f"--timeout must be positive, got {args.timeout}")
    if headless:
        from viz.sdl import use_headless_drivers

        use_headless_drivers()
    from robocore.cli._common import emit_json
    from viz.live import TelemetrySource

    source = TelemetrySource(args.connect)
    try:
        if not args.json:
            _say(f"connecting to {source.endpoint} ...")
        source.connect(timeout_s=args.timeout)
        if not headless:
            from viz.viewer import Viewer

            viewer = Viewer(source.layout, title=source.title, speed=None, paths=args.paths)
            try:
                viewer.run(source)
            finally:
                viewer.close()
            return 0
        want = (0 if args.snapshot is not None else 100) if args.after is None else args.after
        frames = []

        def take():
            got = source.wait(timeout_s=args.timeout)
            if got is None:
                raise InputError(f"no floor frame from {source.endpoint} for {args.timeout:g} s "
                                 f"(publisher finished or stopped)")
            return got

        if args.snapshot is not None:
            from viz.snapshot import render_snapshot, snapshot_cell_px

            frame = take()
            for _ in range(want):
                frame = take()
            w, h = render_snapshot(source.layout, frame, args.snapshot, cell_px=args.cell_px, paths=args.paths)
            k = args.cell_px if args.cell_px is not None else snapshot_cell_px(source.layout)
            summary = {"snapshot": str(args.snapshot), "step": frame.step, "width": w, "height": h, "cell_px": k,
                       "frames": source.received, "skipped": source.skipped, "gaps": source.gaps,
                       "restarts": source.restarts}
            if args.json:
                emit_json(summary)
            else:
                _say(f"wrote {args.snapshot} (live step {frame.step}, {w} x {h} px; {source.received} frames "
                     f"received, {source.skipped} skipped, {source.gaps} gaps)")
            return 0
        from pathlib import Path

        from viz.snapshot import render_snapshot

        out = Path(args.frames)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cannot create frames folder: {err.strerror}", source=str(out)) from None
        for _ in range(want):
            frame = take()  # source.layout follows a publisher restarted on another floor
            path = out / f"frame_{len(frames):06d}_step{frame.step}.png"
            render_snapshot(source.layout, frame, path, cell_px=args.cell_px, paths=args.paths)
            frames.append(path)
        if args.json:
            emit_json({"frames": str(out), "count": len(frames), "first": str(frames[0]) if frames else None,
                       "last": str(frames[-1]) if frames else None, "skipped": source.skipped,
                       "gaps": source.gaps, "restarts": source.restarts})
        else:
            _say(f"wrote {len(frames)} live frames to {out} ({source.skipped} skipped, {source.gaps} gaps)")
        return 0
    finally:
        source.close()
