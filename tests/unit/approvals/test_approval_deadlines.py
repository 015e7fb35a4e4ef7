"""Step due times on the business calendar: a reminder before, an escalation at it, never a decision."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from approvals.domain.deadlines import (
    DEFAULT_DEADLINE_RULES,
    DeadlineRules,
    OpenStep,
    StepTimeout,
    check_deadline_rules,
    open_step,
    step_events,
)
from approvals.domain.errors import InvalidRules
from events.calendar import BusinessCalendar
from events.catalogue.approvals import ApprovalEscalated, ApprovalReminderDue

MONDAY_9_PARIS = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Paris (UTC+1)


def level_2_step(opened_at: datetime = MONDAY_9_PARIS) -> OpenStep:
    return open_step(uuid4(), uuid4(), 1, 2, ("max",), opened_at, DEFAULT_DEADLINE_RULES)


def test_the_due_time_counts_business_hours_only() -> None:
    friday_3pm = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 15:00 in Paris
    step = level_2_step(friday_3pm)
    # 1 h 30 on Friday, 5 h 30 on Monday: 08:30-12:00 then 13:00-15:00 in Paris
    assert step.due_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    # 2 h of business time earlier: 12:00 in Paris, the lunch break does not count
    assert step.remind_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)


def test_nothing_before_the_reminder_then_one_reminder() -> None:
    step = level_2_step()
    events, same = step_events(step, DEFAULT_DEADLINE_RULES, step.remind_at - timedelta(seconds=1))
    assert events == () and same == step
    events, reminded = step_events(step, DEFAULT_DEADLINE_RULES, step.remind_at)
    [reminder] = events
    assert isinstance(reminder, ApprovalReminderDue)
    assert (reminder.level, reminder.approvers, reminder.due_at) == (2, ("max",), step.due_at)
    assert step_events(reminded, DEFAULT_DEADLINE_RULES, step.remind_at + timedelta(minutes=5))[0] == ()


def test_at_the_due_time_level_2_escalates_to_level_3_and_is_due_again() -> None:
    step = level_2_step()
    events, escalated = step_events(step, DEFAULT_DEADLINE_RULES, step.due_at)
    [event] = events
    assert isinstance(event, ApprovalEscalated)
    assert (event.from_level, event.to_level, event.due_at) == (2, 3, step.due_at)
    assert escalated.level == 3 and escalated.escalations == 1 and not escalated.reminded
    assert event.next_due_at == escalated.due_at
    assert escalated.due_at == DEFAULT_DEADLINE_RULES.calendar.add_business_time(
        step.due_at, timedelta(hours=14)
    )


def test_a_timeout_never_decides_a_step_at_levels_2_and_3() -> None:
    step = level_2_step()
    now = step.due_at
    seen: list[type] = []
    for _ in range(5):
        events, step = step_events(step, DEFAULT_DEADLINE_RULES, now)
        seen.extend(type(event) for event in events)
        now = step.due_at
    assert set(seen) == {ApprovalEscalated}
    assert step.level == 3 and step.escalations == 5


def test_a_circuits_own_due_time_wins() -> None:
    due = MONDAY_9_PARIS + timedelta(hours=3)
    step = open_step(uuid4(), uuid4(), 2, 3, (), MONDAY_9_PARIS, DEFAULT_DEADLINE_RULES, due_at=due)
    assert step.due_at == due
    assert step.remind_at == MONDAY_9_PARIS


@pytest.mark.parametrize(
    "timeouts",
    [
        (StepTimeout(2, timedelta(hours=1), timedelta(0), 3),),
        (StepTimeout(2, timedelta(0), timedelta(0), 3), StepTimeout(3, timedelta(hours=1), timedelta(0), 3)),
        (
            StepTimeout(2, timedelta(hours=1), timedelta(hours=1), 3),
            StepTimeout(3, timedelta(hours=1), timedelta(0), 3),
        ),
        (
            StepTimeout(2, timedelta(hours=1), timedelta(0), 1),
            StepTimeout(3, timedelta(hours=1), timedelta(0), 3),
        ),
        (
            StepTimeout(2, timedelta(hours=1), timedelta(0), 3),
            StepTimeout(3, timedelta(hours=1), timedelta(0), 2),
        ),
    ],
)
def test_rules_that_cannot_escalate_properly_are_refused(timeouts: tuple[StepTimeout, ...]) -> None:
    with pytest.raises(InvalidRules):
        check_deadline_rules(DeadlineRules(BusinessCalendar.always_open(), timeouts))


def test_a_reminder_also_reaches_those_standing_in_for_the_approvers() -> None:
    step = level_2_step()
    [reminder], _ = step_events(step, DEFAULT_DEADLINE_RULES, step.remind_at, substitutes=("carl", "max"))
    assert isinstance(reminder, ApprovalReminderDue)
    assert reminder.approvers == ("max", "carl")
