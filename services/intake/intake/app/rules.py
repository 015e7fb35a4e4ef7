"""The organisation's intake rules in one place: every table is data, replaceable per deployment."""

from dataclasses import dataclass, field
from datetime import timedelta

from intake.domain.duplicates import DEFAULT_DUPLICATE_POLICY, DuplicatePolicy
from intake.domain.lifecycle import DEFAULT_CLOSING_POLICY, ClosingPolicy
from intake.domain.priority import DEFAULT_PRIORITY_MATRIX, PriorityMatrix
from intake.domain.routing import DEFAULT_ROUTING, RoutingTable


@dataclass(frozen=True)
class IntakeRules:
    matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX
    routing: RoutingTable = DEFAULT_ROUTING
    closing: ClosingPolicy = DEFAULT_CLOSING_POLICY
    duplicates: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY
    clock_skew: timedelta = field(default=timedelta(minutes=5))
    """How far in the future a `received_at` (or `occurred_at`) may be: clocks differ a little."""


DEFAULT_RULES = IntakeRules()
