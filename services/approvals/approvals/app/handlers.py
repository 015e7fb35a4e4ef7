"""Approvals' use cases: one transaction each, on the kit's message bus."""

from __future__ import annotations

from approvals.app import commands as c
from approvals.app.ports import Authorities, Clock, UnitOfWork
from approvals.domain.approval import Approval
from approvals.domain.authority import DecisionScope, Refusal
from approvals.domain.errors import AlreadySubmitted, ApprovalClosed, DecisionRefused
from approvals.domain.levels import ApprovalRules
from events.application.errors import StaleVersion

MANAGER_ROLES = ("manager", "director")


async def submit_for_approval(command: c.SubmitForApproval, uow: UnitOfWork, clock: Clock) -> Approval:
    """Record the submission (and, at level 1, its validation by the author). The same content
    already pending or validated for the request is refused: nothing is recorded twice. (The
    open approval is looked up first: the lookup reads the rules version in force with it.)"""
    submission = command.submission
    async with uow:
        existing = await uow.approvals.open_for(submission.request_id, submission.content_hash)
        rules = await uow.rules.current()
        approval = Approval.submit(command.approval_id, submission, rules, clock.now())
        if existing is not None:
            raise AlreadySubmitted(str(existing))
        uow.approvals.add(approval)
        await uow.commit(command.metadata)
    return approval


async def decide_approval(
    command: c.DecideApproval, uow: UnitOfWork, clock: Clock, authorities: Authorities
) -> Approval:
    async with uow:
        approval = await uow.approvals.get(command.approval_id)
        now = clock.now()
        step = approval.pending_step
        if step is None:
            raise ApprovalClosed(approval.status)
        scope = DecisionScope(approval.kind, approval.team, approval.amounts)
        answer = await authorities.can_decide(
            command.decider, step.level, scope, now, command.on_behalf_of, within=uow
        )
        if isinstance(answer, Refusal):
            raise DecisionRefused(answer.reason, answer.missing)
        approval.decide(command.decision, answer, command.reason, now)
        await uow.commit(command.metadata)
    return approval


async def withdraw_approval(command: c.WithdrawApproval, uow: UnitOfWork, clock: Clock) -> Approval:
    decider = command.decider
    for_author = decider.level >= 2 or bool(set(MANAGER_ROLES) & set(decider.roles))
    async with uow:
        approval = await uow.approvals.get(command.approval_id)
        approval.withdraw(decider.subject, command.reason, clock.now(), for_author=for_author)
        await uow.commit(command.metadata)
    return approval


async def expire_approval(command: c.ExpireApproval, uow: UnitOfWork, clock: Clock) -> Approval:
    async with uow:
        approval = await uow.approvals.get(command.approval_id)
        approval.expire(clock.now())
        await uow.commit(command.metadata)
    return approval


async def define_rules(command: c.DefineRules, uow: UnitOfWork, clock: Clock) -> ApprovalRules:
    """The next rules version, if the definer read the one in force (two concurrent definitions:
    the second is stale)."""
    async with uow:
        book = await uow.rules.book()
        expected = command.expected_version
        if expected is not None and expected != book.current.version:
            raise StaleVersion(book.current.version, expected)
        rules = book.define(command.rules, command.defined_by, command.reason, clock.now())
        await uow.commit(command.metadata)
    return rules
