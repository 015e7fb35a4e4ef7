"""The consumer: intake's events -> each subject's anchors and consumed events; every
context's ``ArchiveAccessed`` -> the access log; each producer's ``SubjectDataErased`` (a
``ServiceDataErased``) -> what it reports blanking, per erasure or purge. Exactly once per
event (the platform consumer's inbox row commits with the projection)."""

from __future__ import annotations

from events.catalogue import load_all
from events.catalogue.retention import ArchiveAccessed, ServiceDataErased
from events.consumer import Consumer, Handler
from events.service.runtime import ServiceRuntime
from retention.adapters.projection import (
    INTAKE_EVENTS,
    project_access,
    project_intake,
    project_service_erasure,
)

CONSUMER_NAME = "retention"
CONSUMED_CONTEXTS = ("intake", "documents", "approvals", "sla_clock")
ERASURE_REPORTS = tuple(model for model in load_all() if issubclass(model, ServiceDataErased))
"""Every producer's report of what it blanked (``<context>.SubjectDataErased``)."""


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    handlers: dict[str, Handler] = {event.event_type: project_intake for event in INTAKE_EVENTS}
    handlers[ArchiveAccessed.event_type] = project_access
    for report in ERASURE_REPORTS:
        handlers[report.event_type] = project_service_erasure
    return Consumer(CONSUMER_NAME, runtime.engine, handlers)
