"""The HTTP floor of ``POST /requests``: the intake route's platform, body, auth and response
model with no database work. ``python -m bench.bench_intake --app bench.floor_app:app`` puts
it under the same load as the real service, to tell the framework's cost from intake's.

Not a service: it answers a fixed request (same shape and size as the real 201 body) and
stores nothing, so the bench's "events = 201 responses" check does not apply to it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, Response, status

from events.ids import new_id
from events.service.app import create_service_app
from events.service.deps import MetadataDep
from events.service.runtime import ServiceDefinition
from intake.domain.vocabulary import RequestAction, RequestStatus
from intake.entrypoints.request_reads import IdempotencyKey
from intake.entrypoints.request_schemas import RequestCreate, RequestRead

router = APIRouter()


@router.post("/requests", status_code=status.HTTP_201_CREATED, response_model=RequestRead)
async def receive_request(
    body: RequestCreate,
    metadata: MetadataDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> RequestRead:
    hashlib.sha256(orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS))
    now = datetime.now(UTC)
    request_id = new_id()
    response.headers["Location"] = f"/requests/{request_id}"
    response.headers["ETag"] = '"1"'
    return RequestRead(
        request_id=request_id,
        reference="REQ-2026-000001",
        version=1,
        status=RequestStatus.RECEIVED,
        allowed_actions=[RequestAction.ACKNOWLEDGE, RequestAction.START],
        channel=body.channel,
        received_at=body.received_at or now,
        recorded_at=now,
        updated_at=now,
        customer_id=body.customer_id,
        contact=body.contact,
        subject=body.subject,
        description=body.description,
        category=body.category,
        profile=None,
        impact=None,
        urgency=None,
        workaround=None,
        priority=None,
        queue_exception=None,
        team=None,
        agent=None,
        transfers=0,
        flagged=False,
        missing_fields=[],
        escalated_to=None,
        escalation_taken_by=None,
        acknowledged_at=None,
        resolved_at=None,
        closed_at=None,
        commitments=[],
        interactions=0,
        csat=None,
        nps=None,
    )


app = create_service_app(
    ServiceDefinition(
        name="intake-floor",
        context="intake_floor",
        default_port=8091,
        title="Intake HTTP floor",
        routers=(router,),
    )
)
