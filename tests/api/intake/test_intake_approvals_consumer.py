"""Intake's consumer keeps the approvals' events of the requests it knows (once each, however
often delivered) and ignores the others; the timeline shows what it kept."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from events.catalogue import DomainEvent
from events.catalogue.approvals import ApprovalExpired, ApprovalRequested
from events.consumer import Outcome
from events.envelope import Envelope, Metadata
from events.service.runtime import ServiceRuntime

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def envelope_of(event: DomainEvent, approval_id: UUID, version: int) -> Envelope:
    return Envelope(
        id=uuid4(),
        source="/guichet/approvals",
        type=event.event_type,
        time=AT,
        stream_id=approval_id,
        stream_type="approval",
        stream_version=version,
        schema_version=event.schema_version,
        data=event.model_dump(mode="json"),
        metadata=Metadata(actor="alice"),
        position=version,
        recorded_at=AT,
    )


def consume(client, envelope: Envelope) -> Outcome:
    runtime: ServiceRuntime = client.app.state.runtime
    assert runtime.consumer is not None
    return client.portal.call(runtime.consumer.process, envelope)


def requested(request_id: UUID, approval_id: UUID) -> ApprovalRequested:
    return ApprovalRequested(
        approval_id=approval_id,
        request_id=request_id,
        content_hash="ab" * 32,
        kind="compensation",
        level=2,
        rule="kind compensation -> level 2",
        rules_version=1,
        author="alice",
        requested_at=AT,
    )


def test_approvals_of_a_known_request_are_kept_once_and_others_ignored(desk, client):
    request = desk.new_request()
    request_id = UUID(request["request_id"])
    approval_id = uuid4()
    first = envelope_of(requested(request_id, approval_id), approval_id, 1)
    assert consume(client, first) is Outcome.PROCESSED
    assert consume(client, first) is Outcome.DUPLICATE
    expired = ApprovalExpired(
        approval_id=approval_id, request_id=request_id, content_hash="ab" * 32, step=1, expired_at=AT
    )
    assert consume(client, envelope_of(expired, approval_id, 2)) is Outcome.PROCESSED
    stranger = uuid4()
    assert consume(client, envelope_of(requested(uuid4(), stranger), stranger, 1)) is Outcome.PROCESSED

    entries = desk.get(f"/requests/{request_id}/timeline").json()["entries"]
    kept = [e for e in entries if e["approval"] is not None]
    assert [(e["type"], e["approval"]["decision"]) for e in kept] == [
        ("approvals.ApprovalRequested", "requested"),
        ("approvals.ApprovalExpired", "expired"),
    ]
    assert kept[1]["approval"]["kind"] == "compensation" and kept[1]["approval"]["level"] == 2
    assert {e["approval"]["approval_id"] for e in kept} == {str(approval_id)}
