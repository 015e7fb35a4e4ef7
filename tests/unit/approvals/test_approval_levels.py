"""The level rules (docs/domain.md §12.1-§12.2): which level a content needs, and why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.domain.errors import InvalidRules, InvalidSubmission
from approvals.domain.levels import DEFAULT_RULES, ApprovalRules, check_rules, required_level
from events.catalogue.approvals import CurrencyThreshold, KindRule, Money


def eur(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="EUR")


def test_an_accommodation_of_100_is_level_1_and_says_why() -> None:
    decision = required_level("accommodation", [eur("100")], DEFAULT_RULES)
    assert decision.level == 1
    assert decision.rules_version == 1
    assert "100 EUR is under 150 EUR" in decision.rule
    assert "rules version 1" in decision.rule


def test_149_99_stays_at_level_1_and_150_needs_level_2() -> None:
    assert required_level("accommodation", [eur("149.99")], DEFAULT_RULES).level == 1
    at_threshold = required_level("accommodation", [eur("150")], DEFAULT_RULES)
    assert at_threshold.level == 2
    assert at_threshold.rule.startswith("150 EUR is 150 EUR or more: level 2")


def test_amounts_in_one_currency_are_summed() -> None:
    assert required_level("standard_answer", [eur("100"), eur("60")], DEFAULT_RULES).level == 2


def test_a_commercial_gesture_of_200_is_level_2() -> None:
    decision = required_level("commercial_gesture", [eur("200")], DEFAULT_RULES)
    assert decision.level == 2
    assert "kind commercial_gesture needs level 2" in decision.rule


@pytest.mark.parametrize(
    "kind", ["tariff_derogation", "deadline_extension", "exceptional_delay", "compensation"]
)
def test_manager_kinds_are_level_2_even_for_nothing(kind: str) -> None:
    assert required_level(kind, [], DEFAULT_RULES).level == 2


@pytest.mark.parametrize("amount", ["0", "1", "100000"])
@pytest.mark.parametrize(
    "kind",
    [
        "amendment",
        "contract",
        "litigation_letter",
        "legal_risk",
        "institutional_communication",
        "high_financial_commitment",
    ],
)
def test_level_3_kinds_whatever_the_amount(kind: str, amount: str) -> None:
    decision = required_level(kind, [eur(amount)], DEFAULT_RULES)
    assert decision.level == 3
    assert f"kind {kind} needs level 3" in decision.rule


def test_an_amount_in_a_currency_without_threshold_needs_level_2() -> None:
    decision = required_level("standard_answer", [Money(amount=Decimal("5"), currency="USD")], DEFAULT_RULES)
    assert decision.level == 2
    assert "no threshold in USD" in decision.rule


def test_a_level_3_threshold_raises_large_amounts_under_a_newer_version() -> None:
    rules = check_rules(
        ApprovalRules(
            version=4,
            kinds=DEFAULT_RULES.kinds,
            thresholds=(
                CurrencyThreshold(currency="EUR", level_2_from=Decimal(150), level_3_from=Decimal(5000)),
            ),
            circuits=DEFAULT_RULES.circuits,
            default_currency="EUR",
            compensation_kinds=("compensation",),
        )
    )
    decision = required_level("commercial_gesture", [eur("5000")], rules)
    assert (decision.level, decision.rules_version) == (3, 4)
    assert "5000 EUR is 5000 EUR or more: level 3 (rules version 4)" == decision.rule


@pytest.mark.parametrize(
    ("kind", "amounts", "field"),
    [
        ("gift", [], "kind"),
        ("accommodation", [eur("-1")], "amounts[0].amount"),
        ("accommodation", [eur("1"), Money(amount=Decimal("1"), currency="FRF")], "amounts[1].currency"),
        ("accommodation", [Money(amount=Decimal("1"), currency="ZZZ")], "amounts[0].currency"),
    ],
)
def test_bad_submissions_name_the_field(kind: str, amounts: list[Money], field: str) -> None:
    with pytest.raises(InvalidSubmission) as refused:
        required_level(kind, amounts, DEFAULT_RULES)
    assert refused.value.field == field


def test_rules_without_a_level_3_circuit_or_with_an_unknown_level_are_refused() -> None:
    with pytest.raises(InvalidRules, match="level 3 needs a circuit"):
        check_rules(
            ApprovalRules(
                version=2,
                kinds=DEFAULT_RULES.kinds,
                thresholds=DEFAULT_RULES.thresholds,
                circuits=DEFAULT_RULES.circuits[:1],
                default_currency="EUR",
            )
        )
    with pytest.raises(InvalidRules, match="a level is 1, 2 or 3"):
        check_rules(
            ApprovalRules(
                version=2,
                kinds=(KindRule(kind="x", level=4),),
                thresholds=DEFAULT_RULES.thresholds,
                circuits=DEFAULT_RULES.circuits,
                default_currency="EUR",
            )
        )
