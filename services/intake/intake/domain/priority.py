"""Priority from impact x urgency x workaround, and the rule for changing it (docs/domain.md §3.2, §3.3).

Why the customer profile plays no part here: priority describes the incident, and
docs/domain.md §3.2 wants it derived from objective criteria only. A strategic customer's
"priority handling" (docs/domain.md §2.1) comes from their contract instead: tighter SLA
targets (sla-clock, per contract) and, when the contract requires it, the
CONTRACTUAL_OBLIGATION queue exception (see `queue.py`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from types import MappingProxyType

from events.vocabulary import Priority
from intake.domain.errors import InvalidRuleTable, PriorityChangeRefused
from intake.domain.insistence import INSISTENCE_PATTERNS, mentions_insistence
from intake.domain.problems import is_blank
from intake.domain.vocabulary import Impact, PriorityCriterion, Urgency, Workaround

P1, P2, P3 = Priority.P1, Priority.P2, Priority.P3

MatrixKey = tuple[Impact, Urgency, Workaround]

#: Default grid: (impact, workaround) -> priority for urgency (high, medium, low).
#: P1 needs the service down AND no workaround (docs/domain.md §3.2); a major degradation is at most P2.
#: Monotone: worse impact, higher urgency or less workaround never lowers the priority.
DEFAULT_GRID: Mapping[tuple[Impact, Workaround], tuple[Priority, Priority, Priority]] = {
    (Impact.CRITICAL, Workaround.NONE): (P1, P1, P2),
    (Impact.CRITICAL, Workaround.PARTIAL): (P2, P2, P2),
    (Impact.CRITICAL, Workaround.AVAILABLE): (P2, P2, P3),
    (Impact.HIGH, Workaround.NONE): (P2, P2, P2),
    (Impact.HIGH, Workaround.PARTIAL): (P2, P2, P3),
    (Impact.HIGH, Workaround.AVAILABLE): (P2, P3, P3),
    (Impact.MEDIUM, Workaround.NONE): (P2, P3, P3),
    (Impact.MEDIUM, Workaround.PARTIAL): (P3, P3, P3),
    (Impact.MEDIUM, Workaround.AVAILABLE): (P3, P3, P3),
    (Impact.LOW, Workaround.NONE): (P3, P3, P3),
    (Impact.LOW, Workaround.PARTIAL): (P3, P3, P3),
    (Impact.LOW, Workaround.AVAILABLE): (P3, P3, P3),
}

_URGENCY_COLUMNS = (Urgency.HIGH, Urgency.MEDIUM, Urgency.LOW)


@dataclass(frozen=True)
class PriorityMatrix:
    """A complete (impact, urgency, workaround) -> priority table; incomplete ones are refused
    at construction so a lookup can never fail at run time."""

    table: Mapping[MatrixKey, Priority]

    def __post_init__(self) -> None:
        absent = [key for key in product(Impact, Urgency, Workaround) if key not in self.table]
        if absent:
            raise InvalidRuleTable(f"priority matrix has no entry for {absent[0]}")
        object.__setattr__(self, "table", MappingProxyType(dict(self.table)))

    @classmethod
    def from_grid(
        cls, grid: Mapping[tuple[Impact, Workaround], tuple[Priority, Priority, Priority]]
    ) -> "PriorityMatrix":
        """Build from the compact (impact, workaround) -> (high, medium, low urgency) form."""
        return cls(
            {
                (impact, urgency, workaround): row[column]
                for (impact, workaround), row in grid.items()
                for column, urgency in enumerate(_URGENCY_COLUMNS)
            }
        )

    def priority_for(self, impact: Impact, urgency: Urgency, workaround: Workaround) -> Priority:
        return self.table[(impact, urgency, workaround)]


DEFAULT_PRIORITY_MATRIX = PriorityMatrix.from_grid(DEFAULT_GRID)


def priority_for(
    impact: Impact,
    urgency: Urgency,
    workaround: Workaround,
    matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX,
) -> Priority:
    return matrix.priority_for(impact, urgency, workaround)


@dataclass(frozen=True, slots=True)
class PriorityChange:
    """An accepted change: "priorité ajustée de P3 à P2 car <criterion>: <reason>"."""

    old: Priority
    new: Priority
    criterion: PriorityCriterion
    reason: str

    @property
    def raised(self) -> bool:
        return self.new.rank < self.old.rank


def validate_priority_change(
    old: Priority,
    new: Priority,
    criterion: PriorityCriterion | None,
    reason: str | None,
    insistence_patterns: tuple[str, ...] = INSISTENCE_PATTERNS,
) -> PriorityChange:
    """Accept a change only if it names an objective criterion and a reason that does not
    rest on the customer's insistence. Raises `PriorityChangeRefused` (see its `rule`)."""
    if new == old:
        raise PriorityChangeRefused(f"priority is already {old.value.upper()}", "unchanged")
    if criterion is None:
        raise PriorityChangeRefused(
            "a priority change must name the objective criterion that changed "
            "(impact, urgency, workaround, deadline, ...)",
            "missing_criterion",
        )
    if reason is None or is_blank(reason):
        raise PriorityChangeRefused(f"explain what changed in {criterion.value}", "missing_reason")
    if mentions_insistence(reason, insistence_patterns):
        raise PriorityChangeRefused(
            "the customer's insistence is not a reason to change priority; "
            "name what changed in impact, urgency, workaround or deadline",
            "insistence",
        )
    return PriorityChange(old, new, criterion, reason.strip())
