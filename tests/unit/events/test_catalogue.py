"""Catalogue, upcasting, envelope mapping and the hash chain, without I/O."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from events.catalogue import REGISTRY, DomainEvent, UnknownEventType, load_all, upcaster
from events.envelope import Envelope, Metadata
from events.ids import new_id
from events.integrity import BrokenChain, chain_hash, verify_chain


class ParcelShipped(DomainEvent, type="test.ParcelShipped", version=2):
    parcel_id: str
    carrier: str
    weight_grams: int


@upcaster("test.ParcelShipped", from_version=1)
def _kilos_to_grams(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["weight_grams"] = int(round(data.pop("weight_kg") * 1000))
    data.setdefault("carrier", "unknown")
    return data


def test_a_stored_v1_event_is_upcast_to_the_current_model():
    event = REGISTRY.decode("test.ParcelShipped", 1, {"parcel_id": "P1", "weight_kg": 1.25})
    assert event == ParcelShipped(parcel_id="P1", carrier="unknown", weight_grams=1250)


def test_the_current_version_decodes_without_upcasting():
    data = {"parcel_id": "P2", "carrier": "La Poste", "weight_grams": 10}
    decoded = REGISTRY.decode("test.ParcelShipped", 2, data)
    assert isinstance(decoded, ParcelShipped) and decoded.carrier == "La Poste"


def test_a_version_from_the_future_is_refused():
    with pytest.raises(UnknownEventType, match="newer"):
        REGISTRY.decode("test.ParcelShipped", 3, {})


def test_an_unknown_type_is_refused():
    with pytest.raises(UnknownEventType):
        REGISTRY.model("test.NeverDeclared")


def test_events_are_frozen_and_refuse_unknown_fields():
    with pytest.raises(ValueError):
        ParcelShipped(parcel_id="P", carrier="c", weight_grams=1, colour="red")  # type: ignore[call-arg]


def test_pii_must_name_existing_fields():
    with pytest.raises(TypeError, match="pii names unknown fields"):

        class Broken(DomainEvent, type="test.Broken", pii=("nope",)):
            name: str


def test_every_catalogued_type_is_named_after_its_context():
    catalogued = [m for m in load_all() if m.__module__.startswith("events.catalogue.")]
    assert len(catalogued) >= 20
    for model in catalogued:
        context, name = model.event_type.split(".")
        assert model.__module__ == f"events.catalogue.{context}"
        assert name[0].isupper() and model.schema_version >= 1
    assert "test.Broken" not in {m.event_type for m in load_all()}


def _envelope(version: int = 1, prev: str | None = None, data: dict | None = None) -> Envelope:
    envelope = Envelope(
        id=new_id(),
        source="/guichet/test",
        type="test.ParcelShipped",
        time=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        stream_id=uuid4(),
        stream_type="parcel",
        stream_version=version,
        schema_version=2,
        data=data or {"parcel_id": "P", "carrier": "c", "weight_grams": 1},
        metadata=Metadata(actor="alice", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"),
        position=7,
        prev_hash=prev,
    )
    return envelope.model_copy(update={"hash": chain_hash(prev, envelope)})


def test_envelope_round_trips_through_cloudevent_attributes():
    envelope = _envelope()
    attributes = envelope.cloudevent_attributes()
    assert attributes["specversion"] == "1.0"
    assert attributes["subject"] == f"parcel/{envelope.stream_id}"
    assert attributes["sequence"] == "00000000000000000001"
    assert Envelope.from_cloudevent(attributes, envelope.data) == envelope


def test_a_cloudevent_missing_attributes_is_rejected_with_a_reason():
    with pytest.raises(ValueError, match="not a Guichet CloudEvent"):
        Envelope.from_cloudevent({"id": "x"}, {})


def test_the_hash_chain_detects_tampered_data():
    first = _envelope(1)
    second = _envelope(2, prev=first.hash)
    verify_chain([first, second])
    tampered = second.model_copy(update={"data": {**second.data, "weight_grams": 2}})
    with pytest.raises(BrokenChain, match="does not match its hash"):
        verify_chain([first, tampered])


def test_the_hash_chain_detects_a_removed_event():
    first = _envelope(1)
    second = _envelope(2, prev=first.hash)
    third = _envelope(3, prev=second.hash)
    with pytest.raises(BrokenChain, match="prev_hash"):
        verify_chain([first, third])


def test_a_trusted_envelope_is_the_validated_one_and_copies_like_it():
    validated = _envelope()
    trusted = Envelope.trusted(dict(validated.__dict__))
    assert trusted == validated
    assert trusted.model_dump(mode="json") == validated.model_dump(mode="json")
    assert trusted.cloudevent_attributes() == validated.cloudevent_attributes()
    moved = trusted.model_copy(update={"position": 8})
    assert moved.position == 8 and trusted.position == 7


def test_free_text_a_customer_or_agent_writes_about_a_person_is_marked_as_personal_data():
    from events.catalogue import intake

    expected: dict[type[DomainEvent], set[str]] = {
        intake.RequestReceived: {"contact", "subject", "description"},
        intake.RequestDetailsCompleted: {"contact", "subject", "description"},
        intake.InteractionRecorded: {"subject", "summary", "actions", "next_step"},
        intake.AwaitingCustomer: {"expected"},
        intake.RequestResolved: {"resolution"},
        intake.SatisfactionRecorded: {"comment"},
    }
    for event_type, fields in expected.items():
        assert event_type.pii_fields == fields, event_type.event_type
