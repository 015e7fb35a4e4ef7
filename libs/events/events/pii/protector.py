"""The store's payload protector that encrypts: personal fields sealed per subject and category."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.catalogue import REGISTRY
from events.envelope import Envelope, PiiMarker
from events.pii.keyring import Keyring, LiveKey, Pair
from events.pii.sealing import associated_data, nonces, open_sealed, seal, sealed_key_id

MarkerKey = tuple[str, tuple[str, ...], str]
"""``(subject, fields, key ids)``: markers are immutable, so one is shared by the events it fits."""
_MARKER_CACHE = 10_000


class _Sealer:
    """Seals the payloads of one append with keys already fetched (no I/O per event)."""

    def __init__(self, keys: Mapping[Pair, LiveKey], markers: dict[MarkerKey, PiiMarker]) -> None:
        self.keys = keys
        self._markers = markers

    def protect(
        self,
        subject: str,
        categories: Mapping[str, str],
        data: dict[str, Any],
        *,
        event_id: UUID,
        stream_id: UUID,
    ) -> tuple[dict[str, Any], PiiMarker]:
        sealed = dict(data)
        key_ids: list[str] = []
        identity = event_id.bytes + stream_id.bytes
        fresh = iter(nonces(len(categories)))
        for field, category in categories.items():
            value = data.get(field)
            if value is None:
                continue
            key = self.keys[(subject, category)]
            sealed[field] = seal(key.cipher, key.key_id, value, identity + field.encode(), next(fresh))
            if key.key_id not in key_ids:
                key_ids.append(key.key_id)
        fields = tuple(categories)
        names = " ".join(key_ids)
        marker = self._markers.get((subject, fields, names))
        if marker is None:
            if len(self._markers) >= _MARKER_CACHE:
                self._markers.clear()
            marker = PiiMarker.model_construct(subject=subject, fields=fields, key_id=names or None)
            self._markers[(subject, fields, names)] = marker
        return sealed, marker


class EncryptedPayloads:
    """:class:`events.integrity.PayloadProtector` over a :class:`Keyring`."""

    encrypts = True

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._markers: dict[MarkerKey, PiiMarker] = {}

    async def sealer(self, pairs: Collection[Pair]) -> _Sealer:
        return _Sealer(await self.keyring.live_keys(pairs) if pairs else {}, self._markers)

    async def reveal(self, envelopes: list[Envelope]) -> list[Envelope]:
        """Envelopes whose sealed fields are opened (or erased, their key being destroyed)."""
        key_ids = {
            key_id
            for envelope in envelopes
            if envelope.pii is not None and envelope.pii.key_id is not None and envelope.sealed is None
            for key_id in envelope.pii.key_id.split()
        }
        if not key_ids:
            return envelopes
        ciphers = await self.keyring.ciphers(key_ids)
        return [
            opened(envelope, ciphers)
            if envelope.pii is not None and envelope.pii.key_id is not None and envelope.sealed is None
            else envelope
            for envelope in envelopes
        ]


def opened(envelope: Envelope, ciphers: Mapping[str, AESGCM | None]) -> Envelope:
    """``envelope`` with its sealed fields in clear where ``ciphers`` has their key, erased
    where it maps it to ``None``. Raises :class:`~events.pii.sealing.SealBroken` for a field
    that does not authenticate as this event's."""
    stored = envelope.data
    data = dict(stored)
    erased: list[str] = []
    assert envelope.pii is not None
    for field in envelope.pii.fields:
        value = stored.get(field)
        key_id = sealed_key_id(value)
        if key_id is None:
            continue
        cipher = ciphers.get(key_id)
        if cipher is None:
            data[field] = REGISTRY.erased_value(envelope.type, field)
            erased.append(field)
        else:
            aad = associated_data(envelope.id, envelope.stream_id, field)
            data[field] = open_sealed(cipher, value, aad)  # type: ignore[arg-type]
    fields = dict(envelope.__dict__)
    fields.update(data=data, sealed=stored, erased_fields=tuple(erased))
    return Envelope.trusted(fields)
