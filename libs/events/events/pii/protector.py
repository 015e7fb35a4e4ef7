"""The store's payload protector that encrypts: personal fields sealed per subject and category."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.catalogue import REGISTRY
from events.envelope import Envelope, PiiMarker
from events.pii.keyring import Keyring, LiveKey, Pair
from events.pii.sealing import (
    SEALED,
    associated_data,
    category_keys,
    event_identity,
    nonces,
    open_category,
    open_sealed,
    seal_category,
    sealed_categories,
    sealed_key_id,
)

MarkerKey = tuple[str, tuple[str, ...], str]
"""``(subject, fields, key ids)``: markers are immutable, so one is shared by the events it fits."""
_MARKER_CACHE = 10_000


class _Sealer:
    """Seals the payloads of one append with keys already fetched (no I/O per event)."""

    def __init__(
        self, keys: Mapping[Pair, LiveKey], markers: dict[MarkerKey, tuple[PiiMarker, dict[str, Any]]]
    ) -> None:
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
    ) -> tuple[dict[str, Any], PiiMarker, dict[str, Any]]:
        """``data`` with its personal fields replaced by one sealed value per category."""
        sealed = dict(data)
        groups: dict[str, dict[str, Any]] = {}
        for field, category in categories.items():
            value = data.get(field)
            if value is None:
                continue
            del sealed[field]
            group = groups.get(category)
            if group is None:
                groups[category] = {field: value}
            else:
                group[field] = value
        key_ids: list[str] = []
        if groups:
            identity = event_identity(event_id, stream_id)
            values = []
            for (category, group), nonce in zip(groups.items(), nonces(len(groups)), strict=True):
                key = self.keys[(subject, category)]
                values.append(seal_category(key.cipher, group, identity, nonce))
                key_ids.append(key.key_id)
            sealed[SEALED] = values
        fields = tuple(categories)
        names = " ".join(key_ids)
        cached = self._markers.get((subject, fields, names))
        if cached is None:
            if len(self._markers) >= _MARKER_CACHE:
                self._markers.clear()
            marker = PiiMarker.model_construct(subject=subject, fields=fields, key_id=names or None)
            cached = (marker, marker.model_dump(mode="json"))
            self._markers[(subject, fields, names)] = cached
        return sealed, cached[0], cached[1]


class EncryptedPayloads:
    """:class:`events.integrity.PayloadProtector` over a :class:`Keyring`."""

    encrypts = True

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._markers: dict[MarkerKey, tuple[PiiMarker, dict[str, Any]]] = {}

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
    where it maps it to ``None``. Raises :class:`~events.pii.sealing.SealBroken` for a value
    that does not authenticate as this event's."""
    assert envelope.pii is not None
    stored = envelope.data
    categories = sealed_categories(stored)
    if categories is None:
        data, erased = _opened_per_field(envelope, envelope.pii.fields, ciphers)
    else:
        data = {name: value for name, value in stored.items() if name != SEALED}
        identity = event_identity(envelope.id, envelope.stream_id)
        for key_id, value in category_keys(categories, envelope.pii.key_id):
            cipher = ciphers.get(key_id)
            if cipher is not None:
                data.update(open_category(cipher, value, identity))
        erased = [field for field in envelope.pii.fields if field not in data]
        for field in erased:
            data[field] = REGISTRY.erased_value(envelope.type, field)
    fields = dict(envelope.__dict__)
    fields.update(data=data, sealed=stored, erased_fields=tuple(erased))
    return Envelope.trusted(fields)


def _opened_per_field(
    envelope: Envelope, names: tuple[str, ...], ciphers: Mapping[str, AESGCM | None]
) -> tuple[dict[str, Any], list[str]]:
    """The per-field stored form: each personal field sealed on its own, in its place."""
    stored = envelope.data
    data = dict(stored)
    erased: list[str] = []
    for field in names:
        value = stored.get(field)
        key_id = sealed_key_id(value)
        if key_id is None:
            continue
        cipher = ciphers.get(key_id)
        if cipher is None:
            data[field] = REGISTRY.erased_value(envelope.type, field)
            erased.append(field)
        else:
            data[field] = open_sealed(cipher, value, associated_data(envelope.id, envelope.stream_id, field))  # type: ignore[arg-type]
    return data, erased
