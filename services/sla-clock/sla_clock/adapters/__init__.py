"""Adapters of the SLA clock: read-model tables, repositories, scheduler storage."""
