"""The master key and the port that wraps data keys with it (AES key wrap, RFC 3394).

A data key never leaves the process in clear: the key table holds it wrapped by the master
key, and the master key is given to the service (``GUICHET_MASTER_KEY``, base64 of 32 bytes,
or ``GUICHET_MASTER_KEY_FILE``). A key-management service replaces :class:`MasterKeyWrapper`
by implementing :class:`KeyWrapper`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

MASTER_KEY_BYTES = 32
_MIN_DISTINCT_BYTES = 16
"""32 random bytes have ~30 distinct values; fewer than 16 is a typed or patterned key."""


class MasterKeyRefused(ValueError):
    """The master key is missing where it must be given, or too weak to protect anything."""


class KeyUnwrapFailed(Exception):
    """A wrapped key does not open with this master key (another master key, or tampering)."""


class KeyWrapper(Protocol):
    """Wraps and unwraps data keys; ``master_key_id`` names the master key (for rotation)."""

    master_key_id: str

    def wrap(self, data_key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes: ...


class MasterKeyWrapper:
    """:class:`KeyWrapper` with a master key held in memory."""

    def __init__(self, master_key: bytes) -> None:
        refuse_weak(master_key)
        self._master_key = master_key
        self.master_key_id = "local-" + _fingerprint(master_key)

    def wrap(self, data_key: bytes) -> bytes:
        return aes_key_wrap(self._master_key, data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return aes_key_unwrap(self._master_key, wrapped)
        except InvalidUnwrap as error:
            raise KeyUnwrapFailed("a data key does not unwrap with this master key") from error

    def __repr__(self) -> str:
        return f"MasterKeyWrapper({self.master_key_id})"


def refuse_weak(master_key: bytes) -> None:
    if len(master_key) != MASTER_KEY_BYTES:
        raise MasterKeyRefused(f"the master key must be {MASTER_KEY_BYTES} bytes (got {len(master_key)})")
    if len(set(master_key)) < _MIN_DISTINCT_BYTES:
        raise MasterKeyRefused("the master key is not random (too few distinct bytes)")


def decode_master_key(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise MasterKeyRefused("the master key must be base64 of 32 random bytes") from error


def load_master_key(*, value: str | None, file: Path | None, data_dir: Path | None, embedded: bool) -> bytes:
    """The master key from ``value`` (base64) or ``file``; on the embedded default only, one
    generated on first use and kept in ``data_dir/master.key`` (mode 0600). Refused: a weak
    key anywhere, a missing one outside the embedded default."""
    if value:
        key = decode_master_key(value)
    elif file is not None:
        key = decode_master_key(file.read_text())
    elif embedded and data_dir is not None:
        key = _kept_in(data_dir / "master.key")
    else:
        raise MasterKeyRefused(
            "GUICHET_MASTER_KEY or GUICHET_MASTER_KEY_FILE must be set outside the embedded default"
        )
    refuse_weak(key)
    return key


def _kept_in(path: Path) -> bytes:
    if path.exists():
        return decode_master_key(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(MASTER_KEY_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(base64.b64encode(key).decode() + "\n")
    return key


def _fingerprint(key: bytes) -> str:
    """A public name for the key (HMAC-free: a truncated hash of a 256-bit secret reveals nothing)."""
    return hashlib.sha256(b"guichet-master-key-id:" + key).hexdigest()[:16]
