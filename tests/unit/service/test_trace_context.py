"""The trace context a command records: a valid W3C traceparent, or a new trace."""

from __future__ import annotations

import pytest

from events.observability.tracing import TRACEPARENT, new_traceparent, trace_context, valid_traceparent

CLIENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
SPAN = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        CLIENT + "x" * 6000,
        "",
    ],
)
def test_invalid_traceparents_are_replaced_by_a_new_trace(value):
    assert not valid_traceparent(value)
    traceparent, tracestate = trace_context([(None, None), (value, "vendor=1")])
    assert valid_traceparent(traceparent) and traceparent != value
    assert tracestate is None


def test_the_current_span_wins_over_the_client_and_the_client_over_a_new_trace():
    assert trace_context([(SPAN, "a=1"), (CLIENT, "b=2")]) == (SPAN, "a=1")
    assert trace_context([(None, None), (CLIENT, "b=2")]) == (CLIENT, "b=2")


def test_a_tracestate_is_kept_only_bounded_and_printable():
    assert trace_context([(CLIENT, "v=" + "x" * 600)]) == (CLIENT, None)
    assert trace_context([(CLIENT, "v=1\x00")]) == (CLIENT, None)
    assert trace_context([(CLIENT, "congo=t61rcWkgMzE")]) == (CLIENT, "congo=t61rcWkgMzE")


def test_each_new_trace_is_new():
    first, second = new_traceparent(), new_traceparent()
    assert first != second and TRACEPARENT.fullmatch(first) and valid_traceparent(first)
