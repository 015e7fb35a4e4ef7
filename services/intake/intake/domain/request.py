"""The request aggregate's decisions: each command checks a rule, then records events.

The rules themselves live in `lifecycle`, `priority`, `routing`, `queue` and
`missing_info`; this module only applies them to one request's state. Time is an input.
"""

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from events.catalogue import intake as ev
from events.vocabulary import Priority
from intake.domain.errors import (
    AssignmentRefused,
    CommitmentRefused,
    CustomerDeadlineRefused,
    NotQualified,
    QueueExceptionRefused,
    RequestNotOpen,
    UnknownCommitment,
)
from intake.domain.follow_up import RequestFollowUp
from intake.domain.lifecycle import (
    DEFAULT_CLOSING_POLICY,
    ClosingPolicy,
    ensure_can_close,
    ensure_can_reopen,
    transition,
)
from intake.domain.missing_info import RequestDraft, missing_request_fields
from intake.domain.priority import (
    DEFAULT_PRIORITY_MATRIX,
    CriterionChange,
    MatrixInputs,
    PriorityChange,
    PriorityMatrix,
    follow_matrix,
    validate_priority_change,
)
from intake.domain.problems import is_blank
from intake.domain.routing import DEFAULT_ROUTING, RoutingTable, TransferException, check_transfer
from intake.domain.vocabulary import (
    CustomerProfile,
    Impact,
    PriorityCriterion,
    QueueException,
    RequestAction,
    RequestStatus,
    Urgency,
    Workaround,
)

A, S = RequestAction, RequestStatus
_WORKED = frozenset(S) - {S.RESOLVED, S.CLOSED}
CUSTOMER_DEADLINE_HORIZON = timedelta(days=365)
"""How far ahead a customer deadline may be (docs/domain.md §6.4): a pause, not a freeze."""


