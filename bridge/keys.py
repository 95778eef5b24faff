"""CURVE key pairs and the robot allowlist, kept in a keys directory.

Layout of a keys directory (all files in ZeroMQ's certificate format, as
written by :func:`zmq.auth.create_certificates`)::

    keys/
      controller.key            controller public key   (give to robots and viewers)
      controller.key_secret     controller secret key   (controller only, mode 0600)
      allowlist/<serial>.key    registered public key of robot (or viewer) <serial>
      secrets/<serial>.key_secret  secret key of a robot generated here (simulated robots)

The allowlist *is* the registration: a client may connect only with a public
key that has a file in ``allowlist/``, and on the command socket it may speak
only as the serial that file is named after.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from robocore.errors import InputError

__all__ = ["KeyPair", "KeyStore", "valid_serial"]

_SERIAL_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def valid_serial(serial: str) -> str:
    """Return ``serial`` if it is 1-64 of ``A-Z a-z 0-9 _ . : -`` (VDA 5050's topic characters).

    Raises
    ------
    InputError
        Otherwise, naming the serial.
    """
    if not isinstance(serial, str) or not _SERIAL_RE.match(serial):
        raise InputError(f"serial number {serial!r} must be 1-64 characters of A-Z a-z 0-9 _ . : -")
    return serial


@dataclass(frozen=True)
class KeyPair:
    """A CURVE key pair, Z85-encoded (40 ASCII bytes each); ``secret`` is None for a public key alone."""

    public: bytes
    secret: bytes | None = None


class KeyStore:
    """A keys directory (see the module docstring).

    Parameters
    ----------
    directory:
        The directory; created by the generating methods when missing.
    """

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)

    # ------------------------------------------------------------- generate
    def generate_controller(self, *, overwrite: bool = False) -> KeyPair:
        """Create the controller key pair.

        Raises
        ------
        InputError
            If one exists and ``overwrite`` is False.
        """
        return self._generate(self.dir, "controller", overwrite=overwrite)

    def generate_robot(self, serial: str, *, overwrite: bool = False) -> KeyPair:
        """Create a key pair for robot ``serial``, keep its secret in ``secrets/`` and register its public key."""
        valid_serial(serial)
        pair = self._generate(self.dir / "secrets", serial, overwrite=overwrite)
        self.register(serial, pair.public, overwrite=True)
        return pair

    def _generate(self, where: Path, name: str, *, overwrite: bool) -> KeyPair:
        import zmq.auth

        where.mkdir(parents=True, exist_ok=True)
        secret_file = where / f"{name}.key_secret"
        if secret_file.exists() and not overwrite:
            raise InputError("key pair exists; pass --force to replace it", source=str(secret_file))
        pub_path, sec_path = zmq.auth.create_certificates(str(where), name)
        os.chmod(sec_path, 0o600)
        if where != self.dir:  # keep robot public halves only in allowlist/
            os.remove(pub_path)
        public, secret = zmq.auth.load_certificate(sec_path)
        return KeyPair(public, secret)

    # ------------------------------------------------------------- register
    def register(self, serial: str, public_key: bytes | str, *, overwrite: bool = False) -> Path:
        """Register ``public_key`` (Z85, 40 characters) for ``serial`` in the allowlist.

        Raises
        ------
        InputError
            If the serial or key is malformed, the serial is registered already
            (and not ``overwrite``), or the key is registered for another serial.
        """
        valid_serial(serial)
        key = public_key.encode("ascii") if isinstance(public_key, str) else bytes(public_key)
        _check_z85(key, what=f"public key for {serial!r}")
        current = self.allowlist()
        other = current.get(key)
        if other is not None and other != serial:
            raise InputError(f"public key is already registered for serial {other!r}")
        path = self.dir / "allowlist" / f"{serial}.key"
        if path.exists() and not overwrite:
            raise InputError("serial is registered already; pass --force to replace its key", source=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#   ZeroMQ CURVE Public Certificate (robocore allowlist)\n"
                        f"metadata\n    serial = \"{serial}\"\ncurve\n    public-key = \"{key.decode()}\"\n")
        return path

    # ------------------------------------------------------------------ load
    def controller(self) -> KeyPair:
        """The controller key pair.

        Raises
        ------
        InputError
            If it has not been generated (``robocore keys init``).
        """
        return self._load(self.dir / "controller.key_secret")

    def controller_public(self) -> bytes:
        """The controller public key (what a robot needs)."""
        path = self.dir / "controller.key"
        return self._load(path).public

    def robot(self, serial: str) -> KeyPair:
        """Robot ``serial``'s key pair, generated here by :meth:`generate_robot`."""
        return self._load(self.dir / "secrets" / f"{valid_serial(serial)}.key_secret")

    def allowlist(self) -> dict[bytes, str]:
        """Registered public keys: Z85 public key -> serial."""
        import zmq.auth

        out: dict[bytes, str] = {}
        folder = self.dir / "allowlist"
        if not folder.is_dir():
            return out
        for path in sorted(folder.glob("*.key")):
            try:
                public, _ = zmq.auth.load_certificate(str(path))
            except Exception as err:  # pyzmq raises ValueError/OSError for a bad file
                raise InputError(f"not a public key certificate ({err})", source=str(path)) from None
            out[public] = path.name[: -len(".key")]
        return out

    @staticmethod
    def _load(path: Path) -> KeyPair:
        import zmq.auth

        if not path.exists():
            raise InputError("key file not found (run `robocore keys init`)", source=str(path))
        try:
            public, secret = zmq.auth.load_certificate(str(path))
        except Exception as err:
            raise InputError(f"not a key certificate ({err})", source=str(path)) from None
        return KeyPair(public, secret)


def _check_z85(key: bytes, *, what: str) -> None:
    import zmq.utils.z85 as z85

    try:
        ok = len(key) == 40 and len(z85.decode(key)) == 32
    except Exception:
        ok = False
    if not ok:
        raise InputError(f"{what} is not a 40-character Z85 CURVE key")
