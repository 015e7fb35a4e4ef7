"""Wiring of the SLA clock service: its definition for the service kit (the only place adapters are chosen)."""

from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="sla-clock",
    context="sla_clock",
    default_port=8002,
    title="SLA clock",
)
