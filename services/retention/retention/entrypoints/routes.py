"""HTTP routes of retention: the policy, legal holds, purges, data-subject requests and the
archive access log. Each states its permission (``access.POLICY``)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import HTMLResponse, PlainTextResponse

from events.application.errors import NotFound
from events.catalogue.retention import RetentionPeriod
from events.service.access_log import AccessLogDep
from events.service.deps import MetadataDep
from events.service.fields import Instant
from events.service.problems import Problem
from retention.adapters.tables import utc
from retention.adapters.views import AccessQuery
from retention.bootstrap import Retention
from retention.entrypoints import schemas as s
from retention.entrypoints.access import AccessRoute, Permission, allow
from retention.entrypoints.deps import RetentionDep
from retention.entrypoints.export_render import render_html, render_text

router = APIRouter(tags=["retention"], route_class=AccessRoute)

Subject = Annotated[str, Path(min_length=1, max_length=64, description="The data subject (a customer id)")]


async def policy_read(retention: Retention) -> s.PolicyRead:
    policy, row = await retention.views.policy()
    return s.PolicyRead(
        policy_version=policy.version,
        periods=[s.PeriodWrite(**p.model_dump()) for p in policy.periods],
        defined_by=row["defined_by"] if row else None,
        defined_at=row["defined_at"] if row else None,
    )


@router.get(
    "/policies/current",
    response_model=s.PolicyRead,
    summary="The retention periods in force (version 0: the defaults)",
    dependencies=[allow(Permission.READ_POLICY)],
)
async def current_policy(retention: RetentionDep) -> s.PolicyRead:
    return await policy_read(retention)


@router.put(
    "/policies/current",
    response_model=s.PolicyRead,
    summary="Define the next version of the retention periods (every category, within the law)",
    dependencies=[allow(Permission.DEFINE_POLICY)],
)
async def define_policy(body: s.PolicyWrite, retention: RetentionDep, metadata: MetadataDep) -> s.PolicyRead:
    periods = tuple(RetentionPeriod(**p.model_dump()) for p in body.periods)
    await retention.use_cases.define_policy(periods, body.reason, metadata)
    return await policy_read(retention)


async def hold_read(retention: Retention, subject: str) -> s.HoldRead:
    activity = await retention.views.activity(subject)
    if activity is None:
        return s.HoldRead(subject=subject, on_hold=False)
    row = await retention.views.hold(subject)
    return s.HoldRead(subject=subject, on_hold=activity.on_hold, reason=row)


@router.put(
    "/subjects/{subject}/legal-hold",
    response_model=s.HoldRead,
    summary="Place a legal hold: no purge of the subject until lifted",
    dependencies=[allow(Permission.HOLD)],
)
async def place_hold(
    subject: Subject, body: s.HoldWrite, retention: RetentionDep, metadata: MetadataDep
) -> s.HoldRead:
    await retention.use_cases.place_hold(subject, body.reason, metadata)
    return await hold_read(retention, subject)


@router.post(
    "/subjects/{subject}/legal-hold/lift",
    response_model=s.HoldRead,
    summary="Lift the subject's legal hold, with the reason",
    dependencies=[allow(Permission.HOLD)],
)
async def lift_hold(
    subject: Subject, body: s.HoldWrite, retention: RetentionDep, metadata: MetadataDep
) -> s.HoldRead:
    await retention.use_cases.lift_hold(subject, body.reason, metadata)
    return await hold_read(retention, subject)


@router.post(
    "/purges",
    response_model=s.PurgeRunRead,
    status_code=status.HTTP_201_CREATED,
    summary="Run the purge now (the scheduled job runs it too): one proof per category",
    dependencies=[allow(Permission.PURGE)],
)
async def run_purge(retention: RetentionDep, metadata: MetadataDep) -> s.PurgeRunRead:
    outcomes = await retention.use_cases.purge(metadata)
    ids = {o.purge_id for o in outcomes}
    rows = [row for row in await retention.views.purges(limit=1000) if row["purge_id"] in ids]
    return s.PurgeRunRead(purges=[s.PurgeRead(**row) for row in rows])


@router.get(
    "/purges",
    response_model=s.PurgeRunRead,
    summary="The proofs of the latest purges, newest first",
    dependencies=[allow(Permission.READ_PURGES)],
)
async def list_purges(
    retention: RetentionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> s.PurgeRunRead:
    return s.PurgeRunRead(purges=[s.PurgeRead(**row) for row in await retention.views.purges(limit)])


async def request_read(retention: Retention, request_id: UUID) -> s.SubjectRequestRead:
    row = await retention.views.request(request_id)
    if row is None:
        raise NotFound("subject request", request_id)
    return s.SubjectRequestRead(**row)


@router.post(
    "/subject-requests",
    response_model=s.SubjectRequestRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a data-subject request (due one calendar month from receipt)",
    dependencies=[allow(Permission.RECEIVE_SUBJECT_REQUEST)],
)
async def receive(
    body: s.SubjectRequestCreate, retention: RetentionDep, metadata: MetadataDep, response: Response
) -> s.SubjectRequestRead:
    request = await retention.use_cases.receive(
        uuid4(), body.kind, body.customer_id, body.identity, body.channel, metadata
    )
    response.headers["Location"] = f"/subject-requests/{request.id}"
    return await request_read(retention, request.id)


@router.get(
    "/subject-requests/{request_id}",
    response_model=s.SubjectRequestRead,
    summary="One data-subject request: its due date, steps and actions",
    dependencies=[allow(Permission.HANDLE_SUBJECT_REQUEST)],
)
async def read_request(request_id: UUID, retention: RetentionDep) -> s.SubjectRequestRead:
    return await request_read(retention, request_id)


@router.post(
    "/subject-requests/{request_id}/identity-verified",
    response_model=s.SubjectRequestRead,
    summary="Record that the person's identity was verified, and how",
    dependencies=[allow(Permission.HANDLE_SUBJECT_REQUEST)],
)
async def verify_identity(
    request_id: UUID, body: s.IdentityVerification, retention: RetentionDep, metadata: MetadataDep
) -> s.SubjectRequestRead:
    await retention.use_cases.verify_identity(request_id, body.method, metadata)
    return await request_read(retention, request_id)


@router.post(
    "/subject-requests/{request_id}/extend",
    response_model=s.SubjectRequestRead,
    summary="Extend by 1 or 2 months, before the first month ends, the person told",
    dependencies=[allow(Permission.HANDLE_SUBJECT_REQUEST)],
)
async def extend(
    request_id: UUID, body: s.ExtensionCreate, retention: RetentionDep, metadata: MetadataDep
) -> s.SubjectRequestRead:
    await retention.use_cases.extend(request_id, body.months, body.reasons, body.person_told_at, metadata)
    return await request_read(retention, request_id)


@router.post(
    "/subject-requests/{request_id}/export",
    response_model=s.ExportRead,
    summary="Access or portability: a copy of the subject's data across the five services, personal "
    "fields opened while their key exists (identity verified first); format=html or text gives the "
    "human-readable copy of an access request, in the customer's language (French by default)",
    responses={200: {"content": {"text/html": {}, "text/plain": {}}}},
    dependencies=[allow(Permission.HANDLE_SUBJECT_REQUEST)],
)
async def export(
    request_id: UUID,
    retention: RetentionDep,
    metadata: MetadataDep,
    access_log: AccessLogDep,
    format: s.ExportFormat = "json",
) -> s.ExportRead | Response:
    request = await request_read(retention, request_id)
    if request.kind == "portability" and format != "json":
        raise Problem(
            422,
            "portability-is-machine-readable",
            "Portability is machine-readable",
            "a portability export is given as JSON (format=json); html and text are for access requests",
        )
    data: dict[str, Any] = await retention.use_cases.export(request_id, metadata, format)
    await access_log.read("export", customer_id=request.customer_id, resource=f"subject-request/{request_id}")
    if format == "html":
        return HTMLResponse(render_html(data))
    if format == "text":
        return PlainTextResponse(render_text(data))
    return s.ExportRead(request_id=request_id, data=data)


@router.post(
    "/subject-requests/{request_id}/erase",
    response_model=s.SubjectRequestRead,
    summary="Erasure by crypto-shredding, except what the law obliges to keep (named with why)",
    dependencies=[allow(Permission.HANDLE_SUBJECT_REQUEST)],
)
async def erase(request_id: UUID, retention: RetentionDep, metadata: MetadataDep) -> s.SubjectRequestRead:
    await retention.use_cases.erase(request_id, metadata)
    return await request_read(retention, request_id)


@router.post(
    "/subject-requests/{request_id}/complete",
    response_model=s.SubjectRequestRead,
    summary="Close the request; its actions are what is confirmed to the person",
    dependencies=[allow(Permission.HANDLE_SUBJECT_REQUEST)],
)
async def complete(request_id: UUID, retention: RetentionDep, metadata: MetadataDep) -> s.SubjectRequestRead:
    await retention.use_cases.complete(request_id, metadata)
    return await request_read(retention, request_id)


@router.get(
    "/access-log",
    response_model=s.AccessLogRead,
    summary="Reads of personal data across services, newest first",
    dependencies=[allow(Permission.READ_ACCESS_LOG)],
)
async def access_log(
    retention: RetentionDep,
    customer_id: UUID | None = None,
    reader: Annotated[str | None, Query(max_length=256)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    from_: Annotated[Instant | None, Query(alias="from", description="Inclusive")] = None,
    to: Annotated[Instant | None, Query(description="Exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> s.AccessLogRead:
    rows = await retention.views.access_log(
        AccessQuery(customer_id, reader, kind, utc(from_), utc(to), limit)
    )
    return s.AccessLogRead(items=[s.AccessEntry(**row) for row in rows])
