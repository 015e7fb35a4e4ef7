"""Relance schedule (DOMAIN.md §6): 24–48 h, then 3–5 days, then escalate or close at 10 days."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla_clock.domain.relances import NextRelance, RelanceAction, RelanceRules, next_relance

CUSTOMER_DUE = datetime(2025, 3, 3, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_first_relance_is_due_24_to_48_hours_after_the_missed_deadline() -> None:
    assert next_relance(CUSTOMER_DUE) == NextRelance(
        RelanceAction.FIRST_RELANCE, CUSTOMER_DUE + DAY, CUSTOMER_DUE + 2 * DAY
    )


def test_the_second_relance_is_due_3_to_5_days_after_the_first_was_sent() -> None:
    first = CUSTOMER_DUE + 30 * timedelta(hours=1)
    assert next_relance(CUSTOMER_DUE, [first]) == NextRelance(
        RelanceAction.SECOND_RELANCE, first + 3 * DAY, first + 5 * DAY
    )


def test_escalation_or_closure_is_due_10_days_after_the_first_relance() -> None:
    first, second = CUSTOMER_DUE + DAY, CUSTOMER_DUE + 5 * DAY
    result = next_relance(CUSTOMER_DUE, [second, first])  # order does not matter
    assert result == NextRelance(
        RelanceAction.ESCALATE_OR_CLOSE, first + 10 * DAY, first + 10 * DAY
    )


def test_escalation_never_comes_before_the_second_relance() -> None:
    first, late_second = CUSTOMER_DUE + DAY, CUSTOMER_DUE + 14 * DAY
    result = next_relance(CUSTOMER_DUE, [first, late_second])
    assert result.action is RelanceAction.ESCALATE_OR_CLOSE
    assert result.due_at == late_second


def test_relance_days_are_24_real_hours_even_across_a_dst_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    due = datetime(2025, 3, 29, 12, tzinfo=paris)  # 11:00 UTC, the day before the change
    result = next_relance(due)
    assert result.due_at == datetime(2025, 3, 30, 11, tzinfo=UTC)
    assert result.due_at.tzinfo is UTC


def test_custom_rules_are_honoured() -> None:
    rules = RelanceRules(first_due=timedelta(hours=48), first_latest=timedelta(hours=72))
    assert next_relance(CUSTOMER_DUE, rules=rules).due_at == CUSTOMER_DUE + 2 * DAY


def test_inconsistent_rules_are_rejected() -> None:
    with pytest.raises(ValueError):
        RelanceRules(first_due=timedelta(hours=72), first_latest=timedelta(hours=48))


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError):
        next_relance(datetime(2025, 3, 3, 12))
