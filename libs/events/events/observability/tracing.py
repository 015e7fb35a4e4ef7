"""OpenTelemetry tracing: off by default; ``console`` or ``otlp`` exporters by setting. And the
W3C trace context every command records: validated, or a new trace (``trace_context``)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

_configured = False


def configure_tracing(app: FastAPI, service: str, exporter: str, endpoint: str | None) -> None:
    global _configured
    if exporter == "none":
        return
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": f"guichet-{service}"}))
        if exporter == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        trace.set_tracer_provider(provider)
        _configured = True
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def current_traceparent() -> tuple[str | None, str | None]:
    """The W3C trace context of the current span, to store with the events it causes."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")
"""W3C Trace Context, version 00: ``00-<trace id>-<parent id>-<flags>``, lowercase hex."""
TRACESTATE = re.compile(r"[\x20-\x7e]{0,512}")
"""What is kept of a ``tracestate``: printable ASCII, at most 512 characters (the length W3C
asks every vendor to pass on)."""


def valid_traceparent(value: str | None) -> bool:
    """Whether ``value`` is a version-00 traceparent whose trace and parent ids are not zero."""
    match = TRACEPARENT.fullmatch(value or "")
    return match is not None and set(match[1]) != {"0"} and set(match[2]) != {"0"}


def new_traceparent() -> str:
    """The traceparent of a new trace (not sampled: no span was recorded for it)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def trace_context(
    candidates: Iterable[tuple[str | None, str | None]],
) -> tuple[str, str | None]:
    """The first valid ``(traceparent, tracestate)`` of ``candidates`` (the current span, then
    what the client sent), with its tracestate only when that is well formed; a new trace when
    none is valid. Never stores garbage, an all-zero id or an unbounded value."""
    for traceparent, tracestate in candidates:
        if traceparent is not None and valid_traceparent(traceparent.strip()):
            state = tracestate.strip() if tracestate is not None else None
            return traceparent.strip(), state if state and TRACESTATE.fullmatch(state) else None
    return new_traceparent(), None
