"""The live floor frame of a running shift carries tote fill and the HUD figures,
and they survive the floor-frame wire encoding."""

from dataclasses import replace

import numpy as np

from bridge.floor import decode_floor, encode_floor, floor_to_frame
from fleet.shift import ShiftSpec, live_frame, run_shift

SPEC = ShiftSpec(layout="small", robots=4, humans=1, hours=0.5, orders=12, seed=3, skus=60)


def test_live_frame_tote_fill_and_hud_round_trip():
    seen = []

    def on_step(ctl):
        f = live_frame(ctl)
        if f.tote_fill is not None and (f.tote_fill > 0).any() and not seen:
            seen.append((f, [len({it.order_id for it in t}) for t in ctl.totes]))

    res = run_shift(replace(SPEC), on_step=on_step)
    try:
        assert seen, "no agent ever carried a tote"
        frame, orders_in_tote = seen[0]
        cap = np.where(res.controller.is_human, res.controller.config.human_orders, res.controller.config.robot_orders)
        assert np.allclose(frame.tote_fill, np.minimum(np.array(orders_in_tote) / cap, 1.0))
        for key in ("orders_backlog", "orders_in_progress", "orders_shipped", "utilisation", "lines_per_hour"):
            assert key in frame.hud
        assert 0.0 <= frame.hud["utilisation"] <= 1.0
        back = floor_to_frame(decode_floor(encode_floor(frame, run="t")))
        assert np.allclose(back.tote_fill, np.round(100 * frame.tote_fill) / 100)
        assert back.hud["orders_backlog"] == frame.hud["orders_backlog"]
        assert np.array_equal(back.positions, frame.positions)
    finally:
        res.close()
