"""HTTP routes that change a request: one command each, If-Match required, the new state returned."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from events.ids import new_id
from events.service.auth import CurrentActor
from events.service.deps import IfMatchDep, MetadataDep
from events.vocabulary import Priority
from intake.app import commands as c
from intake.entrypoints import request_schemas as s
from intake.entrypoints.access import (
    POLICY,
    AccessRoute,
    Permission,
    RequestInReach,
    allow,
    also_needs,
    request_in_reach,
)
from intake.entrypoints.deps import IntakeDep, in_future, not_in_future
from intake.entrypoints.request_views import current_request

router = APIRouter(
    prefix="/requests/{request_id}",
    tags=["request commands"],
    route_class=AccessRoute,
)


def on_request(permission: Permission) -> list[Any]:
    """The route's permission, then the request within the caller's reach (404 otherwise)."""
    return [allow(permission), Depends(request_in_reach)]


async def run(intake: IntakeDep, response: Response, command: c.RequestCommand) -> s.RequestRead:
    await intake.bus.handle(command)
    return await current_request(intake.views, response, command.request_id)


@router.patch(
    "",
    summary="Complete information missing at reception",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def complete_details(
    request_id: UUID,
    body: s.RequestDetailsUpdate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return await run(
        intake,
        response,
        c.CompleteRequestDetails(
            request_id=request_id, expected_version=version, metadata=metadata, changes=changes
        ),
    )


@router.post(
    "/qualification",
    summary="Qualify: category, profile, impact, urgency, workaround -> priority",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def qualify(
    request_id: UUID,
    body: s.QualificationCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    q = c.Qualification(
        category=body.category,
        impact=body.impact,
        urgency=body.urgency,
        workaround=body.workaround,
        profile=body.profile,
        reason=body.reason,
    )
    return await run(
        intake,
        response,
        c.QualifyRequest(request_id=request_id, expected_version=version, metadata=metadata, qualification=q),
    )


@router.post(
    "/priority",
    summary="Change the priority, naming the objective criterion that changed",
    description=also_needs(Permission.VALIDATE_P1, "Setting P1")
    + " "
    + also_needs(Permission.OVERRIDE_PRIORITY, "A documented exception to the matrix (`exception`)"),
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def change_priority(
    request_id: UUID,
    body: s.PriorityChangeCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    actor: CurrentActor,
    response: Response,
) -> s.RequestRead:
    if body.priority is Priority.P1:
        POLICY.check(actor, Permission.VALIDATE_P1)
    if body.exception:
        POLICY.check(actor, Permission.OVERRIDE_PRIORITY)
    return await run(
        intake,
        response,
        c.ChangePriority(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            priority=body.priority,
            criterion=body.criterion,
            reason=body.reason,
            new_value=body.new_value,
            deadline_at=body.deadline_at,
            exception=body.exception,
        ),
    )


@router.post(
    "/queue-exception",
    summary="Document why the request is served before older ones",
    dependencies=on_request(Permission.DOCUMENT_QUEUE_EXCEPTION),
)
async def queue_exception(
    request_id: UUID,
    body: s.QueueExceptionCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.DocumentQueueException(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            exception=body.exception,
            reason=body.reason,
        ),
    )


@router.post(
    "/acknowledge",
    summary="Acknowledge reception",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def acknowledge(
    request_id: UUID, version: IfMatchDep, metadata: MetadataDep, intake: IntakeDep, response: Response
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.AcknowledgeRequest(request_id=request_id, expected_version=version, metadata=metadata),
    )


@router.post(
    "/assignment",
    summary="Assign to a team (if none yet) and an agent of that team",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def assign(
    request_id: UUID,
    body: s.AssignmentCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.AssignRequest(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            team=body.team,
            agent=body.agent,
        ),
    )


@router.post(
    "/transfer",
    summary="Transfer to another team: once, then only with a documented exception",
    description=also_needs(Permission.TRANSFER_AGAIN, "A second transfer"),
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def transfer(
    request_id: UUID,
    body: s.TransferCreate,
    request: RequestInReach,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    actor: CurrentActor,
    response: Response,
) -> s.RequestRead:
    if request["transfers"] >= 1:
        POLICY.check(actor, Permission.TRANSFER_AGAIN)
    return await run(
        intake,
        response,
        c.TransferRequest(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            to_team=body.to_team,
            to_agent=body.to_agent,
            reason=body.reason,
            exception=body.exception,
            exception_kind=body.exception_kind,
        ),
    )


@router.post(
    "/start",
    summary="Start work, or resume it after waiting on the customer",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def start(
    request_id: UUID, version: IfMatchDep, metadata: MetadataDep, intake: IntakeDep, response: Response
) -> s.RequestRead:
    return await run(
        intake, response, c.StartWork(request_id=request_id, expected_version=version, metadata=metadata)
    )


@router.post(
    "/awaiting-customer",
    summary="Wait for the customer (pauses the SLA clock); the customer deadline may have passed",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def await_customer(
    request_id: UUID,
    body: s.AwaitCustomerCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.AwaitCustomer(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            expected=body.expected,
            customer_due_at=body.customer_due_at,
        ),
    )


@router.post(
    "/customer-reply",
    summary="The customer replied",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def customer_reply(
    request_id: UUID, version: IfMatchDep, metadata: MetadataDep, intake: IntakeDep, response: Response
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.RecordCustomerReply(request_id=request_id, expected_version=version, metadata=metadata),
    )


@router.post(
    "/resolution",
    summary="Resolve",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def resolve(
    request_id: UUID,
    body: s.ResolutionCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.ResolveRequest(
            request_id=request_id, expected_version=version, metadata=metadata, resolution=body.resolution
        ),
    )


@router.post(
    "/closure",
    summary="Close: after the customer's confirmation or the no-answer timeout",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def close(
    request_id: UUID,
    body: s.ClosureCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.CloseRequest(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            customer_confirmed=body.customer_confirmed,
        ),
    )


@router.post(
    "/reopening",
    summary="Reopen a resolved (or recently closed) request",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def reopen(
    request_id: UUID,
    body: s.ReopeningCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.ReopenRequest(
            request_id=request_id, expected_version=version, metadata=metadata, reason=body.reason
        ),
    )


@router.post(
    "/interactions",
    summary="Record a call, email, visit, chat, letter...",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def record_interaction(
    request_id: UUID,
    body: s.InteractionCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    not_in_future(intake, "occurred_at", body.occurred_at)
    return await run(
        intake,
        response,
        c.RecordInteraction(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            interaction_id=new_id(),
            channel=body.channel,
            direction=body.direction.value,
            subject=body.subject,
            summary=body.summary,
            occurred_at=body.occurred_at,
            actions=body.actions,
            next_step=body.next_step,
            informs_customer=body.informs_customer,
            kind=body.kind,
        ),
    )


@router.post(
    "/commitments",
    summary="Record a promise to the customer: a deliverable by a deadline",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def make_commitment(
    request_id: UUID,
    body: s.CommitmentCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    in_future(intake, "due_at", body.due_at)
    return await run(
        intake,
        response,
        c.MakeCommitment(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            commitment_id=new_id(),
            deliverable=body.deliverable,
            due_at=body.due_at,
        ),
    )


@router.post(
    "/commitments/{commitment_id}/fulfilment",
    summary="The promise was kept",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def fulfil_commitment(
    request_id: UUID,
    commitment_id: UUID,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.FulfilCommitment(
            request_id=request_id, expected_version=version, metadata=metadata, commitment_id=commitment_id
        ),
    )


@router.post(
    "/escalation",
    summary="Escalate, naming the objective criterion that changed",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def escalate(
    request_id: UUID,
    body: s.EscalationCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.EscalateRequest(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            to=body.to,
            criterion=body.criterion,
            reason=body.reason,
        ),
    )


@router.post(
    "/escalation/taking",
    summary="Take the escalation (the caller becomes its owner)",
    dependencies=on_request(Permission.WORK_ON_REQUESTS),
)
async def take_escalation(
    request_id: UUID,
    version: IfMatchDep,
    metadata: MetadataDep,
    actor: CurrentActor,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.TakeEscalation(
            request_id=request_id, expected_version=version, metadata=metadata, by=actor.subject
        ),
    )


@router.post(
    "/satisfaction",
    summary="Record CSAT (1-5) and/or NPS (0-10) after resolution",
    dependencies=on_request(Permission.RECORD_SATISFACTION),
)
async def record_satisfaction(
    request_id: UUID,
    body: s.SatisfactionCreate,
    version: IfMatchDep,
    metadata: MetadataDep,
    intake: IntakeDep,
    response: Response,
) -> s.RequestRead:
    return await run(
        intake,
        response,
        c.RecordSatisfaction(
            request_id=request_id,
            expected_version=version,
            metadata=metadata,
            csat=body.csat,
            nps=body.nps,
            comment=body.comment,
        ),
    )
