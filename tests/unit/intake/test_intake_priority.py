from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.vocabulary import Priority
from intake.domain.errors import InvalidRuleTable, PriorityChangeRefused
from intake.domain.priority import (
    DEFAULT_GRID,
    DEFAULT_PRIORITY_MATRIX,
    PriorityChange,
    PriorityMatrix,
    priority_for,
    validate_priority_change,
)
from intake.domain.vocabulary import Impact, PriorityCriterion, Urgency, Workaround

# Severity order of each axis, worst first: moving right never makes things more urgent.
IMPACTS = list(Impact)
URGENCIES = list(Urgency)
WORKAROUNDS = list(Workaround)


def test_matrix_covers_every_combination_exactly_once() -> None:
    assert set(DEFAULT_PRIORITY_MATRIX.table) == set(product(Impact, Urgency, Workaround))
    assert set(DEFAULT_GRID) == set(product(Impact, Workaround))


def test_service_down_urgent_without_workaround_is_p1() -> None:
    assert priority_for(Impact.CRITICAL, Urgency.HIGH, Workaround.NONE) is Priority.P1


def test_major_degradation_with_partial_workaround_is_p2() -> None:
    assert priority_for(Impact.HIGH, Urgency.HIGH, Workaround.PARTIAL) is Priority.P2


@pytest.mark.parametrize(("urgency", "workaround"), list(product(Urgency, Workaround)))
def test_minor_incident_or_question_is_always_p3(urgency: Urgency, workaround: Workaround) -> None:
    assert priority_for(Impact.LOW, urgency, workaround) is Priority.P3


@pytest.mark.parametrize(
    ("impact", "urgency", "workaround"),
    [k for k, p in DEFAULT_PRIORITY_MATRIX.table.items() if p is Priority.P1],
)
def test_p1_always_means_service_down_and_no_workaround(
    impact: Impact, urgency: Urgency, workaround: Workaround
) -> None:
    assert (impact, workaround) == (Impact.CRITICAL, Workaround.NONE)


@given(st.sampled_from(IMPACTS), st.sampled_from(URGENCIES), st.sampled_from(WORKAROUNDS))
def test_a_worse_situation_never_gets_a_lower_priority(
    impact: Impact, urgency: Urgency, workaround: Workaround
) -> None:
    current = priority_for(impact, urgency, workaround).rank
    i, u, w = IMPACTS.index(impact), URGENCIES.index(urgency), WORKAROUNDS.index(workaround)
    if i > 0:
        assert priority_for(IMPACTS[i - 1], urgency, workaround).rank <= current
    if u > 0:
        assert priority_for(impact, URGENCIES[u - 1], workaround).rank <= current
    if w > 0:
        assert priority_for(impact, urgency, WORKAROUNDS[w - 1]).rank <= current


def test_an_incomplete_matrix_is_refused_at_construction() -> None:
    table = dict(DEFAULT_PRIORITY_MATRIX.table)
    del table[(Impact.LOW, Urgency.LOW, Workaround.NONE)]
    with pytest.raises(InvalidRuleTable):
        PriorityMatrix(table)


def test_an_organisation_can_configure_its_own_matrix() -> None:
    everything_p2 = PriorityMatrix({key: Priority.P2 for key in product(Impact, Urgency, Workaround)})
    assert priority_for(Impact.CRITICAL, Urgency.HIGH, Workaround.NONE, everything_p2) is Priority.P2


def test_matrix_table_cannot_be_mutated_after_construction() -> None:
    with pytest.raises(TypeError):
        DEFAULT_PRIORITY_MATRIX.table[(Impact.LOW, Urgency.LOW, Workaround.NONE)] = Priority.P1  # type: ignore[index]


def test_priority_rank_orders_p1_first() -> None:
    assert [p.rank for p in Priority] == [1, 2, 3]


def test_change_with_objective_criterion_and_reason_is_accepted() -> None:
    change = validate_priority_change(
        Priority.P3, Priority.P2, PriorityCriterion.IMPACT, "  now 40 users affected instead of 2 "
    )
    assert change == PriorityChange(
        Priority.P3, Priority.P2, PriorityCriterion.IMPACT, "now 40 users affected instead of 2"
    )
    assert change.raised


def test_lowering_priority_is_a_change_like_any_other() -> None:
    change = validate_priority_change(
        Priority.P1, Priority.P3, PriorityCriterion.WORKAROUND, "workaround in place"
    )
    assert not change.raised


def test_change_without_criterion_is_refused() -> None:
    with pytest.raises(PriorityChangeRefused) as refused:
        validate_priority_change(Priority.P3, Priority.P2, None, "impact grew")
    assert refused.value.rule == "missing_criterion"
    assert refused.value.code == "priority_change_refused"
    assert "criterion" in refused.value.message


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_change_without_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(PriorityChangeRefused) as refused:
        validate_priority_change(Priority.P3, Priority.P2, PriorityCriterion.DEADLINE, reason)
    assert refused.value.rule == "missing_reason"


@pytest.mark.parametrize("priority", list(Priority))
def test_change_to_the_same_priority_is_refused(priority: Priority) -> None:
    with pytest.raises(PriorityChangeRefused) as refused:
        validate_priority_change(priority, priority, PriorityCriterion.IMPACT, "impact grew")
    assert refused.value.rule == "unchanged"


@pytest.mark.parametrize(
    "reason",
    [
        "Le client insiste",
        "client insiste beaucoup",
        "INSISTANCE du client",
        "relance du client",
        "Relance du client ce matin",
        "le client nous a relancés 3 fois",
        "plusieurs relances",
        "le client a rappelé plusieurs fois",
        "le client s'impatiente",
        "le client met la pression",
        "Customer insists",
        "the customer is insisting on a quick answer",
        "customer keeps calling",
        "customer chased us twice",
        "Called again this morning",
        "emailed us 3 times",
        "follow-up from the customer",
    ],
)
def test_insistence_is_refused_in_french_and_english(reason: str) -> None:
    for criterion in PriorityCriterion:
        with pytest.raises(PriorityChangeRefused) as refused:
            validate_priority_change(Priority.P3, Priority.P2, criterion, reason)
        assert refused.value.rule == "insistence"
        assert "insistence" in refused.value.message


@pytest.mark.parametrize(
    "reason",
    [
        "impact étendu à tout le site de Lyon",
        "no workaround any more: the export tool was withdrawn",
        "échéance contractuelle confirmée au 12/03",
        "suite à notre relance, le client confirme que le contournement ne fonctionne plus",
        "security risk: credentials exposed",
    ],
)
def test_objective_reasons_are_not_mistaken_for_insistence(reason: str) -> None:
    validate_priority_change(Priority.P3, Priority.P2, PriorityCriterion.IMPACT, reason)


def test_insistence_wording_can_be_configured() -> None:
    validate_priority_change(
        Priority.P3, Priority.P2, PriorityCriterion.URGENCY, "customer insists", insistence_patterns=()
    )
    with pytest.raises(PriorityChangeRefused):
        validate_priority_change(
            Priority.P3, Priority.P2, PriorityCriterion.URGENCY, "VIP", insistence_patterns=(r"\bvip\b",)
        )
