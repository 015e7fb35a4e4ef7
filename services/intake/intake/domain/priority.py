"""Priority from impact x urgency x workaround, and the rule for changing it (docs/domain.md §3.2, §3.3).

Why the customer profile plays no part here: priority describes the incident, and
docs/domain.md §3.2 wants it derived from objective criteria only. A strategic customer's
"priority handling" (docs/domain.md §2.1) comes from their contract instead: tighter SLA
targets (sla-clock, per contract) and, when the contract requires it, the
CONTRACTUAL_OBLIGATION queue exception (see `queue.py`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
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
    """An accepted change: "priorité ajustée de P3 à P2 car <criterion>: <reason>", with the
    criterion's values before and after, and whether the new priority is a documented exception
    to the matrix."""

    old: Priority
    new: Priority
    criterion: PriorityCriterion
    reason: str
    old_value: str | None = None
    new_value: str | None = None
    exception: bool = False

    @property
    def raised(self) -> bool:
        return self.new.rank < self.old.rank


@dataclass(frozen=True, slots=True)
class MatrixInputs:
    """The matrix's three inputs of a qualified request."""

    impact: Impact
    urgency: Urgency
    workaround: Workaround

    def value_of(self, criterion: PriorityCriterion) -> str:
        return str(getattr(self, criterion.value).value)

    def with_level(self, level: Impact | Urgency | Workaround) -> "MatrixInputs":
        """These inputs with `level` in place of the input of its kind."""
        if isinstance(level, Impact):
            return replace(self, impact=level)
        if isinstance(level, Urgency):
            return replace(self, urgency=level)
        return replace(self, workaround=level)

    def priority(self, matrix: PriorityMatrix) -> Priority:
        return matrix.priority_for(self.impact, self.urgency, self.workaround)


#: The criteria that are an input of the matrix, and the values each takes.
MATRIX_CRITERIA: Mapping[PriorityCriterion, type[Impact] | type[Urgency] | type[Workaround]] = (
    MappingProxyType(
        {
            PriorityCriterion.IMPACT: Impact,
            PriorityCriterion.URGENCY: Urgency,
            PriorityCriterion.WORKAROUND: Workaround,
        }
    )
)


@dataclass(frozen=True, slots=True)
class DeadlineUrgency:
    """The urgency a dated deadline stands for (docs/domain.md §3.1, §3.3): damage within
    hours is high urgency, within days medium, later low."""

    high_within: timedelta = timedelta(days=1)
    medium_within: timedelta = timedelta(days=7)

    def urgency_for(self, deadline: datetime, at: datetime) -> Urgency:
        ahead = deadline - at
        if ahead <= self.high_within:
            return Urgency.HIGH
        return Urgency.MEDIUM if ahead <= self.medium_within else Urgency.LOW


DEFAULT_DEADLINE_URGENCY = DeadlineUrgency()


@dataclass(frozen=True, slots=True)
class CriterionChange:
    """What an agent says changed: the criterion's new value (a level of a matrix input), or
    the dated deadline, and whether they take the new priority as a documented exception."""

    new_value: str | None = None
    deadline_at: datetime | None = None
    exception: bool = False


def follow_matrix(
    change: PriorityChange,
    inputs: MatrixInputs,
    what: CriterionChange,
    at: datetime,
    matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX,
    deadlines: DeadlineUrgency = DEFAULT_DEADLINE_URGENCY,
    previous_deadline: datetime | None = None,
) -> PriorityChange:
    """The change with the criterion's old and new values, once its new priority follows from
    the matrix with that new value, or is taken as a documented exception (`what.exception`;
    the caller checks the manager's authority). Criteria outside the matrix (security risk,
    major incident, contractual obligation) are always exceptions. Raises
    `PriorityChangeRefused` (rules missing_value, invalid_value, value_unchanged,
    not_from_matrix)."""
    criterion = change.criterion
    expected: Priority | None = None
    old_value: str | None = None
    new_value = what.new_value
    if criterion in MATRIX_CRITERIA:
        levels = MATRIX_CRITERIA[criterion]
        if new_value is None or is_blank(new_value):
            raise PriorityChangeRefused(
                f"give the new {criterion.value}: one of {', '.join(v.value for v in levels)}",
                "missing_value",
            )
        try:
            level = levels(new_value.strip().lower())
        except ValueError:
            raise PriorityChangeRefused(
                f"{new_value!r} is not a {criterion.value}: one of {', '.join(v.value for v in levels)}",
                "invalid_value",
            ) from None
        old_value, new_value = inputs.value_of(criterion), level.value
        if old_value == new_value:
            raise PriorityChangeRefused(f"{criterion.value} is already {old_value}", "value_unchanged")
        expected = inputs.with_level(level).priority(matrix)
    elif criterion is PriorityCriterion.DEADLINE:
        if what.deadline_at is None:
            raise PriorityChangeRefused("give the date of the deadline (deadline_at)", "missing_value")
        urgency = deadlines.urgency_for(what.deadline_at, at)
        old_value = None if previous_deadline is None else previous_deadline.isoformat()
        new_value = what.deadline_at.isoformat()
        expected = inputs.with_level(urgency).priority(matrix)
    exception = expected != change.new
    if exception and not what.exception:
        gives = (
            f"the matrix gives {expected.value.upper()} with {criterion.value} {_shown(criterion, new_value)}"
            if expected is not None
            else f"{criterion.value} is not an input of the matrix"
        )
        raise PriorityChangeRefused(
            f"{gives}, not {change.new.value.upper()}: change the priority the matrix gives, "
            "or have a manager take it as a documented exception",
            "not_from_matrix",
        )
    return replace(change, old_value=old_value, new_value=new_value, exception=exception)


def _shown(criterion: PriorityCriterion, value: str | None) -> str:
    return f"due {value}" if criterion is PriorityCriterion.DEADLINE else str(value)


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
