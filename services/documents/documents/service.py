"""Wiring of the Documents service for the service kit: the only place adapters are chosen."""

from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="documents",
    context="documents",
    default_port=8004,
    title="Documents",
)
