"""Deadlines, 80 % warnings and pauses, hand-computed on the Paris calendar (7 h business days)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.vocabulary import Channel, Priority
from sla_clock.domain.business_calendar import BusinessCalendar
from sla_clock.domain.deadlines import (
    Calendars,
    DeadlineKind,
    PausedTime,
    ThresholdKind,
    compute_deadlines,
    crossed_thresholds,
    deadline_for,
    earliest_deadline,
    thresholds,
)
from sla_clock.domain.policy import (
    DEFAULT_POLICY,
    ChannelStandard,
    OverrideScope,
    SlaPolicy,
    TargetsOverride,
    business_days,
    business_hours,
    clock_hours,
)

PARIS = ZoneInfo("Europe/Paris")
CALENDARS = Calendars(BusinessCalendar())
H = timedelta(hours=1)


def paris(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=PARIS)


TUESDAY_10 = paris(2025, 3, 18, 10)
TUESDAY_16_10 = paris(2025, 3, 18, 16, 10)


def test_p2_phone_deadlines_count_business_hours() -> None:
    d = compute_deadlines(TUESDAY_10, Priority.P2, Channel.PHONE, DEFAULT_POLICY, CALENDARS)
    # 2 h from 10:00 end exactly at the 12:00 closing; 80 % = 1 h 36.
    assert (d.first_response.warning_at, d.first_response.due_at) == (
        paris(2025, 3, 18, 11, 36),
        paris(2025, 3, 18, 12),
    )
    # 14 h: Tuesday 5 h 30, Wednesday 7 h, Thursday 1 h 30 -> 10:00; 80 % = 11 h 12 -> Wed 15:12.
    assert d.resolution.due_at == paris(2025, 3, 20, 10)
    assert d.resolution.warning_at == paris(2025, 3, 19, 15, 12)
    assert d.next_update is None


def test_p1_clock_targets_ignore_opening_hours_and_the_cutoff() -> None:
    d = compute_deadlines(TUESDAY_16_10, Priority.P1, Channel.PHONE, DEFAULT_POLICY, CALENDARS)
    assert d.first_response.start == TUESDAY_16_10
    assert d.first_response.warning_at == paris(2025, 3, 18, 16, 34)
    assert d.first_response.due_at == paris(2025, 3, 18, 16, 40)
    assert d.resolution.due_at == paris(2025, 3, 18, 20, 10)
    assert d.resolution.warning_at == paris(2025, 3, 18, 19, 22)


def test_business_targets_after_the_cutoff_count_from_the_next_morning() -> None:
    d = compute_deadlines(TUESDAY_16_10, Priority.P3, Channel.LETTER, DEFAULT_POLICY, CALENDARS)
    assert d.resolution.start == paris(2025, 3, 19, 8, 30)
    # 35 h from Wednesday 08:30 end at the close of the fifth business day.
    assert d.resolution.due_at == paris(2025, 3, 25, 16, 30)
    assert d.resolution.warning_at == paris(2025, 3, 24, 16, 30)


def test_a_policy_may_switch_the_cutoff_off() -> None:
    policy = SlaPolicy(9, DEFAULT_POLICY.priorities, DEFAULT_POLICY.channels, apply_cutoff=False)
    d = compute_deadlines(TUESDAY_16_10, Priority.P2, Channel.PHONE, policy, CALENDARS)
    assert d.first_response.start == TUESDAY_16_10
    assert d.first_response.due_at == paris(2025, 3, 19, 10, 10)


def around_the_clock_email() -> SlaPolicy:
    """A policy whose email standard counts 24 clock hours (docs/domain.md §4.3, configurable)."""
    channels = dict(DEFAULT_POLICY.channels) | {
        Channel.EMAIL: ChannelStandard(clock_hours(24), business_days(5))
    }
    return SlaPolicy(2, DEFAULT_POLICY.priorities, channels)


def test_the_stricter_email_standard_sets_the_first_response_deadline() -> None:
    d = compute_deadlines(TUESDAY_16_10, Priority.P3, Channel.EMAIL, around_the_clock_email(), CALENDARS)
    # P3: 8 business hours from Wednesday 08:30 -> Thursday 09:30; email: 24 clock hours.
    assert d.first_response.target == clock_hours(24)
    assert d.first_response.due_at == paris(2025, 3, 19, 16, 10)
    assert d.first_response.warning_at == paris(2025, 3, 19, 11, 22)


def test_an_email_on_friday_afternoon_is_due_on_monday_not_saturday() -> None:
    friday_15_55 = paris(2025, 3, 21, 15, 55)
    d = compute_deadlines(friday_15_55, Priority.P3, Channel.EMAIL, DEFAULT_POLICY, CALENDARS)
    # email: one business day, the same time on the next working day; P3: 8 business hours
    # (Friday 35 min, Monday 7 h, Tuesday 25 min) -> Tuesday 08:55.
    assert d.first_response.target == business_days(1)
    assert d.first_response.due_at == paris(2025, 3, 24, 15, 55)
    clock = compute_deadlines(friday_15_55, Priority.P3, Channel.EMAIL, around_the_clock_email(), CALENDARS)
    assert clock.first_response.due_at == paris(2025, 3, 22, 15, 55)


def test_an_email_after_the_cut_off_is_due_by_the_end_of_the_next_working_day() -> None:
    d = compute_deadlines(TUESDAY_16_10, Priority.P3, Channel.EMAIL, DEFAULT_POLICY, CALENDARS)
    assert d.first_response.target == business_days(1)
    assert d.first_response.due_at == paris(2025, 3, 19, 16, 30)


def test_the_priority_target_applies_when_stricter_than_the_channel_standard() -> None:
    d = compute_deadlines(TUESDAY_10, Priority.P2, Channel.VOICEMAIL, DEFAULT_POLICY, CALENDARS)
    assert d.first_response.target == business_hours(2)
    assert d.resolution.target == business_days(2)


def test_a_business_pause_extends_the_resolution_and_its_warning() -> None:
    paused = PausedTime(business=3 * H, clock=50 * H)
    d = compute_deadlines(TUESDAY_10, Priority.P2, Channel.PHONE, DEFAULT_POLICY, CALENDARS, paused)
    # 14 h + 3 h paused: Thursday 10:00 + 3 business hours = 14:00 (lunch break skipped).
    assert d.resolution.due_at == paris(2025, 3, 20, 14)
    assert d.resolution.paused == 3 * H
    # 11 h 12 + 3 h = 14 h 12 -> Thursday 10:12.
    assert d.resolution.warning_at == paris(2025, 3, 20, 10, 12)


def test_a_clock_target_uses_the_pause_measured_in_clock_time() -> None:
    paused = PausedTime(business=timedelta(0), clock=H / 2)
    d = compute_deadlines(TUESDAY_16_10, Priority.P1, Channel.PHONE, DEFAULT_POLICY, CALENDARS, paused)
    assert d.resolution.due_at == paris(2025, 3, 18, 20, 40)


def test_a_weekend_pause_costs_no_business_time() -> None:
    calendar = CALENDARS.business
    pause_start, pause_end = paris(2025, 3, 21, 17), paris(2025, 3, 24, 8)
    paused = PausedTime(
        business=calendar.business_time_between(pause_start, pause_end),
        clock=pause_end - pause_start,
    )
    unpaused = compute_deadlines(TUESDAY_10, Priority.P3, Channel.PHONE, DEFAULT_POLICY, CALENDARS)
    d = compute_deadlines(TUESDAY_10, Priority.P3, Channel.PHONE, DEFAULT_POLICY, CALENDARS, paused)
    assert d.resolution.due_at == unpaused.resolution.due_at


def test_the_next_update_is_due_one_cadence_after_the_last_update() -> None:
    d = compute_deadlines(
        TUESDAY_10,
        Priority.P2,
        Channel.PHONE,
        DEFAULT_POLICY,
        CALENDARS,
        last_update_at=paris(2025, 3, 19, 15),
    )
    assert d.next_update is not None
    # 4 h: Wednesday 15:00–16:30, then 2 h 30 on Thursday from 08:30.
    assert d.next_update.kind is DeadlineKind.NEXT_UPDATE
    assert d.next_update.due_at == paris(2025, 3, 20, 11)


def test_a_contract_override_changes_the_deadline() -> None:
    policy = SlaPolicy(
        3,
        DEFAULT_POLICY.priorities,
        DEFAULT_POLICY.channels,
        {(OverrideScope.CONTRACT, "C-42", Priority.P2): TargetsOverride(business_hours(1))},
    )
    d = compute_deadlines(TUESDAY_10, Priority.P2, Channel.PHONE, policy, CALENDARS, contract="C-42")
    assert d.first_response.due_at == paris(2025, 3, 18, 11)
    assert d.resolution.due_at == paris(2025, 3, 20, 10)  # untouched by the override


def test_thresholds_are_the_warning_then_the_breach() -> None:
    deadline = deadline_for(DeadlineKind.FIRST_RESPONSE, business_hours(2), TUESDAY_10, CALENDARS)
    assert thresholds(deadline) == (
        (ThresholdKind.WARNING, paris(2025, 3, 18, 11, 36)),
        (ThresholdKind.BREACH, paris(2025, 3, 18, 12)),
    )
    assert crossed_thresholds(deadline, paris(2025, 3, 18, 11, 35)) == ()
    assert crossed_thresholds(deadline, paris(2025, 3, 18, 11, 36)) == (ThresholdKind.WARNING,)
    assert crossed_thresholds(deadline, paris(2025, 3, 18, 12)) == (
        ThresholdKind.WARNING,
        ThresholdKind.BREACH,
    )


def test_deadline_instants_are_in_utc() -> None:
    deadline = deadline_for(DeadlineKind.RESOLUTION, clock_hours(1), TUESDAY_10, CALENDARS)
    assert deadline.start.utcoffset() == timedelta(0)
    assert deadline.due_at.utcoffset() == timedelta(0)


def test_a_negative_pause_is_rejected() -> None:
    with pytest.raises(ValueError):
        deadline_for(DeadlineKind.RESOLUTION, clock_hours(1), TUESDAY_10, CALENDARS, PausedTime(clock=-H))


def test_earliest_deadline_needs_a_target() -> None:
    with pytest.raises(ValueError):
        earliest_deadline(DeadlineKind.RESOLUTION, [None], TUESDAY_10, CALENDARS)


def test_a_naive_reception_time_is_rejected() -> None:
    with pytest.raises(ValueError):
        compute_deadlines(datetime(2025, 3, 18, 10), Priority.P1, Channel.PHONE, DEFAULT_POLICY, CALENDARS)
