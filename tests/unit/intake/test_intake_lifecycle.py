from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain.errors import CloseRefused, IllegalTransition, ReopenRefused
from intake.domain.lifecycle import (
    OPEN_STATUSES,
    SLA_PAUSED_STATUSES,
    TRANSITIONS,
    ClosingPolicy,
    allowed_actions,
    can_close,
    can_reopen,
    ensure_can_close,
    ensure_can_reopen,
    transition,
)
from intake.domain.vocabulary import CloseReason, RequestAction, RequestStatus

S, A = RequestStatus, RequestAction
RESOLVED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

LEGAL = [(s, a, target) for s, moves in TRANSITIONS.items() for a, target in moves.items()]
ILLEGAL = [(s, a) for s, a in product(S, A) if a not in TRANSITIONS[s]]


@pytest.mark.parametrize(("current", "action", "expected"), LEGAL)
def test_every_allowed_transition_leads_where_the_table_says(
    current: RequestStatus, action: RequestAction, expected: RequestStatus
) -> None:
    assert transition(current, action) is expected


@pytest.mark.parametrize(("current", "action"), ILLEGAL)
def test_every_illegal_transition_raises(current: RequestStatus, action: RequestAction) -> None:
    with pytest.raises(IllegalTransition) as raised:
        transition(current, action)
    assert (raised.value.current, raised.value.action) == (current, action)
    assert raised.value.code == "illegal_transition"


def test_every_status_has_an_entry_in_the_table() -> None:
    assert set(TRANSITIONS) == set(S)


def test_every_status_is_reachable_from_received() -> None:
    reached, frontier = {S.RECEIVED}, [S.RECEIVED]
    while frontier:
        for target in TRANSITIONS[frontier.pop()].values():
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)


def test_nothing_leads_back_to_received() -> None:
    assert S.RECEIVED not in {target for _, _, target in LEGAL}


def test_reopening_leads_back_to_in_progress() -> None:
    assert transition(S.RESOLVED, A.REOPEN) is S.IN_PROGRESS
    assert transition(S.CLOSED, A.REOPEN) is S.IN_PROGRESS


def test_a_request_awaiting_the_customer_cannot_be_closed_directly() -> None:
    with pytest.raises(IllegalTransition):
        transition(S.AWAITING_CUSTOMER, A.CLOSE)


def test_sla_pauses_only_while_awaiting_the_customer() -> None:
    assert SLA_PAUSED_STATUSES == {S.AWAITING_CUSTOMER}
    assert S.CUSTOMER_REPLIED not in SLA_PAUSED_STATUSES


def test_resolved_and_closed_requests_are_not_open() -> None:
    assert OPEN_STATUSES == set(S) - {S.RESOLVED, S.CLOSED}


def test_allowed_actions_lists_the_table_row() -> None:
    assert allowed_actions(S.RESOLVED) == {A.CLOSE, A.REOPEN}


@given(st.lists(st.sampled_from(list(A)), max_size=30))
def test_any_sequence_of_actions_either_moves_per_the_table_or_raises(actions: list[RequestAction]) -> None:
    status = S.RECEIVED
    for action in actions:
        if action in TRANSITIONS[status]:
            status = transition(status, action)
        else:
            with pytest.raises(IllegalTransition):
                transition(status, action)
    assert status in S


def test_close_with_customer_confirmation_is_allowed_at_once() -> None:
    assert can_close(S.RESOLVED, True, RESOLVED_AT, RESOLVED_AT)
    assert ensure_can_close(S.RESOLVED, True, RESOLVED_AT, RESOLVED_AT) is CloseReason.CUSTOMER_CONFIRMED


def test_close_without_confirmation_before_timeout_is_refused() -> None:
    now = RESOLVED_AT + timedelta(days=9, hours=23)
    assert not can_close(S.RESOLVED, False, RESOLVED_AT, now)
    with pytest.raises(CloseRefused) as refused:
        ensure_can_close(S.RESOLVED, False, RESOLVED_AT, now)
    assert "10 days" in refused.value.message


@pytest.mark.parametrize("after", [timedelta(days=10), timedelta(days=45)])
def test_close_without_confirmation_after_timeout_is_allowed(after: timedelta) -> None:
    now = RESOLVED_AT + after
    assert can_close(S.RESOLVED, False, RESOLVED_AT, now)
    assert ensure_can_close(S.RESOLVED, False, RESOLVED_AT, now) is CloseReason.NO_ANSWER_TIMEOUT


def test_no_answer_timeout_is_configurable() -> None:
    now = RESOLVED_AT + timedelta(days=3)
    assert can_close(S.RESOLVED, False, RESOLVED_AT, now, no_answer_timeout=timedelta(days=3))
    policy = ClosingPolicy(no_answer_timeout=timedelta(days=15))
    with pytest.raises(CloseRefused):
        ensure_can_close(S.RESOLVED, False, RESOLVED_AT, RESOLVED_AT + timedelta(days=12), policy)


def test_close_without_confirmation_or_resolution_date_is_refused() -> None:
    assert not can_close(S.RESOLVED, False, None, RESOLVED_AT + timedelta(days=100))


@pytest.mark.parametrize("status", [s for s in S if s is not S.RESOLVED])
def test_only_a_resolved_request_can_be_closed(status: RequestStatus) -> None:
    assert not can_close(status, True, RESOLVED_AT, RESOLVED_AT + timedelta(days=30))
    with pytest.raises(CloseRefused):
        ensure_can_close(status, True, RESOLVED_AT, RESOLVED_AT + timedelta(days=30))


def test_a_resolved_request_can_always_be_reopened() -> None:
    assert can_reopen(S.RESOLVED, None, RESOLVED_AT + timedelta(days=365))


def test_a_closed_request_can_be_reopened_within_the_window() -> None:
    closed_at = RESOLVED_AT
    assert can_reopen(S.CLOSED, closed_at, closed_at + timedelta(days=30))
    ensure_can_reopen(S.CLOSED, closed_at, closed_at + timedelta(days=1))


def test_a_closed_request_cannot_be_reopened_after_the_window() -> None:
    closed_at = RESOLVED_AT
    assert not can_reopen(S.CLOSED, closed_at, closed_at + timedelta(days=31))
    with pytest.raises(ReopenRefused) as refused:
        ensure_can_reopen(S.CLOSED, closed_at, closed_at + timedelta(days=31))
    assert "new request" in refused.value.message


def test_reopen_window_is_configurable() -> None:
    assert can_reopen(S.CLOSED, RESOLVED_AT, RESOLVED_AT + timedelta(days=80), timedelta(days=90))


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_an_open_request_cannot_be_reopened(status: RequestStatus) -> None:
    assert not can_reopen(status, None, RESOLVED_AT)
    with pytest.raises(ReopenRefused):
        ensure_can_reopen(status, None, RESOLVED_AT)
