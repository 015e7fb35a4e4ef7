"""Wiring of the Retention service for the service kit: the only place adapters are chosen."""

from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="retention",
    context="retention",
    default_port=8005,
    title="Retention",
)
