"""Events of the approvals context (topic ``guichet.approvals``).

Stream per approval (``stream_type="approval"``): an outgoing content, identified by the
SHA-256 of its exact bytes (``content_hash``: 64 lowercase hex characters), submitted for the
request it answers, and the decisions of its circuit. ``ResponseValidated`` is the event the
rest of the system trusts: it names the hash, so an edited content (another hash) needs a new
approval. Stream of the rules (``stream_type="approval_rules"``): every version of the level
rules, each defined by a director. Habilitations and substitutions have their own streams.

Amounts are exact decimals (serialised as strings) with an ISO 4217 currency. ``level`` is
1 (the agent), 2 (a manager) or 3 (director or legal). Person fields (``author``,
``decided_by``, ``on_behalf_of``...) hold the subject (``sub``) of a bearer token.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from events.catalogue import DomainEvent
from events.catalogue.retention import ServiceDataErased

Decision = Literal["approve", "reject", "request_changes"]
Quorum = Literal["any", "all", "count", "percent"]


class Money(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal
    currency: str


class CircuitStep(BaseModel):
    """One sequential step of a circuit: who may decide (a level, or named approvers) and how
    many approvals close it (``quorum``: any one, all of ``approvers``, ``count`` of them, or
    ``percent`` of them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int
    level: int
    approvers: tuple[str, ...] = ()
    quorum: Quorum = "any"
    count: int | None = None
    percent: int | None = None
    due_at: datetime | None = None


class KindRule(BaseModel):
    """The level a kind of content needs whatever its amounts (those may raise it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    level: int


class CurrencyThreshold(BaseModel):
    """From ``level_2_from`` (included) an amount needs level 2; from ``level_3_from``, level 3
    (None: no amount alone requires level 3, docs/domain.md §12.2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    currency: str
    level_2_from: Decimal
    level_3_from: Decimal | None = None


class StepRule(BaseModel):
    """The circuit of a level: its steps in order, each decided by ``level`` with ``quorum``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: int
    steps: tuple[CircuitStep, ...]


class ApprovalRequested(DomainEvent, type="approvals.ApprovalRequested", pii=("author",)):
    """``rule`` explains in words which rule set ``level``, under ``rules_version``.
    ``criterion`` carries the objective criterion of a compensation (``sla_breached:<kind>``,
    ``delay``), never a promise."""

    approval_id: UUID
    request_id: UUID
    content_hash: str
    kind: str
    amounts: tuple[Money, ...] = ()
    level: int
    rule: str
    rules_version: int
    author: str
    team: str | None = None
    steps: tuple[CircuitStep, ...] = ()
    criterion: str | None = None
    requested_at: datetime


class ApprovalStepDecided(
    DomainEvent, type="approvals.ApprovalStepDecided", pii=("decided_by", "on_behalf_of", "reason")
):
    """One person's decision on one step; ``on_behalf_of`` names the absent approver a
    substitute decided for. ``step_closed``: this decision reached the step's quorum."""

    approval_id: UUID
    request_id: UUID
    step: int
    level: int
    decision: Decision
    decided_by: str
    on_behalf_of: str | None = None
    reason: str | None = None
    step_closed: bool = False
    rules_version: int
    decided_at: datetime


class ResponseValidated(DomainEvent, type="approvals.ResponseValidated", pii=("validated_by", "author")):
    """The content whose SHA-256 is ``content_hash`` may leave for ``request_id``: validated at
    ``level`` under ``rules_version`` by ``validated_by`` (the author alone at level 1)."""

    approval_id: UUID
    request_id: UUID
    content_hash: str
    kind: str
    level: int
    rules_version: int
    author: str
    validated_by: tuple[str, ...]
    on_behalf_of: tuple[str, ...] = ()
    validated_at: datetime


class ResponseRejected(
    DomainEvent, type="approvals.ResponseRejected", pii=("decided_by", "on_behalf_of", "reason")
):
    approval_id: UUID
    request_id: UUID
    content_hash: str
    step: int
    decided_by: str
    on_behalf_of: str | None = None
    reason: str
    rejected_at: datetime


class ChangesRequested(
    DomainEvent, type="approvals.ChangesRequested", pii=("decided_by", "on_behalf_of", "reason")
):
    """The content must change: the approval closes, the new content is a new submission."""

    approval_id: UUID
    request_id: UUID
    content_hash: str
    step: int
    decided_by: str
    on_behalf_of: str | None = None
    reason: str
    requested_at: datetime


class ApprovalWithdrawn(DomainEvent, type="approvals.ApprovalWithdrawn", pii=("withdrawn_by", "reason")):
    """A withdrawn approval blocks: its content can no longer leave, even if validated."""

    approval_id: UUID
    request_id: UUID
    content_hash: str
    withdrawn_by: str
    reason: str | None = None
    withdrawn_at: datetime


class ApprovalExpired(DomainEvent, type="approvals.ApprovalExpired"):
    approval_id: UUID
    request_id: UUID
    content_hash: str
    step: int
    due_at: datetime | None = None
    expired_at: datetime


class ApprovalEscalated(DomainEvent, type="approvals.ApprovalEscalated", pii=("to_approvers",)):
    """A step's due time passed: it moves to the next authority (levels 2-3 are never
    approved automatically on a timeout)."""

    approval_id: UUID
    request_id: UUID
    step: int
    from_level: int
    to_level: int
    to_approvers: tuple[str, ...] = ()
    due_at: datetime
    next_due_at: datetime | None = None
    reason: str
    escalated_at: datetime


class ApprovalReminderDue(DomainEvent, type="approvals.ApprovalReminderDue", pii=("approvers",)):
    """A step's due time is near: remind those who may decide it."""

    approval_id: UUID
    request_id: UUID
    step: int
    level: int
    approvers: tuple[str, ...] = ()
    due_at: datetime
    emitted_at: datetime


class HabilitationGranted(
    DomainEvent,
    type="approvals.HabilitationGranted",
    pii=("person", "granted_by", "reason"),
    subject_field="person",
):
    """``person`` may decide at ``level`` within the scope (teams, kinds, amount ceiling; empty:
    no limit on that axis) from ``valid_from`` until ``valid_until`` (None: until revoked)."""

    habilitation_id: UUID
    person: str
    level: int
    teams: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    amount_ceiling: Money | None = None
    valid_from: datetime
    valid_until: datetime | None = None
    granted_by: str
    reason: str | None = None
    granted_at: datetime


class HabilitationRevoked(
    DomainEvent,
    type="approvals.HabilitationRevoked",
    pii=("person", "revoked_by", "reason"),
    subject_field="person",
):
    habilitation_id: UUID
    person: str
    revoked_by: str
    reason: str | None = None
    revoked_at: datetime


class SubstituteAppointed(
    DomainEvent,
    type="approvals.SubstituteAppointed",
    pii=("absent", "substitute", "appointed_by", "reason"),
    subject_field="absent",
):
    """``substitute`` decides on behalf of ``absent`` from ``valid_from`` until ``valid_until``."""

    substitution_id: UUID
    absent: str
    substitute: str
    valid_from: datetime
    valid_until: datetime
    appointed_by: str
    reason: str | None = None
    appointed_at: datetime


class ApprovalRulesDefined(DomainEvent, type="approvals.ApprovalRulesDefined", pii=("defined_by",)):
    """A new version of the level rules; decisions keep the version they were taken under."""

    rules_version: int
    kinds: tuple[KindRule, ...]
    thresholds: tuple[CurrencyThreshold, ...]
    circuits: tuple[StepRule, ...]
    default_currency: str
    compensation_kinds: tuple[str, ...] = ()
    defined_by: str
    reason: str | None = None
    defined_at: datetime


class SubjectDataErased(ServiceDataErased, type="approvals.SubjectDataErased"):
    """Approvals blanked a data subject's personal text in its approvals after retention
    destroyed their keys."""
