"""Relance schedule (docs/domain.md §8.2): 24–48 h, then 3–5 days, then escalate or close at 10 days."""

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
    assert result == NextRelance(RelanceAction.ESCALATE_OR_CLOSE, first + 10 * DAY, first + 10 * DAY)


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


# --- collection relances: mandatory information missing at reception (docs/domain.md §1.3, §8.3)

from sla_clock.domain.business_calendar import BusinessCalendar  # noqa: E402
from sla_clock.domain.relances import next_collection_relance  # noqa: E402

FRANCE = BusinessCalendar(name="france")
MONDAY_10_PARIS = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_the_first_collection_relance_is_due_one_business_day_after_reception() -> None:
    assert next_collection_relance(MONDAY_10_PARIS, FRANCE) == NextRelance(
        RelanceAction.FIRST_RELANCE,
        datetime(2026, 3, 3, 9, tzinfo=UTC),  # Tuesday 10:00 Paris
        datetime(2026, 3, 4, 9, tzinfo=UTC),  # latest Wednesday 10:00 Paris
    )


def test_a_collection_relance_never_falls_due_on_a_weekend() -> None:
    friday_15_paris = datetime(2026, 3, 6, 14, tzinfo=UTC)
    result = next_collection_relance(friday_15_paris, FRANCE)
    assert result.due_at == datetime(2026, 3, 9, 14, tzinfo=UTC)  # Monday 15:00 Paris
    assert result.latest_at == datetime(2026, 3, 10, 14, tzinfo=UTC)


def test_a_collection_relance_skips_public_holidays() -> None:
    thursday_before_good_friday = datetime(2026, 4, 2, 8, tzinfo=UTC)  # 10:00 Paris
    # Friday 3 April is not a French holiday, Monday 6 April (Easter Monday) is.
    assert next_collection_relance(thursday_before_good_friday, FRANCE).latest_at == datetime(
        2026, 4, 7, 8, tzinfo=UTC
    )


def test_after_the_first_collection_relance_sent_the_usual_schedule_follows() -> None:
    first = datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert next_collection_relance(MONDAY_10_PARIS, FRANCE, [first]) == NextRelance(
        RelanceAction.SECOND_RELANCE, first + 3 * DAY, first + 5 * DAY
    )
    second = first + 4 * DAY
    assert next_collection_relance(MONDAY_10_PARIS, FRANCE, [first, second]) == NextRelance(
        RelanceAction.ESCALATE_OR_CLOSE, first + 10 * DAY, first + 10 * DAY
    )


def test_the_collection_delay_is_configurable() -> None:
    rules = RelanceRules(
        collection_first_due=timedelta(hours=14), collection_first_latest=timedelta(hours=21)
    )
    assert next_collection_relance(MONDAY_10_PARIS, FRANCE, rules=rules).due_at == datetime(
        2026, 3, 4, 9, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        RelanceRules(collection_first_due=timedelta(hours=14), collection_first_latest=timedelta(hours=7))
