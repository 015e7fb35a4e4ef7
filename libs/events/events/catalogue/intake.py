"""Events of the intake context: customers, requests and their lifecycle (topic ``guichet.intake``).

Times are timezone-aware instants. ``received_at`` is when a request really arrived (a
letter's date stamp, a voicemail's time); every deadline counts from it, not from when it
was recorded. Enumerated values are plain lowercase strings, defined in ``events.vocabulary``
(channel, priority) and ``intake.domain.vocabulary`` (the others).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from events.catalogue import DomainEvent
from events.catalogue.retention import ServiceDataErased


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "FR"


class CustomerRegistered(
    DomainEvent,
    type="intake.CustomerRegistered",
    pii=("first_name", "last_name", "email", "phone", "address"),
    subject_field="customer_id",
):
    customer_id: UUID
    profile: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    address: PostalAddress | None = None
    preferred_channel: str | None = None
    language: str = "fr"
    contract_refs: tuple[str, ...] = ()
    contract_end: date | None = None
    prospection_consent: bool = False
    duplicate_override_reason: str | None = None


class CustomerUpdated(
    DomainEvent, type="intake.CustomerUpdated", pii=("changes",), subject_field="customer_id"
):
    """``changes`` holds only the fields that changed, with their new values."""

    customer_id: UUID
    changes: dict[str, object]


class CustomersMerged(DomainEvent, type="intake.CustomersMerged"):
    """On the merged record's stream: ``merged_id`` now redirects to ``survivor_id``; both
    streams stay readable. Published once per merge; the survivor's stream records the same
    merge as ``CustomerAbsorbed``, in the same transaction (merges recorded before that event
    existed have no twin: the read model's ``merged_into`` still links them)."""

    survivor_id: UUID
    merged_id: UUID
    reason: str


class CustomerAbsorbed(DomainEvent, type="intake.CustomerAbsorbed"):
    """On the survivor's stream: the record ``merged_id`` was merged into this one
    (``survivor_id``), for ``reason``. The absorbed record keeps its own stream and history;
    the merged side of the same merge is ``CustomersMerged``."""

    survivor_id: UUID
    merged_id: UUID
    reason: str


class RequestReceived(
    DomainEvent,
    type="intake.RequestReceived",
    pii=("contact", "subject", "description"),
    subject_field="customer_id",
):
    request_id: UUID
    reference: str
    customer_id: UUID | None = None
    contact: str | None = None
    channel: str
    received_at: datetime
    subject: str | None = None
    description: str | None = None
    category: str | None = None
    missing_fields: tuple[str, ...] = ()
    idempotency_key: str | None = None


class RequestAcknowledged(DomainEvent, type="intake.RequestAcknowledged"):
    request_id: UUID
    at: datetime


class RequestQualified(DomainEvent, type="intake.RequestQualified"):
    request_id: UUID
    category: str
    profile: str
    impact: str
    urgency: str
    workaround: str
    priority: str
    at: datetime


class PriorityChanged(DomainEvent, type="intake.PriorityChanged"):
    """``criterion`` names the objective criterion that changed (never the customer's insistence).

    ``old_value`` and ``new_value`` are that criterion's values before and after (an impact,
    urgency or workaround level, or a deadline as an ISO instant); ``exception`` marks a new
    priority that does not follow from the matrix, taken on a manager's authority (the actor).
    Events recorded before these fields carry none of them.
    """

    request_id: UUID
    old: str
    new: str
    criterion: str
    reason: str
    at: datetime
    old_value: str | None = None
    new_value: str | None = None
    exception: bool = False


class RequestAssigned(DomainEvent, type="intake.RequestAssigned"):
    request_id: UUID
    team: str
    agent: str | None = None
    at: datetime


class RequestTransferred(DomainEvent, type="intake.RequestTransferred"):
    """Beyond the first transfer, ``exception_kind`` names the exception from the fixed list
    of docs/domain.md §9.2 and ``exception`` documents it in words."""

    request_id: UUID
    from_team: str | None = None
    to_team: str
    to_agent: str | None = None
    reason: str
    exception: str | None = None
    exception_kind: str | None = None
    at: datetime


class WorkStarted(DomainEvent, type="intake.WorkStarted"):
    request_id: UUID
    at: datetime


class InteractionRecorded(
    DomainEvent,
    type="intake.InteractionRecorded",
    pii=("subject", "summary", "actions", "next_step"),
):
    """``informs_customer`` marks a status update sent to the customer (re-arms the update clock);
    ``kind`` ``"relance"`` marks a follow-up sent to the customer, which counts in the relance
    schedule like a ``documents.RelanceSent``."""

    request_id: UUID
    interaction_id: UUID
    channel: str
    direction: str
    subject: str
    summary: str
    actions: str | None = None
    next_step: str | None = None
    occurred_at: datetime
    informs_customer: bool = False
    kind: str | None = None


class CommitmentMade(DomainEvent, type="intake.CommitmentMade"):
    """A firm promise to the customer: a deliverable by a deadline, tracked like an SLA."""

    request_id: UUID
    commitment_id: UUID
    deliverable: str
    due_at: datetime
    made_at: datetime


class CommitmentFulfilled(DomainEvent, type="intake.CommitmentFulfilled"):
    request_id: UUID
    commitment_id: UUID
    at: datetime


class AwaitingCustomer(DomainEvent, type="intake.AwaitingCustomer", pii=("expected",)):
    """The request waits for the customer; the resolution clock pauses until they reply."""

    request_id: UUID
    at: datetime
    expected: str
    customer_due_at: datetime | None = None


class CustomerReplied(DomainEvent, type="intake.CustomerReplied"):
    request_id: UUID
    at: datetime


class RequestEscalated(DomainEvent, type="intake.RequestEscalated"):
    request_id: UUID
    to: str
    criterion: str
    reason: str
    at: datetime


class EscalationTaken(DomainEvent, type="intake.EscalationTaken"):
    request_id: UUID
    by: str
    at: datetime


class RequestResolved(DomainEvent, type="intake.RequestResolved", pii=("resolution",)):
    request_id: UUID
    resolution: str
    first_contact: bool = False
    at: datetime


class RequestClosed(DomainEvent, type="intake.RequestClosed"):
    """``reason`` is ``customer_confirmed`` or ``no_answer_timeout``."""

    request_id: UUID
    reason: str
    at: datetime


class RequestReopened(DomainEvent, type="intake.RequestReopened"):
    request_id: UUID
    reason: str
    at: datetime


class SatisfactionRecorded(DomainEvent, type="intake.SatisfactionRecorded", pii=("comment",)):
    """The customer's answer (docs/domain.md §11). ``source`` says who entered it: the
    customer through a survey token (``channel: "survey"``, ``survey_nonce`` the token's
    single-use nonce), or an agent writing down what the customer said by phone
    (``channel: "phone"``). Absent on answers recorded before these fields existed."""

    request_id: UUID
    csat: int | None = None
    nps: int | None = None
    comment: str | None = None
    at: datetime
    source: str | None = None
    channel: str | None = None
    survey_nonce: str | None = None


class RequestDetailsCompleted(
    DomainEvent,
    type="intake.RequestDetailsCompleted",
    pii=("contact", "subject", "description"),
    subject_field="customer_id",
):
    """Information missing at reception was supplied; ``missing_fields`` is what is still missing."""

    request_id: UUID
    customer_id: UUID | None = None
    contact: str | None = None
    subject: str | None = None
    description: str | None = None
    missing_fields: tuple[str, ...] = ()
    at: datetime


class QueueExceptionDocumented(DomainEvent, type="intake.QueueExceptionDocumented"):
    """The request is served before older ones of its priority: validated_p1, security_risk,
    major_incident or contractual_obligation, with the reason (docs/domain.md §3.5)."""

    request_id: UUID
    exception: str
    reason: str
    at: datetime


class SubjectDataErased(ServiceDataErased, type="intake.SubjectDataErased"):
    """Intake blanked a data subject's read models after retention destroyed their keys."""
