"""Approvals' commands: what a caller asks the service to do (imperative, frozen)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from approvals.domain.approval import Submission
from approvals.domain.authority import Decider
from approvals.domain.levels import ApprovalRules
from events.catalogue.approvals import Decision
from events.envelope import Metadata


@dataclass(frozen=True, slots=True)
class SubmitForApproval:
    approval_id: UUID
    submission: Submission
    metadata: Metadata = Metadata()


@dataclass(frozen=True, slots=True)
class DecideApproval:
    approval_id: UUID
    decision: Decision
    decider: Decider
    reason: str | None = None
    on_behalf_of: str | None = None
    metadata: Metadata = Metadata()


@dataclass(frozen=True, slots=True)
class WithdrawApproval:
    approval_id: UUID
    decider: Decider
    reason: str | None = None
    metadata: Metadata = Metadata()


@dataclass(frozen=True, slots=True)
class ExpireApproval:
    approval_id: UUID
    metadata: Metadata = Metadata(actor="approvals")


@dataclass(frozen=True, slots=True)
class DefineRules:
    rules: ApprovalRules
    defined_by: str
    reason: str | None = None
    metadata: Metadata = Metadata()
    expected_version: int | None = None
    """The rules version the definer read (the If-Match); None: whatever is in force."""
