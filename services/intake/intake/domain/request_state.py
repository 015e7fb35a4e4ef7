"""What a request is, folded from its events: the state every rule of `request.py` reads.

Folding never checks rules (the events already happened); it only keeps the facts.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from events.aggregate_base import Aggregate
from events.catalogue import intake as ev
from events.vocabulary import Channel, Priority
from intake.domain.vocabulary import (
    CustomerProfile,
    Impact,
    PriorityCriterion,
    QueueException,
    RequestStatus,
    Urgency,
    Workaround,
)


@dataclass(frozen=True, slots=True)
class Commitment:
    """A firm promise (docs/domain.md §4.6): a deliverable by a deadline, not an estimate."""

    commitment_id: UUID
    deliverable: str
    due_at: datetime
    made_at: datetime
    fulfilled_at: datetime | None = None


class RequestState(Aggregate):
    stream_type = "request"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.reference = ""
        self.status = RequestStatus.RECEIVED
        self.customer_id: UUID | None = None
        self.contact: str | None = None
        self.channel: Channel | None = None
        self.received_at: datetime | None = None
        self.subject: str | None = None
        self.description: str | None = None
        self.category: str | None = None
        self.missing_fields: tuple[str, ...] = ()
        self.profile: CustomerProfile | None = None
        self.impact: Impact | None = None
        self.urgency: Urgency | None = None
        self.workaround: Workaround | None = None
        self.priority: Priority | None = None
        self.deadline_at: datetime | None = None
        self.queue_exception: QueueException | None = None
        self.team: str | None = None
        self.agent: str | None = None
        self.transfers = 0
        self.awaited_customer = False
        self.escalated_to: str | None = None
        self.escalation_taken_by: str | None = None
        self.acknowledged_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.commitments: dict[UUID, Commitment] = {}
        self.interactions = 0
        self.csat: int | None = None
        self.nps: int | None = None
        self.satisfaction_recorded = False
        self.survey_nonces_used: set[str] = set()

    @property
    def exists(self) -> bool:
        """False when the stream folded is not a request's (ids are global)."""
        return bool(self.reference)

    @property
    def flagged(self) -> bool:
        """Accepted with mandatory information missing (docs/domain.md §1.3)."""
        return bool(self.missing_fields)

    def when_RequestReceived(self, e: ev.RequestReceived) -> None:
        self.reference, self.customer_id, self.contact = e.reference, e.customer_id, e.contact
        self.channel, self.received_at = Channel(e.channel), e.received_at
        self.subject, self.description, self.category = e.subject, e.description, e.category
        self.missing_fields = e.missing_fields

    def when_RequestDetailsCompleted(self, e: ev.RequestDetailsCompleted) -> None:
        self.customer_id, self.contact = e.customer_id, e.contact
        self.subject, self.description = e.subject, e.description
        self.missing_fields = e.missing_fields

    def when_RequestAcknowledged(self, e: ev.RequestAcknowledged) -> None:
        self.status, self.acknowledged_at = RequestStatus.ACKNOWLEDGED, e.at

    def when_RequestQualified(self, e: ev.RequestQualified) -> None:
        self.category, self.profile = e.category, CustomerProfile(e.profile)
        self.impact, self.urgency = Impact(e.impact), Urgency(e.urgency)
        self.workaround, self.priority = Workaround(e.workaround), Priority(e.priority)

    def when_PriorityChanged(self, e: ev.PriorityChanged) -> None:
        self.priority = Priority(e.new)
        if e.new_value is None:
            return
        if e.criterion == PriorityCriterion.IMPACT:
            self.impact = Impact(e.new_value)
        elif e.criterion == PriorityCriterion.URGENCY:
            self.urgency = Urgency(e.new_value)
        elif e.criterion == PriorityCriterion.WORKAROUND:
            self.workaround = Workaround(e.new_value)
        elif e.criterion == PriorityCriterion.DEADLINE:
            self.deadline_at = datetime.fromisoformat(e.new_value)

    def when_QueueExceptionDocumented(self, e: ev.QueueExceptionDocumented) -> None:
        self.queue_exception = QueueException(e.exception)

    def when_RequestAssigned(self, e: ev.RequestAssigned) -> None:
        self.team, self.agent = e.team, e.agent

    def when_RequestTransferred(self, e: ev.RequestTransferred) -> None:
        self.team, self.agent, self.transfers = e.to_team, e.to_agent, self.transfers + 1

    def when_WorkStarted(self, e: ev.WorkStarted) -> None:
        self.status = RequestStatus.IN_PROGRESS

    def when_AwaitingCustomer(self, e: ev.AwaitingCustomer) -> None:
        self.status, self.awaited_customer = RequestStatus.AWAITING_CUSTOMER, True

    def when_CustomerReplied(self, e: ev.CustomerReplied) -> None:
        self.status = RequestStatus.CUSTOMER_REPLIED

    def when_InteractionRecorded(self, e: ev.InteractionRecorded) -> None:
        self.interactions += 1

    def when_CommitmentMade(self, e: ev.CommitmentMade) -> None:
        self.commitments[e.commitment_id] = Commitment(e.commitment_id, e.deliverable, e.due_at, e.made_at)

    def when_CommitmentFulfilled(self, e: ev.CommitmentFulfilled) -> None:
        made = self.commitments[e.commitment_id]
        self.commitments[e.commitment_id] = replace(made, fulfilled_at=e.at)

    def when_RequestEscalated(self, e: ev.RequestEscalated) -> None:
        self.escalated_to, self.escalation_taken_by = e.to, None

    def when_EscalationTaken(self, e: ev.EscalationTaken) -> None:
        self.escalation_taken_by = e.by

    def when_RequestResolved(self, e: ev.RequestResolved) -> None:
        self.status, self.resolved_at = RequestStatus.RESOLVED, e.at

    def when_RequestClosed(self, e: ev.RequestClosed) -> None:
        self.status, self.closed_at = RequestStatus.CLOSED, e.at

    def when_RequestReopened(self, e: ev.RequestReopened) -> None:
        self.status, self.resolved_at, self.closed_at = RequestStatus.IN_PROGRESS, None, None
        self.queue_exception = None

    def when_SatisfactionRecorded(self, e: ev.SatisfactionRecorded) -> None:
        self.csat, self.nps, self.satisfaction_recorded = e.csat, e.nps, True
        if e.survey_nonce:
            self.survey_nonces_used.add(e.survey_nonce)
