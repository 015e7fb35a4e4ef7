"""Retention periods: the defaults, the legal bounds (refused naming the category), versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.catalogue.retention import RetentionPeriod, RetentionPolicyDefined
from retention.domain.errors import PolicyRefused
from retention.domain.policies import DEFAULT_PERIODS, DEFAULT_POLICY, PolicyBook, check_periods

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def periods_with(category: str, months: int) -> tuple[RetentionPeriod, ...]:
    return tuple(
        p.model_copy(update={"months": months}) if p.category == category else p for p in DEFAULT_PERIODS
    )


def test_the_defaults_are_the_domain_periods() -> None:
    months = {p.category: (p.months, p.anchor) for p in DEFAULT_POLICY.periods}
    assert months == {
        "contractual": (60, "contract_end"),
        "billing": (120, "last_activity"),
        "prospection": (36, "last_interaction"),
        "complaint": (60, "request_closed"),
        "call_recording": (6, "recorded"),
    }
    assert check_periods(DEFAULT_PERIODS) == DEFAULT_PERIODS


def test_billing_shorter_than_ten_years_is_refused_naming_billing() -> None:
    with pytest.raises(PolicyRefused) as refused:
        check_periods(periods_with("billing", 119))
    assert refused.value.category == "billing"
    assert "at least 120 months" in refused.value.message


def test_call_recordings_longer_than_six_months_are_refused() -> None:
    with pytest.raises(PolicyRefused) as refused:
        check_periods(periods_with("call_recording", 7))
    assert refused.value.category == "call_recording"


def test_a_missing_or_unknown_category_is_refused() -> None:
    with pytest.raises(PolicyRefused) as missing:
        check_periods(DEFAULT_PERIODS[:-1])
    assert missing.value.category == "call_recording"
    unknown = replace_category(DEFAULT_PERIODS[0], "medical")
    with pytest.raises(PolicyRefused) as refused:
        check_periods((*DEFAULT_PERIODS, unknown))
    assert refused.value.category == "medical"


def replace_category(period: RetentionPeriod, category: str) -> RetentionPeriod:
    return period.model_copy(update={"category": category})


def test_each_definition_is_the_next_version_and_an_event() -> None:
    book = PolicyBook()
    first = book.define(periods_with("complaint", 72), "dpo-1", "prescription of 6 years", NOW)
    second = book.define(periods_with("prospection", 24), "dpo-1", None, NOW)
    assert (first.version, second.version) == (1, 2)
    assert second.period("prospection").months == 24
    assert second.period("complaint").months == 60
    assert [type(e) for e in book.pending] == [RetentionPolicyDefined, RetentionPolicyDefined]
    assert book.pending[0].defined_by == "dpo-1"  # type: ignore[attr-defined]


def test_a_refused_definition_records_nothing() -> None:
    book = PolicyBook()
    with pytest.raises(PolicyRefused):
        book.define(periods_with("billing", 12), "dpo-1", None, NOW)
    assert book.pending == [] and book.current == DEFAULT_POLICY
