"""One personal field sealed with AES-GCM, bound to the event it belongs to.

Stored form of a sealed field (documented in ``docs/adr/0007-personal-data-keys-per-subject.md``)::

    {"$pii": {"k": "<key id>", "n": "<nonce, base64>", "c": "<ciphertext + tag, base64>"}}

The plaintext is the field's JSON value. The associated data is the event's identity: the
16 bytes of the event id, the 16 of the stream id, then the field name in UTF-8. A ciphertext
copied into another event, stream or field no longer authenticates.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED = "$pii"
NONCE_BYTES = 12
DATA_KEY_BYTES = 32


class SealBroken(Exception):
    """A sealed value does not open: wrong key, or moved to another event or field."""


def associated_data(event_id: UUID, stream_id: UUID, field: str) -> bytes:
    return event_id.bytes + stream_id.bytes + field.encode()


def nonces(count: int) -> list[bytes]:
    """``count`` random 12-byte nonces from one call to the system's random source."""
    pool = os.urandom(NONCE_BYTES * count)
    return [pool[n : n + NONCE_BYTES] for n in range(0, len(pool), NONCE_BYTES)]


def seal(cipher: AESGCM, key_id: str, value: Any, aad: bytes, nonce: bytes | None = None) -> dict[str, Any]:
    nonce = nonce or os.urandom(NONCE_BYTES)
    sealed = cipher.encrypt(nonce, orjson.dumps(value), aad)
    return {SEALED: {"k": key_id, "n": _b64(nonce), "c": _b64(sealed)}}


def open_sealed(cipher: AESGCM, sealed: dict[str, Any], aad: bytes) -> Any:
    body = sealed[SEALED]
    try:
        return orjson.loads(cipher.decrypt(base64.b64decode(body["n"]), base64.b64decode(body["c"]), aad))
    except InvalidTag as error:
        raise SealBroken("a personal field does not authenticate with this event's identity") from error


def sealed_key_id(value: Any) -> str | None:
    """The key id of a sealed value, ``None`` for anything else."""
    if type(value) is dict and len(value) == 1:
        body = value.get(SEALED)
        if type(body) is dict:
            key_id = body.get("k")
            return key_id if isinstance(key_id, str) else None
    return None


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode("ascii")
