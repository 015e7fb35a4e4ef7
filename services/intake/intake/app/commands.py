"""Commands: what an agent (or a channel) asks intake to do. Imperative, frozen, no behaviour.

Commands on an existing request or customer carry the `expected_version` the client read
(If-Match) and name, in `if_match_field`, the field holding the id of the stream it guards;
`metadata` says who asked and in which correlation chain.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from events.envelope import Metadata
from events.vocabulary import Channel, Priority
from intake.domain.customers import CustomerDraft
from intake.domain.follow_up import InteractionKind
from intake.domain.routing import TransferException
from intake.domain.vocabulary import (
    CustomerProfile,
    Impact,
    PriorityCriterion,
    QueueException,
    Urgency,
    Workaround,
)


@dataclass(frozen=True, kw_only=True)
class Qualification:
    category: str
    impact: Impact
    urgency: Urgency
    workaround: Workaround
    profile: CustomerProfile | None = None
    """Defaults to the customer's profile when the request names a known customer."""
    reason: str | None = None
    """Required when a requalification changes the priority."""


@dataclass(frozen=True, kw_only=True)
class ReceiveRequest:
    metadata: Metadata
    actor: str
    channel: Channel
    received_at: datetime | None
    customer_id: UUID | None = None
    contact: str | None = None
    subject: str | None = None
    description: str | None = None
    category: str | None = None
    qualification: Qualification | None = None
    idempotency_key: str | None = None
    request_hash: str = ""


@dataclass(frozen=True, kw_only=True)
class RequestCommand:
    if_match_field: ClassVar[str] = "request_id"

    request_id: UUID
    expected_version: int
    metadata: Metadata


@dataclass(frozen=True, kw_only=True)
class CompleteRequestDetails(RequestCommand):
    changes: dict[str, object]
    """Only the fields sent: customer_id, contact, subject, description."""


@dataclass(frozen=True, kw_only=True)
class QualifyRequest(RequestCommand):
    qualification: Qualification


@dataclass(frozen=True, kw_only=True)
class ChangePriority(RequestCommand):
    priority: Priority
    criterion: PriorityCriterion | None
    reason: str | None
    new_value: str | None = None
    """The criterion's new level (impact, urgency, workaround)."""
    deadline_at: datetime | None = None
    """The dated deadline, when the criterion is the deadline."""
    exception: bool = False
    """Taken as a documented exception to the matrix: the caller's authority was checked."""


@dataclass(frozen=True, kw_only=True)
class DocumentQueueException(RequestCommand):
    exception: QueueException
    reason: str


@dataclass(frozen=True, kw_only=True)
class AcknowledgeRequest(RequestCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class AssignRequest(RequestCommand):
    team: str
    agent: str | None = None


@dataclass(frozen=True, kw_only=True)
class TransferRequest(RequestCommand):
    to_team: str
    reason: str
    to_agent: str | None = None
    exception: str | None = None
    exception_kind: TransferException | None = None


@dataclass(frozen=True, kw_only=True)
class StartWork(RequestCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class AwaitCustomer(RequestCommand):
    expected: str
    customer_due_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RecordCustomerReply(RequestCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ResolveRequest(RequestCommand):
    resolution: str


@dataclass(frozen=True, kw_only=True)
class CloseRequest(RequestCommand):
    customer_confirmed: bool


@dataclass(frozen=True, kw_only=True)
class ReopenRequest(RequestCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordInteraction(RequestCommand):
    interaction_id: UUID
    channel: Channel
    direction: str
    subject: str
    summary: str
    occurred_at: datetime | None = None
    actions: str | None = None
    next_step: str | None = None
    informs_customer: bool = False
    kind: InteractionKind | None = None


@dataclass(frozen=True, kw_only=True)
class MakeCommitment(RequestCommand):
    commitment_id: UUID
    deliverable: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class FulfilCommitment(RequestCommand):
    commitment_id: UUID


@dataclass(frozen=True, kw_only=True)
class EscalateRequest(RequestCommand):
    to: str
    criterion: PriorityCriterion
    reason: str


@dataclass(frozen=True, kw_only=True)
class TakeEscalation(RequestCommand):
    by: str


@dataclass(frozen=True, kw_only=True)
class RecordSatisfaction(RequestCommand):
    """An agent writes down the answer the customer gave by phone."""

    csat: int | None = None
    nps: int | None = None
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class AnswerSurvey:
    """The customer answers through the survey link: the verified token's request and nonce
    (no If-Match: the token is the credential, and it answers once)."""

    request_id: UUID
    survey_nonce: str
    metadata: Metadata
    csat: int | None = None
    nps: int | None = None
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterCustomer:
    metadata: Metadata
    details: CustomerDraft
    prospection_consent: bool = False
    create_anyway_reason: str | None = None
    """Set when the agent saw the suspected duplicates and creates the customer anyway."""
    merge_into: UUID | None = None
    """Set when the agent decided the new record is an existing customer: it is recorded, then merged."""


@dataclass(frozen=True, kw_only=True)
class UpdateCustomer:
    if_match_field: ClassVar[str] = "customer_id"

    customer_id: UUID
    expected_version: int
    metadata: Metadata
    changes: dict[str, object] = field(default_factory=dict)
    """Only the fields sent, by `CustomerDraft` name, plus `prospection_consent`."""


@dataclass(frozen=True, kw_only=True)
class MergeCustomers:
    """If-Match guards the merged record; the survivor's stream records the merge too."""

    if_match_field: ClassVar[str] = "merged_id"

    merged_id: UUID
    survivor_id: UUID
    reason: str
    expected_version: int
    metadata: Metadata
