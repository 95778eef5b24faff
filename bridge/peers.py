"""What the controller knows of each robot connection: liveness, incarnation, freshness.

Rules (``docs/protocol.md``, "Liveness and ordering"):

* A robot is ONLINE from its first accepted message and OFFLINE when no
  message from it has been accepted for ``offline_after_s`` seconds.
* A ``connection`` ONLINE message whose timestamp is later than the current
  incarnation's starts a new *incarnation* (the robot restarted): per-topic
  headerId tracking restarts and the caller resynchronises the robot.
* Within an incarnation a message is fresh when its headerId is greater than
  the last accepted one of its topic; anything else (a duplicate, a reordered
  older message, a message stamped before the incarnation began) is stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bridge.codec import Message
from bridge.messages import ConnectionState, Topic

__all__ = ["Peer", "PeerTable", "Verdict", "parse_timestamp"]

# Plain strings on the per-message path (enum attribute access costs there).
_STATE = Topic.STATE.value
_CONNECTION = Topic.CONNECTION.value
_ONLINE = ConnectionState.ONLINE.value
_ONLINE_STATUS = ConnectionState.ONLINE


def parse_timestamp(ts: str) -> float:
    """UNIX seconds of an ISO-8601 timestamp (``...Z`` or with an offset).

    The form robots send, ``YYYY-MM-DDTHH:MM:SS.mmmZ``, takes a fast path:
    the seconds part changes once a second and is parsed once (cached).

    Raises
    ------
    ValueError
        If ``ts`` is not ISO-8601 with a time zone.
    """
    if len(ts) == 24 and ts[19] == "." and ts[23] == "Z":
        millis = ts[20:23]
        if millis.isascii() and millis.isdigit():
            whole = _SECONDS.get(ts[:19])
            if whole is None:
                whole = _whole_seconds(ts[:19])
            return whole + int(millis) / 1000.0
    dt = datetime.fromisoformat(ts)
    if dt.tzinfo is None:
        raise ValueError(f"timestamp {ts!r} has no time zone")
    return dt.timestamp()


_SECONDS: dict[str, float] = {}  # "YYYY-MM-DDTHH:MM:SS" (UTC) -> UNIX seconds, the last few seconds seen


def _whole_seconds(prefix: str) -> float:
    value = datetime.fromisoformat(prefix + "+00:00").timestamp()
    if len(_SECONDS) >= 64:  # robots stamp the current second (or one just gone): keep the cache small
        _SECONDS.clear()
    _SECONDS[prefix] = value
    return value


@dataclass
class Peer:
    """One robot as the controller sees it."""

    serial: str
    status: ConnectionState = ConnectionState.OFFLINE
    last_seen: float = float("-inf")
    incarnation: float = float("-inf")  #: timestamp (UNIX s) of the ONLINE message that began it
    incarnations: int = 0
    last_header: dict[str, int] = field(default_factory=dict)
    last_state: Message | None = None


class Verdict:
    """What :meth:`PeerTable.accept` decided (string constants)."""

    FRESH = "fresh"
    NEW_INCARNATION = "new_incarnation"
    STALE = "stale"


class PeerTable:
    """Liveness and freshness of every robot.

    Parameters
    ----------
    offline_after_s:
        Seconds of silence after which a robot is OFFLINE.
    """

    def __init__(self, *, offline_after_s: float = 2.0):
        self.offline_after_s = float(offline_after_s)
        self.peers: dict[str, Peer] = {}

    def get(self, serial: str) -> Peer:
        peer = self.peers.get(serial)
        if peer is None:
            peer = self.peers[serial] = Peer(serial)
        return peer

    def accept(self, serial: str, topic: str, msg: Message, now: float) -> str:
        """Classify a decoded message from ``serial`` (it has a ``timestamp``);
        updates the peer unless it is stale.

        Raises
        ------
        ValueError
            If the message has no parseable timestamp.
        """
        peer = self.peers.get(serial)
        if peer is None:
            peer = self.peers[serial] = Peer(serial)
        verdict = Verdict.FRESH
        if topic == _STATE:  # the common case, on attributes (a state always has its header)
            ts, hid = parse_timestamp(msg.timestamp), msg.headerId
            if ts < peer.incarnation or hid <= peer.last_header.get(topic, -1):
                return Verdict.STALE
            peer.last_state = msg
            status = _ONLINE_STATUS
        else:
            ts, hid = parse_timestamp(msg["timestamp"]), msg["headerId"]
            if topic == _CONNECTION and msg["connectionState"] == _ONLINE and ts > peer.incarnation:
                peer.incarnation = ts
                peer.incarnations += 1
                peer.last_header = {}
                verdict = Verdict.NEW_INCARNATION
            elif ts < peer.incarnation or hid <= peer.last_header.get(topic, -1):
                return Verdict.STALE
            connected = topic != _CONNECTION or msg["connectionState"] == _ONLINE
            status = _ONLINE_STATUS if connected else ConnectionState(msg["connectionState"])
        peer.last_header[topic] = hid
        peer.last_seen = now
        peer.status = status
        return verdict

    def expire(self, now: float) -> list[str]:
        """Mark robots silent for ``offline_after_s`` OFFLINE; returns the serials that just went."""
        gone = []
        for peer in self.peers.values():
            if peer.status is ConnectionState.ONLINE and now - peer.last_seen > self.offline_after_s:
                peer.status = ConnectionState.CONNECTIONBROKEN
                gone.append(peer.serial)
        return gone

    def is_online(self, serial: str) -> bool:
        """True when ``serial`` is ONLINE."""
        peer = self.peers.get(serial)
        return peer is not None and peer.status is _ONLINE_STATUS

    def online(self) -> list[str]:
        """Serials currently ONLINE."""
        return [p.serial for p in self.peers.values() if p.status is ConnectionState.ONLINE]
