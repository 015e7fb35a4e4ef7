"""Read-model rows and events as HTTP responses."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import Response

from events.application.errors import NotFound
from events.audit.service import Integrity
from events.catalogue import DomainEvent
from events.catalogue import approvals as ev
from events.envelope import Envelope
from events.service.http import set_etag
from intake.adapters.views import IntakeViews
from intake.domain.lifecycle import allowed_actions
from intake.domain.vocabulary import RequestStatus
from intake.entrypoints.request_schemas import RequestRead, TimelineApproval, TimelineEntry


def request_read(row: dict[str, Any]) -> RequestRead:
    actions = sorted(allowed_actions(RequestStatus(row["status"])))
    return RequestRead(**row, allowed_actions=actions)


async def current_request(
    views: IntakeViews, response: Response, request_id: UUID, *, created: bool = False
) -> RequestRead:
    """The request as stored now (`created`: as its creation, just committed, stored it),
    with its ETag set on `response`."""
    row = await (views.created_request(request_id) if created else views.request(request_id))
    if row is None:
        raise NotFound("request", request_id)
    set_etag(response, row["version"])
    return request_read(row)


def timeline_entry(envelope: Envelope, integrity: Integrity | None = None) -> TimelineEntry:
    return TimelineEntry(
        version=envelope.stream_version,
        type=envelope.type,
        recorded_at=envelope.recorded_at,
        actor=envelope.metadata.actor,
        data=envelope.data,
        integrity=integrity,
    )


def timeline_entries(
    envelopes: Sequence[Envelope], approvals: Sequence[Envelope], integrity: dict[UUID, Integrity]
) -> list[TimelineEntry]:
    """The request's events and its approvals' events in the order they were recorded (the
    request's first at the same instant). A decision names the kind and content of the
    approval it decides, from its ``ApprovalRequested``."""
    entries = [(_when(e), 0, n, timeline_entry(e, integrity.get(e.id))) for n, e in enumerate(envelopes)]
    requested: dict[UUID, ev.ApprovalRequested] = {}
    for n, envelope in enumerate(approvals):
        event = envelope.decode()
        if isinstance(event, ev.ApprovalRequested):
            requested[event.approval_id] = event
        entry = timeline_entry(envelope).model_copy(
            update={"version": None, "approval": approval_of(event, requested)}
        )
        entries.append((_when(envelope), 1, n, entry))
    return [entry for *_, entry in sorted(entries, key=lambda item: item[:3])]


def _when(envelope: Envelope) -> datetime:
    return (envelope.recorded_at or envelope.time).astimezone(UTC)


def approval_of(event: DomainEvent, requested: dict[UUID, ev.ApprovalRequested]) -> TimelineApproval | None:
    """What an approvals event says of the approval: kind, level, decision, by whom (on behalf
    of whom), content hash, when."""
    approval_id = getattr(event, "approval_id", None)
    if approval_id is None:
        return None
    origin = requested.get(approval_id)
    known: dict[str, Any] = {
        "approval_id": approval_id,
        "kind": origin.kind if origin else None,
        "level": origin.level if origin else None,
        "content_hash": origin.content_hash if origin else None,
    }
    match event:
        case ev.ApprovalRequested():
            said = {"decision": "requested", "by": [event.author], "at": event.requested_at}
        case ev.ApprovalStepDecided():
            said = {
                "decision": event.decision,
                "level": event.level,
                "by": [event.decided_by],
                "on_behalf_of": [event.on_behalf_of] if event.on_behalf_of else [],
                "at": event.decided_at,
            }
        case ev.ResponseValidated():
            said = {
                "decision": "validated",
                "kind": event.kind,
                "level": event.level,
                "content_hash": event.content_hash,
                "by": list(event.validated_by),
                "on_behalf_of": list(event.on_behalf_of),
                "at": event.validated_at,
            }
        case ev.ResponseRejected() | ev.ChangesRequested():
            rejected = isinstance(event, ev.ResponseRejected)
            said = {
                "decision": "rejected" if rejected else "changes_requested",
                "content_hash": event.content_hash,
                "by": [event.decided_by],
                "on_behalf_of": [event.on_behalf_of] if event.on_behalf_of else [],
                "at": event.rejected_at if isinstance(event, ev.ResponseRejected) else event.requested_at,
            }
        case ev.ApprovalWithdrawn():
            said = {"decision": "withdrawn", "by": [event.withdrawn_by], "at": event.withdrawn_at}
        case ev.ApprovalExpired():
            said = {"decision": "expired", "at": event.expired_at}
        case ev.ApprovalEscalated():
            said = {"decision": "escalated", "level": event.to_level, "at": event.escalated_at}
        case _:
            return None
    return TimelineApproval(**(known | said))
