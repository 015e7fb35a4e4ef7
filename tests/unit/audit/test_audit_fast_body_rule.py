"""The fast verifier's reading of an event line never passes what the exact verifier flags:
each line below has a chain hash that holds over its body, so only the reading of the leaf
and the body can tell them apart."""

from __future__ import annotations

from typing import Any

import pytest
from audit_fixtures import stored_events

from events.audit import fast
from events.audit.bundle import TAB, ReadEvent, event_record
from events.audit.leaf import leaf_bytes
from events.integrity import link_hash


def first_record() -> dict[str, Any]:
    record = event_record(stored_events(1, streams=1)[0])
    assert record["prev_hash"] is None
    return record


def line_of(body: bytes, *, leaf_extra: bytes = b"") -> bytes:
    """An event line whose leaf states the chain hash of ``body`` (so the hash holds)."""
    record = first_record()
    record["hash"] = link_hash(None, body)
    leaf = leaf_bytes(record)
    if leaf_extra:
        leaf = leaf[:-1] + b"," + leaf_extra + b"}"
    return leaf + TAB + body


def body_with(data: bytes) -> bytes:
    record = first_record()
    return (
        b'{"data":' + data + b',"id":"' + record["id"].encode() + b'","metadata":{},"pii":null,'
        b'"schema_version":1,"stream_id":"' + record["stream_id"].encode() + b'","stream_type":"t",'
        b'"stream_version":1,"time":"'
        + record["time"].encode()
        + b'","type":"'
        + record["type"].encode()
        + b'"}'
    )


def verdicts(line: bytes) -> tuple[bool, str | None]:
    return fast.check_lines([line]).clean, ReadEvent(line).problem


def test_an_honest_line_is_clean_on_both_paths() -> None:
    assert verdicts(line_of(body_with(b'{"n":1}'))) == (True, None)


@pytest.mark.parametrize(
    "data",
    [
        b'"\xff\xfe"',  # not UTF-8, in a value the fast reader reads past
        b'"\xed\xa0\x80"',  # an encoded surrogate
        b'"\xc0\xaf"',  # an overlong form
        b'"a\x01b"',  # a control character in a string
        b"[1,]",  # not JSON
        b"NaN",
    ],
)
def test_a_body_that_is_not_utf8_json_is_unclean_and_flagged(data: bytes) -> None:
    clean, problem = verdicts(line_of(body_with(data)))
    assert not clean
    assert problem == "the body is not a JSON object naming the event"


@pytest.mark.parametrize("data", [b"1e400", b"1" + b"0" * 400, b'"caf\xc3\xa9"'])
def test_json_both_readers_accept_reads_the_same_on_both_paths(data: bytes) -> None:
    assert verdicts(line_of(body_with(data))) == (True, None)


def test_a_body_naming_another_event_is_unclean_and_flagged() -> None:
    body = body_with(b"1").replace(b'"stream_version":1', b'"stream_version":2')
    clean, problem = verdicts(line_of(body))
    assert not clean
    assert problem == "its leaf and its body disagree on stream_version"


def test_a_leaf_the_fast_reader_does_not_know_goes_to_the_exact_verifier() -> None:
    clean, problem = verdicts(line_of(body_with(b"1"), leaf_extra=b'"note":"x"'))
    assert (clean, problem) == (False, None)


def test_a_second_tab_is_unclean_and_flagged() -> None:
    clean, problem = verdicts(line_of(body_with(b"1")) + TAB)
    assert not clean
    assert problem == "not a leaf and a body separated by one tab"
