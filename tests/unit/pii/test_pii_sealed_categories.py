"""The stored form of personal fields: one sealed value per data category per event, and the
per-field form of events stored before it still opening."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.catalogue import ERASED, DomainEvent
from events.envelope import Envelope, PiiMarker
from events.pii.keyring import LiveKey, Pair
from events.pii.protector import EncryptedPayloads, opened
from events.pii.sealing import (
    SEALED,
    SealBroken,
    associated_data,
    category_keys,
    event_identity,
    open_category,
    seal,
    seal_category,
)


class Contacted(
    DomainEvent,
    type="test.PiiCategoriesContacted",
    pii=("email", "name", "note", "phone"),
    pii_categories={"note": "complaint"},
    subject_field="customer",
):
    customer: str
    name: str
    email: str
    phone: str | None = None
    note: str | None = None
    channel: str = "phone"


class FakeKeyring:
    """The key ring's two reading calls over keys held in memory (``None``: destroyed)."""

    def __init__(self) -> None:
        self.keys: dict[Pair, LiveKey] = {}
        self.by_id: dict[str, AESGCM | None] = {}

    def add(self, subject: str, category: str) -> LiveKey:
        key = LiveKey(secrets.token_hex(16), AESGCM(secrets.token_bytes(32)))
        self.keys[(subject, category)] = key
        self.by_id[key.key_id] = key.cipher
        return key

    def destroy(self, key: LiveKey) -> None:
        self.by_id[key.key_id] = None

    async def live_keys(self, pairs: Iterable[Pair]) -> dict[Pair, LiveKey]:
        return {pair: self.keys[pair] for pair in pairs if pair in self.keys}

    async def ciphers(self, key_ids: Iterable[str]) -> dict[str, AESGCM | None]:
        return {key_id: self.by_id.get(key_id) for key_id in key_ids}


def envelope_of(data: dict[str, Any], marker: PiiMarker, event_id: UUID, stream_id: UUID) -> Envelope:
    return Envelope(
        id=event_id,
        source="/guichet/test",
        type="test.PiiCategoriesContacted",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        stream_id=stream_id,
        stream_type="customer",
        stream_version=1,
        schema_version=1,
        data=data,
        pii=marker,
    )


async def sealed_event(
    ring: FakeKeyring, event: Contacted
) -> tuple[dict[str, Any], PiiMarker, dict[str, Any], UUID, UUID]:
    protector = EncryptedPayloads(ring)  # type: ignore[arg-type]
    sealer = await protector.sealer([(event.customer, "contractual"), (event.customer, "complaint")])
    event_id, stream_id = uuid4(), uuid4()
    data, marker, marker_json = sealer.protect(
        event.customer,
        event.pii_categories,
        event.model_dump(mode="json"),
        event_id=event_id,
        stream_id=stream_id,
    )
    return data, marker, marker_json, event_id, stream_id


async def test_each_category_is_one_sealed_value_and_the_fields_leave_the_payload():
    ring = FakeKeyring()
    contractual, complaint = ring.add("c-1", "contractual"), ring.add("c-1", "complaint")
    event = Contacted(customer="c-1", name="Ada", email="ada@example.org", note="late twice")
    data, marker, marker_json, event_id, stream_id = await sealed_event(ring, event)

    assert set(data) == {"customer", "channel", "phone", SEALED} and data["phone"] is None
    assert len(data[SEALED]) == 2 and marker.key_id == f"{contractual.key_id} {complaint.key_id}"
    assert "Ada" not in orjson.dumps(data).decode() and "late" not in orjson.dumps(data).decode()
    assert marker_json == marker.model_dump(mode="json")
    identity = event_identity(event_id, stream_id)
    assert open_category(contractual.cipher, data[SEALED][0], identity) == {
        "name": "Ada",
        "email": "ada@example.org",
    }
    assert open_category(complaint.cipher, data[SEALED][1], identity) == {"note": "late twice"}


async def test_a_category_opens_only_with_its_key_and_its_events_identity():
    cipher = AESGCM(secrets.token_bytes(32))
    event_id, stream_id = uuid4(), uuid4()
    value = seal_category(cipher, {"name": "Ada"}, event_identity(event_id, stream_id), bytes(12))
    assert "Ada" not in value and "." not in value
    assert open_category(cipher, value, event_identity(event_id, stream_id)) == {"name": "Ada"}
    assert open_category(cipher, f"k1.{value}", event_identity(event_id, stream_id)) == {"name": "Ada"}
    assert category_keys([value, f"k9.{value}"], "k1 k2") == [("k1", value), ("k9", f"k9.{value}")]
    for identity in (event_identity(uuid4(), stream_id), event_identity(event_id, uuid4())):
        with pytest.raises(SealBroken):
            open_category(cipher, value, identity)
    with pytest.raises(SealBroken):
        open_category(AESGCM(secrets.token_bytes(32)), value, event_identity(event_id, stream_id))


async def test_the_protector_opens_sealed_categories_and_erases_a_destroyed_one():
    ring = FakeKeyring()
    ring.add("c-2", "contractual")
    complaint = ring.add("c-2", "complaint")
    event = Contacted(customer="c-2", name="Bo", email="bo@example.org", note="angry")
    data, marker, _, event_id, stream_id = await sealed_event(ring, event)
    stored = envelope_of(data, marker, event_id, stream_id)
    protector = EncryptedPayloads(ring)  # type: ignore[arg-type]

    [clear] = await protector.reveal([stored])
    assert clear.decode() == event and clear.erased_fields == () and clear.sealed == data

    ring.destroy(complaint)
    [erased] = await protector.reveal([stored])
    assert erased.erased_fields == ("note",)
    assert (erased.decode().name, erased.decode().note) == ("Bo", None)  # type: ignore[attr-defined]
    assert erased.stored_data == data


async def test_a_reader_without_keys_decodes_the_sealed_categories_as_erased():
    ring = FakeKeyring()
    ring.add("c-3", "contractual")
    event = Contacted(customer="c-3", name="Cy", email="cy@example.org")
    data, marker, _, event_id, stream_id = await sealed_event(ring, event)
    decoded = envelope_of(data, marker, event_id, stream_id).decode()
    assert decoded == Contacted(customer="c-3", name=ERASED, email=ERASED)


def test_an_event_stored_in_the_per_field_form_still_opens_and_erases():
    cipher = AESGCM(secrets.token_bytes(32))
    event_id, stream_id = uuid4(), uuid4()
    data = {
        "customer": "c-4",
        "name": seal(cipher, "old", "Di", associated_data(event_id, stream_id, "name")),
        "email": seal(cipher, "old", "di@example.org", associated_data(event_id, stream_id, "email")),
        "phone": None,
        "note": None,
        "channel": "mail",
    }
    stored = envelope_of(
        data,
        PiiMarker(subject="c-4", fields=("email", "name", "note", "phone"), key_id="old"),
        event_id,
        stream_id,
    )
    clear = opened(stored, {"old": cipher})
    assert clear.decode() == Contacted(customer="c-4", name="Di", email="di@example.org", channel="mail")
    erased = opened(stored, {"old": None})
    assert erased.erased_fields == ("email", "name") and erased.decode().name == ERASED  # type: ignore[attr-defined]
    assert stored.decode().email == ERASED  # type: ignore[attr-defined]
