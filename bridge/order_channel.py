"""The controller side of one robot's orders: build updates, re-send until acknowledged.

VDA 5050 has no separate acknowledgement: a robot's ``state`` showing the
order's ``orderId`` and ``orderUpdateId`` *is* the acknowledgement. An
:class:`OrderChannel` keeps the last order it built for a robot and hands it
out again (:meth:`OrderChannel.due`) ``resend_s`` seconds after the first send,
then at doubling intervals up to ``RESEND_CAP`` x ``resend_s``, until a state
acknowledges it, or shows the robot rejected it (an error naming the ids). The
backoff keeps a controller that is behind on its queue (the acknowledgements
are there, unread) from multiplying the commands, and so the states answering
them, that it must handle.
"""

from __future__ import annotations

from typing import Any, Sequence

from bridge.messages import MANUFACTURER, Headers, Topic, node_id, order_message

__all__ = ["OrderChannel", "RESEND_CAP"]

#: Longest re-send interval, in multiples of ``resend_s``.
RESEND_CAP = 4


class OrderChannel:
    """Orders for one robot.

    Parameters
    ----------
    serial_number:
        The robot.
    map_id:
        The layout's mapId.
    resend_s:
        Seconds between re-sends of an unacknowledged order.
    """

    def __init__(self, serial_number: str, *, map_id: str, manufacturer: str = MANUFACTURER,
                 resend_s: float = 0.2):
        self.headers = Headers(serial_number, manufacturer=manufacturer)
        self.map_id = str(map_id)
        self.resend_s = float(resend_s)
        self.order_id = ""
        self.order_update_id = 0
        self.base_end: tuple[tuple[int, int], int] | None = None  # (cell, sequenceId) of the last base node
        self._pending: dict[str, Any] | None = None
        self._sent_at = float("-inf")
        self._interval = self.resend_s
        self.rejected: dict[str, Any] | None = None
        self.resends = 0

    @property
    def pending(self) -> dict[str, Any] | None:
        """The last order built and not yet acknowledged, or None."""
        return self._pending

    def new_order(self, order_id: str, path: Sequence[Sequence[int]], *, released: int) -> dict[str, Any]:
        """Start order ``order_id`` along ``path`` (``path[0]`` the robot's cell)."""
        self.order_id, self.order_update_id = str(order_id), 0
        return self._build(path, released, 0)

    def update(self, path: Sequence[Sequence[int]], *, released: int,
               node_actions: dict[int, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
        """An update of the current order stitched at its last base node (``path[0]``),
        with ``node_actions`` as :func:`bridge.messages.order_message`.

        Raises
        ------
        ValueError
            If there is no current order or ``path[0]`` is not its last base node.
        """
        if self.base_end is None:
            raise ValueError("no current order to update")
        cell, seq = self.base_end
        if (int(path[0][0]), int(path[0][1])) != cell:
            raise ValueError(f"update must start at the last base node {node_id(cell)}, not {node_id(path[0])}")
        self.order_update_id += 1
        return self._build(path, released, seq, node_actions)

    def _build(self, path, released: int, first_seq: int, node_actions=None) -> dict[str, Any]:
        msg = order_message(self.headers.next(Topic.ORDER), order_id=self.order_id,
                            order_update_id=self.order_update_id, path=path, released=released,
                            map_id=self.map_id, first_sequence_id=first_seq, node_actions=node_actions)
        self.base_end = ((int(path[released - 1][0]), int(path[released - 1][1])), first_seq + 2 * (released - 1))
        self._pending = msg
        self._sent_at = float("-inf")
        self._interval = self.resend_s
        self.rejected = None
        return msg

    def resume(self, state: dict[str, Any]) -> None:
        """Take over the order a robot reports (a restarted controller meeting a robot mid-order).

        The next :meth:`update` stitches at the robot's last base node: its last
        released node state, or its last traversed node when none is left.
        """
        from bridge.messages import parse_node_id

        self.order_id, self.order_update_id = state["orderId"], state["orderUpdateId"]
        released = [n for n in state["nodeStates"] if n["released"]]
        if released:
            nid, seq = released[-1]["nodeId"], released[-1]["sequenceId"]
        else:
            nid, seq = state["lastNodeId"], state["lastNodeSequenceId"]
        self.base_end = (parse_node_id(nid), int(seq))
        self._pending = None

    def forget(self, *, keep_base: bool = True) -> None:
        """Stop re-sending the pending order (the robot went away or was cancelled).

        With ``keep_base=False`` the order is forgotten too (the robot restarted
        and lost it): the next order must be a :meth:`new_order`.
        """
        self._pending = None
        if not keep_base:
            self.base_end = None

    def due(self, now: float) -> dict[str, Any] | None:
        """The pending order if it should be sent: the first time, then ``resend_s``
        after the first send, then at doubling intervals up to ``RESEND_CAP * resend_s``.

        ``now`` is any monotonic clock in seconds (it only paces re-sends). A
        re-send carries a fresh header (next headerId, wall-clock timestamp)
        and the same ids.
        """
        if self._pending is None or now - self._sent_at < self._interval:
            return None
        if self._sent_at != float("-inf"):
            self.resends += 1
            self._interval = min(2 * self._interval, RESEND_CAP * self.resend_s)  # the next one waits longer
            self._pending = {**self._pending, **self.headers.next(Topic.ORDER)}  # wall-clock stamp
        self._sent_at = now
        return self._pending

    def on_state(self, state: dict[str, Any]) -> bool:
        """Feed a robot state; True when it acknowledges the pending order (or none is pending)."""
        if self._pending is None:
            return True
        if state["orderId"] == self.order_id and state["orderUpdateId"] == self.order_update_id:
            self._pending = None
            return True
        for err in state["errors"]:
            refs = {r.get("referenceKey"): r.get("referenceValue") for r in err.get("errorReferences", [])}
            if refs.get("orderId") == self.order_id and refs.get("orderUpdateId") == str(self.order_update_id):
                self.rejected = err
                self._pending = None
                return False
        return False
