"""Event ids: UUIDv7 (RFC 9562), sortable by creation time, unique."""

import time

from events.ids import new_id


def test_an_id_is_a_version_7_rfc_uuid_carrying_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    event_id = new_id()
    after = time.time_ns() // 1_000_000
    assert event_id.version == 7
    assert event_id.variant == "specified in RFC 4122"
    assert before <= event_id.int >> 80 <= after


def test_ids_made_one_after_another_sort_in_creation_order_and_never_repeat():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    # Sub-millisecond precision (12 bits, ~244 ns) orders ids; within one such tick the random
    # tail decides, so allow for the few ids made within the same tick.
    inversions = sum(1 for a, b in zip(ids, ids[1:], strict=False) if a > b)
    assert inversions < len(ids) // 100


def test_ids_made_a_millisecond_apart_are_in_order():
    start = time.time_ns()
    first = new_id(lambda: start)
    assert first.int >> 80 == start // 1_000_000
    assert new_id(lambda: start + 1_000_000) > first
