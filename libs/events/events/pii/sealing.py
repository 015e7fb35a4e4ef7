"""Personal fields sealed with AES-GCM, bound to the event they belong to.

Stored form (``docs/adr/0007-personal-data-keys-per-subject.md``): the sealed fields leave the
payload and each data category's fields travel as one sealed value under ``"$pii"``, in the
order of the ``pii`` marker's key ids (the i-th value is sealed under the i-th key)::

    {"customer_id": "…", "channel": "phone", "$pii": ["<nonce + ciphertext + tag, base64>", …]}

One value per category: its plaintext is the JSON object of that category's fields, its
associated data the event's identity (the 16 bytes of the event id, the 16 of the stream id,
then ``$pii``). A ciphertext copied into another event or stream no longer authenticates. A
value may also name its key itself, ``"<key id>.<base64>"`` (base64 has no ``.``).

Events stored before, one sealed value per field (``{"$pii": {"k": key id, "n": nonce, "c":
ciphertext}}`` in the field's place, the field name in the associated data), still open:
:func:`seal`, :func:`open_sealed` and :func:`sealed_key_id` read and write that form.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SEALED = "$pii"
NONCE_BYTES = 12
DATA_KEY_BYTES = 32
_BUNDLE_AAD = SEALED.encode()


class SealBroken(Exception):
    """A sealed value does not open: wrong key, or moved to another event or field."""


def event_identity(event_id: UUID, stream_id: UUID) -> bytes:
    """The associated data of an event's sealed categories."""
    return event_id.bytes + stream_id.bytes + _BUNDLE_AAD


def seal_category(cipher: AESGCM, values: Mapping[str, Any], identity: bytes, nonce: bytes) -> str:
    """One category's fields of one event as one sealed value (base64 of nonce, ciphertext, tag)."""
    sealed = cipher.encrypt(nonce, orjson.dumps(values), identity)
    return binascii.b2a_base64(nonce + sealed, newline=False).decode("ascii")


def category_keys(values: list[str], key_ids: str | None) -> list[tuple[str, str]]:
    """Each sealed value with the id of its key: named in the value, else the marker's key id
    at the same position."""
    names = (key_ids or "").split()
    paired = []
    for position, value in enumerate(values):
        key_id, dot, _ = value.partition(".")
        paired.append((key_id if dot else (names[position] if position < len(names) else ""), value))
    return paired


def open_category(cipher: AESGCM, value: str, identity: bytes) -> dict[str, Any]:
    raw = base64.b64decode(value.rpartition(".")[2])
    try:
        opened = orjson.loads(cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], identity))
    except InvalidTag as error:
        raise SealBroken("a personal category does not authenticate with this event's identity") from error
    if type(opened) is not dict:
        raise SealBroken("a sealed personal category is not an object of fields")
    return opened


def sealed_categories(data: Mapping[str, Any]) -> list[str] | None:
    """The sealed categories of a stored payload, ``None`` when it has none in this form."""
    values = data.get(SEALED)
    return values if type(values) is list else None


def sealed_fields(fields: Iterable[str], data: Mapping[str, Any]) -> list[str]:
    """Which of ``fields`` (the ``pii`` marker's) ``data`` holds sealed, in either stored form."""
    if sealed_categories(data) is not None:
        return [field for field in fields if field not in data]
    return [field for field in fields if sealed_key_id(data.get(field)) is not None]


def without_sealed(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` minus its ``"$pii"`` entry."""
    return {name: value for name, value in data.items() if name != SEALED}


def nonces(count: int) -> list[bytes]:
    """``count`` random 12-byte nonces from one call to the system's random source."""
    pool = os.urandom(NONCE_BYTES * count)
    return [pool[n : n + NONCE_BYTES] for n in range(0, len(pool), NONCE_BYTES)]


def associated_data(event_id: UUID, stream_id: UUID, field: str) -> bytes:
    """The associated data of one field sealed on its own (the per-field form)."""
    return event_id.bytes + stream_id.bytes + field.encode()


def seal(cipher: AESGCM, key_id: str, value: Any, aad: bytes, nonce: bytes | None = None) -> dict[str, Any]:
    """One field in the per-field form (events stored before the per-category form)."""
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
    """The key id of a value sealed in the per-field form, ``None`` for anything else."""
    if type(value) is dict and len(value) == 1:
        body = value.get(SEALED)
        if type(body) is dict:
            key_id = body.get("k")
            return key_id if isinstance(key_id, str) else None
    return None


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode("ascii")
