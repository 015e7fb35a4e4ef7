"""The consumer: intake's events -> each subject's anchors and consumed events; documents',
approvals' and sla-clock's events -> the consumed events of the customer they concern; every
context's ``ArchiveAccessed`` -> the access log; each producer's ``SubjectDataErased`` (a
``ServiceDataErased``) -> what it reports blanking, per erasure or purge; the SLA clock's
warning and breach of a data-subject request's due date -> the request's marks. Exactly once per
event (the platform consumer's inbox row commits with the projection)."""

from __future__ import annotations

from events.catalogue import REGISTRY, load_all
from events.catalogue.retention import ArchiveAccessed, ServiceDataErased
from events.catalogue.sla_clock import SlaBreached, SlaWarning
from events.consumer import Consumer, Handler
from events.service.runtime import ServiceRuntime
from retention.adapters.projection import (
    INTAKE_EVENTS,
    project_access,
    project_intake,
    project_related,
    project_service_erasure,
    project_sla_mark,
)

CONSUMER_NAME = "retention"
CONSUMED_CONTEXTS = ("intake", "documents", "approvals", "sla_clock")
ERASURE_REPORTS = tuple(model for model in load_all() if issubclass(model, ServiceDataErased))
"""Every producer's report of what it blanked (``<context>.SubjectDataErased``)."""
RELATED_CONTEXTS = ("documents", "approvals", "sla_clock")
RELATED_EVENTS = tuple(
    model
    for model in load_all()
    if REGISTRY.context_of(model.event_type) in RELATED_CONTEXTS and model not in ERASURE_REPORTS
)
"""The other producers' events, kept under the customer they concern (the access export)."""


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    handlers: dict[str, Handler] = {event.event_type: project_related for event in RELATED_EVENTS}
    handlers.update({event.event_type: project_intake for event in INTAKE_EVENTS})
    handlers[ArchiveAccessed.event_type] = project_access
    for report in ERASURE_REPORTS:
        handlers[report.event_type] = project_service_erasure
    for mark in (SlaWarning, SlaBreached):
        handlers[mark.event_type] = project_sla_mark
    return Consumer(CONSUMER_NAME, runtime.engine, handlers)
