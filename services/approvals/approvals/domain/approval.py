"""The approval of one outgoing content (docs/domain.md §12.3-§12.4): an event-sourced aggregate.

An approval is bound to the SHA-256 of the exact content (body, attachments, recipients,
channel): ``ResponseValidated`` names that hash, so any edit makes another hash, which needs
its own approval. Level 1 is validated by its author at submission, and recorded. Levels 2
and 3 go through the circuit of their level: sequential steps, each closed by its quorum.
Four eyes: the author never decides on their own content, and nobody approves twice in a
sequence (a substitute's decision counts for them and for the absent approver).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from approvals.domain.authority import Authority, right_to_decide
from approvals.domain.errors import (
    ApprovalClosed,
    DecisionRefused,
    FourEyesViolation,
    InvalidSubmission,
)
from approvals.domain.levels import ApprovalRules, LevelDecision, check_amounts, required_level
from events.aggregate_base import Aggregate
from events.catalogue.approvals import (
    ApprovalEscalated,
    ApprovalExpired,
    ApprovalRequested,
    ApprovalStepDecided,
    ApprovalWithdrawn,
    ChangesRequested,
    CircuitStep,
    Decision,
    Money,
    ResponseRejected,
    ResponseValidated,
)

CONTENT_HASH = re.compile(r"[0-9a-f]{64}")

PENDING = "pending"
VALIDATED = "validated"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
STATUSES = (PENDING, VALIDATED, REJECTED, CHANGES_REQUESTED, WITHDRAWN, EXPIRED)


def check_content_hash(value: str) -> str:
    """``value`` if it is a SHA-256 written as 64 lowercase hexadecimal characters."""
    if not CONTENT_HASH.fullmatch(value):
        raise InvalidSubmission(
            "content_hash is the SHA-256 of the content: 64 lowercase hexadecimal characters",
            "content_hash",
        )
    return value


@dataclass(frozen=True, slots=True)
class Submission:
    """What is submitted: the content's hash, what it is, what it commits, who wrote it."""

    request_id: UUID
    content_hash: str
    kind: str
    author: str
    amounts: tuple[Money, ...] = ()
    team: str | None = None
    criterion: str | None = None
    minimum_level: int = 1
    """The lowest level the submitter asks (a document's own requirement); the rules may ask more."""


@dataclass(frozen=True, slots=True)
class StepDecision:
    step: int
    decision: Decision
    decided_by: str
    on_behalf_of: str | None
    reason: str | None
    decided_at: datetime


