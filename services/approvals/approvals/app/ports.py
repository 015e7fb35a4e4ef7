"""Ports of the approvals use cases: the kit's, extended with approvals' repositories and the
``Authorities`` that say who may decide at which level."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from approvals.domain.approval import Approval
from approvals.domain.authority import Authority, Decider, DecisionRights, DecisionScope, Refusal
from approvals.domain.levels import ApprovalRules
from approvals.domain.rules_book import RulesBook
from events.application import ports
from events.application.ports import Clock

__all__ = ["ApprovalRepository", "Authorities", "Clock", "RulesRepository", "UnitOfWork"]


class ApprovalRepository(ports.Repository[Approval], Protocol):
    async def open_for(self, request_id: UUID, content_hash: str) -> UUID | None:
        """The approval of this content for this request that is pending or validated, if any."""
        ...


class RulesRepository(Protocol):
    async def current(self) -> ApprovalRules:
        """The rules in force, as of this transaction (the defaults when none was defined)."""
        ...

    async def book(self) -> RulesBook:
        """The rules' versions (a new book holding the defaults when none was defined),
        tracked for this transaction."""
        ...


class Authorities(Protocol):
    """Who may decide a step of ``level`` on ``scope`` at instant ``at``.

    ``within``: the unit of work open for the decision; what the authorities read, they may
    read in its transaction (a decision then takes one connection, not two). Without it they
    read on their own."""

    async def can_decide(
        self,
        actor: Decider,
        level: int,
        scope: DecisionScope,
        at: datetime,
        on_behalf_of: str | None = None,
        *,
        within: UnitOfWork | None = None,
    ) -> Authority | Refusal:
        """The authority ``actor`` decides with (their own, or ``on_behalf_of`` an absent
        approver they substitute), or a refusal naming the missing right."""
        ...

    async def rights(
        self, actor: Decider, at: datetime, *, within: UnitOfWork | None = None
    ) -> DecisionRights:
        """What ``actor`` may decide at ``at`` (their own right, and that of the absent approvers
        they substitute then): ``can_decide`` answers from them, and so does the inbox."""
        ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    """One transaction: approval events, rules versions and their projections."""

    approvals: ApprovalRepository
    rules: RulesRepository
