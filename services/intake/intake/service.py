"""Wiring of the Intake service: its definition for the service kit (the only place adapters are chosen)."""

from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="intake",
    context="intake",
    default_port=8001,
    title="Intake",
)