class ServiceRequest(RequestFollowUp):
    @classmethod
    def receive(
        cls,
        request_id: UUID,
        reference: str,
        draft: RequestDraft,
        recorded_at: datetime,
        idempotency_key: str | None = None,
    ) -> "ServiceRequest":
        """Accept whatever arrived; missing mandatory information is flagged, never refused.
        When nobody knows when it arrived, deadlines count from `recorded_at` (and it is flagged)."""
        if draft.channel is None:
            raise ValueError("the channel is always known to whoever records a request")
        request = cls(request_id)
        request.record(
            ev.RequestReceived(
                request_id=request_id,
                reference=reference,
                customer_id=_uuid(draft.customer_id),
                contact=draft.contact,
                channel=draft.channel.value,
                received_at=draft.received_at or recorded_at,
                subject=draft.subject,
                description=draft.description,
                category=draft.category,
                missing_fields=tuple(p.field for p in missing_request_fields(draft)),
                idempotency_key=idempotency_key,
            )
        )
        return request

    def details(self) -> RequestDraft:
        """The request's details as a draft, `received_at` included only if it was known."""
        return RequestDraft(
            customer_id=str(self.customer_id) if self.customer_id else None,
            contact=self.contact,
            channel=self.channel,
            subject=self.subject,
            description=self.description,
            received_at=None if "received_at" in self.missing_fields else self.received_at,
            category=self.category,
        )

    def complete_details(self, draft: RequestDraft, at: datetime) -> None:
        """Record information supplied after reception; `draft` is the request's full details.
        Nothing is recorded when nothing changed."""
        self._ensure_open()
        if draft == self.details():
            return
        missing = tuple(p.field for p in missing_request_fields(draft))
        self.record(
            ev.RequestDetailsCompleted(
                request_id=self.id,
                customer_id=_uuid(draft.customer_id),
                contact=draft.contact,
                subject=draft.subject,
                description=draft.description,
                missing_fields=missing,
                at=at,
            )
        )

    def acknowledge(self, at: datetime) -> None:
        transition(self.status, A.ACKNOWLEDGE)
        self.record(ev.RequestAcknowledged(request_id=self.id, at=at))

    def qualify(
        self,
        category: str,
        profile: CustomerProfile,
        impact: Impact,
        urgency: Urgency,
        workaround: Workaround,
        at: datetime,
        reason: str | None = None,
        matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX,
        routing: RoutingTable = DEFAULT_ROUTING,
    ) -> None:
        """Qualify (or requalify): the priority comes from the matrix. A requalification that
        changes the priority records `PriorityChanged`, naming the criterion that changed.
        One that changes none of the matrix's inputs keeps the current priority: a priority
        changed by hand on another objective criterion (a deadline) stands."""
        self._ensure_open()
        old = self.priority
        new = matrix.priority_for(impact, urgency, workaround)
        change = None
        if old is not None and new != old:
            criterion = next(
                (
                    c
                    for c, before, after in (
                        (PriorityCriterion.IMPACT, self.impact, impact),
                        (PriorityCriterion.URGENCY, self.urgency, urgency),
                        (PriorityCriterion.WORKAROUND, self.workaround, workaround),
                    )
                    if before != after
                ),
                None,
            )
            if criterion is None:
                new = old
            else:
                change = replace(
                    validate_priority_change(old, new, criterion, reason),
                    old_value=self._inputs().value_of(criterion),
                    new_value=MatrixInputs(impact, urgency, workaround).value_of(criterion),
                )
        self.record(
            ev.RequestQualified(
                request_id=self.id,
                category=category,
                profile=profile.value,
                impact=impact.value,
                urgency=urgency.value,
                workaround=workaround.value,
                priority=new.value,
                at=at,
            )
        )
        if change is not None:
            self._record_priority_change(change, at)
        if self.team is None:
            self.record(ev.RequestAssigned(request_id=self.id, team=routing.team_for(category), at=at))

    def change_priority(
        self,
        new: Priority,
        criterion: PriorityCriterion | None,
        reason: str | None,
        at: datetime,
        what: CriterionChange = CriterionChange(),
        matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX,
    ) -> None:
        """Change the priority by hand: the criterion's new value must give the new priority by
        the matrix, unless `what.exception` (a manager's authority, checked by the caller)."""
        self._ensure_open()
        if self.priority is None:
            raise NotQualified("qualify the request before changing its priority")
        change = validate_priority_change(self.priority, new, criterion, reason)
        change = follow_matrix(change, self._inputs(), what, at, matrix, previous_deadline=self.deadline_at)
        self._record_priority_change(change, at)

    def _inputs(self) -> MatrixInputs:
        if self.impact is None or self.urgency is None or self.workaround is None:
            raise NotQualified("qualify the request before changing its priority")
        return MatrixInputs(self.impact, self.urgency, self.workaround)

    def _record_priority_change(self, change: PriorityChange, at: datetime) -> None:
        self.record(
            ev.PriorityChanged(
                request_id=self.id,
                old=change.old.value,
                new=change.new.value,
                criterion=change.criterion.value,
                reason=change.reason,
                at=at,
                old_value=change.old_value,
                new_value=change.new_value,
                exception=change.exception,
            )
        )

    def document_queue_exception(self, exception: QueueException, reason: str, at: datetime) -> None:
        """Serve before older requests of the same priority, for a documented reason (docs/domain.md §3.5)."""
        self._ensure_open()
        if self.priority is None:
            raise NotQualified("qualify the request before changing its place in the queue")
        if exception is QueueException.VALIDATED_P1 and self.priority is not Priority.P1:
            raise QueueExceptionRefused(f"the request is {self.priority.value.upper()}, not P1")
        if is_blank(reason):
            raise QueueExceptionRefused("document why the exception applies")
        self.record(
            ev.QueueExceptionDocumented(
                request_id=self.id,
                exception=exception.value,
                reason=reason.strip(),
                at=at,
            )
        )

    def assign(self, team: str, agent: str | None, at: datetime) -> None:
        """Give the request a team (when it has none) and an agent within that team."""
        self._ensure_open()
        if self.team is not None and team != self.team:
            raise AssignmentRefused(f"the request belongs to {self.team}: moving it to {team} is a transfer")
        self.record(ev.RequestAssigned(request_id=self.id, team=team, agent=agent, at=at))

    def transfer(
        self,
        to_team: str,
        to_agent: str | None,
        reason: str,
        exception: str | None,
        at: datetime,
        exception_kind: TransferException | None = None,
    ) -> None:
        """At most one transfer, unless an exception of the fixed list is named and documented
        (docs/domain.md §9.2); the manager's authority is checked by the caller."""
        self._ensure_open()
        allowance = check_transfer(self.transfers, exception, exception_kind=exception_kind)
        self.record(
            ev.RequestTransferred(
                request_id=self.id,
                from_team=self.team,
                to_team=to_team,
                to_agent=to_agent,
                reason=reason,
                exception=allowance.exception_reason,
                exception_kind=None if allowance.exception_kind is None else allowance.exception_kind.value,
                at=at,
            )
        )

    def start_work(self, at: datetime) -> None:
        """Start (after acknowledgement) or resume (after waiting on the customer)."""
        transition(self.status, A.START if self.status is S.ACKNOWLEDGED else A.RESUME)
        self.record(ev.WorkStarted(request_id=self.id, at=at))

    def await_customer(self, expected: str, customer_due_at: datetime | None, at: datetime) -> None:
        """A customer deadline may already have passed (asked by letter last week, recorded
        today), but not before the request was received, nor beyond the horizon."""
        transition(self.status, A.ASK_CUSTOMER)
        if customer_due_at is not None and customer_due_at > at + CUSTOMER_DEADLINE_HORIZON:
            raise CustomerDeadlineRefused(
                f"a customer deadline may be at most {CUSTOMER_DEADLINE_HORIZON.days} days ahead"
            )
        if (
            customer_due_at is not None
            and self.received_at is not None
            and customer_due_at < self.received_at
        ):
            raise CustomerDeadlineRefused(
                "a customer deadline cannot be before the request was received "
                f"({self.received_at.isoformat()})"
            )
        self.record(
            ev.AwaitingCustomer(
                request_id=self.id,
                expected=expected,
                customer_due_at=customer_due_at,
                at=at,
            )
        )

    def customer_replied(self, at: datetime) -> None:
        transition(self.status, A.RECEIVE_REPLY)
        self.record(ev.CustomerReplied(request_id=self.id, at=at))

    def resolve(self, resolution: str, at: datetime) -> None:
        transition(self.status, A.RESOLVE)
        first_contact = self.transfers == 0 and not self.awaited_customer
        self.record(
            ev.RequestResolved(
                request_id=self.id,
                resolution=resolution,
                first_contact=first_contact,
                at=at,
            )
        )

    def close(
        self, customer_confirmed: bool, at: datetime, policy: ClosingPolicy = DEFAULT_CLOSING_POLICY
    ) -> None:
        """Only after the customer's confirmation or the documented no-answer timeout."""
        reason = ensure_can_close(self.status, customer_confirmed, self.resolved_at, at, policy)
        transition(self.status, A.CLOSE)
        self.record(ev.RequestClosed(request_id=self.id, reason=reason.value, at=at))

    def reopen(self, reason: str, at: datetime, policy: ClosingPolicy = DEFAULT_CLOSING_POLICY) -> None:
        ensure_can_reopen(self.status, self.closed_at, at, policy)
        transition(self.status, A.REOPEN)
        self.record(ev.RequestReopened(request_id=self.id, reason=reason, at=at))

    def make_commitment(self, commitment_id: UUID, deliverable: str, due_at: datetime, at: datetime) -> None:
        self._ensure_open()
        if due_at <= at:
            raise CommitmentRefused("a commitment's deadline must be after the moment it is made")
        self.record(
            ev.CommitmentMade(
                request_id=self.id,
                commitment_id=commitment_id,
                deliverable=deliverable,
                due_at=due_at,
                made_at=at,
            )
        )

    def fulfil_commitment(self, commitment_id: UUID, at: datetime) -> None:
        commitment = self.commitments.get(commitment_id)
        if commitment is None:
            raise UnknownCommitment(f"no commitment {commitment_id} on this request")
        if commitment.fulfilled_at is not None:
            raise CommitmentRefused(f"commitment already fulfilled at {commitment.fulfilled_at.isoformat()}")
        self.record(ev.CommitmentFulfilled(request_id=self.id, commitment_id=commitment_id, at=at))

    def _ensure_open(self) -> None:
        if self.status not in _WORKED:
            raise RequestNotOpen(f"the request is {self.status.value}: reopen it first")


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None
