"""ZAP authentication: CURVE keys in the allowlist, User-Id = the key's serial.

:class:`SerialAuthenticator` runs pyzmq's ZAP handler in a thread on the
controller's context. It lets a CURVE client connect only with a public key
registered in the allowlist and sets the connection's ZAP User-Id to the serial
the key is registered for; the server compares that User-Id with the routing
identity and the header serialNumber of every frame (see
:mod:`bridge.server`).
"""

from __future__ import annotations

import logging

from zmq.auth.thread import ThreadAuthenticator

__all__ = ["SerialAuthenticator"]

log = logging.getLogger("bridge.auth")


class SerialAuthenticator(ThreadAuthenticator):
    """A ZAP handler for a CURVE allowlist mapping public key -> serial.

    Parameters
    ----------
    context:
        The controller's ``zmq.Context`` (one authenticator per context).
    allowlist:
        Z85 public key -> serial. :meth:`update` replaces it while running.
    domain:
        The ZAP domain of the sockets it guards.
    """

    def __init__(self, context, allowlist: dict[bytes, str], *, domain: str = "*"):
        super().__init__(context, log=log)
        self.domain = domain
        self._keys = dict(allowlist)
        self.refused = 0

    def update(self, allowlist: dict[bytes, str]) -> None:
        """Replace the allowlist (takes effect for new connections)."""
        self._keys = dict(allowlist)

    def start(self) -> None:
        super().start()
        self.configure_curve_callback(self.domain, credentials_provider=self)

    def quarantine(self, serial: str) -> None:
        """Refuse the keys registered for ``serial`` from now on (caught speaking as another robot)."""
        self._keys = {k: v for k, v in self._keys.items() if v != serial}
        log.warning("keys of %s quarantined: re-register them to re-admit the robot", serial)

    def callback(self, domain: str, z85_key: bytes) -> bool:
        """pyzmq's credentials-provider hook: is ``z85_key`` registered?"""
        ok = z85_key in self._keys
        if not ok:
            self.refused += 1
            log.warning("refused CURVE key %s (domain %r): not in the allowlist", z85_key.decode("ascii", "replace"),
                        domain)
        return ok

    def curve_user_id(self, client_public_key: bytes) -> str:
        import zmq.utils.z85 as z85

        return self._keys.get(z85.encode(client_public_key), "")
