"""The versions of the level rules, as an event-sourced aggregate: one stream, each version
an ``ApprovalRulesDefined`` naming who defined it. Before any, :data:`DEFAULT_RULES` apply."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from approvals.domain.levels import DEFAULT_RULES, ApprovalRules, check_rules
from events.aggregate_base import Aggregate
from events.catalogue.approvals import ApprovalRulesDefined

RULES_STREAM = uuid5(UUID("6f1d3c36-54a5-4f0e-9c62-3a4f4c1e7a01"), "approvals.rules")


def rules_of(event: ApprovalRulesDefined) -> ApprovalRules:
    return ApprovalRules(
        version=event.rules_version,
        kinds=event.kinds,
        thresholds=event.thresholds,
        circuits=event.circuits,
        default_currency=event.default_currency,
        compensation_kinds=event.compensation_kinds,
    )


class RulesBook(Aggregate):
    stream_type = "approval_rules"

    def __init__(self, stream_id: UUID = RULES_STREAM) -> None:
        super().__init__(stream_id)
        self.current: ApprovalRules = DEFAULT_RULES
        self.defined_by: str | None = None
        self.defined_at: datetime | None = None
        self.reason: str | None = None

    def define(self, rules: ApprovalRules, by: str, reason: str | None, at: datetime) -> ApprovalRules:
        """Record ``rules`` as the next version (whatever version they carry)."""
        numbered = check_rules(
            ApprovalRules(
                version=self.current.version + 1,
                kinds=rules.kinds,
                thresholds=rules.thresholds,
                circuits=rules.circuits,
                default_currency=rules.default_currency,
                compensation_kinds=rules.compensation_kinds,
            )
        )
        self.record(
            ApprovalRulesDefined(
                rules_version=numbered.version,
                kinds=numbered.kinds,
                thresholds=numbered.thresholds,
                circuits=numbered.circuits,
                default_currency=numbered.default_currency,
                compensation_kinds=numbered.compensation_kinds,
                defined_by=by,
                reason=(reason or "").strip() or None,
                defined_at=at,
            )
        )
        return numbered

    def when_ApprovalRulesDefined(self, event: ApprovalRulesDefined) -> None:
        self.current = rules_of(event)
        self.defined_by, self.defined_at, self.reason = event.defined_by, event.defined_at, event.reason
