"""HTTP contract of requests: `XCreate` bodies in, `RequestRead` out (not the domain objects)."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, field_validator, model_validator

from events.vocabulary import Channel, Priority
from intake.domain.follow_up import InteractionKind
from intake.domain.insistence import mentions_insistence
from intake.domain.routing import TransferException
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
from intake.entrypoints.fields import Body, Code, Instant, Line, Paragraph


class QualificationCreate(Body):
    category: Code
    impact: Impact
    urgency: Urgency
    workaround: Workaround
    profile: CustomerProfile | None = Field(
        None, description="Defaults to the profile of the request's customer."
    )
    reason: Line | None = Field(
        None, description="Required when a requalification changes the priority: what changed."
    )


class RequestCreate(Body):
    channel: Channel
    received_at: Instant | None = Field(
        None,
        description="When it really arrived (deadlines count from it). Unknown: the recording "
        "time is used and the request is flagged. Not more than 5 minutes in the future.",
    )
    customer_id: UUID | None = None
    contact: Line | None = Field(None, description="How to reach a sender who is not a known customer.")
    subject: Line | None = None
    description: Paragraph | None = None
    category: Code | None = None
    qualification: QualificationCreate | None = Field(None, description="Qualify on reception.")


class RequestDetailsUpdate(Body):
    """Information that was missing at reception. Only the fields sent are changed."""

    customer_id: UUID | None = None
    contact: Line | None = None
    subject: Line | None = None
    description: Paragraph | None = None


class PriorityChangeCreate(Body):
    priority: Priority
    criterion: PriorityCriterion | None = Field(
        None, description="The objective criterion that changed. The customer's insistence is never one."
    )
    reason: Line | None = None
    new_value: Code | None = Field(
        None,
        description="The criterion's new value: an impact (critical, high, medium, low), an urgency "
        "(high, medium, low) or a workaround (none, partial, available). With it, the priority must "
        "be the matrix's.",
    )
    deadline_at: Instant | None = Field(
        None, description="The dated deadline, when the criterion is `deadline` (it sets the urgency)."
    )
    exception: bool = Field(
        False,
        description="Take a priority the matrix does not give (or a criterion outside it: security "
        "risk, major incident, contractual obligation) as a documented exception: a manager's authority.",
    )

    @field_validator("criterion", mode="before")
    @classmethod
    def _never_insistence(cls, value: Any) -> Any:
        if isinstance(value, str) and mentions_insistence(value):
            raise ValueError(
                "the customer's insistence is not a criterion: name what changed in "
                "impact, urgency, workaround or deadline"
            )
        return value


class QueueExceptionCreate(Body):
    exception: QueueException
    reason: Line


class AssignmentCreate(Body):
    team: Code
    agent: Code | None = None


class TransferCreate(Body):
    to_team: Code
    to_agent: Code | None = None
    reason: Line
    exception_kind: TransferException | None = Field(
        None, description="Required for any transfer after the first: the exception, from a fixed list."
    )
    exception: Line | None = Field(
        None, description="Required for any transfer after the first: the exception documented in words."
    )


class AwaitCustomerCreate(Body):
    expected: Line = Field(description="What the customer must provide.")
    customer_due_at: Instant | None = None


class ResolutionCreate(Body):
    resolution: Paragraph


class ClosureCreate(Body):
    customer_confirmed: bool = Field(
        description="False: closes only once the documented no-answer timeout has elapsed."
    )


class ReopeningCreate(Body):
    reason: Line


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class InteractionCreate(Body):
    channel: Channel
    direction: Direction
    subject: Line
    summary: Paragraph
    actions: Paragraph | None = None
    next_step: Line | None = None
    occurred_at: Instant | None = Field(None, description="Defaults to now.")
    informs_customer: bool = Field(False, description="A status update sent to the customer.")
    kind: InteractionKind | None = Field(
        None, description="`relance`: a follow-up sent to the customer, counted in the relance schedule."
    )

    @model_validator(mode="after")
    def _relance_is_sent(self) -> "InteractionCreate":
        if self.kind is InteractionKind.RELANCE and self.direction is not Direction.OUTBOUND:
            raise ValueError("a relance is sent to the customer: direction outbound")
        return self


class CommitmentCreate(Body):
    deliverable: Line = Field(description='What was promised, e.g. "diagnosis".')
    due_at: Instant


class EscalationCreate(Body):
    to: Code
    criterion: PriorityCriterion
    reason: Line


class SatisfactionCreate(Body):
    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    comment: Paragraph | None = None
    channel: Literal["phone"] = Field(
        "phone",
        description="How the customer gave the answer: an agent records only what was said by phone "
        "(the customer answers otherwise through the survey link).",
    )


class SurveyAnswerCreate(Body):
    """The customer's answer: CSAT 1-5 and/or NPS 0-10."""

    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    comment: Paragraph | None = None


