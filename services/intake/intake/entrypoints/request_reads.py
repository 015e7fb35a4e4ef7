"""HTTP routes that create and read requests: reception, one request, lists, queue, timeline."""

import hashlib
from typing import Annotated
from uuid import UUID

import orjson
from fastapi import APIRouter, Header, Query, Response, status

from events.application.errors import NotFound
from events.service.access_log import AccessLogDep
from events.service.app import RuntimeDep
from events.service.audit import integrity_of
from events.service.auth import CurrentActor
from events.service.deps import MetadataDep
from events.service.fields import Instant
from events.service.http import set_etag
from events.vocabulary import Channel, Priority
from intake.adapters.views import RequestFilters
from intake.app import commands as c
from intake.domain.vocabulary import RequestStatus
from intake.entrypoints.access import (
    AS_OF_ACCESS,
    AccessRoute,
    AsOf,
    Permission,
    RequestInReach,
    ScopeDep,
    allow,
)
from intake.entrypoints.deps import IntakeDep, ViewsDep, not_in_future
from intake.entrypoints.request_schemas import (
    QueueRead,
    RequestCreate,
    RequestPage,
    RequestRead,
    TimelineRead,
)
from intake.entrypoints.request_views import current_request, request_read, timeline_entries

router = APIRouter(tags=["requests"], route_class=AccessRoute)
READ = [allow(Permission.READ_REQUESTS)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A retried POST with the same key and body returns the request created first.",
    ),
]


def qualification(body: RequestCreate) -> c.Qualification | None:
    q = body.qualification
    if q is None:
        return None
    return c.Qualification(
        category=q.category,
        impact=q.impact,
        urgency=q.urgency,
        workaround=q.workaround,
        profile=q.profile,
        reason=q.reason,
    )


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestRead,
    summary="Record a request received on any channel",
    dependencies=[allow(Permission.RECEIVE_REQUESTS)],
)
async def receive_request(
    body: RequestCreate,
    intake: IntakeDep,
    actor: CurrentActor,
    metadata: MetadataDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> RequestRead:
    not_in_future(intake, "received_at", body.received_at)
    digest = hashlib.sha256(orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS))
    request, created = await intake.bus.handle(
        c.ReceiveRequest(
            metadata=metadata,
            actor=actor.subject,
            channel=body.channel,
            received_at=body.received_at,
            customer_id=body.customer_id,
            contact=body.contact,
            subject=body.subject,
            description=body.description,
            category=body.category,
            qualification=qualification(body),
            idempotency_key=idempotency_key,
            request_hash=digest.hexdigest(),
        )
    )
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/requests/{request.id}"
    return await current_request(intake.views, response, request.id, created=created)


@router.get(
    "/requests/{request_id}",
    response_model=RequestRead,
    summary="One request (ETag = version)",
    description="With `as_of`: the request as the API showed it at that instant, folded from the "
    "events recorded by then (404 if it did not exist yet); its ETag is that version. " + AS_OF_ACCESS,
    dependencies=READ,
)
async def get_request(
    as_of: AsOf, request: RequestInReach, views: ViewsDep, response: Response, access_log: AccessLogDep
) -> RequestRead:
    request_id = request["request_id"]
    if as_of is not None:
        await access_log.read(
            "request_as_of",
            customer_id=request["customer_id"],
            resource=f"request/{request_id}?as_of={as_of.isoformat()}",
        )
        past = await views.request_as_of(request_id, as_of)
        if past is None:
            raise NotFound("request", request_id)
        set_etag(response, past["version"])
        return request_read(past)
    await access_log.read("request", customer_id=request["customer_id"], resource=f"request/{request_id}")
    set_etag(response, request["version"])
    return request_read(request)


@router.get(
    "/requests", response_model=RequestPage, summary="Requests, newest arrival first", dependencies=READ
)
async def list_requests(
    views: ViewsDep,
    scope: ScopeDep,
    status: Annotated[list[RequestStatus] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
    customer_id: Annotated[
        UUID | None, Query(description="Also lists the requests of the records merged into this customer")
    ] = None,
    flagged: bool | None = None,
    received_from: Annotated[Instant | None, Query(description="Inclusive")] = None,
    received_to: Annotated[Instant | None, Query(description="Exclusive")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RequestPage:
    filters = RequestFilters(
        status=tuple(status or ()),
        priority=tuple(priority or ()),
        channel=tuple(ch.value for ch in channel or ()),
        team=team,
        agent=assignee,
        customer_id=customer_id,
        flagged=flagged,
        received_from=received_from,
        received_to=received_to,
        scope=scope,
    )
    rows, next_cursor = await views.requests(filters, cursor, limit)
    return RequestPage(items=[request_read(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/queue",
    response_model=QueueRead,
    summary="Waiting requests in serving order",
    description="Priority first (unqualified counts as P3), then requests with a documented "
    "queue exception (validated P1, security risk, major incident, contractual obligation), "
    "then first come, first served by `received_at`. Requests awaiting the customer, "
    "resolved or closed are not in the queue.",
    dependencies=READ,
)
async def queue(
    views: ViewsDep,
    scope: ScopeDep,
    team: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> QueueRead:
    return QueueRead(items=[request_read(row) for row in await views.queue(team, assignee, limit, scope)])


@router.get(
    "/requests/{request_id}/timeline",
    response_model=TimelineRead,
    summary="Every event of the request, and of its approvals, oldest first",
    description="With `as_of`: only the events recorded by that instant (404 if none). " + AS_OF_ACCESS,
    dependencies=READ,
)
async def timeline(
    as_of: AsOf,
    request_id: UUID,
    request: RequestInReach,
    views: ViewsDep,
    access_log: AccessLogDep,
    runtime: RuntimeDep,
) -> TimelineRead:
    if as_of is None:
        await access_log.read(
            "request_timeline", customer_id=request["customer_id"], resource=f"request/{request_id}"
        )
        envelopes = await views.stream(request_id, "request")
        approvals = await views.approvals(request_id)
    else:
        await access_log.read(
            "request_timeline_as_of",
            customer_id=request["customer_id"],
            resource=f"request/{request_id}?as_of={as_of.isoformat()}",
        )
        envelopes = await views.stream_as_of(request_id, "request", as_of)
        approvals = await views.approvals(request_id, as_of)
    if envelopes is None:
        raise NotFound("request", request_id)
    integrity = await integrity_of(runtime, envelopes)
    return TimelineRead(request_id=request_id, entries=timeline_entries(envelopes, approvals, integrity))
