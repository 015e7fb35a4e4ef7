"""Handlers of the request commands: load, decide (domain), commit. One transaction each."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from events.application.errors import IdempotencyKeyReused, NotFound, StaleVersion, UnknownReference
from events.ids import new_id
from intake.app import commands as c
from intake.app.ports import Clock, IdempotentCall, UnitOfWork
from intake.app.rules import IntakeRules
from intake.domain.missing_info import RequestDraft
from intake.domain.priority import CriterionChange
from intake.domain.request import ServiceRequest
from intake.domain.vocabulary import CustomerProfile

Decision = Callable[[Any, ServiceRequest, datetime, IntakeRules], None]

#: The commands that only need the request itself: command -> the aggregate's decision.
DECISIONS: dict[type[c.RequestCommand], Decision] = {
    c.AcknowledgeRequest: lambda cmd, r, now, _: r.acknowledge(now),
    c.ChangePriority: lambda cmd, r, now, rules: r.change_priority(
        cmd.priority,
        cmd.criterion,
        cmd.reason,
        now,
        CriterionChange(cmd.new_value, cmd.deadline_at, cmd.exception),
        rules.matrix,
    ),
    c.DocumentQueueException: lambda cmd, r, now, _: r.document_queue_exception(
        cmd.exception, cmd.reason, now
    ),
    c.AssignRequest: lambda cmd, r, now, _: r.assign(cmd.team, cmd.agent, now),
    c.TransferRequest: lambda cmd, r, now, _: r.transfer(
        cmd.to_team, cmd.to_agent, cmd.reason, cmd.exception, now, cmd.exception_kind
    ),
    c.StartWork: lambda cmd, r, now, _: r.start_work(now),
    c.AwaitCustomer: lambda cmd, r, now, _: r.await_customer(cmd.expected, cmd.customer_due_at, now),
    c.RecordCustomerReply: lambda cmd, r, now, _: r.customer_replied(now),
    c.ResolveRequest: lambda cmd, r, now, _: r.resolve(cmd.resolution, now),
    c.CloseRequest: lambda cmd, r, now, rules: r.close(cmd.customer_confirmed, now, rules.closing),
    c.ReopenRequest: lambda cmd, r, now, rules: r.reopen(cmd.reason, now, rules.closing),
    c.RecordInteraction: lambda cmd, r, now, _: r.record_interaction(
        cmd.interaction_id,
        cmd.channel,
        cmd.direction,
        cmd.subject,
        cmd.summary,
        cmd.occurred_at or now,
        cmd.actions,
        cmd.next_step,
        cmd.informs_customer,
        cmd.kind,
    ),
    c.MakeCommitment: lambda cmd, r, now, _: r.make_commitment(
        cmd.commitment_id, cmd.deliverable, cmd.due_at, now
    ),
    c.FulfilCommitment: lambda cmd, r, now, _: r.fulfil_commitment(cmd.commitment_id, now),
    c.EscalateRequest: lambda cmd, r, now, _: r.escalate(cmd.to, cmd.criterion, cmd.reason, now),
    c.TakeEscalation: lambda cmd, r, now, _: r.take_escalation(cmd.by, now),
    c.RecordSatisfaction: lambda cmd, r, now, _: r.record_satisfaction(cmd.csat, cmd.nps, cmd.comment, now),
}


async def update_request(
    cmd: c.RequestCommand, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> ServiceRequest:
    async with uow:
        request = await current_request(uow, cmd)
        DECISIONS[type(cmd)](cmd, request, clock.now(), rules)
        await uow.commit(cmd.metadata)
    return request


async def receive_request(
    cmd: c.ReceiveRequest, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> tuple[ServiceRequest, bool]:
    """The request, and whether this call created it (False: an idempotent retry)."""
    async with uow:
        request_id = new_id()
        if cmd.idempotency_key:
            previous = await uow.idempotency.claim(
                cmd.idempotency_key, cmd.actor, IdempotentCall(cmd.request_hash, request_id)
            )
            if previous is not None:
                if previous.request_hash != cmd.request_hash:
                    raise IdempotencyKeyReused()
                return await uow.requests.get(previous.request_id), False
        now = clock.now()
        draft = RequestDraft(
            customer_id=await usable_customer(uow, cmd.customer_id),
            contact=cmd.contact,
            channel=cmd.channel,
            subject=cmd.subject,
            description=cmd.description,
            received_at=cmd.received_at,
            category=cmd.category,
        )
        reference = await uow.requests.next_reference(now.year)
        request = ServiceRequest.receive(request_id, reference, draft, now, cmd.idempotency_key)
        if cmd.qualification is not None:
            await qualify(uow, request, cmd.qualification, now, rules)
        uow.requests.add(request)
        await uow.commit(cmd.metadata)
    return request, True


async def qualify_request(
    cmd: c.QualifyRequest, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> ServiceRequest:
    async with uow:
        request = await current_request(uow, cmd)
        await qualify(uow, request, cmd.qualification, clock.now(), rules)
        await uow.commit(cmd.metadata)
    return request


async def complete_request_details(
    cmd: c.CompleteRequestDetails, uow: UnitOfWork, clock: Clock, rules: IntakeRules
) -> ServiceRequest:
    async with uow:
        request = await current_request(uow, cmd)
        changes = dict(cmd.changes)
        if "customer_id" in changes:
            changes["customer_id"] = await usable_customer(uow, changes["customer_id"])  # type: ignore[arg-type]
        request.complete_details(replace(request.details(), **changes), clock.now())  # type: ignore[arg-type]
        await uow.commit(cmd.metadata)
    return request


async def current_request(uow: UnitOfWork, cmd: c.RequestCommand) -> ServiceRequest:
    request = await uow.requests.get(cmd.request_id)
    if request.version != cmd.expected_version:
        raise StaleVersion(request.version, cmd.expected_version)
    return request


async def qualify(
    uow: UnitOfWork, request: ServiceRequest, q: c.Qualification, now: datetime, rules: IntakeRules
) -> None:
    profile = q.profile or await _customer_profile(uow, request.customer_id)
    request.qualify(
        q.category, profile, q.impact, q.urgency, q.workaround, now, q.reason, rules.matrix, rules.routing
    )


async def _customer_profile(uow: UnitOfWork, customer_id: UUID | None) -> CustomerProfile:
    if customer_id is None:
        raise UnknownReference("profile", "give the customer profile: the request names no known customer")
    return (await uow.customers.get(customer_id)).draft.profile


async def usable_customer(uow: UnitOfWork, customer_id: UUID | None) -> str | None:
    """The id to record for `customer_id`: a merged customer's survivor (at the end of a chain
    of merges); unknown ids refused."""
    if customer_id is None:
        return None
    try:
        customer = await uow.customers.get(customer_id)
    except NotFound:
        raise UnknownReference("customer_id", f"no customer {customer_id}") from None
    while customer.merged_into is not None:  # merges cannot loop: a survivor is never merged yet
        customer = await uow.customers.get(customer.merged_into)
    return str(customer.id)
