"""The SLA clock's domain stays within computable instants: far customer deadlines are read as
the horizon, weeks out of 1900-2200 are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from test_sla_clock_timers import RID, RULES, T0, by_key, fold, qualified, received

from events.catalogue import intake as ev
from sla_clock.domain.clock import desired_timers
from sla_clock.domain.request_state import CUSTOMER_WAIT_HORIZON
from sla_clock.domain.weekly import BadWeek, week_bounds


@pytest.mark.parametrize(
    "due",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
def test_a_customer_deadline_beyond_the_horizon_counts_as_the_horizon(due):
    asked = T0 + timedelta(hours=1)
    state = fold(
        received(),
        qualified(),
        ev.AwaitingCustomer(request_id=RID, expected="x", customer_due_at=due, at=asked),
    )
    assert state.customer_due_at == asked + CUSTOMER_WAIT_HORIZON
    relance = by_key(desired_timers(state, RULES))[("relance:1", "due")]
    assert relance.fire_at == asked + CUSTOMER_WAIT_HORIZON + timedelta(days=1)


def test_a_customer_deadline_within_the_horizon_is_kept():
    due = T0 + timedelta(days=30)
    state = fold(received(), ev.AwaitingCustomer(request_id=RID, expected="x", customer_due_at=due, at=T0))
    assert state.customer_due_at == due


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "1900-W01", "2199-W52"])
def test_weeks_out_of_range_are_refused(week):
    with pytest.raises(BadWeek, match="year"):
        week_bounds(week, "Europe/Paris")


def test_a_week_in_range_is_bounded_by_its_mondays():
    start, end = week_bounds("2026-W10", "Europe/Paris")
    assert (start.date().isoformat(), end - start) == ("2026-03-02", timedelta(days=7))
