"""OpenTelemetry tracing: off by default; ``console`` or ``otlp`` exporters by setting."""

from __future__ import annotations

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
