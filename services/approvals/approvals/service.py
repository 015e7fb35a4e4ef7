"""Wiring of the Approvals service for the service kit: the only place adapters are chosen."""

from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="approvals",
    context="approvals",
    default_port=8003,
    title="Approvals",
)
