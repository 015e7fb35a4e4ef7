"""Retention periods per data category (docs/domain.md §15.1) and their legal bounds.

A policy is versioned data: the DPO defines the next version; a period shorter than a legal
minimum (billing: 10 years, an accounting obligation) or longer than a legal maximum (call
recordings: 6 months) is refused, naming the category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from events.aggregate_base import Aggregate
from events.catalogue import PII_CATEGORIES
from events.catalogue.retention import RetentionPeriod, RetentionPolicyDefined
from retention.domain.errors import PolicyRefused

POLICY_STREAM = uuid5(UUID("0b8f6f0e-4f8a-4d59-9d0b-6a3c1f4d2e11"), "retention.policy")

DEFAULT_PERIODS: tuple[RetentionPeriod, ...] = (
    RetentionPeriod(
        category="contractual", months=60, anchor="contract_end", basis="5 years after the contract ends"
    ),
    RetentionPeriod(
        category="billing", months=120, anchor="last_activity", basis="10 years (accounting obligation)"
    ),
    RetentionPeriod(
        category="prospection",
        months=36,
        anchor="last_interaction",
        basis="3 years without interaction from the person",
    ),
    RetentionPeriod(
        category="complaint",
        months=60,
        anchor="request_closed",
        basis="handling time plus the legal prescription (5 years, configurable)",
    ),
    RetentionPeriod(category="call_recording", months=6, anchor="recorded", basis="6 months at most (CNIL)"),
)

LEGAL_MINIMUM_MONTHS = {"billing": 120}
"""Kept at least this long by law (Code de commerce L123-22: accounting documents 10 years)."""
LEGAL_MAXIMUM_MONTHS = {"call_recording": 6}
"""Kept at most this long (CNIL: call recordings 6 months)."""


@dataclass(frozen=True)
class RetentionPolicy:
    version: int
    periods: tuple[RetentionPeriod, ...]

    def period(self, category: str) -> RetentionPeriod:
        for period in self.periods:
            if period.category == category:
                return period
        raise KeyError(category)


DEFAULT_POLICY = RetentionPolicy(version=0, periods=DEFAULT_PERIODS)


def check_periods(periods: tuple[RetentionPeriod, ...]) -> tuple[RetentionPeriod, ...]:
    """The periods, one per known category, within the legal bounds; else :class:`PolicyRefused`."""
    seen: set[str] = set()
    for period in periods:
        if period.category not in PII_CATEGORIES:
            raise PolicyRefused(period.category, f"unknown category {period.category!r}")
        if period.category in seen:
            raise PolicyRefused(period.category, f"{period.category} is defined twice")
        seen.add(period.category)
        if period.months <= 0:
            raise PolicyRefused(period.category, f"{period.category}: a period is at least one month")
        minimum = LEGAL_MINIMUM_MONTHS.get(period.category)
        if minimum is not None and period.months < minimum:
            raise PolicyRefused(
                period.category,
                f"{period.category} must be kept at least {minimum} months by law, not {period.months}",
            )
        maximum = LEGAL_MAXIMUM_MONTHS.get(period.category)
        if maximum is not None and period.months > maximum:
            raise PolicyRefused(
                period.category,
                f"{period.category} may be kept at most {maximum} months, not {period.months}",
            )
    missing = set(PII_CATEGORIES) - seen
    if missing:
        first = sorted(missing)[0]
        raise PolicyRefused(first, f"no period for {', '.join(sorted(missing))}")
    return tuple(sorted(periods, key=lambda p: PII_CATEGORIES.index(p.category)))


class PolicyBook(Aggregate):
    """Every version of the retention policy, on one stream; :data:`DEFAULT_POLICY` before any."""

    stream_type = "retention_policy"

    def __init__(self, stream_id: UUID = POLICY_STREAM) -> None:
        super().__init__(stream_id)
        self.current = DEFAULT_POLICY
        self.defined_by: str | None = None
        self.defined_at: datetime | None = None

    def define(
        self, periods: tuple[RetentionPeriod, ...], by: str, reason: str | None, at: datetime
    ) -> RetentionPolicy:
        checked = check_periods(periods)
        self.record(
            RetentionPolicyDefined(
                policy_version=self.current.version + 1,
                periods=checked,
                defined_by=by,
                reason=reason,
                at=at,
            )
        )
        return self.current

    def when_RetentionPolicyDefined(self, event: RetentionPolicyDefined) -> None:
        self.current = RetentionPolicy(event.policy_version, event.periods)
        self.defined_by, self.defined_at = event.defined_by, event.at
