from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.vocabulary import Priority
from intake.domain.queue import QueueEntry, order_queue, queue_key
from intake.domain.vocabulary import QueueException

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def entry(
    request_id: str, priority: Priority, minutes: int, exception: QueueException | None = None
) -> QueueEntry:
    return QueueEntry(request_id, priority, T0 + timedelta(minutes=minutes), exception)


def ids(entries: list[QueueEntry]) -> list[str]:
    return [e.request_id for e in entries]


def test_higher_priority_is_served_first_whatever_its_arrival() -> None:
    queue = [entry("old-p3", Priority.P3, 0), entry("new-p1", Priority.P1, 60), entry("p2", Priority.P2, 30)]
    assert ids(order_queue(queue)) == ["new-p1", "p2", "old-p3"]


def test_first_come_first_served_within_equal_priority() -> None:
    queue = [entry("b", Priority.P2, 10), entry("a", Priority.P2, 5), entry("c", Priority.P2, 20)]
    assert ids(order_queue(queue)) == ["a", "b", "c"]


@pytest.mark.parametrize("exception", list(QueueException))
def test_documented_exception_jumps_ahead_within_its_priority(exception: QueueException) -> None:
    queue = [entry("first", Priority.P2, 0), entry("exceptional", Priority.P2, 60, exception)]
    assert ids(order_queue(queue)) == ["exceptional", "first"]


@pytest.mark.parametrize("exception", list(QueueException))
def test_exception_does_not_jump_over_a_higher_priority(exception: QueueException) -> None:
    queue = [entry("exceptional-p3", Priority.P3, 0, exception), entry("p2", Priority.P2, 60)]
    assert ids(order_queue(queue)) == ["p2", "exceptional-p3"]


def test_exceptions_among_themselves_are_first_come_first_served() -> None:
    queue = [
        entry("late", Priority.P1, 30, QueueException.MAJOR_INCIDENT),
        entry("early", Priority.P1, 10, QueueException.VALIDATED_P1),
        entry("plain", Priority.P1, 0),
    ]
    assert ids(order_queue(queue)) == ["early", "late", "plain"]


def test_arrival_compares_instants_across_time_zones() -> None:
    paris = timezone(timedelta(hours=1))
    later_in_paris = QueueEntry("paris", Priority.P3, datetime(2026, 3, 2, 10, 0, tzinfo=paris))  # 09:00 UTC
    earlier_utc = QueueEntry("utc", Priority.P3, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    assert ids(order_queue([later_in_paris, earlier_utc])) == ["utc", "paris"]


def test_naive_arrival_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        QueueEntry("x", Priority.P1, datetime(2026, 3, 2, 8, 0))


entries = st.builds(
    QueueEntry,
    request_id=st.uuids().map(str),
    priority=st.sampled_from(list(Priority)),
    received_at=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    exception=st.none() | st.sampled_from(list(QueueException)),
)


@given(st.lists(entries, unique_by=lambda e: e.request_id, max_size=40))
def test_queue_order_is_a_total_order_independent_of_input_order(queue: list[QueueEntry]) -> None:
    ordered = order_queue(queue)
    assert order_queue(reversed(queue)) == ordered
    keys = [queue_key(e) for e in ordered]
    assert len(set(keys)) == len(keys)  # no two entries compare equal
    assert keys == sorted(keys)


@given(st.lists(entries, unique_by=lambda e: e.request_id, min_size=2, max_size=40))
def test_priority_never_decreases_along_the_queue(queue: list[QueueEntry]) -> None:
    ranks = [e.priority.rank for e in order_queue(queue)]
    assert ranks == sorted(ranks)


@given(st.lists(entries, unique_by=lambda e: e.request_id, min_size=2, max_size=40))
def test_within_a_priority_and_exception_class_arrival_order_is_kept(queue: list[QueueEntry]) -> None:
    ordered = order_queue(queue)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.priority is b.priority and (a.exception is None) == (b.exception is None):
            assert a.received_at <= b.received_at
