"""Per-stream hash chain for tamper evidence, and the payload-protection hook for personal data.

``hash = SHA-256(prev_hash || canonical JSON of the envelope's identity and stored data)``.
It is computed over what is stored (ciphertext where personal data is protected), so erasing
a data subject's key never breaks the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from typing import Any, Protocol
from uuid import UUID

import orjson

from events.envelope import Envelope, PiiMarker

GENESIS = "0" * 64


def canonical_bytes(envelope: Envelope) -> bytes:
    return canonical_body(
        event_id=envelope.id,
        type_=envelope.type,
        schema_version=envelope.schema_version,
        stream_id=envelope.stream_id,
        stream_type=envelope.stream_type,
        stream_version=envelope.stream_version,
        time=envelope.time.isoformat(),
        data=envelope.stored_data,
        metadata=envelope.metadata.model_dump(mode="json"),
        pii=envelope.pii.model_dump(mode="json") if envelope.pii else None,
    )


def canonical_body(
    *,
    event_id: UUID,
    type_: str,
    schema_version: int,
    stream_id: UUID,
    stream_type: str,
    stream_version: int,
    time: str,
    data: dict[str, Any],
    metadata: dict[str, Any],
    pii: dict[str, Any] | None,
) -> bytes:
    """What the hash covers, from already-serialised parts (the store hashes before it builds
    the envelope, so each event is built once). Ids are written in their canonical string
    form (orjson's for ``uuid.UUID``, ``str()`` for other UUID classes: the same text)."""
    body = {
        "id": event_id,
        "type": type_,
        "schema_version": schema_version,
        "stream_id": stream_id,
        "stream_type": stream_type,
        "stream_version": stream_version,
        "time": time,
        "data": data,
        "metadata": metadata,
        "pii": pii,
    }
    return orjson.dumps(body, default=str, option=orjson.OPT_SORT_KEYS)


def chain_hash(prev_hash: str | None, envelope: Envelope) -> str:
    return link_hash(prev_hash, canonical_bytes(envelope))


def link_hash(prev_hash: str | None, body: bytes) -> str:
    digest = hashlib.sha256(bytes.fromhex(prev_hash or GENESIS))
    digest.update(body)
    return digest.hexdigest()


class BrokenChain(Exception):
    """A stored event does not match its recorded hash, or its predecessor's."""


def verify_chain(envelopes: list[Envelope]) -> None:
    """Raise :class:`BrokenChain` naming the first event whose hash does not hold."""
    previous: str | None = None
    for envelope in envelopes:
        if envelope.prev_hash != previous:
            raise BrokenChain(f"{envelope.id}: prev_hash does not link to version before")
        if chain_hash(previous, envelope) != envelope.hash:
            raise BrokenChain(f"{envelope.id}: content does not match its hash")
        previous = envelope.hash


class PayloadSealer(Protocol):
    """Turns the ``pii`` fields of one payload into their stored form, for one append: the
    payload as stored, its ``pii`` marker, and the marker's stored JSON form."""

    def protect(
        self,
        subject: str,
        categories: Mapping[str, str],
        data: dict[str, Any],
        *,
        event_id: UUID,
        stream_id: UUID,
    ) -> tuple[dict[str, Any], PiiMarker, dict[str, Any]]: ...


class PayloadProtector(Protocol):
    """Hook for personal data: seals ``pii`` fields on append, opens them on read.

    ``encrypts``: whether :meth:`sealer` needs the ``(subject, category)`` pairs of an append
    (a plain protector is handed none, and costs nothing)."""

    encrypts: bool

    async def sealer(self, pairs: Collection[tuple[str, str]]) -> PayloadSealer: ...

    async def reveal(self, envelopes: list[Envelope]) -> list[Envelope]: ...


class PlainPayloads:
    """Stores personal data as is but marks it, so a key-based protector can find it."""

    encrypts = False

    async def sealer(self, pairs: Collection[tuple[str, str]]) -> PayloadSealer:
        return self

    def protect(
        self,
        subject: str,
        categories: Mapping[str, str],
        data: dict[str, Any],
        *,
        event_id: UUID,
        stream_id: UUID,
    ) -> tuple[dict[str, Any], PiiMarker, dict[str, Any]]:
        marker = PiiMarker(subject=subject, fields=tuple(categories))
        return data, marker, marker.model_dump(mode="json")

    async def reveal(self, envelopes: list[Envelope]) -> list[Envelope]:
        return envelopes
