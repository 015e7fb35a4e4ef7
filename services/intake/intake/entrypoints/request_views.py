"""Read-model rows and events as HTTP responses."""

from typing import Any
from uuid import UUID

from fastapi import Response

from events.application.errors import NotFound
from events.audit.service import Integrity
from events.envelope import Envelope
from events.service.http import set_etag
from intake.adapters.views import IntakeViews
from intake.domain.lifecycle import allowed_actions
from intake.domain.vocabulary import RequestStatus
from intake.entrypoints.request_schemas import RequestRead, TimelineEntry


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
