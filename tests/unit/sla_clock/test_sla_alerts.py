"""Operational alerts (docs/domain.md §7.1): no response 4 h, pending 24 h, escalation untaken 1 h."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sla_clock.domain.alerts import (
    Alert,
    AlertFacts,
    AlertKind,
    AlertRules,
    active_alerts,
    escalation_alert_at,
    no_response_alert_at,
    pending_alert_at,
)
from sla_clock.domain.business_calendar import BusinessCalendar

T0 = datetime(2025, 3, 17, 9, tzinfo=UTC)
H = timedelta(hours=1)


def test_no_response_alert_is_due_four_hours_after_reception() -> None:
    assert no_response_alert_at(T0) == T0 + 4 * H


def test_a_response_in_time_prevents_the_alert_and_a_late_one_does_not() -> None:
    assert no_response_alert_at(T0, T0 + 4 * H) is None
    assert no_response_alert_at(T0, T0 + 4 * H + timedelta(seconds=1)) == T0 + 4 * H


def test_pending_alert_is_due_after_24_hours() -> None:
    assert pending_alert_at(T0) == T0 + 24 * H
    assert pending_alert_at(T0, pending_ended_at=T0 + 23 * H) is None


def test_escalation_alert_is_due_when_not_taken_within_an_hour() -> None:
    assert escalation_alert_at(T0) == T0 + H
    assert escalation_alert_at(T0, taken_at=T0 + 30 * timedelta(minutes=1)) is None


def test_alert_durations_can_count_business_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    rules = AlertRules(calendar=BusinessCalendar())
    friday_15 = datetime(2025, 3, 14, 15, tzinfo=paris)
    assert no_response_alert_at(friday_15, rules=rules) == datetime(2025, 3, 17, 11, tzinfo=paris)


def test_active_alerts_lists_what_is_raised_and_not_cleared_at_now() -> None:
    facts = AlertFacts(
        received_at=T0,
        pending_since=T0 + H,
        escalated_at=T0 + 2 * H,
    )
    assert active_alerts(facts, T0 + 2 * H) == ()
    assert active_alerts(facts, T0 + 4 * H) == (
        Alert(AlertKind.NO_RESPONSE, T0 + 4 * H),
        Alert(AlertKind.ESCALATION_NOT_TAKEN, T0 + 3 * H),
    )
    assert AlertKind.PENDING_TOO_LONG in {a.kind for a in active_alerts(facts, T0 + 25 * H)}


def test_a_response_clears_the_no_response_alert_from_its_instant_on() -> None:
    facts = AlertFacts(received_at=T0, first_response_at=T0 + 5 * H)
    assert active_alerts(facts, T0 + 4 * H + timedelta(minutes=30)) == (
        Alert(AlertKind.NO_RESPONSE, T0 + 4 * H),
    )
    assert active_alerts(facts, T0 + 5 * H) == ()


def test_a_taken_escalation_raises_nothing() -> None:
    facts = AlertFacts(
        received_at=T0, first_response_at=T0 + H, escalated_at=T0, escalation_taken_at=T0 + 2 * H
    )
    assert active_alerts(facts, T0 + 3 * H) == ()
