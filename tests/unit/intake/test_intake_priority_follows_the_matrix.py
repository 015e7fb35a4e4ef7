"""A priority change carries the criterion's new value and follows the matrix, or is a documented
exception (docs/domain.md §3.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.vocabulary import Priority
from intake.domain.errors import PriorityChangeRefused
from intake.domain.priority import (
    DEFAULT_PRIORITY_MATRIX,
    CriterionChange,
    DeadlineUrgency,
    MatrixInputs,
    PriorityChange,
    follow_matrix,
    validate_priority_change,
)
from intake.domain.vocabulary import Impact, PriorityCriterion, Urgency, Workaround

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINOR = MatrixInputs(Impact.MEDIUM, Urgency.LOW, Workaround.AVAILABLE)
SITE_DOWN = MatrixInputs(Impact.CRITICAL, Urgency.LOW, Workaround.NONE)


def change(
    new: Priority, criterion: PriorityCriterion, inputs: MatrixInputs, what: CriterionChange
) -> PriorityChange:
    old = inputs.priority(DEFAULT_PRIORITY_MATRIX)
    return follow_matrix(validate_priority_change(old, new, criterion, "what changed"), inputs, what, NOW)


def rule_of(new: Priority, criterion: PriorityCriterion, inputs: MatrixInputs, what: CriterionChange) -> str:
    with pytest.raises(PriorityChangeRefused) as refused:
        change(new, criterion, inputs, what)
    return refused.value.rule


def test_words_without_a_new_value_change_nothing():
    assert rule_of(Priority.P1, PriorityCriterion.URGENCY, MINOR, CriterionChange()) == "missing_value"
    assert rule_of(Priority.P1, PriorityCriterion.URGENCY, MINOR, CriterionChange("angry")) == "invalid_value"
    assert rule_of(Priority.P1, PriorityCriterion.URGENCY, MINOR, CriterionChange("low")) == "value_unchanged"


def test_the_new_priority_must_be_the_matrixs_for_the_new_value():
    assert (
        rule_of(Priority.P1, PriorityCriterion.URGENCY, MINOR, CriterionChange("high")) == "not_from_matrix"
    )
    accepted = change(Priority.P1, PriorityCriterion.URGENCY, SITE_DOWN, CriterionChange("high"))
    assert (accepted.old, accepted.new, accepted.old_value, accepted.new_value, accepted.exception) == (
        Priority.P2,
        Priority.P1,
        "low",
        "high",
        False,
    )


def test_a_documented_exception_is_recorded_as_such():
    taken = change(Priority.P1, PriorityCriterion.URGENCY, MINOR, CriterionChange("high", exception=True))
    assert (taken.new, taken.exception) == (Priority.P1, True)
    outside = change(Priority.P2, PriorityCriterion.SECURITY_RISK, MINOR, CriterionChange(exception=True))
    assert (outside.new_value, outside.exception) == (None, True)
    assert (
        rule_of(Priority.P2, PriorityCriterion.SECURITY_RISK, MINOR, CriterionChange()) == "not_from_matrix"
    )


def test_a_dated_deadline_sets_the_urgency():
    rules = DeadlineUrgency()
    assert rules.urgency_for(NOW + timedelta(hours=20), NOW) is Urgency.HIGH
    assert rules.urgency_for(NOW + timedelta(days=5), NOW) is Urgency.MEDIUM
    assert rules.urgency_for(NOW + timedelta(days=30), NOW) is Urgency.LOW
    due = NOW + timedelta(hours=20)
    raised = change(Priority.P1, PriorityCriterion.DEADLINE, SITE_DOWN, CriterionChange(deadline_at=due))
    assert (raised.new_value, raised.exception) == (due.isoformat(), False)
    assert rule_of(Priority.P1, PriorityCriterion.DEADLINE, SITE_DOWN, CriterionChange()) == "missing_value"
    far = CriterionChange(deadline_at=NOW + timedelta(days=30))
    assert rule_of(Priority.P1, PriorityCriterion.DEADLINE, SITE_DOWN, far) == "not_from_matrix"
