"""The HTTP contract of approvals (not the domain's types)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.catalogue.approvals import Decision, Quorum
from events.service.fields import Line, Text

ContentHash = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the exact content (body, attachments, recipients, channel): 64 lowercase hex",
    ),
]
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False, description="A non-negative decimal"),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]
Level = Annotated[int, Field(ge=1, le=3)]
Person = Annotated[str, Field(min_length=1, max_length=256)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AmountBody(Input):
    amount: Amount
    currency: Currency


class ApprovalCreate(Input):
    request_id: UUID
    content_hash: ContentHash
    kind: Annotated[Line, Field(max_length=64)]
    amounts: list[AmountBody] = Field(default_factory=list, max_length=20)
    team: Annotated[Line, Field(max_length=64)] | None = None
    criterion: Line | None = Field(
        default=None, description="The objective criterion of a compensation (an SLA breached, a delay)"
    )


class DecisionCreate(Input):
    decision: Decision
    reason: Text | None = Field(default=None, description="Required to reject or to request changes")
    on_behalf_of: Person | None = Field(
        default=None, description="The absent approver a substitute decides for"
    )


class WithdrawalCreate(Input):
    reason: Text | None = None


class AmountRead(BaseModel):
    amount: Decimal
    currency: str


class StepRead(BaseModel):
    step: int
    level: int
    approvers: list[str]
    quorum: Quorum
    count: int | None = None
    percent: int | None = None
    due_at: datetime | None = None


class DecisionRead(BaseModel):
    step: int
    decision: Decision
    decided_by: str
    on_behalf_of: str | None = None
    reason: str | None = None
    decided_at: datetime


class ApprovalRead(BaseModel):
    approval_id: UUID
    request_id: UUID
    content_hash: str
    version: int
    kind: str
    amounts: list[AmountRead]
    level: int
    rule: str = Field(description="Which rule set the level, under which rules version")
    rules_version: int
    author: str
    team: str | None
    criterion: str | None
    status: Literal["pending", "validated", "rejected", "changes_requested", "withdrawn", "expired"]
    current_step: int | None
    steps: list[StepRead]
    decisions: list[DecisionRead]
    validated_by: list[str]
    requested_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class ValidationRead(BaseModel):
    """Whether this content may leave for this request: only when ``validated`` is true."""

    validated: bool
    request_id: UUID
    content_hash: str
    approval_id: UUID
    status: str
    level: int
    rules_version: int
    validated_by: list[str] = []
    on_behalf_of: list[str] = []
    validated_at: datetime | None = None


class InboxEntry(BaseModel):
    approval_id: UUID
    request_id: UUID
    step: int
    level: int
    kind: str
    author: str
    team: str | None
    requested_at: datetime
    due_at: datetime | None
    priority: str | None = Field(default=None, description="The request's priority, when known")
    deadline: datetime | None = Field(default=None, description="The request's deadline, when known")


class InboxRead(BaseModel):
    items: list[InboxEntry]


class KindRuleBody(Input):
    kind: Annotated[Line, Field(max_length=64)]
    level: Level


class ThresholdBody(Input):
    currency: Currency
    level_2_from: Amount
    level_3_from: Amount | None = None


class StepBody(Input):
    step: Annotated[int, Field(ge=1, le=9)]
    level: Annotated[int, Field(ge=2, le=3)]
    approvers: list[Person] = Field(default_factory=list, max_length=50)
    quorum: Quorum = "any"
    count: Annotated[int, Field(ge=1, le=50)] | None = None
    percent: Annotated[int, Field(ge=1, le=100)] | None = None


class CircuitBody(Input):
    level: Annotated[int, Field(ge=2, le=3)]
    steps: list[StepBody] = Field(min_length=1, max_length=9)


class RulesWrite(Input):
    kinds: list[KindRuleBody] = Field(min_length=1, max_length=200)
    thresholds: list[ThresholdBody] = Field(min_length=1, max_length=200)
    circuits: list[CircuitBody] = Field(min_length=1, max_length=2)
    default_currency: Currency
    compensation_kinds: list[Annotated[Line, Field(max_length=64)]] = Field(
        default_factory=list, max_length=200
    )
    reason: Text | None = None


class KindRuleRead(BaseModel):
    kind: str
    level: int


class ThresholdRead(BaseModel):
    currency: str
    level_2_from: Decimal
    level_3_from: Decimal | None = None


class CircuitRead(BaseModel):
    level: int
    steps: list[StepRead]


class RulesRead(BaseModel):
    version: int
    kinds: list[KindRuleRead]
    thresholds: list[ThresholdRead]
    circuits: list[CircuitRead]
    default_currency: str
    compensation_kinds: list[str]
    defined_by: str | None
    defined_at: datetime | None
    reason: str | None
