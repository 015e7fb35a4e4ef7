"""A deadline's explanation lists every candidate target, its basis and due instant, and which
one applies (docs/domain.md §4.3): a P3 email received on Friday 15:55 (Paris)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from events.catalogue import intake as ev
from events.vocabulary import Channel
from sla_clock.domain.clock import ClockRules, desired_timers
from sla_clock.domain.deadlines import Calendars
from sla_clock.domain.explanation import RULE
from sla_clock.domain.policy import DEFAULT_POLICY, ChannelStandard, SlaPolicy, business_days, clock_hours
from sla_clock.domain.request_state import RequestState, evolve
from sla_clock.domain.rules_book import default_calendars

FRIDAY_15_55 = datetime(2026, 3, 6, 14, 55, tzinfo=UTC)  # 15:55 in Paris
CALENDARS = Calendars(default_calendars()["france"])
AROUND_THE_CLOCK = SlaPolicy(
    2,
    DEFAULT_POLICY.priorities,
    dict(DEFAULT_POLICY.channels) | {Channel.EMAIL: ChannelStandard(clock_hours(24), business_days(5))},
)


def email_received_friday() -> RequestState:
    rid = uuid4()
    event = ev.RequestReceived(request_id=rid, reference="R-1", channel="email", received_at=FRIDAY_15_55)
    state = evolve(None, event)
    assert state is not None
    return state


def first_response(policy: SlaPolicy) -> dict:
    timers = desired_timers(email_received_friday(), ClockRules(policy, CALENDARS, "france"))
    [breach] = [t for t in timers if (t.key, t.threshold) == ("first_response", "breach")]
    return breach.explanation


def test_every_candidate_is_shown_with_its_basis_and_the_one_that_applies():
    why = first_response(DEFAULT_POLICY)
    assert why["rule"] == RULE
    assert [(c["source"], c["basis"], c["target_seconds"], c["applies"]) for c in why["candidates"]] == [
        ("priority P3", "business", 8 * 3600, False),
        ("channel email", "business", 7 * 3600, True),
    ]
    priority, channel = why["candidates"]
    assert channel["due_at"] == "2026-03-09T14:55:00+00:00"  # Monday 15:55, not Saturday
    assert priority["due_at"] == "2026-03-10T07:55:00+00:00"  # Tuesday 08:55
    assert channel["calendar"] == priority["calendar"] == "france"


def test_a_policy_counting_email_around_the_clock_shows_why_it_falls_on_saturday():
    why = first_response(AROUND_THE_CLOCK)
    priority, channel = why["candidates"]
    assert (channel["basis"], channel["calendar"], channel["applies"]) == ("clock", "24/7", True)
    assert channel["due_at"] == "2026-03-07T14:55:00+00:00"  # Saturday 15:55
    assert (priority["basis"], priority["applies"]) == ("business", False)


def test_a_channel_without_standard_has_the_priority_target_alone():
    rid = uuid4()
    state = evolve(
        None, ev.RequestReceived(request_id=rid, reference="R-2", channel="phone", received_at=FRIDAY_15_55)
    )
    assert state is not None
    timers = desired_timers(state, ClockRules(DEFAULT_POLICY, CALENDARS, "france"))
    [breach] = [t for t in timers if (t.key, t.threshold) == ("resolution", "breach")]
    [only] = breach.explanation["candidates"]
    assert (only["source"], only["applies"]) == ("priority P3", True)