class Approval(Aggregate):
    stream_type = "approval"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.request_id: UUID | None = None
        self.content_hash = ""
        self.kind = ""
        self.amounts: tuple[Money, ...] = ()
        self.level = 0
        self.rule = ""
        self.rules_version = 0
        self.author = ""
        self.team: str | None = None
        self.criterion: str | None = None
        self.steps: tuple[CircuitStep, ...] = ()
        self.current_step = 0
        self.status = PENDING
        self.decisions: list[StepDecision] = []
        self.requested_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.validated_by: tuple[str, ...] = ()

    # --- commands ---------------------------------------------------------------------------

    @classmethod
    def submit(
        cls, approval_id: UUID, submission: Submission, rules: ApprovalRules, at: datetime
    ) -> Approval:
        """A new approval for the content; validated at once by its author at level 1."""
        check_content_hash(submission.content_hash)
        if not submission.author.strip():
            raise InvalidSubmission("the author is required", "author")
        decision: LevelDecision = required_level(submission.kind, submission.amounts, rules)
        if submission.minimum_level > decision.level:
            decision = replace(
                decision,
                level=min(submission.minimum_level, 3),
                rule=f"{decision.rule}; raised to the level {submission.minimum_level} the submitter asks",
            )
        criterion = (submission.criterion or "").strip() or None
        if submission.kind in rules.compensation_kinds and criterion is None:
            raise InvalidSubmission(
                "a compensation is tied to an objective criterion (an SLA breached, a delay): "
                "name it in criterion",
                "criterion",
            )
        approval = cls(approval_id)
        approval.record(
            ApprovalRequested(
                approval_id=approval_id,
                request_id=submission.request_id,
                content_hash=submission.content_hash,
                kind=submission.kind,
                amounts=check_amounts(submission.amounts),
                level=decision.level,
                rule=decision.rule,
                rules_version=decision.rules_version,
                author=submission.author,
                team=submission.team,
                steps=rules.circuit(decision.level) if decision.level > 1 else (),
                criterion=criterion,
                requested_at=at,
            )
        )
        if decision.level == 1:
            approval._validate(at)
        return approval

    def decide(self, decision: Decision, authority: Authority, reason: str | None, at: datetime) -> None:
        """One decision on the current step, by someone whose authority was established."""
        self._require_pending()
        step = self.step
        if authority.level < step.level:
            raise DecisionRefused(
                f"step {step.step} is decided at level {step.level}; {authority.person} holds level "
                f"{authority.level}",
                right_to_decide(step.level),
            )
        if step.approvers and authority.principal not in step.approvers:
            raise DecisionRefused(
                f"step {step.step} is decided by {', '.join(step.approvers)} only",
                f"approvals:approver-of-step-{step.step}",
            )
        if self.author in (authority.person, authority.principal):
            raise FourEyesViolation("the author never decides on their own content (withdraw it instead)")
        reason = (reason or "").strip() or None
        if decision != "approve" and reason is None:
            raise InvalidSubmission(f"a decision to {decision.replace('_', ' ')} needs a reason", "reason")
        if decision == "approve" and self._approved_before(authority):
            raise FourEyesViolation("nobody approves twice in the same sequence")
        closes = decision != "approve" or self._reaches_quorum(step, authority)
        self.record(
            ApprovalStepDecided(
                approval_id=self.id,
                request_id=self._request_id,
                step=step.step,
                level=step.level,
                decision=decision,
                decided_by=authority.person,
                on_behalf_of=authority.on_behalf_of,
                reason=reason,
                step_closed=closes,
                rules_version=self.rules_version,
                decided_at=at,
            )
        )
        if decision == "reject":
            self.record(
                ResponseRejected(
                    approval_id=self.id,
                    request_id=self._request_id,
                    content_hash=self.content_hash,
                    step=step.step,
                    decided_by=authority.person,
                    on_behalf_of=authority.on_behalf_of,
                    reason=reason or "",
                    rejected_at=at,
                )
            )
        elif decision == "request_changes":
            self.record(
                ChangesRequested(
                    approval_id=self.id,
                    request_id=self._request_id,
                    content_hash=self.content_hash,
                    step=step.step,
                    decided_by=authority.person,
                    on_behalf_of=authority.on_behalf_of,
                    reason=reason or "",
                    requested_at=at,
                )
            )
        elif closes and step.step == len(self.steps):
            self._validate(at)

    def withdraw(self, person: str, reason: str | None, at: datetime, *, for_author: bool = False) -> None:
        """The author (or, ``for_author``, someone entitled to act for them) withdraws the
        content: pending or validated, it can no longer leave."""
        if self.status not in (PENDING, VALIDATED):
            raise ApprovalClosed(self.status)
        if person != self.author and not for_author:
            raise DecisionRefused("only the author or a manager withdraws an approval", "approvals:withdraw")
        self.record(
            ApprovalWithdrawn(
                approval_id=self.id,
                request_id=self._request_id,
                content_hash=self.content_hash,
                withdrawn_by=person,
                reason=(reason or "").strip() or None,
                withdrawn_at=at,
            )
        )

    def expire(self, at: datetime) -> None:
        """The pending approval lapses: its content can never leave under it."""
        self._require_pending()
        step = self.step if self.steps else None
        self.record(
            ApprovalExpired(
                approval_id=self.id,
                request_id=self._request_id,
                content_hash=self.content_hash,
                step=step.step if step else 0,
                due_at=step.due_at if step else None,
                expired_at=at,
            )
        )

    def escalate(
        self,
        to_level: int,
        reason: str,
        at: datetime,
        *,
        to_approvers: tuple[str, ...] = (),
        next_due_at: datetime | None = None,
    ) -> None:
        """The current step passes to a higher authority (never an automatic approval)."""
        self._require_pending()
        step = self.step
        if to_level < step.level or to_level > 3:
            raise InvalidSubmission("an escalation goes to the same or a higher level, up to 3", "to_level")
        self.record(
            ApprovalEscalated(
                approval_id=self.id,
                request_id=self._request_id,
                step=step.step,
                from_level=step.level,
                to_level=to_level,
                to_approvers=to_approvers,
                due_at=step.due_at or at,
                next_due_at=next_due_at,
                reason=reason,
                escalated_at=at,
            )
        )

    # --- queries ----------------------------------------------------------------------------

    @property
    def step(self) -> CircuitStep:
        """The step waiting for decisions."""
        return self.steps[self.current_step - 1]

    @property
    def pending_step(self) -> CircuitStep | None:
        return self.step if self.status == PENDING and self.steps else None

    def approvals_of(self, step: int) -> list[StepDecision]:
        return [d for d in self.decisions if d.step == step and d.decision == "approve"]

    def approvers_so_far(self) -> set[str]:
        """Everyone whose approval counted in this sequence, in person or through a substitute."""
        people: set[str] = set()
        for decision in self.decisions:
            if decision.decision == "approve":
                people.add(decision.decided_by)
                if decision.on_behalf_of:
                    people.add(decision.on_behalf_of)
        return people

    # --- internals --------------------------------------------------------------------------

    @property
    def _request_id(self) -> UUID:
        assert self.request_id is not None
        return self.request_id

    def _require_pending(self) -> None:
        if self.status != PENDING:
            raise ApprovalClosed(self.status)

    def _approved_before(self, authority: Authority) -> bool:
        return bool({authority.person, authority.principal} & self.approvers_so_far())

    def _reaches_quorum(self, step: CircuitStep, authority: Authority) -> bool:
        done = {d.on_behalf_of or d.decided_by for d in self.approvals_of(step.step)} | {authority.principal}
        if step.quorum == "any":
            return True
        if step.quorum == "all":
            return set(step.approvers) <= done
        if step.quorum == "count":
            return len(done) >= (step.count or 1)
        needed = math.ceil(len(step.approvers) * (step.percent or 100) / 100)
        return len(done & set(step.approvers)) >= needed

    def _validate(self, at: datetime) -> None:
        approvals = [d for d in self.decisions if d.decision == "approve"]
        self.record(
            ResponseValidated(
                approval_id=self.id,
                request_id=self._request_id,
                content_hash=self.content_hash,
                kind=self.kind,
                level=self.level,
                rules_version=self.rules_version,
                author=self.author,
                validated_by=tuple(d.decided_by for d in approvals) or (self.author,),
                on_behalf_of=tuple(d.on_behalf_of for d in approvals if d.on_behalf_of),
                validated_at=at,
            )
        )

    # --- folding ----------------------------------------------------------------------------

    def when_ApprovalRequested(self, event: ApprovalRequested) -> None:
        self.request_id = event.request_id
        self.content_hash = event.content_hash
        self.kind = event.kind
        self.amounts = event.amounts
        self.level = event.level
        self.rule = event.rule
        self.rules_version = event.rules_version
        self.author = event.author
        self.team = event.team
        self.criterion = event.criterion
        self.steps = event.steps
        self.current_step = 1 if event.steps else 0
        self.requested_at = event.requested_at

    def when_ApprovalStepDecided(self, event: ApprovalStepDecided) -> None:
        self.decisions.append(
            StepDecision(
                event.step,
                event.decision,
                event.decided_by,
                event.on_behalf_of,
                event.reason,
                event.decided_at,
            )
        )
        if event.decision == "approve" and event.step_closed and event.step < len(self.steps):
            self.current_step = event.step + 1

    def when_ResponseValidated(self, event: ResponseValidated) -> None:
        self.status = VALIDATED
        self.validated_by = event.validated_by
        self.closed_at = event.validated_at

    def when_ResponseRejected(self, event: ResponseRejected) -> None:
        self.status, self.closed_at = REJECTED, event.rejected_at

    def when_ChangesRequested(self, event: ChangesRequested) -> None:
        self.status, self.closed_at = CHANGES_REQUESTED, event.requested_at

    def when_ApprovalWithdrawn(self, event: ApprovalWithdrawn) -> None:
        self.status, self.closed_at = WITHDRAWN, event.withdrawn_at

    def when_ApprovalExpired(self, event: ApprovalExpired) -> None:
        self.status, self.closed_at = EXPIRED, event.expired_at

    def when_ApprovalEscalated(self, event: ApprovalEscalated) -> None:
        escalated = self.steps[event.step - 1].model_copy(
            update={
                "level": event.to_level,
                "approvers": event.to_approvers,
                "quorum": self.steps[event.step - 1].quorum if event.to_approvers else "any",
                "due_at": event.next_due_at,
            }
        )
        self.steps = tuple(escalated if s.step == event.step else s for s in self.steps)
