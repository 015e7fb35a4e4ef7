"""HTTP routes of approvals: submit, read, decide, withdraw, the validation check, the inbox
and the rules. Each states its permission (``access.POLICY``)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Query, Response, status

from approvals.adapters.projection import approval_row, rules_document
from approvals.app import commands as c
from approvals.domain.approval import Approval, Submission
from approvals.domain.levels import ApprovalRules
from approvals.entrypoints.access import AccessRoute, Permission, allow
from approvals.entrypoints.deps import ApprovalsDep, DeciderDep
from approvals.entrypoints.schemas import (
    ApprovalCreate,
    ApprovalRead,
    DecisionCreate,
    InboxRead,
    RulesRead,
    RulesWrite,
    ValidationRead,
    WithdrawalCreate,
)
from events.application.errors import NotFound
from events.catalogue.approvals import CircuitStep, CurrencyThreshold, KindRule, Money, StepRule
from events.service.deps import IfMatchDep, MetadataDep

router = APIRouter(tags=["approvals"], route_class=AccessRoute)

Sha256 = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, 64 lowercase hex")
]


def read_of(approval: Approval, approvals: ApprovalsDep) -> dict[str, Any]:
    return approval_row(approval, approvals.clock.now())


@router.post(
    "/approvals",
    status_code=status.HTTP_201_CREATED,
    response_model=ApprovalRead,
    summary="Submit a content for validation (level decided by the rules; level 1 validated at once)",
    dependencies=[allow(Permission.SUBMIT)],
)
async def submit(
    body: ApprovalCreate,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
    response: Response,
) -> dict[str, Any]:
    submission = Submission(
        request_id=body.request_id,
        content_hash=body.content_hash,
        kind=body.kind,
        author=decider.subject,
        amounts=tuple(Money(amount=a.amount, currency=a.currency) for a in body.amounts),
        team=body.team,
        criterion=body.criterion,
    )
    approval = await approvals.bus.handle(c.SubmitForApproval(uuid4(), submission, metadata))
    response.headers["Location"] = f"/approvals/{approval.id}"
    return read_of(approval, approvals)


@router.get(
    "/approvals/{approval_id}",
    response_model=ApprovalRead,
    summary="One approval: its level and rule, circuit, decisions and status",
    dependencies=[allow(Permission.READ)],
)
async def read_approval(approval_id: UUID, approvals: ApprovalsDep) -> dict[str, Any]:
    row = await approvals.views.approval(approval_id)
    if row is None:
        raise NotFound("approval", approval_id)
    return row


@router.post(
    "/approvals/{approval_id}/decisions",
    response_model=ApprovalRead,
    summary="Approve, reject (reason required) or request changes on the current step",
    dependencies=[allow(Permission.DECIDE)],
)
async def decide(
    approval_id: UUID,
    body: DecisionCreate,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
) -> dict[str, Any]:
    approval = await approvals.bus.handle(
        c.DecideApproval(approval_id, body.decision, decider, body.reason, body.on_behalf_of, metadata)
    )
    return read_of(approval, approvals)


@router.post(
    "/approvals/{approval_id}/withdraw",
    response_model=ApprovalRead,
    summary="Withdraw a pending or validated approval: its content can no longer leave",
    dependencies=[allow(Permission.WITHDRAW)],
)
async def withdraw(
    approval_id: UUID,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
    body: WithdrawalCreate | None = None,
) -> dict[str, Any]:
    reason = body.reason if body else None
    approval = await approvals.bus.handle(c.WithdrawApproval(approval_id, decider, reason, metadata))
    return read_of(approval, approvals)


@router.get(
    "/validations/{sha256}",
    response_model=ValidationRead,
    summary="Is this content validated for this request (level, by whom, rules version)?",
    dependencies=[allow(Permission.CHECK_VALIDATION)],
    responses={404: {"description": "This content was never submitted for this request"}},
)
async def check_validation(sha256: Sha256, request_id: UUID, approvals: ApprovalsDep) -> dict[str, Any]:
    validated, latest = await approvals.views.validation(request_id, sha256)
    if validated is not None:
        return validated | {"validated": True, "status": "validated"}
    if latest is None:
        raise NotFound("approval of this content for this request", sha256)
    return latest | {"validated": False, "request_id": request_id, "content_hash": sha256}


@router.get(
    "/inbox",
    response_model=InboxRead,
    summary="What waits for my decision, oldest first",
    dependencies=[allow(Permission.READ_INBOX)],
)
async def inbox(
    approvals: ApprovalsDep, decider: DeciderDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    """Only what the caller may decide now: level, teams, kinds and amount ceiling of their
    habilitations in force, and of those they substitute while the substitution runs."""
    rights = await approvals.authorities.rights(decider, approvals.clock.now())
    return {"items": await approvals.views.inbox(rights, limit)}


@router.get(
    "/rules/current",
    response_model=RulesRead,
    summary="The level rules in force and their version",
    dependencies=[allow(Permission.READ_RULES)],
)
async def current_rules(approvals: ApprovalsDep, response: Response) -> dict[str, Any]:
    """The ETag is the rules version: a definition names it in If-Match."""
    rules = await approvals.views.current_rules()
    response.headers["ETag"] = f'"{rules["version"]}"'
    return rules


@router.put(
    "/rules/current",
    response_model=RulesRead,
    summary="Define the next version of the level rules (recorded as ApprovalRulesDefined); "
    "If-Match: the version read",
    dependencies=[allow(Permission.DEFINE_RULES)],
)
async def define_rules(
    body: RulesWrite,
    version: IfMatchDep,
    approvals: ApprovalsDep,
    decider: DeciderDep,
    metadata: MetadataDep,
    response: Response,
) -> dict[str, Any]:
    rules = ApprovalRules(
        version=1,
        kinds=tuple(KindRule(kind=k.kind, level=k.level) for k in body.kinds),
        thresholds=tuple(
            CurrencyThreshold(currency=t.currency, level_2_from=t.level_2_from, level_3_from=t.level_3_from)
            for t in body.thresholds
        ),
        circuits=tuple(
            StepRule(level=circuit.level, steps=tuple(CircuitStep(**s.model_dump()) for s in circuit.steps))
            for circuit in body.circuits
        ),
        default_currency=body.default_currency,
        compensation_kinds=tuple(body.compensation_kinds),
    )
    defined = await approvals.bus.handle(
        c.DefineRules(rules, decider.subject, body.reason, metadata, expected_version=version)
    )
    response.headers["ETag"] = f'"{defined.version}"'
    return rules_document(defined) | {
        "defined_by": decider.subject,
        "defined_at": approvals.clock.now(),
        "reason": body.reason,
    }