class SurveyAnswerRead(BaseModel):
    request_id: UUID
    csat: int | None
    nps: int | None


class SurveyLinkRead(BaseModel):
    """What the documents service sends to the customer."""

    request_id: UUID
    token: str
    path: str = Field(description="The service's path the customer answers at (POST).")
    expires_at: datetime


class CommitmentRead(BaseModel):
    commitment_id: UUID
    deliverable: str
    due_at: datetime
    made_at: datetime
    fulfilled_at: datetime | None = None


class RequestRead(BaseModel):
    request_id: UUID
    reference: str
    version: int = Field(description="Stream version; also the ETag. Send it as If-Match.")
    status: RequestStatus
    allowed_actions: list[RequestAction]
    channel: Channel
    received_at: datetime
    recorded_at: datetime
    updated_at: datetime
    customer_id: UUID | None
    contact: str | None
    subject: str | None
    description: str | None
    category: str | None
    profile: CustomerProfile | None
    impact: Impact | None
    urgency: Urgency | None
    workaround: Workaround | None
    priority: Priority | None
    queue_exception: QueueException | None
    team: str | None
    agent: str | None
    transfers: int
    flagged: bool = Field(description="Accepted with mandatory information missing.")
    missing_fields: list[str]
    escalated_to: str | None
    escalation_taken_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    commitments: list[CommitmentRead]
    interactions: int
    csat: int | None
    nps: int | None


class RequestPage(BaseModel):
    items: list[RequestRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


class QueueRead(BaseModel):
    items: list[RequestRead] = Field(description="In serving order.")


class TimelineApproval(BaseModel):
    """An approval of the request, as the approvals service recorded it."""

    approval_id: UUID
    kind: str | None = Field(default=None, description="The kind of content submitted")
    level: int | None = Field(default=None, description="The level required, or decided at")
    decision: Literal[
        "requested",
        "approve",
        "reject",
        "request_changes",
        "validated",
        "rejected",
        "changes_requested",
        "withdrawn",
        "expired",
        "escalated",
    ]
    by: list[str] = Field(default_factory=list, description="Who submitted, decided or withdrew")
    on_behalf_of: list[str] = Field(
        default_factory=list, description="The absent approvers a substitute decided for"
    )
    content_hash: str | None = Field(default=None, description="SHA-256 of the content approved")
    at: datetime


class TimelineEntry(BaseModel):
    version: int | None = Field(
        description="The event's version in the request's stream; null for another service's event"
    )
    type: str
    recorded_at: datetime | None
    actor: str | None
    data: dict[str, Any]
    integrity: Literal["verified", "pending", "tampered"] | None = Field(
        default=None,
        description=(
            "`verified`: in a signed checkpoint of the audit log, its hash and chain check out; "
            "`pending`: newer than the last checkpoint; `tampered`: it no longer matches what "
            "was signed (or its own hash). Null when the service's audit log is not enabled, "
            "and for another service's event (its own log vouches for it)."
        ),
    )
    approval: TimelineApproval | None = Field(
        default=None, description="For an approvals event: what it says of the request's approval"
    )


class TimelineRead(BaseModel):
    request_id: UUID
    entries: list[TimelineEntry]
