"""A lossy ZeroMQ relay for fault tests: drops, duplicates and reorders frames both ways.

Robots connect their DEALERs to :attr:`TransportShim.endpoint` (a ROUTER);
for each robot identity the shim opens a DEALER with the same identity to the
controller. Each relayed message is, independently and seeded, dropped with
probability ``drop``, sent twice with ``dup``, or held back and released after
the next one or two messages (reordered) with ``reorder``. Plain TCP only:
CURVE ends at the shim, so tests through it run the server without keys.
"""

from __future__ import annotations

import random
import threading

import zmq

__all__ = ["TransportShim"]


class TransportShim:
    def __init__(self, upstream: str, *, drop: float, dup: float, reorder: float, seed: int = 0):
        self.upstream = upstream
        self.p = (drop, dup, reorder)
        self.rng = random.Random(seed)
        self.ctx = zmq.Context()
        self.front = self.ctx.socket(zmq.ROUTER)
        self.front.setsockopt(zmq.LINGER, 0)
        self.front.setsockopt(zmq.ROUTER_HANDOVER, 1)
        self.front.bind("tcp://127.0.0.1:*")
        self.endpoint = self.front.getsockopt(zmq.LAST_ENDPOINT).decode()
        self.counts = {"relayed": 0, "dropped": 0, "duplicated": 0, "reordered": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _faulty(self, send, frames, held: list) -> None:
        drop, dup, reorder = self.p
        x = self.rng.random()
        if x < drop:
            self.counts["dropped"] += 1
        elif x < drop + dup:
            send(frames)
            send(frames)
            self.counts["duplicated"] += 1
        elif x < drop + dup + reorder:
            held.append((self.rng.randint(1, 2), frames))
            self.counts["reordered"] += 1
            return
        else:
            send(frames)
            self.counts["relayed"] += 1
        for item in list(held):  # release held messages after 1-2 later ones
            item_left, item_frames = item
            held.remove(item)
            if item_left <= 1:
                send(item_frames)
            else:
                held.append((item_left - 1, item_frames))

    def _run(self) -> None:
        backs: dict[bytes, zmq.Socket] = {}
        held_up: dict[bytes, list] = {}
        held_down: dict[bytes, list] = {}
        poller = zmq.Poller()
        poller.register(self.front, zmq.POLLIN)
        while not self._stop.is_set():
            for sock, _ in poller.poll(20):
                if sock is self.front:
                    ident, *rest = self.front.recv_multipart()
                    back = backs.get(ident)
                    if back is None:
                        back = backs[ident] = self.ctx.socket(zmq.DEALER)
                        back.setsockopt(zmq.LINGER, 0)
                        back.setsockopt(zmq.ROUTING_ID, ident)
                        back.connect(self.upstream)
                        poller.register(back, zmq.POLLIN)
                        held_up[ident], held_down[ident] = [], []
                    self._faulty(back.send_multipart, rest, held_up[ident])
                else:
                    ident = sock.getsockopt(zmq.ROUTING_ID)
                    frames = sock.recv_multipart()
                    self._faulty(lambda f, i=ident: self.front.send_multipart([i, *f]), frames, held_down[ident])
        for s in backs.values():
            s.close(0)
        self.front.close(0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.ctx.term()
